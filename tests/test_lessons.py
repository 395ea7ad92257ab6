"""Lesson files as a teacher writes them: what is read, what is refused (in
one line that says what to change), how a step's conditions read the run, and
the progress kept between sessions.  The lessons driven through the app are
in tests/tui/test_lessons_app.py."""

import json
import math
import re

import numpy as np
import pytest
from tuinn import lessons
from tuinn.errors import ConfigError
from tuinn.lessons import Tutor, fill, progress, readings
from tuinn.lessons.conditions import checks
from tuinn.runs import RunSpec
from tuinn.runs.run import Run, metrics_of
from tuinn.diagnose import diagnose
from tuinn.diagnose.findings import CODES
from tuinn.engine import Net, Trainer, penalties
from tuinn.tui.places import PANELS, check_panels

from conftest import ROOT, run_tuinn

STEP = '''
[[steps]]
title = "train it"
say = "At lr {train.lr:g}."
panel = "loss"
try = "press space."
did = ["epoch >= 10"]
worked = ["loss < start.loss"]
explain = "From {start.loss:.3g} to {loss:.3g}."
'''


def write(tmp_path, text, name="my-lesson.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def test_every_builtin_lesson_reads_and_names_real_panels_and_readings():
    builtin = lessons.builtin()
    assert [lesson.name for lesson in builtin] == [
        "1-dead-relu", "2-coverage", "3-linear-hidden", "4-saturation", "5-learning-rate",
        "6-overfitting"]
    for lesson in builtin:
        assert lesson.steps and all(step.did and step.explain for step in lesson.steps)
        assert lessons.find(lesson.name.partition("-")[2]).path == lesson.path
        check_panels(lesson)
    documented = next(line for line in (ROOT / "docs" / "lessons.md").read_text().splitlines()
                      if line.startswith("| `panel` |"))
    assert all(f"`{name}`" in documented for name in PANELS), "docs/lessons.md names each panel"


def test_a_finding_code_outside_the_list_a_lesson_may_name_is_refused_where_it_is_made(
        monkeypatch):
    """The codes lessons may name are findings.CODES, the codes the rules declare;
    a rule that makes another fails there, and the corpus checks every code of
    the list both ways."""
    from tuinn.diagnose import rules

    def invents(case):
        return [case.finding("made-up", "info", "m", [], {})]
    monkeypatch.setattr(rules, "ALL", (rules.Rule(invents, ("made-up",)),))
    net = Net(1, 2, 1)
    found = diagnose(net, Trainer(net), np.zeros((3, 1)), np.zeros((3, 1)))
    [failed] = [f for f in found if f.code == "diagnosis-incomplete"]
    assert "made-up" not in CODES
    assert "'made-up' is not in findings.CODES" in failed.message


def test_a_teachers_lesson_on_a_run_file_with_its_own_settings(tmp_path):
    RunSpec.from_preset("exp").write(tmp_path / "base.toml")
    path = write(tmp_path, '''title = "Mine"
run = "base.toml"
paused = false
[settings.train]
lr = 0.25
[settings.data.params]
n = 40
''' + STEP, name="3-mine.toml")
    lesson = lessons.load(path)
    assert lesson.name == "3-mine" and not lesson.paused
    assert lesson.spec.train.lr == 0.25 and lesson.spec.data.params["n"] == 40
    assert lesson.spec.name == "mine" and lesson.spec.title == "Mine"
    assert lessons.find(str(path)).title == "Mine"


MISTAKES = [
    ('title = "x"\n' + STEP, "preset = \"NAME\" or run"),
    ('title = "x"\npreset = "exp"\nrun = "a.toml"\n' + STEP, "one of them"),
    ('title = "x"\npreset = "nope"\n' + STEP, "unknown preset 'nope'"),
    ('title = "x"\npreset = "exp"\n', "no steps"),
    ('title = "x"\npreset = "exp"\nteacher = 1\n' + STEP, "unknown key 'teacher'"),
    ('title = "x"\npreset = "exp"\n[settings.train]\nlr = -1\n' + STEP,
     "lr (learning rate) must be > 0"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('panel = "loss"\n', ''),
     "panel is missing"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace("epoch >=", "epochs >="),
     "'epochs' is not a reading or a setting"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('"epoch >= 10"', '"finding dead"'),
     "'dead' is not a finding"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('"epoch >= 10"', '"epoch about 10"'),
     "cannot read 'epoch about 10'"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('"epoch >= 10"', '"lr >= 1"'),
     "did you mean train.lr?"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace("worked = [\"loss < start.loss\"]\n", ""),
     "a step needs `did`"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace("{loss:.3g}", "{los:.3g}"),
     "'los' is not a reading"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('explain = "From', 'xplain = "From'),
     "unknown key 'xplain'"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('did = ["epoch >= 10"]', "did = 3"),
     "must be a list of conditions"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('did = ["epoch >= 10"]', "did = []"),
     "say how to see that the learner did it"),
    ('title = "x"\npreset = "exp"\n' + STEP.replace('"epoch >= 10"', '"state == 2 * paused"'),
     "only numbers can be scaled"),
    ('title = "x\npreset = "exp"\n', "is not valid TOML"),
]


@pytest.mark.parametrize("text, says", MISTAKES, ids=[says for _, says in MISTAKES])
def test_a_mistake_in_a_lesson_file_is_one_line_that_says_what_to_change(tmp_path, text, says):
    with pytest.raises(ConfigError) as err:
        lessons.load(write(tmp_path, text))
    message = str(err.value)
    assert says in message and "\n" not in message.strip()
    assert "my-lesson.toml" in message


def test_an_unknown_lesson_names_the_lessons_there_are(tmp_path):
    with pytest.raises(ConfigError, match="the lessons are dead-relu, coverage"):
        lessons.find("no-such-lesson")
    with pytest.raises(ConfigError, match="no lesson file"):
        lessons.find(str(tmp_path / "missing.toml"))


def check(text, names=("epoch", "loss", "state", "train.lr", "test_points")):
    """The step line `text` as the lesson reads it."""
    (line,) = checks([text], set(names), "test")
    return line


def test_conditions_compare_readings_numbers_words_and_the_steps_start():
    start = {"epoch": 100, "loss": 0.4, "state": "paused", "train.lr": 0.1,
             "test_points": False}
    now = dict(start, epoch=250, loss=0.1, state="running", test_points=True)
    holds = lambda text, findings=frozenset(): check(text).holds(now, start, findings)  # noqa: E731
    assert holds("epoch >= start.epoch + 150") and not holds("epoch >= start.epoch + 151")
    assert holds("loss < 0.5 * start.loss") and not holds("loss < 0.25 * start.loss")
    assert holds("loss <= 2 * train.lr - 0.1") and not holds("loss < train.lr")
    assert holds("state == running") and not holds("state == paused")
    assert holds("test_points == true") and holds("changed state") and not holds("changed train.lr")
    assert holds("state == paused or epoch > 200") and not holds("state == paused or epoch > 300")
    assert holds("finding oscillating", {"oscillating"}) and holds("no finding dead-units")
    assert not holds("no finding oscillating", {"oscillating"})
    # A word never orders against a number, and nan satisfies no comparison.
    assert not holds("state > 3")
    assert not check("loss < 1").holds(dict(now, loss=math.nan), start, frozenset())
    # Before the run is diagnosed a finding is unknown: neither there nor absent.
    assert not holds("finding oscillating", None) and not holds("no finding oscillating", None)


def test_readings_and_fill_quote_the_runs_own_numbers():
    spec = RunSpec.from_preset("exp")
    run = Run(spec)
    run.train(30)
    metrics = metrics_of(run.net, run.dataset, penalties(run.trainer.settings))
    before = readings(run, metrics, None, {"state": "paused"})
    assert before["epoch"] == 30 and before["loss"] == metrics["train_loss"]
    assert "lr_limit" not in before, "diagnosis readings wait for a diagnosis"
    assert before["train.lr"] == spec.train.lr and before["data.params.n"] == 1000
    diagnosis = run.diagnose("app")
    after = readings(run, metrics, diagnosis, {"state": "paused"})
    assert after["lr_limit"] > 0 and after["dead_units"] == 0
    assert (after["uncovered"], after["uncovered_rows"]) == ("nowhere", 0)
    bad = Run(RunSpec.from_preset("coverage-bad"))
    bad.train(500)
    gap = readings(bad, metrics_of(bad.net, bad.dataset, penalties(bad.trainer.settings)),
                   bad.diagnose("app"), {})
    assert gap["uncovered"].startswith("x < ") and gap["uncovered_rows"] > 1000
    text = fill("lr {train.lr:g}, loss {loss:.3g} (was {start.loss:.2f}); limit {lr_limit:.3g}",
                after, {"loss": 0.5})
    assert text == (f"lr {spec.train.lr:g}, loss {metrics['train_loss']:.3g} (was 0.50); "
                    f"limit {after['lr_limit']:.3g}")
    assert fill("limit {lr_limit:.3g}", before, {}) == "limit nan"
    assert fill("{nothing}", before, {}) == "?"
    assert spec.data.params == RunSpec.from_preset("exp").data.params, "fill changes no setting"


def test_the_tutor_moves_on_only_when_the_step_was_done_and_worked(tmp_path):
    path = write(tmp_path, 'title = "Two"\npreset = "exp"\n' + STEP + STEP.replace(
        '"epoch >= 10"', '"train.lr > start.train.lr"'))
    tutor = Tutor(lessons.load(path))
    base = {"epoch": 0, "loss": 1.0, "train.lr": 0.1}
    tutor.update(base, [])
    with pytest.raises(ConfigError, match="not yet: press space."):
        tutor.go_on()
    tutor.update(dict(base, epoch=20), [])
    assert tutor.did and not tutor.done, "done it, but the loss did not fall"
    assert tutor.update(dict(base, epoch=30, loss=0.25), [])
    key = "<{}>".format
    heading, action, body = tutor.text(str, key)
    assert heading == "step 1/2, train it · Two" and "From 1 to 0.25." in body
    assert action == "Done. <lesson_next>: next step", "the app names its keys"
    tutor.update(dict(base, epoch=40, loss=0.75), [])
    assert "From 1 to 0.25." in tutor.text(str, key)[2], "the explanation keeps the numbers it quoted"
    tutor.go_on()
    assert tutor.start["epoch"] == 40, "the next step starts from the run as it is"
    tutor.go_on(skip=True)
    assert tutor.finished and tutor.skipped == [1]
    assert "1 done, 1 skipped" in tutor.text(str, key)[1]
    assert tutor.text(str, key)[2].startswith("`tuinn learn` lists the other lessons")


def test_progress_is_kept_and_a_lesson_resumes_at_its_first_step_not_done(state_home):
    lesson = lessons.find("coverage")
    assert progress.first_open(lesson) == 0 and progress.of(lesson) == []
    assert progress.mark(lesson, 0) == "" and progress.mark(lesson, 2) == ""
    assert progress.of(lesson) == [0, 2] and progress.first_open(lesson) == 1
    saved = json.loads((state_home / "tuinn" / "lessons.json").read_text())
    assert saved["2-coverage"]["done"] == [0, 2]
    assert progress.reset(lesson) == "" and progress.of(lesson) == []
    (state_home / "tuinn" / "lessons.json").write_text("not json")
    assert progress.of(lesson) == [], "a damaged progress file is started afresh"
    assert progress.mark(lesson, 1) == "" and progress.of(lesson) == [1]


def test_progress_that_cannot_be_kept_is_a_warning_not_a_crash(state_home):
    state_home.mkdir(parents=True)
    (state_home / "tuinn").write_text("a file where the folder should be")
    error = progress.mark(lessons.find("coverage"), 0)
    assert error.startswith("could not keep the lessons' progress in")


def test_tuinn_learn_lists_the_lessons_with_progress_and_checks_a_file(tmp_path, state_home):
    progress.mark(lessons.find("coverage"), 0)
    listed = run_tuinn("learn")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"coverage\s+1/3 steps\s+An initialization", listed.stdout)
    assert re.search(r"overfitting\s+3 steps\s+Too many units", listed.stdout)
    good = write(tmp_path, 'title = "Mine"\npreset = "exp"\n' + STEP)
    checked = run_tuinn("learn", str(good), "--check")
    assert checked.returncode == 0 and "1 step on exp: it reads well" in checked.stdout
    bad = write(tmp_path, 'title = "Mine"\npreset = "exp"\n' + STEP.replace('"loss"', '"x"'),
                name="bad.toml")
    refused = run_tuinn("learn", str(bad), "--check")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "bad.toml, step 1: panel 'x' is not one of" in refused.stderr
    unknown = run_tuinn("learn", "nope")
    assert unknown.returncode == 2 and "the lessons are dead-relu" in unknown.stderr
    reset = run_tuinn("learn", "coverage", "--reset", "--check")
    assert reset.returncode == 0
    assert progress.of(lessons.find("coverage")) == [0], "--check with --reset forgets nothing"


@pytest.mark.parametrize("damage", ["deep", "fifo", "huge-int", "folder"])
def test_a_damaged_progress_file_is_started_afresh_never_a_hang_or_traceback(state_home,
                                                                          damage):
    import os

    path = state_home / "tuinn" / "lessons.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if damage == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif damage == "fifo":
        os.mkfifo(path)
    elif damage == "huge-int":
        path.write_text('{"x": {"done": [' + "9" * 5000 + "]}}")
    else:
        path.mkdir()
    listed = run_tuinn("learn", timeout=60, env={**os.environ,
                                                 "XDG_STATE_HOME": str(state_home)})
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "coverage" in listed.stdout
