"""Screenshots of the app in a paused, deterministic state, compared with the
stored SVGs in tests/__snapshots__ (update them with `pytest --snapshot-update`
after a deliberate change of the screen)."""

import pytest
from tuinn.runs import RunSpec
from tuinn.tui.app import TuinnApp
from tuinn.tui.session import Session

from conftest import until


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def paused_app(preset):
    return TuinnApp(Session(RunSpec.from_preset(preset), paused=True))


async def twenty_epochs(pilot):
    app = pilot.app
    await pilot.press("N", "N")
    # Paused, the diagnosis is settled on copies in the background: the
    # screenshot is of the settled one.
    await until(pilot, lambda: app.settled and app.settled[0] == app.session.settle_key(),
                timeout=30, what="the diagnosis settled on copies")
    app.plots_stale()
    app.text_stale()
    await until(pilot, lambda: app._plot_version == app.session.version and
                not app._frame_in_flight and app.findings, what="the frame of epoch 20")
    health = app.part("#health")
    # The panels take their text's height after the frame: wait for that layout,
    # and for the charts drawn at their new size.
    await until(pilot, lambda: health.styles.height is not None
                and health.size.height == health.styles.height.value, what="the layout")
    app._plot_version = -1
    app.draw_plots()
    await until(pilot, lambda: not app._frame_in_flight, what="the frame at its size")
    await pilot.pause()
    pilot.app.stop_training()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_exp_paused_after_twenty_epochs(snap_compare, size):
    assert snap_compare(paused_app("exp"), terminal_size=size, run_before=twenty_epochs)


def test_coverage_bad_paused(snap_compare):
    assert snap_compare(paused_app("coverage-bad"), terminal_size=(120, 40),
                        run_before=twenty_epochs)
