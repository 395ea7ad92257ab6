"""Run files and saved runs: exact round trips, bit-identical resumes, and one
clear message for each way a run file or a saved run can be wrong."""

import numpy as np
import pytest

from tuinn import run as runs
from tuinn.errors import ConfigError, DataError, TuinnError
from tuinn.run import Run, RunSpec


def one_long_run(spec, epochs):
    run = Run(spec)
    run.train(epochs)
    return run


def assert_same_run(a, b):
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    np.testing.assert_array_equal(a.trainer.opt_state, b.trainer.opt_state)
    np.testing.assert_array_equal(a.trainer.best_theta, b.trainer.best_theta)
    assert a.trainer.best == b.trainer.best
    for key in ("loss", "test_loss"):
        np.testing.assert_array_equal(a.trainer.history[key], b.trainer.history[key])
    assert (a.epoch, a.status) == (b.epoch, b.status)


# ------------------------------------------------------------------ resuming

@pytest.mark.parametrize("name", ["exp", "body-metrics-scaled", "or-tanh", "spiral"])
def test_saved_run_resumes_bit_identically(name, tmp_path):
    """Shuffled mini-batches, Adam moments, standardization and a test set all survive."""
    whole = one_long_run(RunSpec.from_preset(name), 60)
    part = Run(RunSpec.from_preset(name))
    part.train(25)
    part.save(tmp_path / "saved")
    resumed = Run.load(tmp_path / "saved")
    assert resumed.epoch == 25
    resumed.train(35)
    assert_same_run(whole, resumed)


def test_resume_after_live_changes_and_a_second_save(tmp_path):
    spec = RunSpec.from_preset("exp")
    whole = Run(spec)
    whole.train(10)
    whole.set(lr=0.3, optimizer="momentum", momentum=0.5)
    whole.train(20)

    part = Run(RunSpec.from_preset("exp"))
    part.train(10)
    part.set(lr=0.3, optimizer="momentum", momentum=0.5)
    part.train(5)
    part.save(tmp_path / "r")
    again = Run.load(tmp_path / "r")
    assert again.spec.train.lr == 0.3 and again.spec.train.optimizer == "momentum"
    again.train(5)
    again.save(tmp_path / "r")                       # overwrite the earlier save
    last = Run.load(tmp_path / "r")
    last.train(10)
    assert_same_run(whole, last)


def test_saved_folder_holds_the_run_file_state_and_history(tmp_path):
    run = Run(RunSpec.from_preset("exp"))
    run.train(3)
    folder = run.save(tmp_path / "exp-run")
    assert sorted(p.name for p in folder.iterdir()) == ["history.csv", "run.toml", "state.npz"]
    lines = (folder / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == 1 + 4
    epoch, loss, test = lines[-1].split(",")
    assert int(epoch) == 3 and float(loss) == run.trainer.history["loss"][-1]
    assert float(test) == run.trainer.history["test_loss"][-1]
    with np.load(folder / "state.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["theta"], run.net.theta)
    assert RunSpec.read(folder / "run.toml") == run.spec


def test_a_diverged_run_stays_diverged_when_loaded(tmp_path):
    run = Run(RunSpec.from_preset("exp-lr5"))
    run.train()
    run.save(tmp_path / "d")
    again = Run.load(tmp_path / "d")
    assert again.status == "diverged at epoch 193" and again.epoch == 192
    np.testing.assert_array_equal(again.net.theta, run.net.theta)


def test_a_failed_save_keeps_the_previous_one(tmp_path, monkeypatch):
    run = Run(RunSpec.from_preset("exp"))
    run.train(5)
    folder = run.save(tmp_path / "keep")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    run.train(5)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runs.np, "savez", broken)
    with pytest.raises(OSError):
        run.save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep"], "no temporary folder left"
    monkeypatch.undo()
    assert Run.load(folder).epoch == 5


# ------------------------------------------------------------------ run files

def test_a_preset_key_starts_from_that_preset(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('preset = "exp"\n[train]\nlr = 1.0\n')
    spec = RunSpec.read(path)
    want = RunSpec.from_preset("exp-lr1")
    assert spec.train == want.train and spec.init == want.init and spec.model == want.model
    a, b = one_long_run(spec, 50), one_long_run(want, 50)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)


def test_a_new_data_source_or_init_scheme_replaces_the_presets(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('preset = "sum-relu"\n[data]\ngenerator = "f1"\n'
                    '[model]\nhidden_units = 3\n[init]\nscheme = "he"\nseed = 4\n')
    spec = RunSpec.read(path)
    assert spec.data.params == {} and spec.init.weights is None
    run = one_long_run(spec, 5)
    assert run.net.describe().startswith("1")


def test_the_readme_run_file_example_runs(tmp_path):
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "run.toml"
    path.write_text(example)
    spec = RunSpec.read(path)
    assert spec.name == "exp" and spec.model.hidden_units == 2 and spec.train.lr == 1.0
    assert spec.init.scheme == "glorot" and spec.init.weights is None
    run = Run(spec)
    run.train(5)
    assert run.epoch == 5 and run.dataset.X_test is not None


def test_a_csv_run_file_finds_its_data_next_to_it(tmp_path):
    rows = ["height,weight,label"] + [f"{150 + i},{50 + i % 7},{'ab'[i % 2]}"
                                      for i in range(40)]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    path = tmp_path / "run.toml"
    path.write_text('[data]\ncsv = "people.csv"\ntarget = "label"\ntest_ratio = 0.25\n'
                    'standardize_inputs = true\n'
                    '[model]\nhidden_units = 3\nactivation = "tanh"\noutput = "sigmoid"\n'
                    'loss = "cross_entropy"\n[train]\noptimizer = "adam"\nlr = 0.01\n'
                    'epochs = 50\n')
    run = Run(RunSpec.read(path))
    assert run.dataset.classes == ["a", "b"] and len(run.dataset.X_test) == 10
    run.train()
    assert run.epoch == 50 and "test_accuracy" in run.metrics()
    run.save(tmp_path / "saved")
    assert Run.load(tmp_path / "saved").epoch == 50


BAD_FILES = [
    ("colour = 1\n", "unknown key 'colour'"),
    ("[train]\nlearning_rate = 0.1\n", "unknown key [train] 'learning_rate'"),
    ("[train]\nlr = \"fast\"\n", "train.lr must be a number, got 'fast'"),
    ("[train]\nepochs = 1.5\n", "train.epochs must be a whole number"),
    ("[model]\nhidden_units = true\n", "model.hidden_units must be a whole number"),
    ("model = 3\n", "[model] must be a table"),
    ("[train\nlr = 1\n", "not valid TOML"),
    ('preset = "nope"\n', "unknown preset 'nope'"),
    ("preset = 3\n", "preset must be a string"),
]


@pytest.mark.parametrize("text,message", BAD_FILES)
def test_bad_run_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        RunSpec.read(path)
    assert message in str(info.value)
    assert str(path) in str(info.value), "names the file"


BAD_RUNS = [
    ('[data]\ncsv = "missing.csv"\n', "missing.csv"),
    ('[data]\ngenerator = "f1"\ncsv = "x.csv"\n', "either a generator or a csv"),
    ("[model]\nhidden_units = 2\n", "either a generator or a csv"),
    ('[data]\ngenerator = "f9"\n', "unknown data set 'f9'"),
    ('[data]\ngenerator = "f1"\nparams = {seed = 3}\n', "data.seed"),
    ('[data]\ngenerator = "f1"\nparams = {width = 3}\n', "unknown parameter 'width'"),
    ('[data]\ngenerator = "f1"\ntest_ratio = 0.2\n', "already has a test set"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "manual"\n', "needs [init.weights]"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "manual"\n[init.weights]\nW1 = [[1.0]]\n',
     "init.weights: b1 is missing"),
    ('[data]\ngenerator = "f1"\n[model]\nhidden_units = 2\n[init]\nscheme = "manual"\n'
     '[init.weights]\nW1 = [[1.0, 2.0, 3.0]]\nb1 = [0.0, 0.0]\nW2 = [[1.0], [1.0]]\n'
     'b2 = [0.0]\n', "W1"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "lecun"\n', "unknown scheme 'lecun'"),
    ('[data]\ngenerator = "f1"\n[model]\nactivation = "ReLU"\n', "did you mean 'relu'"),
    ('[data]\ngenerator = "f1"\n[train]\nlr = -1.0\n', "lr"),
]


@pytest.mark.parametrize("text,message", BAD_RUNS)
def test_bad_runs_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(TuinnError) as info:
        Run(RunSpec.read(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_each_bad_case_has_its_own_message(tmp_path):
    seen = set()
    for i, (text, _) in enumerate(BAD_FILES + BAD_RUNS):
        path = tmp_path / f"r{i}.toml"
        path.write_text(text)
        with pytest.raises(TuinnError) as info:
            Run(RunSpec.read(path))
        seen.add(str(info.value).replace(str(path), "FILE"))
    assert len(seen) == len(BAD_FILES) + len(BAD_RUNS) - 1   # two cases share one cause


def test_bad_saved_runs_are_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not a saved run"):
        Run.load(tmp_path)
    run = Run(RunSpec.from_preset("exp"))
    run.train(2)
    folder = run.save(tmp_path / "s")

    np.savez(folder / "state.npz", theta=np.zeros(3))
    with pytest.raises(DataError, match="weights do not fit"):
        Run.load(folder)

    (folder / "state.npz").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="cannot read .*state.npz"):
        Run.load(folder)

    np.savez(folder / "state.npz", theta=run.net.theta, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="cannot read .*state.npz"):
        Run.load(folder)                              # pickled objects are refused

    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"], snap["opt_state"]
    np.savez(folder / "state.npz", theta=run.net.theta, **snap)
    with pytest.raises(DataError, match="opt_state is missing"):
        Run.load(folder)

    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"]                # as saved before state.npz had them
    np.savez(folder / "state.npz", theta=run.net.theta, **snap)
    (folder / "history.csv").write_text("epoch,loss,test_loss\n0,abc,\n")
    with pytest.raises(DataError, match="cannot read history"):
        Run.load(folder)


def test_data_summary_shows_the_standardization():
    lines = Run(RunSpec.from_preset("body-metrics-scaled")).data_summary()
    assert lines[0].startswith("body-metrics: 11 train + 2 test rows, 3 inputs, binary")
    X = Run(RunSpec.from_preset("body-metrics")).dataset.X
    assert f"height (mean {X[:, 0].mean():.4g}, sd {X[:, 0].std():.4g})" in lines[1]
    assert lines[1].startswith("inputs standardized with the training rows' statistics")
    assert Run(RunSpec.from_preset("body-metrics")).data_summary() == lines[:1]


def test_a_run_whose_targets_do_not_suit_the_output_is_refused_at_once():
    spec = RunSpec.from_preset("exp")
    spec.model.output = "sigmoid"
    with pytest.raises(DataError, match=r"a sigmoid output lies in \[0, 1\] but Y spans"):
        Run(spec)


# ------------------------------------------------------------------ history files

EXTREMES = np.array([0.0, -0.0, 0.1, 1 / 3, 5e-324, 2.2250738585072014e-308,
                     1.7976931348623157e308, -9.87654321e-300, 123456789012345.67, np.inf, -np.inf])


@pytest.mark.parametrize("with_test", [True, False])
def test_history_files_read_back_the_same_doubles(tmp_path, with_test):
    rng = np.random.default_rng(7)
    scales = 10.0 ** rng.integers(-300, 300, 150_000)
    loss = np.concatenate([EXTREMES, rng.random(150_000) * scales])
    test = rng.standard_normal(len(loss)) if with_test else np.empty(0)
    runs.write_history(tmp_path / "h.csv", loss, test)
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == 1 + len(loss)
    first = lines[1].split(",")
    assert first[:2] == ["0", "0"] and (float(first[2]) == test[0] if with_test else not first[2])
    back_loss, back_test = runs._read_history(tmp_path / "h.csv")
    np.testing.assert_array_equal(back_loss, loss)
    np.testing.assert_array_equal(back_test, test)
    assert [float(v) for v in lines[-1].split(",")[1:] if v] == \
        [loss[-1]] + ([test[-1]] if with_test else [])


def test_a_history_with_missing_test_losses_reads_back_too(tmp_path):
    loss, test = np.array([3.0, 2.0, 1.0]), np.array([np.nan, 2.5, 1.5])
    runs.write_history(tmp_path / "h.csv", loss, test)
    assert (tmp_path / "h.csv").read_text().splitlines()[1] == "0,3,nan"
    back_loss, back_test = runs._read_history(tmp_path / "h.csv")
    np.testing.assert_array_equal(back_loss, loss)
    np.testing.assert_array_equal(back_test, test)


def test_format_history_refuses_mismatched_lengths():
    from tuinn.engine import format_history

    with pytest.raises(DataError, match="3 losses but 2 test losses"):
        format_history(np.zeros(3), np.zeros(2), 0, 3)
    assert format_history(np.zeros(3), np.empty(0), 3, 10) == b""


def test_a_quick_save_leaves_out_the_csv_and_resumes_the_same(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 300)
    run.save(tmp_path / "quick", history_csv=False)
    assert sorted(p.name for p in (tmp_path / "quick").iterdir()) == ["run.toml", "state.npz"]
    assert_same_run(Run.load(tmp_path / "quick"), run)


def test_runs_saved_with_the_history_only_in_the_csv_still_load(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 40)
    folder = run.save(tmp_path / "old")
    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"]
    np.savez(folder / "state.npz", theta=run.net.theta, status=np.array(run.status), **snap)
    assert_same_run(Run.load(folder), run)
