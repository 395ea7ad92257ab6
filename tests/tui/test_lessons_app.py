"""Every built-in lesson driven to its end through Pilot at 80x24, as a learner would:
the keys each step asks for, the Settings tab, the picker; the lesson moves on
only when the run and its diagnosis show that the step worked."""

import asyncio
import copy
import json

import pytest
from textual.widgets import TabbedContent
from tuinn import lessons
from tuinn.lessons import Tutor, progress
from tuinn.tui.app import TuinnApp
from tuinn.tui.lesson import CHART_ROWS, CHECK_HZ, LOOK, LessonPanel
from tuinn.tui.places import PANELS
from tuinn.tui.screens import EditScreen, PickerScreen
from tuinn.tui.session import Session

from conftest import until

STEP_TIMEOUT = 60.0        # a step trains at most a few thousand epochs, at full speed


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def learn(name, script, size=(80, 24)):
    """Run `script(app, pilot)` on the app with lesson `name` beside its run
    (under it at 80x24, the size a user over ssh most often has)."""
    lesson = lessons.find(name)
    app = TuinnApp(Session(copy.deepcopy(lesson.spec), paused=lesson.paused),
                   tutor=Tutor(lesson, progress.first_open(lesson)))

    async def go():
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app._lesson_shown is not None, what="the lesson")
            await script(app, pilot)
            app.stop_training()
    asyncio.run(go())
    return app


def panel_text(app):
    panel = app.part(LessonPanel)
    return " ".join(str(w.render()) for w in panel.query("Static"))


async def full_speed(app, pilot):
    """f until the run plays as fast as it can."""
    while app.session.speed is not None:
        await pilot.press("f")


async def train(app, pilot):
    """Space, as a learner does when the run is paused or at its limit."""
    if app.session.state in ("paused", "done"):
        await pilot.press("space")


async def until_done(app, pilot, what):
    """Let the run train until the step worked (space again at the epoch limit)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_TIMEOUT
    while not app.tutor.done:
        if loop.time() > deadline:
            now = {k: app.tutor.now.get(k) for k in ("epoch", "state", "loss", "best_loss",
                                                     "train.lr", "lr_limit")}
            raise AssertionError(f"step {app.tutor.index + 1} never worked ({what}): {now}, "
                                 f"at the start {app.tutor.start.get('epoch')}: "
                                 f"{panel_text(app)}")
        # On past the limit once the step has seen what it asked for, as its
        # "train on" says: a step may ask for the run to end (state == done).
        # A learner reads the screen first: the diagnosis of the last epoch,
        # and a lesson check after it.
        if app.session.state == "done" and app.tutor.did:
            await settled(app, pilot)
            if not app.tutor.done:
                await pilot.press("space")
        await pilot.pause(0.05)


async def settled(app, pilot):
    """Once the run has stopped: until the diagnosis of its last epoch is in,
    and a lesson check after it, as a learner reads the screen first."""
    await until(pilot, lambda: app.tutor.done or app.diagnosed_epoch == app.session.run.epoch,
                timeout=STEP_TIMEOUT, what="the diagnosis of the last epoch")
    await pilot.pause(2.0 / CHECK_HZ)


def in_view(app):
    """What a step needs is on screen: what to do now, the panel it looks at
    (on the Train tab), and charts, when shown, with 6 rows of data."""
    action = app.part("#lesson-action")
    assert action.region.height >= 1 and action.region.bottom <= app.size.height - 1, \
        "what to do now is in view"
    assert str(action.render()).startswith(("Try:", "Done.", "All "))
    step = app.tutor.step
    if step is not None and app.part(TabbedContent).active == "train" and \
            step.panel in ("loss", "fit", "units", "diagnosis"):
        looked = app.part(f"#{PANELS[step.panel].id}")
        assert looked.region.height >= 3, f"the {step.panel} it looks at is shown"
    charts = app.part("#charts")
    if charts.display and charts.region.height:
        assert charts.region.height >= CHART_ROWS, "charts with 6 rows of data"


async def next_step(app, pilot, what):
    await until_done(app, pilot, what)
    in_view(app)
    index = app.tutor.index
    assert "Done." in panel_text(app)
    await pilot.press("g")
    await until(pilot, lambda: app.tutor.index == index + 1, what="the next step")
    await pilot.pause(0.1)
    in_view(app)


async def set_in_settings(app, pilot, key, value):
    """Tab 2, the row, Enter, the value (typed, or picked from the list), back to tab 1."""
    await pilot.press("2")
    table = app.part("#settings-table")
    await until(pilot, lambda: key in table.keys, what="the settings")
    table.move_cursor(row=table.keys.index(key))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
    if app.screen.choices:
        picks = app.screen.query_one("#edit-choices")
        while picks.options[picks.highlighted].id != value:
            await pilot.press("down")
    else:
        app.screen.query_one("#edit-input").value = value
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="the editor to close")
    await pilot.press("1")


def finished(app, state_home):
    assert app.tutor.finished
    assert "done" in panel_text(app)
    saved = json.loads((state_home / "tuinn" / "lessons.json").read_text())
    entry = saved[app.tutor.lesson.name]
    assert entry["done"] == list(range(len(app.tutor.lesson.steps))), "every step kept as done"


def test_dead_relu(state_home):
    async def script(app, pilot):
        assert app.part("#loss").has_class(LOOK), "the step points at the loss chart"
        await pilot.press("g")
        assert app.tutor.index == 0, "g does not go on before the step worked"
        await full_speed(app, pilot)
        await train(app, pilot)
        await until_done(app, pilot, "train it")
        assert "0.125" in panel_text(app), "the explanation quotes the run's own loss"
        await next_step(app, pilot, "train it")
        assert app.part("#units").has_class(LOOK) and not app.part("#loss").has_class(LOOK)
        await pilot.press("n")
        await next_step(app, pilot, "dead units")
        await set_in_settings(app, pilot, "data.params.variant", "random")
        await train(app, pilot)
        await next_step(app, pilot, "inputs of both signs")
        finished(app, state_home)
    learn("dead-relu", script)


def test_coverage(state_home):
    async def script(app, pilot):
        await full_speed(app, pilot)
        await train(app, pilot)
        await next_step(app, pilot, "train it")
        # New weights until a start covers the data: how many is luck (of the seed).
        for _ in range(6):
            await pilot.press("r")
            await train(app, pilot)
            seed = app.session.run.spec.init.seed
            await until(pilot, lambda: app.session.state == "done" or app.tutor.done,
                        timeout=STEP_TIMEOUT, what="the run to end")
            # Judged on the diagnosis of the epoch it stopped at, never an older one.
            await settled(app, pilot)
            if app.tutor.done:
                break
            assert "Still a region uncovered" in panel_text(app)
            assert f"seed {seed}" in panel_text(app)
        await next_step(app, pilot, "new initial weights")
        await pilot.press("h")
        await train(app, pilot)
        await next_step(app, pilot, "a third unit")
        finished(app, state_home)
    learn("coverage", script)


def test_linear_hidden(state_home):
    async def script(app, pilot):
        await full_speed(app, pilot)
        await train(app, pilot)
        await next_step(app, pilot, "train it")
        await pilot.press("a")
        assert app.session.run.spec.model.activation == "sigmoid"
        await train(app, pilot)
        await next_step(app, pilot, "a bend")
        finished(app, state_home)
    learn("linear-hidden", script)


def test_saturation(state_home):
    async def script(app, pilot):
        await full_speed(app, pilot)
        await train(app, pilot)
        await next_step(app, pilot, "train it")
        assert app.part("#settings-table").has_class(LOOK)
        await set_in_settings(app, pilot, "data.standardize_inputs", "true")
        await train(app, pilot)
        await next_step(app, pilot, "standardize the inputs")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        await pilot.press(*"and-squared", "enter")
        await until(pilot, lambda: app.session.run.spec.name == "and-squared",
                    what="and-squared")
        await full_speed(app, pilot)
        await train(app, pilot)
        await next_step(app, pilot, "squared loss")
        await set_in_settings(app, pilot, "model.loss", "cross_entropy")
        await train(app, pilot)
        await until_done(app, pilot, "cross-entropy")
        assert "against" in panel_text(app)
        await pilot.press("g")
        finished(app, state_home)
    learn("saturation", script)


def test_learning_rate(state_home):
    async def script(app, pilot):
        await train(app, pilot)
        await next_step(app, pilot, "a rate that converges")
        # The numbers line shows the limit, in words or beside the rate.
        line = str(app.part("#metrics").render())
        assert "stable below" in line or "lr 0.1 < " in line, line
        await pilot.pause(0.2)
        while not app.tutor.did:
            await pilot.press("plus")
            await pilot.pause(0.3)
            await train(app, pilot)
        await next_step(app, pilot, "too fast")
        if app.session.state == "diverged":
            await pilot.press("b")
        while not app.tutor.did:
            await pilot.press("minus")
            await pilot.pause(0.3)
        await full_speed(app, pilot)
        await train(app, pilot)
        start = app.tutor.start
        await until(pilot, lambda: app.tutor.done or app.session.run.epoch >= start["epoch"] + 300,
                    timeout=STEP_TIMEOUT, what="300 epochs")
        if not app.tutor.done:
            assert "press b" in panel_text(app), "the step says what to do when it did not work"
            await pilot.press("b")
            await train(app, pilot)
        await next_step(app, pilot, "back below the limit")
        await pilot.press("h", "h", "h")
        await train(app, pilot)
        await next_step(app, pilot, "more units")
        finished(app, state_home)
    learn("learning-rate", script)


def test_overfitting(state_home):
    async def script(app, pilot):
        await full_speed(app, pilot)
        await train(app, pilot)
        await next_step(app, pilot, "train it")
        await pilot.press("v")
        await next_step(app, pilot, "see it")
        await set_in_settings(app, pilot, "model.hidden_units", "3")
        await train(app, pilot)
        await next_step(app, pilot, "fewer units")
        finished(app, state_home)
    learn("overfitting", script)


def test_a_lesson_resumes_at_its_first_step_not_done_and_fits_80x24(state_home):
    async def first(app, pilot):
        await full_speed(app, pilot)
        await train(app, pilot)
        await until_done(app, pilot, "train it")
    learn("linear-hidden", first)

    async def again(app, pilot):
        assert app.tutor.index == 1, "step 1 is kept as done"
        assert app.has_class("-lesson-stacked"), "under the run on a narrow terminal"
        panel = app.part(LessonPanel)
        assert panel.region.width == 80 and panel.region.height >= 6
        await pilot.press("G")
        assert app.tutor.finished and "1 skipped" in panel_text(app)
    learn("linear-hidden", again, size=(80, 24))
