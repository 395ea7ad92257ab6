"""Advice that proves itself, in the app: y tries each finding's advice on
copies of the run while the run goes on, the notice shows the proof, Y lists
the fixes, u adopts the proven one."""

import re

from tuinn.tui.screens import RepairScreen

from conftest import until
from test_app import drive, notified
from test_lessons_app import full_speed


def test_y_proves_the_lower_rate_while_the_run_goes_on_and_u_adopts_it():
    async def script(app, pilot):
        s = app.session
        await pilot.press("u")
        assert "no proven fix to adopt: y tries the advice first" in notified(app)
        while s.speed is not None:
            await pilot.press("f")
        await pilot.press("space")
        await until(pilot, lambda: s.state == "done", timeout=30, what="the run to end")
        s.set_field("train.epochs", "1000000")   # on and on: it trains while the copies do
        if s.state != "running":
            await pilot.press("space")
        await until(pilot, lambda: app.diagnosed_generation == s.generation and any(
            f.code == "unstable-rate" for f in app.findings), timeout=30, what="the diagnosis")
        epoch = s.run.epoch
        await pilot.press("y")
        await until(pilot, lambda: not app.repair_running, timeout=60, what="the proof")
        assert re.match(r"advice proven: lr 0\.5: loss 0\.000\d+ after [\d,]+ epochs, against "
                        r"2\.66e\+04 now\. u adopts it", s.notice), s.notice
        assert s.state == "running"
        assert s.run.epoch > epoch, "the run on screen trained while the copies did"
        await pilot.press("Y")
        assert isinstance(app.screen, RepairScreen)
        listed = str(app.screen.body)
        assert "unstable-rate: lr 0.5" in listed and "(proven: u adopts it)" in listed
        await pilot.press("escape")
        before = s.generation
        await pilot.press("u")
        assert s.generation == before + 1 and s.notice.startswith("adopted: lr 0.5")
        assert s.run.trainer.settings["lr"] == 0.5 and s.run.trainer.history["loss"][-1] < 0.01
        await pilot.press("u")
        assert s.generation == before + 1, "adopted once: the proof was of the run before"
    drive("exp-lr2", script)


def test_y_without_a_diagnosis_or_advice_says_why():
    async def script(app, pilot):
        app.diagnosed_generation = -1
        await pilot.press("y")
        assert not app.repair_running
        assert "no diagnosis of this run yet: train a little first" in notified(app)
        await pilot.press("Y")
        assert "nothing tried yet" in notified(app)
    drive("exp", script)


def test_a_run_that_stands_still_gets_its_diagnosis_measured_and_a_change_measures_again():
    async def script(app, pilot):
        s = app.session
        body = app.part("#diagnosis").query_one(".panel-body")
        await full_speed(app, pilot)
        await pilot.press("space")
        await until(pilot, lambda: s.state == "done", timeout=30, what="the run to end")
        await until(pilot, lambda: "[measured]" in str(body.render()), timeout=30,
                    what="the settled diagnosis")
        key = s.settle_key()
        assert app.settled[0] == key and app.settled[1].continuation is not None
        assert "measured on a copy" in str(body.render())
        await pilot.press("+")                  # a change: what was measured no longer holds
        assert s.settle_key() != key
        await until(pilot, lambda: app.settled[0] == s.settle_key()
                    and "[measured]" in str(body.render()), timeout=30,
                    what="the diagnosis of the changed run, settled in its turn")
    drive("exp", script)
