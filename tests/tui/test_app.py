"""The app driven as a person would, through Textual's Pilot: each key does
what it says, fields apply or refuse in place, presets switch, sizes change."""

import asyncio
import re
import signal
import time

import numpy as np
import pytest
from textual.geometry import Region
from textual.widgets import TabbedContent
from tuinn import presets
from tuinn.errors import TuinnError
from tuinn.runs import RunSpec
from tuinn.runs.paths import last_run_dir
from tuinn.settings import ACTIVATIONS
from tuinn.tui import frames
from tuinn.tui.app import TuinnApp, fit_status
from tuinn.tui.base import HANG_UP_SECONDS
from tuinn.tui.keys import help_groups
from tuinn.tui.screens import EditScreen, HelpScreen, InputsScreen, NotesScreen, PickerScreen
from tuinn.tui.session import Session

from conftest import until


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    """Saved runs go to a temporary state folder, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def drive(preset, script, paused=True, size=(100, 30), ascii_only=False, notifications=False):
    """Run `script(app, pilot)` inside a headless app on a preset (or a
    RunSpec) and return the app (notifications: draw the messages, which
    run_test leaves out by default)."""
    spec = preset if isinstance(preset, RunSpec) else RunSpec.from_preset(preset)
    app = TuinnApp(Session(spec, paused=paused), ascii_only=ascii_only)

    async def go():
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await until(pilot, lambda: app.session.version == app._text_version,
                        what="the first frame")
            await script(app, pilot)
            app.stop_training()
    asyncio.run(go())
    return app


def notified(app):
    """The messages of the notifications on screen."""
    return " ".join(n.message for n in app._notifications)


def status(app):
    return str(app.part("#status").render())


def drawn(widget):
    """Every line a widget draws, whether or not it is scrolled into view."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def shown(widget):
    """The text a widget draws, line by line, as it stands on screen (its
    children and scroll position included)."""
    region = widget.region
    strips = widget.screen._compositor.render_strips()
    return "\n".join(strip.crop(region.x, region.right).text
                     for strip in strips[region.y:region.bottom])


async def edit_setting(app, pilot, key):
    """Open the editor of setting `key` as a person would: tab 2, cursor, Enter."""
    await pilot.press("2")
    table = app.query_one("#settings-table")
    await until(pilot, lambda: key in table.keys, what="the settings")
    table.move_cursor(row=table.keys.index(key))
    table.focus()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")


def test_plus_doubles_and_minus_halves_the_rate():
    async def script(app, pilot):
        await pilot.press("plus")
        assert app.session.run.trainer.settings["lr"] == 0.2
        assert "lr 0.2" in status(app)
        await pilot.press("minus", "minus")
        assert app.session.run.trainer.settings["lr"] == 0.05
    drive("exp", script)


def test_space_runs_and_pauses_the_epoch_counter():
    async def script(app, pilot):
        s = app.session
        assert s.run.epoch == 0
        await pilot.press("space")
        await until(pilot, lambda: s.run.epoch > 0, what="training")
        assert s.state == "running"
        await pilot.press("space")
        stopped = s.run.epoch
        await pilot.pause(0.4)                     # time to train, had it not paused
        assert s.state == "paused" and s.run.epoch == stopped
        assert f"epoch {stopped:,}/1,000" in status(app) and "paused" in status(app)
    drive("exp", script)


def test_n_steps_exactly_one_epoch_and_shift_n_ten():
    async def script(app, pilot):
        s = app.session
        await pilot.press("n")
        assert s.run.epoch == 1
        await pilot.press("N")
        assert s.run.epoch == 11 and s.state == "paused"
        assert len(s.run.trainer.history["loss"]) == 12
    drive("exp", script)


def test_r_restores_epoch_0_with_new_weights():
    async def script(app, pilot):
        s = app.session
        await pilot.press("N")
        before = s.run.net.theta.copy()
        await pilot.press("r")
        assert s.run.epoch == 0
        assert s.run.net.theta.shape == before.shape and not np.array_equal(s.run.net.theta,
                                                                             before)
        assert "re-initialized" in s.notice
    drive("exp", script)


def test_h_adds_a_unit_and_says_the_run_was_reinitialized():
    async def script(app, pilot):
        s = app.session
        await pilot.press("N")
        await pilot.press("h")
        assert s.run.net.n_hidden == 3 and s.run.epoch == 0
        assert "re-initialized" in s.notice
        await pilot.press("H", "H")
        assert s.run.net.n_hidden == 1
        await pilot.press("H")
        assert s.run.net.n_hidden == 1, "never below one unit"
    drive("exp", script)


def test_a_and_m_cycle_activation_and_optimizer():
    async def script(app, pilot):
        s = app.session
        await pilot.press("a")
        assert s.run.spec.model.activation == "tanh"
        await pilot.press("m")
        assert s.run.trainer.settings["optimizer"] == "momentum"
    drive("exp", script)


def test_editing_a_field_applies_or_refuses_in_place():
    async def script(app, pilot):
        s = app.session
        await edit_setting(app, pilot, "train.lr")
        edit = app.screen.query_one("#edit-input")
        edit.value = "-3"
        await pilot.press("enter")
        assert isinstance(app.screen, EditScreen), "a refused value keeps the editor open"
        error = str(app.screen.query_one("#edit-error").render())
        assert "refused" in error and "lr" in error and "> 0" in error
        assert s.run.trainer.settings["lr"] == 0.1, "nothing was applied"
        edit.value = "0.25"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="the editor to close")
        assert s.run.trainer.settings["lr"] == 0.25
    drive("exp", script)


def test_a_setting_with_fixed_choices_is_picked_from_a_list():
    async def script(app, pilot):
        s = app.session
        await edit_setting(app, pilot, "model.activation")
        picks = app.screen.query_one("#edit-choices")
        assert tuple(o.id for o in picks.options) == ACTIVATIONS
        assert picks.highlighted == 1, "the current value is where the cursor starts"
        await pilot.press("down", "enter")
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="the pick")
        assert s.run.spec.model.activation == "tanh" and s.run.epoch == 0
    drive("exp", script)


def test_editing_a_weight_continues_from_it():
    async def script(app, pilot):
        s = app.session
        await pilot.press("3")
        table = app.query_one("#weights-table")
        await until(pilot, lambda: table.row_count > 0, what="the weights")
        table.focus()
        table.move_cursor(row=0, column=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
        app.screen.query_one("#edit-input").value = "0.5"
        await pilot.press("enter")
        await until(pilot, lambda: s.run.net.W1[0, 0] == 0.5, what="the new weight")
        await pilot.press("n")
        assert s.run.epoch == 1 and s.run.net.W1[0, 0] != 0.5
    drive("exp", script)


def test_a_weights_tab_reached_by_the_tab_bar_takes_arrows_and_enter_at_once():
    """Enter did nothing on a fresh Weights tab, and → switched tab."""
    async def script(app, pilot):
        await pilot.click("#--content-tab-weights")
        table = app.part("#weights-table")
        await until(pilot, lambda: table.row_count > 0 and app.focused is table,
                    what="the weights, focused")
        assert table.cursor_coordinate.column == 1
        await pilot.press("right")
        assert app.part(TabbedContent).active == "weights"
        assert table.cursor_coordinate.column == 2
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
        assert app.screen.title_text.startswith("b1[0]")
        await pilot.press("escape")
        table.move_cursor(row=0, column=0)
        await pilot.press("enter")
        await until(pilot, lambda: "this cell is a label" in notified(app), what="the answer")
    drive("exp", script, notifications=True)


def test_a_weight_is_picked_and_edited_on_the_network_drawing():
    """Playground edits a weight by clicking its edge; here arrows or a click pick it."""
    async def script(app, pilot):
        s = app.session
        await pilot.press("4")
        view = app.part("#network-view")
        await until(pilot, lambda: "W1[0,0] =" in shown(view) and app.focused is view,
                    what="the picked weight, focused")
        assert "◆" in "".join(shown(view).splitlines()[2:-1])
        await pilot.press("down")
        await until(pilot, lambda: "W1[0,1] =" in shown(view), what="the next weight")
        await pilot.press("right")
        await until(pilot, lambda: "b1[0] =" in shown(view), what="the next layer")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
        app.screen.query_one("#edit-input").value = "0.25"
        await pilot.press("enter")
        await until(pilot, lambda: s.run.net.b1[0] == 0.25, what="the new bias")
        # A click on an edge picks its weight.
        target = s.run.net.entries().index(("W2", (1, 0)))
        await until(pilot, lambda: view.owners is not None and (view.owners == target).any(),
                    what="the edge drawn")
        y, x = map(int, np.argwhere(view.owners == target)[0])
        await pilot.click("#network-view", offset=(x, y))
        await until(pilot, lambda: "W2[1,0] =" in shown(view), what="the clicked weight")
    drive("exp", script)


def test_pin_log_best_save_and_help(state_home):
    async def script(app, pilot):
        s = app.session
        await pilot.press("N", "p")
        assert len(s.pins) == 1 and "pinned" in s.notice
        await pilot.press("l")
        assert app.log_scale
        await pilot.press("b")
        assert "restored the best weights" in s.notice
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the name")
        await pilot.press("enter")                  # the offered name
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="saved")
        saved = list((state_home / "tuinn" / "runs").iterdir())
        assert len(saved) == 1 and (saved[0] / "state.npz").is_file()
        assert saved[0].name.startswith("exp-") and f"saved to {saved[0]}" in s.notice
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = drawn(app.screen.query_one("#help-text"))
        for _, items in help_groups():
            for key, what in items:
                assert f"  {key}" in text and what.split()[0] in text, (key, text)
        await pilot.press("q")
        assert not isinstance(app.screen, HelpScreen)
    drive("exp", script)


def test_help_scrolls_by_keys_on_a_small_terminal():
    async def script(app, pilot):
        await pilot.press("question_mark")
        box = app.screen.query_one("#help-box")
        assert box.max_scroll_y > 0, "at 80x24 the keys do not fit: the box must scroll"
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
    drive("exp", script, size=(80, 24))


async def open_preset(app, pilot, name):
    """Open preset `name` as a person would: o, the picker, Enter."""
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
    options = app.screen.query_one("#picker-list")
    options.highlighted = [o.id for o in options.options].index(f"preset:{name}")
    options.focus()
    await pilot.press("enter")


def test_open_switches_to_another_preset():
    async def script(app, pilot):
        await open_preset(app, pilot, "coverage-bad")
        await until(pilot, lambda: status(app).startswith(" coverage-bad"), what="the new run")
        assert app.session.source == "coverage-bad"
        assert app.session.run.net.hidden == "relu"
        assert status(app).startswith(" coverage-bad")
    drive("exp", script)


def test_another_run_starts_its_diagnosis_at_the_top():
    """exp-lr1's long diagnosis scrolled down, then coverage-bad opened: its
    headline finding is in view, not the middle of its text."""
    async def script(app, pilot):
        app.session.step(1000)
        panel = app.part("#diagnosis")
        await until(pilot, lambda: panel.max_scroll_y > 0, what="a diagnosis longer than its panel")
        panel.focus()
        await pilot.press("pagedown", "pagedown")
        await until(pilot, lambda: panel.scroll_y > 0, what="the panel scrolled down")
        await open_preset(app, pilot, "coverage-bad")
        await until(pilot, lambda: app.session.source == "coverage-bad" and
                    app._generation == app.session.generation, what="the new run's frame")
        assert panel.scroll_y == 0
    drive("exp-lr1", script, size=(80, 24))


def test_at_80x24_every_findings_headline_is_in_view_before_any_detail():
    """The panel lists one line a finding, problems first, cut to its width;
    at 80x24 its rows hold the headlines of every preset's diagnosis."""
    from tuinn import presets
    from tuinn.runs.run import Run

    rows = {}

    async def script(app, pilot):
        app.session.step(300)
        panel = app.part("#diagnosis")
        await until(pilot, lambda: len(app.findings) > 1 and
                    shown(panel).splitlines()[len(app.findings)].strip().startswith("─"),
                    what="the headlines")
        lines = shown(panel).splitlines()
        for finding, line in zip(app.findings, lines):
            assert line.strip()[2:].startswith(finding.headline[:20]), line
            assert len(line.rstrip()) <= panel.size.width
        # Half the Train tab, less the "more lines" mark.
        rows["in view"] = app.part("#train").size.height // 2 - 1
    drive("sum-relu", script, size=(80, 24))
    for name in presets.names():
        run = Run(RunSpec.from_preset(name))
        run.train(min(run.spec.train.epochs, 300))
        assert len(run.fast_diagnose(surface="app")) <= rows["in view"], name


def test_enter_opens_the_finding_under_the_cursor_in_full():
    """At 80x24: tab to the diagnosis, down to the second headline, Enter: its
    evidence and advice, whole, over the app; Esc goes back to the cursor."""
    from tuinn.tui.screens import FindingScreen

    async def script(app, pilot):
        app.session.step(300)
        panel = app.part("#diagnosis")
        await until(pilot, lambda: len(app.findings) > 1, what="two findings or more")
        # once the experiments have settled the diagnosis, which reorders it
        await until(pilot, lambda: "measured" in status(app) and app.frame_current(),
                    timeout=30, what="the settled diagnosis")
        panel.focus()
        assert panel.cursor == 0            # on the first, until moved
        second = panel.findings[1]
        await pilot.press("down")
        # the cursor follows its finding while later frames (a settled
        # diagnosis) reorder them
        assert panel.findings[panel.cursor].code == second.code
        second = panel.findings[panel.cursor]
        await until(pilot, lambda: "reverse" in str(
            panel.query_one(".panel-body").render().spans), what="the cursor drawn")
        await pilot.press("enter")
        assert isinstance(app.screen, FindingScreen)
        body = " ".join(str(app.screen.query_one("#notes-text").render()).split())
        assert " ".join(second.message.split()) in body
        assert second.code in body and "the numbers behind it" in body
        if second.advice:
            assert "→" in body
        await pilot.press("escape")
        assert not isinstance(app.screen, FindingScreen)
        assert panel.findings[panel.cursor].code == second.code
        for _ in panel.findings:
            await pilot.press("up")         # past the first headline it scrolls
        assert panel.cursor == 0
    drive("sum-relu", script, size=(80, 24))


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_hang_up_keeps_the_run_and_ends_with_the_signals_code(sig):
    async def script(app, pilot):
        await pilot.press("N")
        app.hang_up(sig)
    app = drive("exp", script)
    assert app.return_code == 128 + int(sig) and app.exit_code == 128 + int(sig)
    assert (last_run_dir() / "run.toml").is_file()
    # The one-second deadline that forces an exit stands down once the app has
    # left: it would end this process (pytest) otherwise.
    time.sleep(HANG_UP_SECONDS + 0.5)


def test_q_keeps_the_run_for_resume():
    async def script(app, pilot):
        await pilot.press("N", "q")
        await until(pilot, lambda: app.return_code is not None, what="the app to quit")
    app = drive("exp", script)
    assert app.return_code == 0
    kept = last_run_dir()
    assert (kept / "run.toml").is_file()
    resumed = Session(RunSpec.from_preset("exp"), paused=True)
    resumed.open_saved(kept)
    assert resumed.run.epoch == 10


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_resizing_keeps_every_panel_usable(size):
    async def script(app, pilot):
        await pilot.press("N")
        await pilot.resize_terminal(*size)
        await until(pilot, lambda: app.size == size, what="the resize")
        assert not app.has_class("-too-small")
        assert app.query_one("#loss").size.width > 20 and app.query_one("#units").size.height > 2
        for tab in ("2", "3", "1"):
            await pilot.press(tab)
        assert "epoch 10/1,000" in status(app)
    drive("exp", script, size=(120, 40))


def test_too_small_terminal_says_so_and_recovers():
    async def script(app, pilot):
        await pilot.resize_terminal(60, 20)
        await until(pilot, lambda: app.has_class("-too-small"), what="the notice")
        message = str(app.query_one("#too-small").render())
        assert "60×20" in message and "80×24" in message
        await pilot.resize_terminal(100, 30)
        await until(pilot, lambda: not app.has_class("-too-small"), what="the screen back")
    drive("exp", script)


@pytest.mark.parametrize("preset,view", [("circle", "#fit-heat"), ("body-metrics", "#fit-confusion"),
                                         ("exp", "#fit-chart"), ("sum-relu", "#fit-chart")])
def test_fit_view_suits_the_data(preset, view):
    async def script(app, pilot):
        await pilot.press("N")
        await until(pilot, lambda: app.query_one(view).display, what=f"the {view} view")
        others = {"#fit-heat", "#fit-confusion", "#fit-chart"} - {view}
        assert not any(app.query_one(o).display for o in others)
    drive(preset, script)


def test_the_status_line_narrows_its_separators_then_drops_its_tail():
    parts = ["exp", "epoch 1,000/1,000", "done, converged", "sgd lr 0.1",
             "1→2→1 sigmoid→linear, squared", "", "speed 100 epochs/s"]
    wide = fit_status(parts, 200)
    assert wide == (" exp │ epoch 1,000/1,000 │ done, converged │ sgd lr 0.1 │ "
                    "1→2→1 sigmoid→linear, squared │ speed 100 epochs/s")
    at_80 = fit_status(parts, 80)
    assert at_80 == (" exp│epoch 1,000/1,000│done, converged│sgd lr 0.1│"
                     "1→2→1 sigmoid→linear, squared")
    assert fit_status(parts, 42) == " exp │ epoch 1,000/1,000 │ done, converged"
    assert fit_status(parts, 41) == " exp│epoch 1,000/1,000│done, converged"
    assert fit_status(parts, 22) == " exp│epoch 1,000/1,000"
    assert fit_status(parts, 21) == " exp"


def test_screen_keeps_updating_under_an_open_editor():
    async def script(app, pilot):
        s = app.session
        await pilot.press("space", "2")
        table = app.part("#settings-table")
        await until(pilot, lambda: table.row_count > 0, what="the settings")
        table.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, EditScreen)
        before = s.run.epoch
        await until(pilot, lambda: s.run.epoch > before, what="training under the editor")
        await until(pilot, lambda: f"epoch {before:,}/" not in status(app),
                    what="the status line to move on")
        await pilot.press("escape")
        assert not isinstance(app.screen, EditScreen)
    drive("exp", script)


def test_ascii_mode_draws_without_block_or_braille_characters():
    async def script(app, pilot):
        await pilot.press("N")
        await until(pilot, lambda: shown(app.part("#fit-heat")).strip(), what="the heat map")
        assert app.has_class("-ascii")
        heat, loss, units = (shown(app.part(part)) for part in ("#fit-heat", "#loss", "#units"))
        drawn = heat + loss + units + status(app) + str(app.part("#notice").render())
        assert all(ord(c) < 128 for c in drawn), sorted({c for c in drawn if ord(c) >= 128})
        assert "o" in heat or "x" in heat
        await pilot.press("3", "n")
        await until(pilot, lambda: any(c in shown(app.part("#weights-table")) for c in "^v"),
                    what="the weights' arrows")
        weights = shown(app.part("#weights-table"))
        assert all(ord(c) < 128 for c in weights) and ("^" in weights or "v" in weights)
        await pilot.press("4")
        await until(pilot, lambda: "edges" in shown(app.part("#network-view")), what="the net")
        network = shown(app.part("#network-view"))
        assert all(ord(c) < 128 for c in network), sorted({c for c in network if ord(c) >= 128})
        for key, kind in (("e", InputsScreen), ("o", PickerScreen), ("s", EditScreen)):
            await pilot.press(key)
            await until(pilot, lambda: isinstance(app.screen, kind), what="the dialog")
            await pilot.pause()
            screen = "\n".join(s.text for s in app.screen._compositor.render_strips())
            assert all(ord(c) < 128 for c in screen), (key, sorted({c for c in screen
                                                                   if ord(c) >= 128}))
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, kind), what="closed")
    drive("circle", script, ascii_only=True)


@pytest.mark.parametrize("choice,env", [("none", {"NO_COLOR": "1"}), ("auto", {}),
                                        ("16", {"TEXTUAL_COLOR_SYSTEM": "standard"}),
                                        ("256", {"TEXTUAL_COLOR_SYSTEM": "256"}),
                                        ("truecolor", {"TEXTUAL_COLOR_SYSTEM": "truecolor"})])
def test_color_option_maps_onto_textuals_settings(choice, env):
    from tuinn.cli import color_environment

    assert color_environment(choice) == env


def test_an_output_the_targets_do_not_suit_is_refused_in_place():
    async def script(app, pilot):
        s = app.session
        with pytest.raises(TuinnError, match=r"sigmoid output lies in \[0, 1\]"):
            s.set_field("model.output", "sigmoid")
        assert s.run.spec.model.output == "linear", "the old run stays"
        await pilot.press("space")
        await until(pilot, lambda: s.run.epoch > 0, what="training to go on")
    drive("exp", script)


def test_after_a_divergence_a_lower_rate_lets_the_run_go_on():
    async def script(app, pilot):
        s = app.session
        s.step(300)
        assert s.state == "diverged" and "diverged at epoch 193" in s.notice
        await pilot.press("space")
        assert s.state == "diverged", "space alone does not go on into the same overflow"
        await pilot.press("minus")
        assert "last finite weights" in s.notice and s.state == "paused"
        await pilot.press("minus", "minus", "minus", "minus", "minus")
        await pilot.press("n")
        assert s.run.epoch == 193 and s.run.status == "done"
    drive("exp-lr5", script)


def test_a_diverged_run_still_draws_its_loss_with_short_labels():
    async def script(app, pilot):
        app.session.step(300)
        # The loss spans 300 decades: a log scale by itself, decades up to 1e300.
        await until(pilot, lambda: "e+300" in shown(app.part("#loss")), what="the loss drawn")
        loss = shown(app.part("#loss"))
        assert "spans" in loss and sum(0x2800 < ord(c) <= 0x28FF for c in loss) > 20
        await pilot.press("l")
        await until(pilot, lambda: "loss (log)" in shown(app.part("#loss")), what="the toggle")
        assert "e+300" in shown(app.part("#loss"))
    drive("exp-lr5", script)


def test_a_resize_redraws_the_status_line_of_a_stopped_run():
    async def script(app, pilot):
        assert "squared │ speed" in status(app)
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: "speed" not in status(app), what="the narrow status line")
        # The diagnosis may be measured on copies meanwhile ("paused, measured"),
        # and the separators narrow to keep the parts.
        parts = re.split(r"\s*│\s*", re.sub(r", measur\w+", "", status(app)).strip())
        assert parts == ["exp", "epoch 0/1,000", "paused", "sgd lr 0.1",
                         "1→2→1 sigmoid→linear, squared"]
    drive("exp", script, size=(140, 40))


def test_number_keys_put_the_keys_on_the_tabs_table():
    async def script(app, pilot):
        await pilot.press("2", "enter")
        assert isinstance(app.screen, EditScreen)
        assert "data.generator" in app.screen.title_text
        await pilot.press("escape", "3", "enter")
        assert isinstance(app.screen, EditScreen) and app.screen.title_text.startswith("W1[0, 0]")
        await pilot.press("escape")
    drive("exp", script)


@pytest.mark.parametrize("path", ["/no/such/run.toml", "/a/[b]/run.toml"])
def test_the_picker_refuses_a_bad_path_in_place_as_typed(path):
    async def script(app, pilot):
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        await pilot.press(*path, "enter")
        assert isinstance(app.screen, PickerScreen), "the picker stays open"
        assert f"cannot open {path}" in drawn(app.screen.query_one("#picker-error"))
        assert app.session.source == "exp"
    drive("exp", script)


def test_findings_belong_to_the_run_on_screen():
    async def script(app, pilot):
        app.session.step(2000)
        await until(pilot, lambda: "done, converged" in status(app), what="the diagnosis")
        assert any(f.code == "converged" for f in app.findings)
        await pilot.press("r")
        await until(pilot, lambda: "converged" not in status(app), what="the new run")
        assert app.session.run.epoch == 0
        assert not any(f.code == "converged" for f in app.findings), app.findings
        assert "converged" not in status(app)
    drive("sigmoid-hidden", script)


def test_a_finished_run_shows_only_what_holds_now():
    async def script(app, pilot):
        app.session.step(1000)
        want = [f.code for f in app.session.run.diagnose()]
        await until(pilot, lambda: [f.code for f in app.findings] == want, what=str(want))
    drive("spiral", script)


def test_a_resumed_run_plays_at_its_own_pace(state_home):
    first = Session(RunSpec.from_preset("sinpoly"), paused=True)
    assert first.speed == 1000                      # 10,000 epochs over about 10 s
    first.step(10)
    first.save(last_run_dir())
    resumed = Session(RunSpec.from_preset("exp"), paused=True)
    resumed.open_saved(last_run_dir())
    assert resumed.run.epoch == 10 and resumed.speed == 1000 and resumed.limit == 10_000


def test_the_header_shows_how_fast_the_run_advances_not_the_kernel():
    async def script(app, pilot):
        s = app.session
        s.speed = 200
        await pilot.press("space")
        await until(pilot, lambda: s.progress_eps > 0 and " ep/s" in status(app),
                    what="a measured pace")
        # Paced, the run never goes faster than 200 epochs/s (how much slower a
        # busy machine makes it is the benchmark's to say, not a test's); the
        # kernel alone goes far faster, and the header shows the pace.
        assert 0 < s.progress_eps < 400, s.progress_eps
        assert s.kernel_eps > 1000 and s.kernel_eps > 5 * s.progress_eps
        shown_eps = int(status(app).split(" ep/s")[0].split()[-1].replace(",", ""))
        assert 0 < shown_eps < 400, status(app)
    drive("exp", script, size=(160, 40))


def test_units_table_keeps_one_line_per_unit_and_says_what_repeats():
    async def script(app, pilot):
        await pilot.press("N")
        await until(pilot, lambda: "duplicate of 0" in shown(app.part("#units")),
                    what="the unit table")
        lines = shown(app.part("#units")).splitlines()
        assert lines[0].split()[:3] == ["unit", "state", "active"]
        assert lines[2].startswith("1     = duplicate of 0  ") and lines[2].rstrip().endswith("%")
        assert [line.split()[0] for line in lines[1:5]] == ["0", "1", "2", "3"]
    drive("exp-h4", script, size=(80, 24))


def test_a_new_run_clears_what_was_said_of_the_last_on_any_tab():
    async def script(app, pilot):
        app.session.step(2000)
        await until(pilot, lambda: "done, converged" in status(app), what="the diagnosis")
        await pilot.press("3", "r")
        await until(pilot, lambda: "converged" not in status(app), what="the new run")
        assert app.session.run.epoch == 0
    drive("sigmoid-hidden", script)


def test_an_overflowing_net_still_draws_its_heat_map():
    async def script(app, pilot):
        s = app.session
        for name, index in (("W1", (0, 0)), ("W1", (1, 1)), ("W2", (0, 0)), ("W2", (1, 0))):
            s.set_weight(name, index, "1e308")
        assert not np.isfinite(s.run.net.predict(s.run.dataset.X)).all()
        await until(pilot, lambda: app._plot_version == s.version and not app._frame_in_flight,
                    what="the frame")
        assert app._frame_errors == []
        assert len(shown(app.part("#fit-heat")).strip()) > 0
    drive("plane", script)


def test_ascii_diagnosis_keeps_each_style_on_its_own_words():
    async def script(app, pilot):
        await pilot.press("N")
        await until(pilot, lambda: app.findings, what="the findings")
        text = frames.findings_text(app.findings, None, [], app.ascii_only)
        advice = [text.plain[span.start:span.end] for span in text.spans if span.style == "dim"]
        assert advice and all(a.startswith("   -> ") for a in advice), advice
    drive("body-metrics", script, ascii_only=True)


def test_a_net_without_hidden_layer_shows_its_one_layer_and_edits_it():
    async def script(app, pilot):
        s = app.session
        await until(pilot, lambda: "no hidden layer" in shown(app.part("#units")),
                    what="the unit panel")
        await pilot.press("3")
        table = app.query_one("#weights-table")
        await until(pilot, lambda: table.row_count == 3, what="one row per input and b")
        assert [str(c) for c in table.get_column_at(0)] == ["x0", "x1", "b"]
        table.focus()
        table.move_cursor(row=1, column=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the editor")
        app.screen.query_one("#edit-input").value = "0.5"
        await pilot.press("enter")
        await until(pilot, lambda: s.run.net.W2[1, 0] == 0.5, what="the new weight")
        await pilot.press("n")
        assert s.run.epoch == 1 and s.run.net.W2[1, 0] != 0.5
    drive("and-delta", script)


def test_the_metrics_line_shows_the_numbers_and_the_rate_against_its_limit():
    async def script(app, pilot):
        app.session.step(400)
        await until(pilot, lambda: "(stable below 2)" in
                    shown(app.part("#metrics")), what="the limit")
        line = shown(app.part("#metrics"))
        loss = app.session.run.trainer.history["loss"][-1]
        assert f"train loss {loss:.4g}" in line and "best " in line and "lr 2 " in line
    drive("exp-lr2", script, size=(160, 30))


def test_the_rate_beside_its_limit_is_the_rate_in_force_at_80_columns():
    """Set in the Settings tab, the new rate shows at once beside the limit,
    on every tab; another optimizer has another limit, so none is shown until
    it is measured."""
    async def script(app, pilot):
        await pilot.press("N")
        await until(pilot, lambda: "lr 0.1 < " in shown(app.part("#metrics")),
                    what="the limit at lr 0.1")
        limit = shown(app.part("#metrics")).split("lr 0.1 < ")[1].split()[0]
        await edit_setting(app, pilot, "train.lr")
        app.screen.query_one("#edit-input").value = "0.05"
        await pilot.press("enter")
        await until(pilot, lambda: f"lr 0.05 < {limit}" in shown(app.part("#metrics")),
                    what="the new rate beside the same limit (the weights did not move)")
        await pilot.press("1", "n")
        await until(pilot, lambda: "lr 0.05 <" in shown(app.part("#metrics")),
                    what="the new rate after an epoch")
        old_limit = shown(app.part("#metrics")).split("lr 0.05 < ")[1].split()[0]
        app.session.set_field("train.optimizer", "momentum")

        def momentums_limit():
            line = shown(app.part("#metrics"))
            return "lr 0.05 < " in line and f"< {old_limit}" not in line
        await until(pilot, momentums_limit, what="momentum's own limit, not gradient descent's")
    drive("exp", script, size=(80, 24))


def test_a_limit_holds_for_another_rate_but_not_under_another_rule():
    from tuinn.diagnose.curvature import Sharpness
    from tuinn.settings import trainer_defaults

    settings = trainer_defaults() | {"optimizer": "sgd"}
    sharp = Sharpness(lam=20.0, limit=0.1, lr=0.1, direction="", share=0.0, product=2.0)
    assert sharp.for_rate(settings, 0.05).lr == 0.05 and sharp.for_rate(settings, 0.05).limit == 0.1
    assert sharp.for_rate(settings | {"optimizer": "momentum", "momentum": 0.9}, 0.05) is None


@pytest.mark.parametrize("lr, limit, side", [(0.1, 0.104, "<"), (5.0, 1.28, "≥"), (2.0, 2.0, "≥"),
                                             (1.0, 0.94, "≥")])
def test_the_short_metrics_line_puts_the_rate_on_its_side_of_the_limit(lr, limit, side):
    from types import SimpleNamespace

    line = frames.metrics_line({"train_loss": 1.0}, (3, 0.5),
                               SimpleNamespace(lr=lr, limit=limit), width=40)
    assert f"lr {lr:.3g} {side} {limit:.3g}" in line, line
    assert frames.plain(line, True).count("lr") == 1 and (side == "<" or ">=" in frames.plain(
        line, True))


def test_the_metrics_line_has_test_loss_and_accuracy_for_a_classifier():
    async def script(app, pilot):
        app.session.step(20)
        await until(pilot, lambda: "test accuracy" in shown(app.part("#metrics")),
                    what="the metrics")
        line = shown(app.part("#metrics"))
        assert "train loss" in line and "test loss" in line and "train accuracy" in line
    drive("circle", script, size=(200, 40))


@pytest.mark.parametrize("key,text,words", [
    ("model.hidden_units", "3000000000", "0..100,000"),
    ("train.epochs", "1" * 10_000, "characters"),
    ("train.lr", "x" * 10_000, "characters"),
])
def test_an_absurd_or_huge_edit_is_refused_in_one_short_line(key, text, words):
    async def script(app, pilot):
        before = app.session.run.spec.get(key)
        await edit_setting(app, pilot, key)
        app.screen.query_one("#edit-input").value = text
        await pilot.press("enter")
        assert isinstance(app.screen, EditScreen), "the app stays, the editor open"
        error = str(app.screen.query_one("#edit-error").render())
        assert words in error and len(error) < 200, error
        assert app.session.run.spec.get(key) == before
    drive("exp", script)


@pytest.mark.parametrize("failure", ["raises", "returns 1"])
def test_an_unexpected_end_of_the_app_keeps_the_run_and_says_where(state_home, monkeypatch,
                                                                 capsys, failure):
    from tuinn.tui import app as app_module

    session = Session(RunSpec.from_preset("exp"), paused=True)
    session.step(7)

    def broken(self, **kwargs):
        if failure == "raises":
            raise RuntimeError("a widget fell over\nsecond line")
        self._return_code = 1

    monkeypatch.setattr(app_module.TuinnApp, "run", broken)
    assert app_module.run_app(session) == 1
    err = capsys.readouterr().err
    assert "the app ended unexpectedly" in err and "tuinn --resume" in err
    assert len(err.strip().splitlines()) == 1
    kept = last_run_dir()
    assert RunSpec.read(kept / "run.toml").name == "exp"
    from tuinn.runs import Run
    assert Run.load(kept).epoch == 7


def test_new_data_on_a_fixed_data_set_says_so_and_keeps_the_weights():
    fixed = Session(RunSpec.from_preset("exp"), paused=True)
    fixed.step(5)
    theta = fixed.run.net.theta.copy()
    fixed.new_data()
    assert "has no data seed" in fixed.notice
    assert fixed.run.epoch == 5 and np.array_equal(fixed.run.net.theta, theta)
    drawn = Session(RunSpec.from_preset("circle"), paused=True)
    rows = drawn.run.dataset.X.copy()
    drawn.new_data()
    assert "new data: data seed 1" in drawn.notice
    assert not np.array_equal(drawn.run.dataset.X, rows)


@pytest.mark.parametrize("typed", ["spiral", "~/saved-spiral"])
def test_the_picker_takes_a_preset_name_or_a_path_with_tilde(typed, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    from tuinn.runs import Run
    saved = Run(RunSpec.from_preset("spiral"))
    saved.train(3)
    saved.save(tmp_path / "saved-spiral")

    async def script(app, pilot):
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: not isinstance(app.screen, PickerScreen), what="the run")
        assert app.session.run.spec.name == "spiral"
        assert app.session.run.epoch == (0 if typed == "spiral" else 3)
    drive("exp", script)


def test_a_loss_that_spans_decades_is_drawn_on_a_log_scale_by_itself():
    async def script(app, pilot):
        app.session.step(150)
        await until(pilot, lambda: "spans" in shown(app.part("#loss")), what="the log scale")
        assert not app.log_scale, "the user's own toggle is untouched"
    drive("exp-lr5", script, size=(120, 40))


def test_a_unit_table_taller_than_its_panel_says_how_many_are_below_and_scrolls():
    def listed(app):
        return [int(line.split()[0]) for line in shown(app.part("#units")).splitlines()
                if line[:5].strip().isdigit()]

    async def script(app, pilot):
        units = app.part("#units")
        await until(pilot, lambda: "more lines" in shown(units), what="the mark")
        lines = shown(units).splitlines()
        more = int(next(line for line in lines if "more lines" in line).split()[0])
        assert "tab, then" in lines[-1]
        assert len(listed(app)) + more == app.session.run.net.n_hidden
        assert listed(app)[0] == 0
        await pilot.press("tab")
        assert app.focused is units
        await until(pilot, lambda: "↓ / PgDn" in shown(units) and "tab, then" not in shown(units),
                    what="the mark for a focused panel")
        await pilot.press("end")
        await until(pilot, lambda: "more lines" not in shown(units), what="the end")
        assert listed(app)[-1] == app.session.run.net.n_hidden - 1
        await pilot.press("home")
        await until(pilot, lambda: listed(app)[0] == 0, what="the top")
    drive("spiral", script, size=(100, 30))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_every_finding_of_coverage_bad_can_be_read_by_scrolling(size):
    async def script(app, pilot):
        panel, s = app.part("#diagnosis"), app.session
        s.step(300)
        # Read once the experiments have settled it: they rewrite it meanwhile.
        await until(pilot, lambda: app.settled and app.settled[0] == s.settle_key()
                    and app.findings and app.findings[0].message in
                    [f.message for f in app.settled[1]] and panel.below(), timeout=30,
                    what="a settled diagnosis taller than its panel")
        await pilot.press("tab", "tab")
        assert app.focused is panel
        read = {}                       # the text's rows, by their place in it
        for _ in range(40):
            for row, line in enumerate(shown(panel).splitlines()):
                if "more line" not in line:
                    read[round(panel.scroll_y) + row] = line.rstrip("▁▂▃▄▅▆▇█ ").strip()
            if not panel.below():
                break
            await pilot.press("pagedown")
            await pilot.pause()
        assert not panel.below() and "more line" not in shown(panel), "the end says so"
        assert panel.scroll_y >= panel.max_scroll_y
        assert sorted(read) == list(range(len(read))), "no row was skipped"
        text = " ".join(" ".join(read[row] for row in sorted(read)).split())
        for finding in app.findings:
            # Every word, in order: a page skips no line (the mark is no text).
            assert " ".join(finding.message.split()) in text, finding.code
    drive("coverage-bad", script, size=size)


def test_i_shows_the_presets_notes_and_closes():
    async def script(app, pilot):
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen), what="the notes")
        text = drawn(app.screen.query_one("#notes-text"))
        assert "coverage-bad" in text and "x < -3" in text.replace("\n", " ")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NotesScreen), what="closed")
    drive("coverage-bad", script, size=(100, 40))


def test_after_a_blow_up_the_fit_is_clipped_to_the_targets_and_says_so():
    async def script(app, pilot):
        app.session.step(300)
        await until(pilot, lambda: "clipped" in shown(app.part("#fit-chart")), what="the fit")
        fit = shown(app.part("#fit-chart"))
        assert "e+1" not in fit and "e+3" not in fit, "no astronomic tick labels"
    drive("exp-lr5", script, size=(160, 40))


def test_s_saves_under_the_name_typed_and_refuses_a_users_folder(state_home, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("mine")

    async def script(app, pilot):
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the name")
        app.screen.query_one("#edit-input").value = str(mine)
        await pilot.press("enter")
        error = str(app.screen.query_one("#edit-error").render())
        assert isinstance(app.screen, EditScreen) and "not a tuinn run" in error
        app.screen.query_one("#edit-input").value = "my-first-run"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="saved")
        assert (state_home / "tuinn" / "runs" / "my-first-run" / "state.npz").is_file()
        assert (mine / "thesis.tex").read_text() == "mine"
    drive("exp", script)


# ------------------------------------------------------------------ Playground's controls

def test_z_and_shift_z_step_the_noise_and_a_table_without_noise_says_so():
    async def script(app, pilot):
        s = app.session
        labels = s.run.dataset.Y.copy()
        await pilot.press("z")
        # Playground's percent slider: 5 % of the circle's radius moves the labels.
        assert s.run.spec.data.params["noise"] == 5.0 and "noise: 0 → 5" in s.notice
        assert s.run.epoch == 0                          # new data, new weights
        await pilot.press(*"zzzzzzzz")
        assert s.run.spec.data.params["noise"] == 50.0
        assert "already at its highest" in s.notice
        # Playground's circle noise moves the point a label is read from: labels flip.
        assert 0.05 < np.mean(s.run.dataset.Y != labels) < 0.5
        await pilot.press(*"ZZZZZZZZ")
        assert s.run.spec.data.params["noise"] == 0.0
        await pilot.press("Z")
        assert "already at its lowest" in s.notice
        app.open_run("preset", "exp")
        await pilot.press("z")
        await until(pilot, lambda: "no noise to change" in notified(app), what="why")
    drive("circle", script)


def test_x_steps_the_share_of_test_rows_and_a_fixed_test_set_refuses():
    async def script(app, pilot):
        s = app.session
        await pilot.press("x")
        assert s.run.spec.data.params["test_ratio"] == 0.7 and s.run.dataset.n_test == 350
        await pilot.press("X", "X")
        assert s.run.spec.data.params["test_ratio"] == 0.3
        keys = [f.key for f in s.fields()]
        assert "data.params.test_ratio" in keys and "data.test_ratio" not in keys
        app.open_run("preset", "exp")
        await pilot.press("x")
        await until(pilot, lambda: "its own test set" in notified(app), what="why")
        assert app.session.run.dataset.n_test == 100
    drive("circle", script)


def test_c_steps_the_batch_size_live_up_to_the_full_batch():
    async def script(app, pilot):
        s = app.session
        await pilot.press("C")
        assert s.run.trainer.settings["batch_size"] == 300
        await pilot.press("C", "C")
        assert s.run.trainer.settings["batch_size"] == 30
        await pilot.press("c", "c", "c")
        assert s.run.trainer.settings["batch_size"] is None
        await pilot.press("c")
        assert "already at its highest" in s.notice
    drive("exp", script)


def test_v_shows_the_test_rows_in_the_heat_map_with_a_legend_and_axes():
    async def script(app, pilot):
        heat = app.part("#fit-heat")
        await until(pilot, lambda: "blue: 1 (o), orange: 0 (x)" in shown(heat)
                    and "x2" in shown(heat).splitlines()[-1], what="legend and axes")
        lines = shown(heat).splitlines()
        assert "x1" in lines[-1] and "x2" in lines[-1] and "…" in lines[-1]
        assert "O" not in "".join(lines[1:-1])
        await pilot.press("v")
        await until(pilot, lambda: "test rows: O X" in shown(heat), what="the test rows")
        assert "O" in "".join(shown(heat).splitlines()[1:-1])
        assert "test rows drawn as the capitals of their marks (O X)" in app.session.notice
        await pilot.press("v")
        await until(pilot, lambda: "test rows" not in shown(heat), what="hidden again")
    drive("spiral", script)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (117, 30)])
def test_the_key_bar_shows_only_whole_keys(size):
    """At 100 columns the bar ended in "f fa"."""
    async def script(app, pilot):
        bar = app.query_one("KeyBar")
        await until(pilot, lambda: "quit" in shown(bar), what="the key bar")
        line = shown(bar).rstrip()
        labels = [f"{k.key_display} {k.description}" for k in bar.query("FooterKey")]
        assert line.split() == " ".join(labels).split()
        assert "help" in line and len(line) <= size[0]
    drive("spiral", script, size=size)


def test_a_message_covers_the_notice_line_never_the_diagnosis():
    async def script(app, pilot):
        await pilot.press("t")          # refused outside the Weights tab
        await until(pilot, lambda: app.screen.query("Toast"), what="the message")
        await pilot.pause()
        toast = app.screen.query_one("Toast")
        for panel in ("#diagnosis", "#units", "#loss", "#fit"):
            assert not toast.region.overlaps(app.part(panel).region), panel
        assert toast.region.y >= app.part("#notice").region.y
    drive("spiral", script, size=(80, 24), notifications=True)


def test_k_discretizes_the_heat_map_and_says_so_where_there_is_none():
    async def script(app, pilot):
        heat = app.part("#fit-heat")
        await until(pilot, lambda: "blue: 1 (o)" in shown(heat), what="the heat map")
        await pilot.press("k")
        assert app.session.notice == "heat map: discretized"
        await until(pilot, lambda: "discretized" in shown(heat).splitlines()[0],
                    what="the legend")
        await pilot.press("k")
        await until(pilot, lambda: "discretized" not in shown(heat), what="continuous again")
    drive("spiral", script)

    async def one_input(app, pilot):
        await pilot.press("k")
        assert "no heat map" in app.session.notice
    drive("exp", one_input)


def test_without_colour_the_heat_map_draws_glyphs_and_names_them(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def script(app, pilot):
        heat = app.part("#fit-heat")
        await until(pilot, lambda: "· boundary" in shown(heat), what="the glyph legend")
        assert "blue" not in shown(heat) and "▀" not in shown(heat)
    drive("spiral", script)


def test_v_names_the_marks_the_fit_draws_the_test_rows_with():
    """A 1-D chart draws the test rows as orange dots, not the heat map's O X."""
    async def script(app, pilot):
        fit = app.part("#fit")
        await until(pilot, lambda: "target" in shown(fit), what="the fit")
        before = shown(fit).count("•")
        await pilot.press("v")
        assert app.session.notice == "fit: test rows drawn as orange •"
        await until(pilot, lambda: shown(fit).count("•") > before, what="the test rows drawn")
        await pilot.press("v")
        assert app.session.notice == "fit: test rows hidden"
    drive("exp", script)


def test_a_heat_map_of_two_regression_outputs_shows_the_first_and_says_so():
    async def script(app, pilot):
        heat = app.part("#fit-heat")
        await until(pilot, lambda: "the first of 2 outputs" in shown(heat), what="the legend")
        body = "".join(shown(heat).splitlines()[1:-1])
        assert "▀" in body
    drive("backprop-2-2-2", script)


def test_e_toggles_each_input_as_playground_and_the_fit_stays_over_the_datas_own():
    async def script(app, pilot):
        s = app.session
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, InputsScreen), what="the toggles")
        toggles = app.screen.query_one("#edit-choices")
        labels = [str(toggles.get_option_at_index(i).prompt) for i in range(toggles.option_count)]
        assert labels == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
        assert sorted(toggles.selected) == [0, 1]
        await pilot.pause()
        drawn_boxes = shown(toggles)        # ticked or not without colour
        assert "▐X▌ x1 " in drawn_boxes and "▐ ▌ x1²" in drawn_boxes
        # Off x1 and x2, on their squares: Playground's circle without a hidden layer.
        await pilot.press("space", "down", "space", "down", "space", "down", "space", "enter")
        await until(pilot, lambda: not isinstance(app.screen, InputsScreen), what="applied")
        assert s.run.spec.data.features == "x1^2, x2^2" and s.run.net.n_in == 2
        assert s.run.dataset.feature_names == ["x1²", "x2²"]
        await until(pilot, lambda: "blue: 1 (o)" in shown(app.part("#fit-heat")),
                    what="the heat map over x1, x2")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, InputsScreen), what="the toggles")
        toggles = app.screen.query_one("#edit-choices")
        assert sorted(toggles.selected) == [2, 3]
        await pilot.press("space", "down", "space", "enter")     # all four: the kind's name
        await until(pilot, lambda: not isinstance(app.screen, InputsScreen), what="applied")
        assert s.run.spec.data.features == "square" and s.run.net.n_in == 4
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, InputsScreen), what="the toggles")
        app.screen.query_one("#edit-choices").deselect_all()
        await pilot.press("enter")
        await until(pilot, lambda: "leaves the net no input" in str(
            app.screen.query_one("#edit-error").render()), what="the refusal in place")
    drive("circle", script)


def test_data_with_many_inputs_chooses_kinds_of_derived_input_not_hundreds_of_toggles(tmp_path):
    csv = tmp_path / "wide.csv"
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(30, 8))
    csv.write_text(",".join(f"c{i}" for i in range(8)) + "\n"
                   + "".join(",".join(f"{v:.3f}" for v in row) + "\n" for row in rows))
    spec = RunSpec.from_dict({"name": "wide", "data": {"csv": str(csv), "target": "c7"},
                              "model": {"hidden_units": 2}, "train": {"epochs": 5}})

    async def script(app, pilot):
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EditScreen), what="the kinds")
        assert "square+product+sin" in app.screen.choices
        await pilot.press("down", "enter")              # none -> square
        await until(pilot, lambda: not isinstance(app.screen, EditScreen), what="applied")
        assert app.session.run.net.n_in == 14
    drive(spec, script)


def test_the_settings_tab_edits_the_inputs_with_the_same_toggles():
    async def script(app, pilot):
        await pilot.press("2")
        table = app.query_one("#settings-table")
        await until(pilot, lambda: "data.features" in table.keys, what="the settings")
        table.move_cursor(row=table.keys.index("data.features"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InputsScreen), what="the toggles")
    drive("xor2d", script)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_the_network_view_draws_inputs_units_and_outputs_with_signed_edges(size):
    async def script(app, pilot):
        await pilot.press("4")
        view = app.part("#network-view")
        await until(pilot, lambda: "edges: blue +, orange -" in shown(view), what="the view")
        text = shown(view)
        assert "x1 ●" in text and "x2 ●" in text and "arm=1" in text
        labels = [int(word) for line in text.splitlines()[1:-1] for word in line.split()
                  if word.isdigit()]
        if size == (100, 30):
            assert labels == list(range(16))                     # every unit's tile
        else:
            assert labels == list(range(len(labels))) and len(labels) < 16
            assert f"units 0-{len(labels) - 1} of 16" in text    # and says what is left out
        assert "activation over (x1, x2)" in text
        colours = {seg.style.color.triplet for line in view._strips for seg in line
                   if seg.text in "·∙•●" and seg.style and seg.style.color}
        assert len(colours) >= 2                                 # both signs drawn
    drive("spiral", script, size=size)


def test_b_says_whose_weights_these_are_and_stops_offering_b():
    async def script(app, pilot):
        s = app.session
        s.step(400)
        # The panel's whole text: measured on copies, it outgrows the view.
        body = app.part("#diagnosis").query_one(".panel-body")
        await until(pilot, lambda: "b restores" in str(body.render())
                    or "restores the best" in str(body.render()), what="the advice")
        await pilot.press("b")
        best = s.run.trainer.best[0]
        assert f"(weights of epoch {best:,})" in status(app)
        await until(pilot, lambda: "b restores" not in str(body.render()),
                    what="the advice gone")
        await pilot.press("n")
        assert "weights of epoch" not in status(app)
    drive("exp-lr2", script, size=(160, 50))


def test_linear_units_show_no_active_share():
    async def script(app, pilot):
        await until(pilot, lambda: "—" in shown(app.part("#units")), what="the table")
        assert "%" not in shown(app.part("#units"))
    drive("linear-hidden", script)


def test_the_metrics_line_keeps_every_number_at_80_columns():
    async def script(app, pilot):
        app.session.step(50)
        line = app.part("#metrics")
        await until(pilot, lambda: "acc " in shown(line) and "@" in shown(line),
                    what="the short forms")
        text = shown(line).strip()
        assert text.startswith("loss ") and "/ test" in text and "@" in text
        assert len(text) <= 80 and "…" not in text
    drive("spiral", script, size=(80, 24))


def test_the_picker_filters_as_one_types_and_lists_saved_runs(state_home):
    from tuinn.runs import Run
    from tuinn.runs.paths import saved_runs_dir
    saved = Run(RunSpec.from_preset("circle"))
    saved.train(2)
    saved.save(saved_runs_dir() / "my-circle")

    async def script(app, pilot):
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        options = app.screen.query_one("#picker-list")
        ids = [o.id for o in options.options]
        assert ids[0].endswith("my-circle") and "preset:coverage-bad" in ids
        await pilot.press(*"cover")
        ids = [o.id for o in options.options]
        assert ids == ["preset:coverage-good", "preset:coverage-bad"]
        await pilot.press("space", *"bad")
        assert [o.id for o in options.options] == ["preset:coverage-bad"]
        text = drawn(options)
        assert presets.PRESETS["coverage-bad"]["title"].split()[-1] in text   # not cut off
        await pilot.press("enter")
        await until(pilot, lambda: app.session.source == "coverage-bad", what="the preset")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        await pilot.press(*"my-circle", "down", "enter")
        await until(pilot, lambda: app.session.run.spec.name == "circle", what="the saved run")
        assert app.session.run.epoch == 2
    drive("exp", script, size=(100, 40))


@pytest.mark.parametrize("size", [(200, 60), (100, 30), (80, 24)])
def test_the_panels_take_the_rows_their_text_needs_and_the_charts_the_rest(size):
    async def script(app, pilot):
        app.session.step(300)
        units, panel, health = app.part("#units"), app.part("#diagnosis"), app.part("#health")
        room = app.part("#train").size.height
        want = lambda: min(max(units.lines, panel.lines), int(room * 0.4))
        await until(pilot, lambda: panel.lines > 0 and health.size.height == max(want(), 6),
                    what="the panels' height")
        assert app.part("#charts").size.height == room - health.size.height
        if size == (200, 60):
            assert not panel.below()                     # everything is in view
            assert app.part("#loss").size.height >= 30
    drive("coverage-bad", script, size=size)


# ------------------------------------------------------------------ charts a person can read

def test_legends_sit_on_the_title_line_and_every_target_point_shows():
    async def script(app, pilot):
        fit = app.part("#fit-chart")
        await until(pilot, lambda: "target" in shown(fit), what="the fit")
        lines = shown(fit).splitlines()
        assert "target" in lines[0] and "net" in lines[0] and "units" in lines[0]
        assert not any("target" in line or "net" in line for line in lines[1:])
        # Three rows of data: three points, none under a curve.
        assert sum(line.count("•") for line in lines[1:]) == 3
    drive("linear-hidden", script, size=(80, 24))


def test_the_charts_box_stays_put_as_the_tick_labels_change():
    async def script(app, pilot):
        loss = app.part("#loss")
        edges = set()
        for _ in range(6):
            app.session.step(25)
            await until(pilot, lambda: "train" in shown(loss), what="the chart")
            await pilot.pause(0.3)
            edges |= {line.index("┤") for line in shown(loss).splitlines() if "┤" in line}
        assert len(edges) == 1, edges
    drive("exp-lr1", script)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_tracked_weights_each_get_their_own_colour_and_in_ascii_their_own_marker(ascii_only):
    async def script(app, pilot):
        s = app.session
        for flat in range(6, 12):
            s.toggle_tracked(flat)
        s.step(20)
        await pilot.press("3")
        chart = app.part("#trajectory")
        await until(pilot, lambda: "weights" in shown(chart), what="the trajectory")
        head = shown(chart).splitlines()[0]
        listed = head.count("[")
        assert "W1[0,0]" in head and (listed == len(s.tracked) or f"+{len(s.tracked) - listed} more"
                                      in head)
        if ascii_only:
            from tuinn.tui.charts import ASCII_MARKERS
            body = "".join(shown(chart).splitlines()[1:])
            assert sum(marker in body for marker in ASCII_MARKERS[:len(s.tracked)]) >= 8
        else:
            colours = {seg.style.color for line in chart._strips[1:] for seg in line
                       if seg.style and seg.style.color and any(0x2800 < ord(c) <= 0x28FF
                                                                for c in seg.text)}
            assert len(colours) >= 8, colours
    drive("spiral", script, size=(100, 30), ascii_only=ascii_only)


# ------------------------------------------------------------------ absurd sizes

def test_a_key_pressed_during_a_long_epoch_answers_at_once_and_applies_after_it():
    import threading

    async def script(app, pilot):
        s = app.session
        held, release = threading.Event(), threading.Event()

        def long_epoch():               # what one epoch of a huge net does to the lock
            with s.lock:
                held.set()
                release.wait(10)
        epoch = threading.Thread(target=long_epoch, daemon=True)
        epoch.start()
        held.wait(5)
        app.action_lr(2.0)
        app.action_lr(2.0)
        assert epoch.is_alive(), "the UI thread did not wait for the epoch"
        assert s.run.trainer.settings["lr"] == 0.1
        await until(pilot, lambda: "applies when it ends" in notified(app), what="the answer")
        release.set()
        await until(pilot, lambda: s.run.trainer.settings["lr"] == 0.4, what="both keys, in order")
        assert not app.deferred and s.lock._waiting == 0
    drive("exp", script)


def test_a_net_of_100000_units_lists_a_bounded_number_of_rows():
    async def script(app, pilot):
        s = app.session
        s.set_field("model.hidden_units", "100000")
        units = app.part("#units")
        await until(pilot, lambda: units.lines > 100, timeout=60, what="the table")
        units.focus()
        await pilot.press("end")
        await until(pilot, lambda: "100,000 in all" in shown(units), what="the last line")
        assert units.lines == 502            # the header, 500 units, what is left out
        await pilot.press("3")
        table = app.part("#weights-table")
        await until(pilot, lambda: table.row_count > 2, timeout=30, what="the weights")
        assert table.row_count == 502                 # 500 units, b2, and what is left out
    drive("exp", script)


@pytest.mark.parametrize("key,tab", [("2", "settings"), ("3", "weights"), ("4", "network")])
def test_a_tab_key_works_while_a_panel_has_the_focus(key, tab):
    async def script(app, pilot):
        await pilot.press("tab", "tab")
        assert app.focused is app.part("#diagnosis")
        await pilot.press(key)
        assert app.part("#tabs").active == tab
        await pilot.press("1")
        assert app.part("#tabs").active == "train"
    drive("coverage-bad", script)


def test_in_ascii_each_line_of_the_fit_has_its_own_marker_named_in_the_legend():
    async def script(app, pilot):
        fit = app.part("#fit-chart")
        await until(pilot, lambda: "target" in shown(fit), what="the fit")
        lines = shown(fit).splitlines()
        for legend in (".units", "|kinks", "#net", "otarget"):
            assert legend in lines[0], legend
        body = "".join(lines[1:])
        assert all(mark in body for mark in "|#o")      # the units lie under the net here
    drive("coverage-bad", script, ascii_only=True)


def test_a_standardized_csv_is_plotted_in_its_own_units(tmp_path):
    csv = tmp_path / "grow.csv"
    xs = np.linspace(0, 10, 40)
    csv.write_text("x,y\n" + "".join(f"{x},{3 * x + 100}\n" for x in xs))
    spec = RunSpec.from_dict({"name": "grow", "data": {"csv": str(csv), "target": "y",
                              "standardize_inputs": True, "standardize_targets": True},
                              "model": {"hidden_units": 2}, "train": {"epochs": 5}})

    async def script(app, pilot):
        fit = app.part("#fit-chart")

        def x_axis():
            # The tick labels under the box: no y label (┤) on that line.
            return [line for line in shown(fit).splitlines()
                    if "10" in line.split() and "┤" not in line and "│" not in line]
        await until(pilot, lambda: "own units" in shown(fit) and x_axis(),
                    what="the fit and its x axis")
        text = shown(fit)
        assert "-1" not in x_axis()[-1].split()                         # x from 0 to 10
        assert "100┤" in text                                           # y: 100 to 130
    drive(spec, script, size=(120, 40))


@pytest.mark.parametrize("key", ["2", "3", "4"])
def test_the_metrics_line_follows_the_run_on_every_tab(key):
    async def script(app, pilot):
        s = app.session
        await pilot.press(key)
        line = app.part("#metrics")
        for epochs in (30, 60):
            s.step(30)
            await until(pilot, lambda: f"at epoch {epochs}" in shown(line)
                        or f"@{epochs}" in shown(line), what=f"the best of epoch {epochs}")
        assert f"epoch {s.run.epoch}" in status(app)
    drive("exp", script)


def test_a_key_that_cannot_act_says_why_in_one_line_and_the_app_goes_on():
    """Every refusal is raised and shown by the app's one handler: one line each,
    nothing changed, and the keys after it still work."""
    async def script(app, pilot):
        s = app.session
        for key, why in (("H", "at least one hidden unit"), ("x", "its own test set"),
                         ("t", "t tracks the weight under the cursor"),
                         ("Y", "nothing tried yet"), ("u", "no proven fix to adopt")):
            app.clear_notifications()
            await pilot.press(key)
            await until(pilot, lambda: why in notified(app), what=why)
            assert "\n" not in notified(app)
        assert s.run.spec.model.hidden_units == 1 and s.run.epoch == 0
        await pilot.press("n")
        await until(pilot, lambda: s.run.epoch == 1, what="the next key to act")
    drive("exp-h1", script)


def test_a_new_activation_keeps_the_presets_own_start_and_a_new_size_draws_one():
    """Manual weights are kept while they fit the net's shape: the same start
    under another activation; one more unit draws new weights."""
    async def script(app, pilot):
        s = app.session
        start = s.run.net.theta.copy()
        await pilot.press("a")
        assert s.run.spec.model.activation == "leaky_relu" and s.run.spec.init.scheme == "manual"
        assert np.array_equal(s.run.net.theta, start)
        await pilot.press("h")
        assert s.run.spec.init.scheme == "small" and s.run.net.n_hidden == 3
    drive("coverage-bad", script)


def test_w_saves_the_screen_as_an_svg_picture(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def script(app, pilot):
        await pilot.press("n")
        await until(pilot, app.frame_current, what="the frame of epoch 1")
        await pilot.press("w")
        await until(pilot, lambda: "picture saved" in app.session.notice, what="the notice")

    app = drive("exp", script, size=(80, 24))
    saved = tmp_path / "tuinn-exp-epoch1.svg"
    assert str(saved) in app.session.notice
    text = saved.read_text()
    assert text.startswith("<svg") and "epoch" in text and "1/" in text


def test_w_says_so_when_the_picture_cannot_be_saved(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()

    async def script(app, pilot):
        await pilot.press("w")
        await until(pilot, lambda: "cannot save the picture" in app.session.notice,
                    what="the refusal")
        assert app.is_running
    drive("exp", script)


@pytest.mark.parametrize("width", range(24, 44))
def test_a_charts_note_is_whole_or_absent_and_leaves_a_column(width):
    """A title line never runs into the chart beside it: `(it spans 32
    decades)fit` was the note cut short against the fit's title."""
    from tuinn.tui.charts import Figure

    fig = Figure("loss (log)", (width, 10), "clear", False, note="it spans 32 decades")
    fig.line([0, 1], [1, 2], label="train", color="blue+")
    line = fig.legend_line().plain
    assert len(line) < width
    assert "(it spans 32 decades)" in line or "it spans" not in line
