"""Every state a run can be in saves, loads and predicts the same: before its
first epoch, after a blow-up, and never on data or a model that changed under
it.  Predictions match columns by name, or by the training file's own
positions, never by a guess at where the target stood."""

import subprocess
import sys

import numpy as np
import pytest
from tuinn import headless
from tuinn.errors import TuinnError
from tuinn.runs import Run, RunSpec

from conftest import ELSEWHERE


def test_a_run_saved_before_its_first_epoch_loads_and_trains_the_same(tmp_path):
    fresh = Run(RunSpec.from_preset("exp"))
    fresh.save(tmp_path / "r")
    loaded = Run.load(tmp_path / "r")
    assert loaded.epoch == 0 and np.array_equal(loaded.net.theta, fresh.net.theta)
    fresh.train(20)
    loaded.train(20)
    assert np.array_equal(loaded.net.theta, fresh.net.theta)


def test_a_run_saved_after_a_blow_up_loads_with_finite_weights_and_best(tmp_path):
    run = Run(RunSpec.from_preset("exp-lr5"))
    run.train(1000)
    assert run.status.diverged
    assert np.isfinite(run.net.theta).all() and np.isfinite(run.trainer.best_theta).all()
    run.save(tmp_path / "r")
    loaded = Run.load(tmp_path / "r")
    assert loaded.status == run.status and loaded.epoch == run.epoch
    assert np.isfinite(loaded.trainer.best_theta).all()
    loaded.trainer.restore_best()
    assert np.isfinite(loaded.net.theta).all()


def test_a_saved_run_predicts_what_it_predicted_when_saved(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    data = tmp_path / "d.csv"
    np.savetxt(data, np.column_stack([X, X[:, :1] - X[:, 1:]]), delimiter=",",
               header="a,b,y", comments="")
    spec = RunSpec.from_dict({"data": {"csv": str(data), "standardize_inputs": True},
                              "model": {"hidden_units": 3}, "train": {"epochs": 30}})
    run = Run(spec)
    run.train(30)
    before = run.y_scaler.invert(run.net.predict(run.dataset.X)) if run.y_scaler else \
        run.net.predict(run.dataset.X)
    run.save(tmp_path / "r")
    out = tmp_path / "p.csv"
    headless.predict(tmp_path / "r", data, out)
    after = np.loadtxt(out, delimiter=",", skiprows=1)
    assert np.array_equal(after, before.ravel())


def test_a_changed_training_file_is_refused_on_load_and_predict(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i * i}\n" for i in range(20)))
    spec = RunSpec.from_dict({"data": {"csv": str(data), "standardize_inputs": True},
                              "model": {"hidden_units": 2}})
    run = Run(spec)
    run.train(5)
    run.save(tmp_path / "r")
    data.write_text("a,y\n" + "".join(f"{i},{i * i}\n" for i in range(40)))
    with pytest.raises(TuinnError, match="its file changed since the save"):
        Run.load(tmp_path / "r")


def test_a_model_changed_in_run_toml_is_refused(tmp_path):
    run = Run(RunSpec.from_preset("exp"))
    run.train(5)
    run.save(tmp_path / "r")
    toml = tmp_path / "r" / "run.toml"
    text = toml.read_text()
    assert 'activation = "sigmoid"' in text
    toml.write_text(text.replace('activation = "sigmoid"', 'activation = "relu"'))
    with pytest.raises(TuinnError, match="weights were trained as 1→"):
        Run.load(tmp_path / "r")


def test_predict_on_a_headerless_file_keeps_the_training_files_positions(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] * 2 - X[:, 1]
    data = tmp_path / "d.csv"
    np.savetxt(data, np.column_stack([y, X]), delimiter=",")       # the target first
    spec = RunSpec.from_dict({"data": {"csv": str(data), "target": 0, "header": False},
                              "model": {"hidden_units": 3}})
    run = Run(spec)
    run.train(10)
    run.save(tmp_path / "r")
    done = subprocess.run([sys.executable, "-m", "tuinn", "predict", str(tmp_path / "r"),
                           "--data", str(data)], capture_output=True, text=True, cwd=ELSEWHERE)
    assert done.returncode == 0, done.stderr
    predicted = np.array([float(v) for v in done.stdout.splitlines()[1:]])
    assert np.array_equal(predicted, run.net.predict(run.dataset.X).ravel())
    inputs_only = tmp_path / "x.csv"
    np.savetxt(inputs_only, X, delimiter=",")
    assert np.array_equal(np.loadtxt(headless_csv(tmp_path / "r", inputs_only), skiprows=1),
                          predicted)


def test_predict_refuses_a_headerless_file_it_would_have_to_guess_at(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i},{-i},{i * 2}\n" for i in range(20)))
    run = Run(RunSpec.from_dict({"data": {"csv": str(data)}, "model": {"hidden_units": 2}}))
    run.save(tmp_path / "r")
    rows = tmp_path / "rows.csv"
    rows.write_text("".join(f"{i},{-i},{i * 2}\n" for i in range(3)))
    with pytest.raises(TuinnError, match="give a header line that names them"):
        headless.predict(tmp_path / "r", rows)


def headless_csv(run_dir, rows):
    out = rows.with_suffix(".out.csv")
    headless.predict(run_dir, rows, out)
    return out
