"""The tuinn app: a run training live on a worker thread, steered from the keyboard.

Three threads: the trainer (Session.play) trains chunks of ~10 ms under the
session's lock; the frame thread computes and renders each plot frame from a
snapshot of the session (draw_frame); the UI thread answers keys and swaps in
what the others made.  Plots redraw at `fps`, text at 10 Hz, and nothing is
drawn when nothing changed.
"""

import asyncio
import copy
import sys
import time

from textual import work
from textual.containers import Container, Horizontal
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from tuinn.diagnose import Monitor
from tuinn.errors import TuinnError
from tuinn.runs.paths import last_run_dir
from tuinn.tui import frames, picture
from tuinn.tui.base import TerminalApp
from tuinn.tui.charts import LossChart, TrajectoryChart
from tuinn.tui.fit import FitView
from tuinn.tui.keybar import KeyBar
from tuinn.tui.keys import KeyActions, bindings
from tuinn.tui.lesson import LessonActions, LessonPanel
from tuinn.tui.lock import TIMER_WAIT
from tuinn.tui.network import NetworkView
from tuinn.tui.repair import RepairActions
from tuinn.tui.scroll import FindingsPanel
from tuinn.tui.session import Session, speed_label
from tuinn.tui.tables import SettingsTable, UnitsTable, WeightsTable

HEALTH_SHARE, HEALTH_MIN = 0.4, 6     # of the Train tab's rows: the unit table and diagnosis
ESSENTIAL_PARTS = 5     # of the status line: name, epoch, state, optimizer and rate, architecture
DRAW_SECONDS = 30.0     # for the first frame of draw_picture's headless app
GIL_SWITCH_SECONDS = 0.0005   # how long a thread waits for the GIL at most (see run_app)


class TuinnApp(LessonActions, RepairActions, KeyActions, TerminalApp):
    CSS_PATH = "tuinn.tcss"
    TITLE = "tuinn"
    ENABLE_COMMAND_PALETTE = False     # its ctrl+p entry would crowd the footer; ? lists the keys
    BINDINGS = bindings()

    def __init__(self, session, fps=4.0, ascii_only=False, tutor=None):
        super().__init__(fps, ascii_only)
        self.session = session
        self.tutor = tutor              # a lesson beside the run (tuinn learn), or None
        self.diagnosed_generation = -1  # the run whose diagnosis self.findings is,
        self.diagnosed_epoch = -1       # and its epoch then
        self.log_scale = False
        self.monitor = Monitor()
        self.findings = []
        self._health_text = (-1, 0)     # size_health's last (lines, headlines)
        self._plot_version = self._text_version = -1
        self._generation = 0
        self._frame_in_flight = False
        self._frame_errors = []
        self._notice_shown = None
        self._quit_unsaved = False
        self._bindings_shown = None
        self.deferred = []              # keys pressed during a long epoch (KeyActions.defer)

    # ------------------------------------------------------------ layout

    def compose(self):
        yield Static(id="status")
        yield Static(id="metrics")
        if self.tutor is None:
            yield from self._tabs()
        else:
            with Horizontal(id="body"):
                yield from self._tabs()
                yield LessonPanel(id="lesson")
        yield Static(id="too-small")
        yield Static(id="notice")
        yield KeyBar()

    def _tabs(self):
        with Container(id="main"):
            with TabbedContent(id="tabs", initial="train"):
                with TabPane("Train", id="train"):
                    with Horizontal(id="charts"):
                        yield LossChart(self.ascii_only, id="loss")
                        yield FitView(self.ascii_only, id="fit")
                    with Horizontal(id="health"):
                        yield UnitsTable(self.ascii_only, id="units")
                        yield FindingsPanel(self.ascii_only, id="diagnosis")
                with TabPane("Settings", id="settings"):
                    yield SettingsTable(id="settings-table")
                    yield Static(id="data-summary")
                with TabPane("Weights", id="weights"):
                    yield WeightsTable(self.ascii_only, id="weights-table")
                    yield TrajectoryChart(self.ascii_only, id="trajectory")
                with TabPane("Network", id="network"):
                    yield NetworkView(id="network-view")

    def started(self):
        self.start_lesson()

    def on_resize(self, event):
        self._plot_version = self._text_version = -1      # redraw at the new size
        width, height = event.size
        self.lesson_layout(width)
        self.size_check(width, height)

    # ------------------------------------------------------------ training

    @work(thread=True, exclusive=True, group="trainer")
    def train_in_background(self):
        worker = get_current_worker()
        self.session.play(lambda: worker.is_cancelled)

    def frame_current(self):
        """Whether the screen shows the session as it is now: its text and its
        plots drawn, no frame in flight."""
        version = self.session.version
        return (self._text_version == version and self._plot_version == version
                and not self._frame_in_flight)

    def stop_training(self):
        if self.deferred:               # keys never carried out: let the worker go
            self.deferred = []
            self.session.lock.hold_off_worker(False)
        for timer in self.timers:
            timer.stop()
        for group in ("trainer", "frames", "repair"):
            self.workers.cancel_group(self, group)
        self.session.wake.set()

    # ------------------------------------------------------------ drawing

    def draw_text(self):
        s = self.session
        if s.version == self._text_version or not self.screen_stack:
            return
        if not s.lock.acquire(TIMER_WAIT):
            return                      # a long epoch holds the run: the next tick
        try:
            self._text_version = s.version
            self._sync_footer()
            run, tr = s.run, s.run.trainer
            # Running: the speed measured; otherwise the pace it will run at.
            pace = f"{s.progress_eps:,.0f} ep/s" if s.state == "running" and s.progress_eps \
                else f"speed {speed_label(s.speed)}"
            state = s.state
            if any(f.code == "converged" for f in self.findings):
                state += ", converged"
            state += self.settle_state()
            # In order of importance: the tail is dropped on narrow terminals.
            epoch = f"epoch {run.epoch:,}/{s.limit:,}"
            if s.restored_from is not None:
                epoch += f" (weights of epoch {s.restored_from:,})"
            parts = [s.source, epoch, state,
                     f"{tr.settings['optimizer']} lr {tr.lr_now:.4g}", run.net.describe(), pace]
            tab = self.part(TabbedContent).active
            if tab == "weights":
                self.part(WeightsTable).show(run.net)
            elif tab == "settings":             # only what the open tab shows
                fields, summary = s.fields(), run.data_summary()
        finally:
            s.lock.release()
        # layout=False: these have fixed sizes, and a layout pass per frame costs
        # more than everything else drawn.
        self.part("#status", Static).update(
            self.plain(fit_status([self.plain(p) for p in parts], self.size.width)), layout=False)
        if s.notice != self._notice_shown:
            # A layout pass only when the notice goes from one line to two or
            # back: it would hold the key's answer for a frame or two.
            width = self.size.width
            relayout = _lines(s.notice, width) != _lines(self._notice_shown, width)
            self._notice_shown = s.notice
            self.part("#notice", Static).update(self.plain(s.notice), layout=relayout)
        if tab == "settings":
            self.part(SettingsTable).show(fields)
            self.part("#data-summary", Static).update("\n".join(summary))

    def draw_plots(self):
        """The plot timer: take what the next frame needs under one short hold
        of the lock, and draw it on the frame thread (one frame at a time)."""
        s = self.session
        if (s.version == self._plot_version or self._frame_in_flight
                or self.has_class("-too-small") or not self.screen_stack):
            return
        self._plot_version = s.version
        if s.generation != self._generation:
            # A new run: nothing said of the last one stays (the status line's
            # "converged" included), whichever tab is open.
            self._generation, self.monitor, self.findings = s.generation, Monitor(), []
            self._text_version = -1
            # Its diagnosis starts at the top, where the headline finding is.
            self.part("#diagnosis", FindingsPanel).start_over()
        tab = self.part(TabbedContent).active
        if not s.lock.acquire(TIMER_WAIT):
            self._plot_version = -1             # a long epoch holds the run: the next tick
            return
        try:
            run = s.run
            shot = frames.Shot(
                tab=tab, generation=s.generation, spec=copy.deepcopy(run.spec),
                net=run.net.copy(), trainer=run.trainer.view(), dataset=run.dataset,
                limit=s.limit, running=s.state == "running", pins=list(s.pins),
                tracked=list(s.tracked), show_test=s.show_test, discrete=s.discrete,
                width=self.size.width,
                stability=getattr(self.findings, "stability", None),
                settled=self.settled[1] if self.settled and self.settled[0] == s.settle_key()
                else None,
                trajectory=s.trajectory() if tab == "weights" else None)
        finally:
            s.lock.release()
        # The widgets and their sizes are read here: the frame thread keeps off the DOM.
        if tab == "train":
            views = {"loss": self.part(LossChart), "fit": self.part(FitView)}
        elif tab == "network":
            views = {"network": self.part(NetworkView)}
        elif tab == "weights":
            views = {"trajectory": self.part(TrajectoryChart)}
        else:
            views = {}                          # the Settings tab: the metrics line only
        layouts = {name: view.frame_layout() for name, view in views.items()}
        self._frame_in_flight = True
        self.draw_frame(shot, views, layouts, self.log_scale)

    # A description of its own: Textual would otherwise repr() the arguments,
    # numpy arrays and all, on the UI thread for every frame (~20 ms).
    @work(thread=True, group="frames", description="a plot frame")
    def draw_frame(self, shot, views, layouts, log_scale):
        """On the frame thread: make the frame, then hand it to the UI thread."""
        frame, errors = frames.draw(shot, views, layouts, log_scale, self.monitor,
                                    self.ascii_only)
        if get_current_worker().is_cancelled:
            return
        try:
            self.call_from_thread(self.show_frame, shot.generation, views, frame, errors)
        except RuntimeError:
            pass                        # the app closed meanwhile

    def show_frame(self, generation, views, frame, errors):
        """On the UI thread: put a drawn frame on screen (unless the run it shows
        has been replaced meanwhile)."""
        self._frame_in_flight = False
        if not self.screen_stack or generation != self.session.generation:
            return
        if errors and errors != self._frame_errors:
            self.notify("; ".join(errors), severity="error", timeout=6)
        self._frame_errors = errors
        if "diagnosis" in frame:
            findings, health, text = frame["diagnosis"]
            self.findings, self.diagnosed_generation = findings, generation
            self.diagnosed_epoch = frame["epoch"]
            units = self.part(UnitsTable)
            units.show(health, self.session.run.net.hidden)
            # Each finding's headline first, cut to the panel's width (known
            # here, on the UI thread), then the details.
            panel = self.part("#diagnosis", FindingsPanel)
            panel.show_findings(findings, text)
            self.size_health(max(units.lines, panel.lines), len(findings))
            self.settle_when_still()
        for name, view in views.items():
            if name in frame:
                view.show(frame[name])
        if "metrics" in frame:
            self.part("#metrics", Static).update(frame["metrics"], layout=False)
            # The status line at once: its epoch is never behind the best epoch
            # of the metrics, and it says "converged" with the findings that do.
            self._text_version = -1
            self.draw_text()

    def size_health(self, lines=None, headlines=None):
        """The unit table and the diagnosis as tall as their text, within
        HEALTH_SHARE of the tab and at least HEALTH_MIN rows, and tall enough
        for every finding's headline (and the "more lines" mark) within half of
        it: the charts get the rest.  A layout pass only when the height
        changes."""
        if lines is None:               # the layout changed: the last text again
            lines, headlines = self._health_text
        self._health_text = (lines, headlines or 0)
        room = self.part("#train").size.height
        if lines < 0 or room <= 0:
            return
        height = max(min(lines, int(room * HEALTH_SHARE)), min(HEALTH_MIN, room // 3),
                     min(headlines + 1, room // 2))
        if self.has_class("-lesson-health-only"):
            height = "1fr"          # a lesson's step looks at it alone: the whole tab
        health = self.part("#health")
        if str(health.styles.height) != str(height):
            health.styles.height = height       # the charts, resized, ask for a new frame

    def plots_stale(self):
        """A plot's size changed: the next tick draws a frame, even paused."""
        self._plot_version = -1

    def text_stale(self):
        """The next text tick redraws the status line, even paused."""
        self._text_version = -1

    def on_tabbed_content_tab_activated(self, event):
        self._plot_version = self._text_version = -1
        self.focus_table(event.tabbed_content.active)

    # ------------------------------------------------------------ actions

    def _bindings_enabled(self):
        """Which of the keys that come and go apply now (check_action's answers)."""
        s = self.session
        return {"best": s.run.trainer.best is not None, "step": s.state != "diverged"}

    def check_action(self, action, parameters):
        if action.startswith("lesson_"):
            return self.tutor is not None       # no lesson: not in the footer either
        return self._bindings_enabled().get(action, True) or None

    def _sync_footer(self):
        # The footer rebuilds all its keys on a refresh, which costs a key press
        # tens of milliseconds: refresh only when a key comes or goes.
        enabled = self._bindings_enabled()
        if enabled != self._bindings_shown:
            self._bindings_shown = enabled
            self.refresh_bindings()

    # ------------------------------------------------------------ leaving

    def keep(self, history_csv=True):
        """Save the run as the last run (tuinn --resume); raises OSError or TuinnError."""
        self.session.save(last_run_dir(), history_csv)

    def action_quit_keep(self):
        try:
            self.keep()
            self.goodbye = (f"tuinn: the run is kept in {last_run_dir()}; `tuinn --resume` "
                            "continues it")
        except (OSError, TuinnError) as exc:
            if not self._quit_unsaved:
                self._quit_unsaved = True
                raise TuinnError(f"could not keep the run ({exc}); press q again to quit "
                                 "without it") from None
        self.stop_training()
        self.exit(0)

    def keep_on_hang_up(self):
        """The deadline runs from the signal: the save swaps its folder in
        atomically, so cutting it short leaves the previous `last` whole."""
        self.keep(history_csv=False)     # the CSV of a long run would take seconds


def _lines(notice, width):
    """Lines a notice takes on the notice line (up to two)."""
    return 1 + (len(notice or "") > width)


def fit_status(parts, width):
    """The status line: as many of `parts` (most important first) as fit in
    `width`.  Narrow separators only when they keep more of the first
    ESSENTIAL_PARTS; the tail is dropped before the line is cramped."""
    parts = [p for p in parts if p]
    lines = []
    for separator in (" │ ", "│"):
        line, kept = "", 0
        for part in parts:
            candidate = f"{line}{separator}{part}" if line else f" {part}"
            if len(candidate) > width and line:
                break
            line, kept = candidate, kept + 1
        lines.append((min(kept, ESSENTIAL_PARTS), line))
    # The wide separators unless the narrow ones keep more of the essential parts.
    return max(lines, key=lambda counted: counted[0])[1]


def draw_picture(run, path, size=picture.DEFAULT_SIZE):
    """Show the trained `run` in the app, paused, on a headless terminal of
    `size`, and save the screen as SVG once it is drawn; returns the path."""
    app = TuinnApp(Session(run.spec, paused=True, run=run))
    written = []

    async def go():
        async with app.run_test(size=size) as pilot:
            deadline = time.monotonic() + DRAW_SECONDS
            while not app.frame_current():
                if time.monotonic() > deadline:
                    raise TuinnError(f"the app drew no frame within {DRAW_SECONDS:g} s; "
                                     "no picture was saved")
                await pilot.pause(0.05)
            written.append(picture.save(app, path))
            app.stop_training()
    asyncio.run(go())
    return written[0]


def run_app(session, fps=4.0, ascii_only=False, mouse=True, tutor=None):
    """Run the app on the terminal (with a lesson beside the run when `tutor`
    is given); returns the exit code.  Whatever ends it, an unexpected error
    included, the run is kept as the last run first."""
    app = TuinnApp(session, fps=fps, ascii_only=ascii_only, tutor=tutor)
    # The training thread needs the GIL back after each kernel call; at
    # Python's 5 ms switch interval it waited for the UI's threads about a
    # third of the time.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    try:
        app.run(mouse=mouse)
    except Exception as exc:        # noqa: BLE001 - the last resort: keep the user's run
        last_resort(session, f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        sys.setswitchinterval(switch)
        session.wake.set()
    if app.return_code:             # Textual has printed what went wrong
        last_resort(session, "it stopped on an error")
    return app.exit_code


def last_resort(session, why):
    """Keep the run as the last run after an unexpected exit, and say where."""
    session.wake.set()
    try:
        folder = session.save(last_run_dir(), history_csv=False)
        kept = f"the run is kept in {folder} (tuinn --resume goes on)"
    except (OSError, TuinnError) as exc:
        kept = f"the run could not be kept ({exc})"
    print(f"tuinn: the app ended unexpectedly ({str(why).splitlines()[0][:200]}); {kept}",
          file=sys.stderr)
