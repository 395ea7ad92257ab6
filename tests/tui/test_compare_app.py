"""tuinn --compare through Pilot: both runs on screen at one pace, their loss
curves on one chart, the lines that say what differs, and keys that change
both runs or one."""

import asyncio

import pytest
from tuinn.runs import RunSpec
from tuinn.tui.charts import LossChart
from tuinn.tui.compare import CompareApp
from tuinn.tui.pair import Pair
from tuinn.tui.screens import EditScreen, HelpScreen
from tuinn.tui.scroll import ScrollPanel
from tuinn.tui.session import Session

from conftest import until


def compare(a, b, script, size=(100, 30), paused=False):
    pair = Pair(Session(RunSpec.from_preset(a), paused=paused),
                Session(RunSpec.from_preset(b), paused=paused))
    app = CompareApp(pair)

    async def go():
        async with app.run_test(size=size) as pilot:
            await script(app, pilot, *pair.sessions)
            app.stop_training()
    asyncio.run(go())
    return app


def shown(widget):
    """The text a panel or chart shows now."""
    if isinstance(widget, ScrollPanel):
        return str(widget.query_one(".panel-body").render())
    return "\n".join(strip.text for strip in widget._strips)


def screen_text(app):
    return " ".join(str(w.render()) for w in app.query("Static"))


def test_both_runs_side_by_side_with_what_differs():
    async def script(app, pilot, a, b):
        await until(pilot, lambda: a.run.epoch > 300 and "only B" in shown(
            app.part("#differences")), timeout=30, what="the differences")
        differences = shown(app.part("#differences"))
        assert "only B: No hidden unit is active for x <" in differences
        assert "loss: A " in differences and "settings (A / B): init.weights" in differences
        legend = shown(app.part(LossChart)).splitlines()[0]
        assert "A train" in legend and "B train" in legend
        for side in "ab":
            title = shown(app.part(f"#fit-{side}").chart).splitlines()[0]
            assert title.startswith(f"{side.upper()} fit"), title
        assert "No hidden unit is active" in shown(app.part("#diagnosis-b"))
        assert "No hidden unit is active" not in shown(app.part("#diagnosis-a"))
        assert "alive" in shown(app.part("#units-a")) and "alive" in shown(app.part("#units-b"))
        assert "coverage-good" in str(app.part("#metrics-a").render())
        assert "coverage-bad" in str(app.part("#metrics-b").render())
        assert abs(a.run.epoch - b.run.epoch) <= 200 * 0.25 + 50, "one pace"
        for part in ("#loss", "#fit-a", "#fit-b", "#units-a", "#units-b", "#diagnosis-a",
                     "#diagnosis-b", "#differences"):
            region = app.part(part).region
            assert region.width >= 20 and region.height >= 3, part
            assert region.right <= 100 and region.bottom <= 30, part
    compare("coverage-good", "coverage-bad", script)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_every_panel_has_room_at_100x30_and_80x24(size):
    async def script(app, pilot, a, b):
        await until(pilot, lambda: shown(app.part("#diagnosis-b")), what="a diagnosis")
        assert app.has_class("-narrow") == (size[0] < 100)
        loss, fit_a, fit_b = (app.part(p).region for p in ("#loss", "#fit-a", "#fit-b"))
        assert loss.right <= fit_a.x and fit_a.right <= fit_b.x, "the charts in a row"
        health_a, health_b = app.part("#health-a").region, app.part("#health-b").region
        assert health_a.y >= fit_a.bottom and health_a.right <= health_b.x, "A's left, B's right"
        for part in ("#loss", "#fit-a", "#fit-b", "#units-a", "#diagnosis-a", "#diagnosis-b",
                     "#differences"):
            region = app.part(part).region
            assert region.height >= 2 and region.width >= 24, (part, region)
            assert region.right <= size[0] and region.bottom <= size[1] - 2, (part, region)
        assert fit_a.height >= 8, "a fit tall enough to read"
    compare("linear-hidden", "sigmoid-hidden", script, size=size)


def test_w_picks_the_run_the_keys_change_and_e_sets_any_setting():
    async def script(app, pilot, a, b):
        await pilot.press("w")
        assert app.pair.target == "A"
        assert app.part("#metrics-a").has_class("-target")
        assert not app.part("#metrics-b").has_class("-target")
        await pilot.press("plus")
        assert (a.run.trainer.settings["lr"], b.run.trainer.settings["lr"]) == (2.0, 1.0)
        await pilot.press("w", "w")
        assert app.pair.target == "both"
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
        await pilot.press(*"model.loss squared", "enter")
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="it to apply")
        assert a.run.spec.model.loss == b.run.spec.model.loss == "squared"
        await pilot.press("e", *"lr 2", "enter")
        await until(pilot, lambda: "did you mean train.lr?" in screen_text(app.screen),
                    what="the refusal")
        await pilot.press("escape")
        await pilot.press("space")
        await until(pilot, lambda: a.state == b.state == "running", what="both to run")
        await pilot.press("space")
        assert a.state == b.state == "paused"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
    compare("and-squared", "and-cross-entropy", script, paused=True)


def test_runs_with_different_losses_are_set_side_by_side_on_their_mse_at_80x24():
    """and-squared against and-cross-entropy: each loss is named, and both show
    the mse, where cross-entropy ends far lower."""
    async def script(app, pilot, a, b):
        for session in (a, b):
            session.step(300)
        line = {side: app.query_one(f"#metrics-{side}") for side in "ab"}

        def mse(side):
            text = str(line[side].render())
            return float(text.split("mse ")[1].split()[0]) if "mse " in text else None

        # Once both show their trained weights, cross-entropy's mse is the lower.
        await until(pilot, lambda: None not in (mse("a"), mse("b")) and mse("b") < mse("a"),
                    what="both runs' mse, cross-entropy's the lower")
    compare("and-squared", "and-cross-entropy", script, size=(80, 24), paused=True)


def test_the_full_metrics_line_names_the_loss_and_shows_the_common_measure():
    from types import SimpleNamespace
    from tuinn.tui import frames

    regression = {"train_loss": 0.002838, "train_mse": 0.005676}
    line = frames.metrics_line(regression, (5, 0.0028), None, 1000, "squared")
    assert "train loss 0.002838 (½·mse)" in line and "train mse 0.005676" in line
    assert frames.metrics_line(regression, (5, 0.0028), None, 30, "squared").startswith(
        "mse 0.005676")
    # The best is a loss, and says so beside an mse (sum-relu: "mse 0.25 │ best 0.125").
    assert "best loss 0.0028 @5" in frames.metrics_line(regression, (5, 0.0028), None, 50,
                                                        "squared")
    classifier = {"train_loss": 0.05, "train_mse": 0.0001, "train_accuracy": 1.0}
    line = frames.metrics_line(classifier, None, SimpleNamespace(lr=1, limit=2), 1000,
                               "cross_entropy")
    assert "(cross-entropy)" in line and "train accuracy 100.0%" in line and "mse" not in line
    assert "½·mse" not in frames.plain(line, True)
    assert "1/2*mse" in frames.plain(frames.metrics_line(regression, None, None, 1000,
                                                         "squared"), True)



def test_at_80x24_the_unit_tables_show_their_units():
    async def script(app, pilot, a, b):
        for side in ("a", "b"):
            units = app.part(f"#units-{side}")
            await until(pilot, lambda: "alive" in shown(units), what=f"{side}'s units")
            rows = [line for line in shown(units).splitlines() if "alive" in line]
            assert [row.split()[0] for row in rows] == ["0", "1"], shown(units)
            # the header and both rows in view, with no "more lines" mark, once
            # the layout has followed the text
            await until(pilot, lambda: units.region.height >= 3 and units.below() == 0,
                        what=f"{side}'s table as tall as its rows")
    compare("and-squared", "and-cross-entropy", script, size=(80, 24))
