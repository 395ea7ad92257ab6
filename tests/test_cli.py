"""`tuinn` and `tuinn bench` as a user runs them: real subprocesses."""

import os
import subprocess
import sys

import pytest

from conftest import ELSEWHERE
from conftest import run_tuinn as tuinn


def test_help_lists_the_app_options_and_the_commands():
    done = tuinn("--help")
    assert done.returncode == 0
    for word in ("usage", "bench", "presets", "--preset", "--resume", "--ascii", "--color"):
        assert word in done.stdout, word


def test_presets_lists_every_preset_with_its_title():
    from tuinn import presets

    done = tuinn("presets")
    assert done.returncode == 0, done.stderr
    listing, pairs = done.stdout.split("\n\n")
    lines = listing.splitlines()
    assert [line.split()[0] for line in lines] == presets.names()
    assert all(presets.PRESETS[line.split()[0]]["title"] in line for line in lines)
    assert pairs.splitlines()[1:] == [f"  tuinn --compare {a} {b}: {what}"
                                      for a, b, what in presets.PAIRS]


def test_presets_shows_and_writes_a_run_file(tmp_path):
    from tuinn.runs import RunSpec

    shown = tuinn("presets", "coverage-bad")
    assert shown.returncode == 0, shown.stderr
    assert "x < -3" in shown.stdout and 'activation = "relu"' in shown.stdout
    path = tmp_path / "bad.toml"
    written = tuinn("presets", "coverage-bad", "--write", str(path))
    assert written.returncode == 0, written.stderr
    assert RunSpec.read(path) == RunSpec.from_preset("coverage-bad")


def test_presets_unknown_name_is_one_line_and_exit_2():
    done = tuinn("presets", "coverage-medium")
    assert done.returncode == 2
    assert done.stderr.strip() == ("tuinn: unknown preset 'coverage-medium' (did you mean "
                                   "'coverage-bad'?); `tuinn presets` lists them")




def test_version_is_the_packages():
    import tuinn as package

    done = tuinn("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"tuinn {package.__version__}"


def test_run_flags_before_the_command_carry_through(tmp_path):
    done = tuinn("--preset", "sum-relu", "--lr", "0.03", "train", "--epochs", "2",
                 "--save", str(tmp_path / "r"))
    assert done.returncode == 0, done.stderr
    saved = (tmp_path / "r" / "run.toml").read_text()
    assert 'name = "sum-relu"' in saved and "lr = 0.03" in saved


def test_an_option_of_the_app_given_to_a_command_is_refused_in_one_line():
    done = tuinn("--fps", "3", "train", "--preset", "exp")
    assert done.returncode == 2
    assert done.stderr.strip() == ("tuinn: --fps is an option of the app; `tuinn train` does "
                                   "not take it (`tuinn -h` lists the options)")


def test_a_bad_flag_value_is_one_line_naming_the_rule():
    done = tuinn("train", "--epochs", "-5")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "epochs must be a whole number in 0..100,000,000, got -5" in done.stderr


def test_a_closed_pipe_ends_quietly():
    done = subprocess.run(f"{sys.executable} -m tuinn presets | head -2", shell=True,
                          capture_output=True, text=True, timeout=60, cwd=ELSEWHERE)
    assert len(done.stdout.splitlines()) == 2 and done.stderr == ""


def test_the_app_asks_for_a_terminal_before_it_builds_the_run():
    # The CSV does not exist: had the run been built first, that would be the error.
    done = tuinn("--data", "/no/such.csv", stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "the app needs a terminal" in done.stderr


def _refused(done, words):
    """A refusal as the user sees it: exit 2 and one line that says what is wrong."""
    said = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(said) == 1 and words in said[0], done.stderr


def test_more_hostile_inputs_found_in_review_are_one_line(tmp_path):
    import numpy as np
    from conftest import run_tuinn

    deep = tmp_path / "deep.toml"
    deep.write_text('preset = "exp"\n' + "a." * 50_000 + "b = 1\n")
    _refused(run_tuinn("train", "--config", deep), "dotted parts")
    _refused(run_tuinn("sweep", "--preset", "exp", "--epochs", "1", "--grid", "lr=0.1",
                             "--seeds", "100000000"), "--seeds must be a whole number")
    import importlib.util

    without_dask = ("no Dask scheduler there" if importlib.util.find_spec("distributed")
                    else "--scheduler needs Dask: pip install 'tuinn[dask]'")
    _refused(run_tuinn("sweep", "--preset", "exp", "--epochs", "1", "--grid", "lr=0.1",
                       "--scheduler", "nope"), without_dask)
    mine = tmp_path / "mine.toml"
    mine.write_text("my own\n")
    _refused(run_tuinn("presets", "exp", "--write", mine), "exists")
    assert mine.read_text() == "my own\n"
    _refused(run_tuinn("presets", "exp", "--write", tmp_path / "no" / "x.toml"),
                   "cannot write")
    saved = tmp_path / "run"
    assert run_tuinn("train", "--preset", "exp", "--epochs", "3", "--save", saved).returncode == 0
    state = dict(np.load(saved / "state.npz"))
    state["epoch"] = np.float64("nan")
    np.savez(saved / "state.npz", **state)
    _refused(run_tuinn("train", "--resume", saved, "--epochs", "5"), "state.npz")


def test_predict_never_overwrites_a_one_word_csv_of_the_users(tmp_path):
    from conftest import run_tuinn

    saved = tmp_path / "run"
    assert run_tuinn("train", "--preset", "exp", "--epochs", "3", "--save", saved).returncode == 0
    rows = tmp_path / "x.csv"
    rows.write_text("x\n0.5\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("y\nmy labels\n")
    _refused(run_tuinn("predict", saved, "--data", rows, "--out", labels),
                   "a file tuinn did not write")
    assert labels.read_text() == "y\nmy labels\n"


def test_the_api_refuses_complex_weights_and_a_foreign_trainer_state():
    import numpy as np
    import tuinn
    from tuinn.errors import DataError

    net = tuinn.Net(2, 1, 1)
    with pytest.raises(DataError, match="complex"):
        net.set_weights(W1=np.array([[1j], [1.0]]))
    trainer = tuinn.Trainer(net)
    for bad in (None, {"epoch": "x"}, dict(trainer.snapshot(), epoch=np.nan),
                dict(trainer.snapshot(), loss="abc")):
        with pytest.raises(DataError):
            trainer.restore(bad)


@pytest.mark.parametrize("args, words", [
    (("train", "--save", "/"), "root folder"),
    (("train", "--resume", "/"), "root folder"),
    (("predict", "/", "--data", "x.csv"), "root folder"),
    (("train", "--data", ""), "--data needs a CSV file, not an empty string"),
    (("train", "--config", " "), "--config needs a run file"),
    (("train", "--preset", ""), "--preset needs a preset name"),
    (("train", "--data", "a\nb.csv"), "a\\nb.csv: no such file"),
    (("--fps", "nan"), "--fps must be a finite number"),
    (("--fps", "inf"), "--fps must be a finite number"),
    (("train", "--preset", "exp", "--lr", "nan"), "lr"),
])
def test_empty_root_and_broken_arguments_are_refused_in_one_line(args, words):
    _refused(tuinn(*args), words)


def test_a_message_naming_a_path_with_a_line_break_stays_one_line(tmp_path):
    odd = tmp_path / "two\nlines"
    odd.mkdir()
    _refused(tuinn("train", "--preset", "exp", "--save", odd / "x", "--epochs", "1",
                   "--history", tmp_path), "is a folder")


def test_predictions_on_a_full_disk_leave_no_file_and_say_so(tmp_path, monkeypatch):
    import errno
    import io

    from tuinn import headless
    from tuinn.errors import ConfigError
    from tuinn.runs import Run, RunSpec, spec

    run = Run(RunSpec.from_preset("body-metrics"))
    run.train(2)
    run.save(tmp_path / "r")
    rows = tmp_path / "rows.csv"
    rows.write_text(",".join(run.dataset.base_names) + "\n"
                    + ",".join("1" for _ in run.dataset.base_names) + "\n")

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    real = spec.os.fdopen
    monkeypatch.setattr(spec.os, "fdopen", lambda fd, *a, **k: (real(fd).close(), Full())[1])
    out = tmp_path / "pred.csv"
    with pytest.raises(ConfigError, match="No space left on device; nothing was written"):
        headless.predict(tmp_path / "r", rows, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "rows.csv"]


def _blas_setting(code, **env):
    """What OPENBLAS_NUM_THREADS reads after `code` in a fresh interpreter,
    and whether numpy had loaded before the command line module did."""
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport os\nprint(os.environ.get("
         "'OPENBLAS_NUM_THREADS'))"], env={**clean, **env}, capture_output=True, text=True,
        check=True, cwd=ELSEWHERE)
    return out.stdout.split()


def test_the_command_line_sets_one_blas_thread_before_numpy_loads():
    # importing the package loads no numpy, so the command line can still set it
    assert _blas_setting("import sys, tuinn\nprint('numpy' in sys.modules)") == ["False", "None"]
    assert _blas_setting("import tuinn.cli") == ["1"]
    assert _blas_setting("import tuinn.cli", OPENBLAS_NUM_THREADS="2") == ["2"]
    # the lazy names still work
    assert _blas_setting("from tuinn import Net\nprint(Net(1, 1, 1).n_hidden)") == ["1", "None"]


def test_help_prints_the_documents_that_travel_with_the_program():
    listed = tuinn("help")
    assert listed.returncode == 0
    for topic in ("diagnosis", "lessons", "math", "model-files", "situations"):
        assert topic in listed.stdout
    whole = tuinn("help", "math")
    assert whole.returncode == 0 and whole.stdout.startswith("# The mathematics")
    part = tuinn("help", "math#unit-health")
    assert part.stdout.startswith("## Unit health") and "## Curvature" not in part.stdout
    for args, words in ((["help", "nope"], "choose from diagnosis"),
                        (["help", "math#nope"], "its sections: shapes-and-forward-pass")):
        done = tuinn(*args)
        assert done.returncode == 2 and words in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_every_document_the_program_cites_is_one_help_prints():
    import pathlib
    import re

    from tuinn import help as docs
    from tuinn import presets

    package = pathlib.Path(docs.__file__).parent
    cited = set()
    for path in package.rglob("*"):
        if path.suffix in (".py", ".toml", ".tcss"):
            text = path.read_text(encoding="utf-8")
            cited |= set(re.findall(r"`tuinn help ([a-z][\w#-]*)`", text))
    for name in presets.names():
        notes = presets.get(name)["notes"]
        assert "docs/" not in notes      # what a user reads names no file they lack
        cited |= set(re.findall(r"`tuinn help ([a-z][\w#-]*)`", notes))
    assert len(cited) >= 9
    for name in cited:
        assert docs.text(name).strip(), name


def test_train_svg_draws_the_trained_run_as_the_app_shows_it(tmp_path):
    out = tmp_path / "exp.svg"
    done = tuinn("train", "--preset", "exp", "--epochs", "30", "--no-experiments",
                 "--svg", str(out), "--svg-size", "80x24")
    assert done.returncode == 0, done.stderr
    assert f"the picture is saved in {out}" in done.stderr
    text = out.read_text()
    assert text.startswith("<svg") and "30/30" in text.replace("&#160;", " ")
    for args, words in ((["--svg", str(tmp_path / "no" / "x.svg")], "does not exist"),
                        (["--svg", str(tmp_path)], "names a folder"),
                        (["--svg", str(out), "--svg-size", "10x10"], "between 80x24"),
                        (["--svg", str(out), "--svg-size", "big"], "COLUMNSxROWS"),
                        (["--svg-size", "80x24"], "give --svg too")):
        bad = tuinn("train", "--preset", "exp", *args)
        assert bad.returncode == 2 and words in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
