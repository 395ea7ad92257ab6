"""`tuinn train` and `tuinn predict` as scripts use them: real subprocesses,
exit codes, JSON checked for its numbers, save and resume bit for bit."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from tuinn.runs import Run, RunSpec

from conftest import ELSEWHERE, TerminalStderr
from conftest import run_tuinn as tuinn


def train_json(*args):
    done = tuinn("train", *args, "--json")
    return done, json.loads(done.stdout)


def test_train_preset_json_gives_the_documents_test_loss():
    done, doc = train_json("--preset", "exp")
    assert done.returncode == 0 and doc["exit_code"] == 0, done.stderr
    assert round(doc["metrics"]["test_loss"], 4) == 0.0068
    assert doc["status"] == "done" and doc["epoch"] == 1000 and doc["epochs_trained"] == 1000
    assert doc["epochs_per_s"] > 0 and doc["architecture"] == "1→2→1 sigmoid→linear, squared"
    assert [u["index"] for u in doc["units"]] == [0, 1]
    assert not [f for f in doc["findings"] if f["severity"] == "problem"]


def test_train_flags_override_the_preset():
    done, doc = train_json("--preset", "exp", "--lr", "2", "--epochs", "1000")
    assert doc["metrics"]["test_loss"] == pytest.approx(2.66e4, rel=0.05)
    done, doc = train_json("--preset", "exp", "--hidden", "4", "--init", "glorot",
                           "--init-seed", "3", "--epochs", "20")
    assert doc["architecture"].startswith("1→4→1") and doc["epoch"] == 20


def test_train_a_run_file_and_write_the_history(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('preset = "sum-relu"\n')
    history = tmp_path / "h.csv"
    done, doc = train_json("--config", str(config), "--history", str(history))
    assert done.returncode == 0
    f = next(f for f in doc["findings"] if f["code"] == "all-units-dead")
    assert f["evidence"]["b2"][0] == pytest.approx(15.5, abs=1e-3)
    lines = history.read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == 1002
    assert float(lines[-1].split(",")[1]) == pytest.approx(0.125, abs=1e-6)


def test_train_a_csv_with_string_labels_then_predict_round_trip(tmp_path):
    rows = ["height,weight,shoe,sex"]
    rng = np.random.default_rng(0)
    for _ in range(60):
        male = rng.random() < 0.5
        rows.append(f"{rng.normal(178 if male else 163, 5):.1f},"
                    f"{rng.normal(80 if male else 60, 5):.1f},"
                    f"{rng.normal(44 if male else 38, 1):.1f},{'male' if male else 'female'}")
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    saved = tmp_path / "people-run"
    done, doc = train_json("--data", str(tmp_path / "people.csv"), "--target", "sex",
                           "--epochs", "300", "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert doc["metrics"]["test_accuracy"] >= 0.9
    assert "binary (female, male)" in doc["data"][0]
    (tmp_path / "new.csv").write_text("shoe,height,weight\n45,185,85\n37,158,55\n")
    out = tmp_path / "pred.csv"
    done = tuinn("predict", str(saved), "--data", str(tmp_path / "new.csv"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "label,p(male)"
    assert lines[1].startswith("male,") and lines[2].startswith("female,")
    (tmp_path / "wrong.csv").write_text("a,b\n1,2\n")
    done = tuinn("predict", str(saved), "--data", str(tmp_path / "wrong.csv"))
    assert done.returncode == 2
    assert done.stderr.strip().endswith("no column 'height'; the run was trained on columns "
                                        "height, weight, shoe")


def test_save_then_resume_equals_one_long_run(tmp_path):
    saved = tmp_path / "r"
    assert tuinn("train", "--preset", "or-tanh", "--epochs", "200", "--save",
                 str(saved)).returncode == 0
    done = tuinn("train", "--resume", str(saved), "--epochs", "500")
    assert done.returncode == 0, done.stderr
    resumed = Run.load(saved)
    whole = Run(RunSpec.from_preset("or-tanh"))
    whole.train(500)
    assert resumed.epoch == 500
    np.testing.assert_array_equal(resumed.net.theta, whole.net.theta)
    np.testing.assert_array_equal(resumed.trainer.history["loss"], whole.trainer.history["loss"])


def test_resume_refuses_a_model_change(tmp_path):
    saved = tmp_path / "r"
    tuinn("train", "--preset", "exp", "--epochs", "5", "--save", str(saved))
    done = tuinn("train", "--resume", str(saved), "--hidden", "5")
    assert done.returncode == 2
    assert done.stderr.strip() == ("tuinn: --resume continues a saved run: model.hidden_units "
                                   "cannot change; start a new run instead")


@pytest.mark.parametrize("args,message", [
    (["--preset", "nope"], "unknown preset 'nope'"),
    (["--preset", "exp", "--lr", "-1"], "lr (learning rate) must be > 0"),
    (["--preset", "exp", "--activation", "ReLU"], "did you mean 'relu'"),
    (["--data", "/no/such.csv"], "/no/such.csv"),
    (["--preset", "exp", "--config", "x.toml"], "give one of --preset, --config, --data"),
    (["--preset", "exp", "--target", "y"], "--target goes with --data"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    done = tuinn("train", *args)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_divergence_exits_3_with_the_summary():
    done, doc = train_json("--preset", "exp-lr5")
    assert done.returncode == 3 and doc["exit_code"] == 3
    assert doc["status"] == "diverged at epoch 193"
    # The last finite weights overflow the mse to inf (null in JSON) or come close
    # to it, by where the overflow falls on this CPU's rounding: both are honest.
    mse = doc["metrics"]["train_mse"]
    assert mse is None or mse > 1e300, mse
    assert any(f["code"] == "diverged" for f in doc["findings"])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_a_term_saves_first_and_exits_130(tmp_path, sig):
    saved = tmp_path / "r"
    t = TerminalStderr("train", "--preset", "exp", "--epochs", "100000000", "--save", saved)
    t.wait_for("epoch ")            # the progress bar: training has begun
    t.proc.send_signal(sig)
    out, err = t.finish()
    assert t.proc.returncode == 130, err
    assert "interrupted" in err and f"saved the run to {saved}" in err
    run = Run.load(saved)
    assert run.epoch > 0 and len(run.trainer.history["loss"]) == run.epoch + 1


def test_progress_is_plain_lines_when_not_a_terminal():
    done = tuinn("train", "--preset", "exp", "--epochs", "200")
    assert done.returncode == 0
    assert "epoch 200/200" in done.stderr and "\r" not in done.stderr


def test_headless_imports_no_textual():
    code = ("import sys; from tuinn import cli; "
            "cli.main(['train', '--preset', 'exp', '--epochs', '3', '--json']); "
            "sys.exit(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ELSEWHERE, env={**os.environ})
    assert done.returncode == 0, done.stderr


def test_a_save_onto_a_users_folder_is_refused_before_training(tmp_path):
    folder = tmp_path / "u"
    folder.mkdir()
    (folder / "t.tex").write_text("thesis")
    done = tuinn("train", "--preset", "exp", "--epochs", "10", "--save", str(folder))
    assert done.returncode == 2 and "is a folder that is not a tuinn run" in done.stderr
    assert "epoch" not in done.stderr, "refused before any training"
    assert [p.name for p in folder.iterdir()] == ["t.tex"]


def test_a_save_that_fails_after_training_keeps_the_run(tmp_path, monkeypatch, capsys):
    from tuinn import headless
    from tuinn.runs import store

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    real_save = store.save

    def full_disk(run, folder, history_csv=True, fresh=False):
        if "rescued" not in str(folder):
            raise OSError(28, "No space left on device")
        return real_save(run, folder, history_csv, fresh)

    monkeypatch.setattr(store, "save", full_disk)
    run = Run(RunSpec.from_preset("exp"))
    code = headless.train(run, 20, save=tmp_path / "r", quiet=True)
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "it is kept in" in err
    kept = next((tmp_path / "state" / "tuinn" / "runs").iterdir())
    assert Run.load(kept).epoch == 20


def test_a_history_that_cannot_be_written_is_one_line_and_the_run_is_saved(tmp_path):
    done = tuinn("train", "--preset", "exp", "--epochs", "10", "--save", str(tmp_path / "r"),
                 "--history", str(tmp_path / "no" / "such" / "h.csv"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "could not write the history" in done.stderr
    assert Run.load(tmp_path / "r").epoch == 10
    done = tuinn("train", "--preset", "exp", "--epochs", "10", "--history", str(tmp_path))
    assert done.returncode == 2 and "is a folder" in done.stderr, "refused before training"


def test_the_text_summary_of_a_divergence_names_each_epoch_once():
    from conftest import run_tuinn

    done = run_tuinn("train", "--preset", "exp-lr5")
    first = done.stdout.splitlines()[0] if done.stdout else ""
    assert done.returncode == 3
    assert "diverged at epoch 193, weights of epoch 192 kept" in done.stdout, first
    assert "at epoch 193 at epoch" not in done.stdout


def test_history_and_predictions_never_overwrite_a_users_file(tmp_path):
    from conftest import run_tuinn

    mine = tmp_path / "notes.csv"
    mine.write_text("my,own\n1,2\n")
    done = run_tuinn("train", "--preset", "exp", "--epochs", "2", "--history", mine)
    assert done.returncode == 2 and "a file tuinn did not write" in done.stderr
    assert mine.read_text() == "my,own\n1,2\n"
    history = tmp_path / "h.csv"
    for epochs in ("2", "3"):             # its own history file is replaced
        assert run_tuinn("train", "--preset", "exp", "--epochs", epochs,
                         "--history", history).returncode == 0
    assert len(history.read_text().splitlines()) == 1 + 4
    saved = tmp_path / "run"
    assert run_tuinn("train", "--preset", "exp", "--epochs", "2", "--save", saved).returncode == 0
    rows = tmp_path / "new.csv"
    rows.write_text("x\n0.5\n")
    done = run_tuinn("predict", saved, "--data", rows, "--out", mine)
    assert done.returncode == 2 and mine.read_text() == "my,own\n1,2\n"
    out = tmp_path / "p.csv"
    for _ in range(2):
        assert run_tuinn("predict", saved, "--data", rows, "--out", out).returncode == 0
    done = run_tuinn("predict", saved, "--data", rows, "--out", tmp_path)
    assert done.returncode == 2 and "is a folder" in done.stderr


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5, 1.0, 2.0])
def test_a_sigterm_at_any_moment_of_training_repairs_or_saving_keeps_the_run(tmp_path, delay):
    """The README's promise: a SIGTERM saves first, whether it lands in
    training, in the repairs after it, or in the save itself."""
    import signal
    import time

    # "ready" once train() has taken over SIGTERM from the child's own handler.
    # When train() ends before the signal, the child waits for it in its own
    # handler: dying of it in Python's teardown would say nothing of the run.
    code = ("import signal, sys, threading, time\n"
            "from tuinn import headless\n"
            "from tuinn.runs import Run, RunSpec\n"
            "run = Run(RunSpec.from_preset('exp'))\n"
            "came = threading.Event()\n"
            "def mine(*_):\n"
            "    came.set()\n"
            "signal.signal(signal.SIGTERM, mine)\n"
            "def ready():\n"
            "    while signal.getsignal(signal.SIGTERM) is mine:\n"
            "        time.sleep(0.001)\n"
            "    print('ready', flush=True)\n"
            "threading.Thread(target=ready, daemon=True).start()\n"
            "code = headless.train(run, 3000, save=sys.argv[1], quiet=True, repair=True)\n"
            "if code != 130:\n"
            "    came.wait(10)\n"
            "sys.exit(code)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "L")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ELSEWHERE)
    try:
        assert child.stdout.readline() == "ready\n"
        time.sleep(delay)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode in (0, 130), err
    assert "Traceback" not in err
    assert Run.load(tmp_path / "L").epoch > 0 or child.returncode == 130
    assert (tmp_path / "L" / "run.toml").is_file(), err


def test_the_text_summary_gives_each_findings_headline_then_the_details():
    """Headlines first, problems first, one line each; then the details of the
    problems and warnings, and with --details of every finding."""
    short = tuinn("train", "--preset", "sum-relu", "--no-experiments")
    full = tuinn("train", "--preset", "sum-relu", "--no-experiments", "--details")
    assert short.returncode == full.returncode == 0, short.stderr + full.stderr
    doc = json.loads(tuinn("train", "--preset", "sum-relu", "--no-experiments",
                           "--json").stdout)
    lines = short.stdout.splitlines()
    start = lines.index("  diagnosis:") + 1
    heads = [f"    [{f['severity']}] {f['headline']}" for f in doc["findings"]]
    assert lines[start:start + len(heads)] == heads
    assert [f["severity"] for f in doc["findings"]][0] == "problem"
    info = next(f for f in doc["findings"] if f["severity"] == "info")
    assert info["message"] not in short.stdout and "--details for every" in short.stdout
    assert info["message"] in full.stdout


def test_the_share_of_active_rows_is_said_only_of_units_with_a_kink():
    """z > 0 on a share of rows says something of a ReLU (off below it), nothing
    of a sigmoid, which is never off: 'alive (0% active)' read as a contradiction."""
    sigmoid = tuinn("train", "--preset", "exp", "--epochs", "20", "--no-experiments")
    relu = tuinn("train", "--preset", "sum-relu", "--epochs", "20", "--no-experiments")
    units = [next(line for line in done.stdout.splitlines() if line.startswith("  units: "))
             for done in (sigmoid, relu)]
    assert "% active" not in units[0] and "% active)" in units[1]


def test_progress_is_richs_bar_on_a_terminal_and_plain_lines_elsewhere():
    import io

    from tuinn.headless import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = Progress(100, screen)
    bar.update(50, "loss 0.5")
    bar.close()
    drawn = screen.getvalue()
    assert "50/100" in drawn and "loss 0.5" in drawn and "━" in drawn

    log = io.StringIO()
    lines = Progress(100, log)
    lines.update(50, "loss 0.5")      # within PLAIN_EVERY of the start: nothing yet
    lines.update(100, "loss 0.25")
    lines.close()
    assert len(log.getvalue().splitlines()) == 1
    assert log.getvalue().startswith("epoch 100/100  loss 0.25  ") and "\x1b" not in log.getvalue()
