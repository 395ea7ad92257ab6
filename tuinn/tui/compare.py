"""tuinn --compare A B: two runs side by side, trained at one pace (see
pair.py), with their loss curves on one chart, their fits, unit tables and
diagnoses, and the lines that say what differs.  Keys act on both runs or on
one (w).  The charts stand in a row (loss, A's fit, B's fit), the unit tables
and diagnoses under them (A's left, B's right); on a terminal narrower than
100 columns the lines of differences take less room."""

import copy

import numpy as np
from rich.text import Text
from textual import work
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import get_current_worker

from tuinn.diagnose import Monitor
from tuinn.diagnose.compare import differences
from tuinn.engine import penalties
from tuinn.errors import ConfigError, TuinnError
from tuinn.runs.paths import saved_runs_dir
from tuinn.runs.run import metrics_of
from tuinn.settings import ACTIVATIONS, OPTIMIZERS, SETTINGS
from tuinn.tui import frames
from tuinn.tui.app import fit_status
from tuinn.tui.base import TerminalApp
from tuinn.tui.charts import ORANGE, LossChart, columns, loss_curves
from tuinn.tui.fit import FitView
from tuinn.tui import keys
from tuinn.tui.keybar import KeyBar
from tuinn.tui.keys import Key, bindings, help_groups
from tuinn.tui.lock import TIMER_WAIT
from tuinn.tui.pair import SIDES
from tuinn.tui.screens import EditScreen, HelpScreen, NotesScreen
from tuinn.tui.scroll import FindingsPanel, ScrollPanel, wrapped_lines
from tuinn.tui.session import speed_label
from tuinn.tui.tables import UnitsTable

NARROW = 100            # below this many columns the layout is the compact one
# The curves of A and B: train and test loss, each run in its own colours.
CURVE_COLORS = {"A": ("blue+", "cyan"), "B": ("red", ORANGE)}

_SHARED = {key.action: key for key in keys.KEYS}     # keys that do here what they do there
KEYS = [
    _SHARED["toggle"],
    Key("w", "target", "which run the keys change: both, A, B", "training", "which"),
    _SHARED["step(1)"],
    Key("f / F", "speed(1)", "play both faster / slower (one pace)", "training", "faster",
        bound=("F", "speed(-1)", "slower", False)),
    _SHARED["lr(2.0)"],
    _SHARED["best"],
    Key("e", "edit", "set any setting: KEY VALUE, as train.lr 0.1 or model.loss "
        "cross_entropy", "the network", "set"),
    _SHARED["units(1)"],
    _SHARED["activation"],
    _SHARED["optimizer"],
    _SHARED["reinit"],
    Key("v", "test_points", "show / hide the test rows in the fits", "views"),
    _SHARED["log"],
    Key("s", "save", "save both runs (as NAME-A and NAME-B in the saved runs)", "runs", "save"),
    Key("i", "notes", "the runs' notes: what to look for, and why it happens", "runs"),
    _SHARED["help"],
    Key("q", "quit", "quit", "runs", "quit"),
]
FOOTER = ("toggle", "target", "edit", "step(1)", "lr(2.0)", "lr(0.5)", "help", "quit", "best",
          "save", "speed(1)", "units(1)", "reinit", "log")


class CompareApp(TerminalApp):
    CSS_PATH = ["tuinn.tcss", "compare.tcss"]
    TITLE = "tuinn --compare"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = bindings(KEYS, FOOTER, tabs=False)

    def __init__(self, pair, fps=4.0, ascii_only=False):
        super().__init__(fps, ascii_only)
        self.pair = pair
        self.log_scale = False
        self.findings = {side: None for side in SIDES}
        self.monitors = {side: Monitor() for side in SIDES}
        self.differences = []
        self._plot_version = self._text_version = None
        self._generations = pair.generation
        self._frame_in_flight = False
        self._frame_errors = []

    def compose(self):
        yield Static(id="status")
        for side in SIDES:
            yield Static(id=f"metrics-{side.lower()}", classes="metrics")
        yield ScrollPanel(self.ascii_only, id="differences")
        with Vertical(id="compare"):
            with Horizontal(id="compare-charts"):
                yield LossChart(self.ascii_only, id="loss")
                for side in SIDES:
                    yield FitView(self.ascii_only, label=side, id=f"fit-{side.lower()}",
                                  classes="fit")
            with Horizontal(id="compare-health"):
                for side in SIDES:
                    side = side.lower()
                    with Vertical(id=f"health-{side}", classes="health"):
                        yield UnitsTable(self.ascii_only, id=f"units-{side}", classes="units")
                        yield FindingsPanel(self.ascii_only, id=f"diagnosis-{side}",
                                          classes="diagnosis")
        yield Static(id="too-small")
        yield Static(id="notice")
        yield KeyBar()

    def on_resize(self, event):
        self._plot_version = self._text_version = None
        width, height = event.size
        self.set_class(width < NARROW, "-narrow")
        self.size_check(width, height)

    # ------------------------------------------------------------ training

    @work(thread=True, exclusive=True, group="trainer")
    def train_in_background(self):
        worker = get_current_worker()
        self.pair.play(lambda: worker.is_cancelled)

    def stop_training(self):
        for timer in self.timers:
            timer.stop()
        self.workers.cancel_group(self, "trainer")
        self.workers.cancel_group(self, "frames")
        self.pair.wake.set()

    # ------------------------------------------------------------ drawing

    def draw_text(self):
        pair = self.pair
        if pair.version == self._text_version or not self.screen_stack:
            return
        parts, notices = [], []
        for side, s in zip(SIDES, pair.sessions):
            if not s.lock.acquire(TIMER_WAIT):
                return                  # a long epoch holds a run: the next tick
            try:
                state = s.state
                if any(f.code == "converged" for f in self.findings[side] or ()):
                    state += ", converged"
                parts.append(f"{side} epoch {s.run.epoch:,}/{s.limit:,} {state}")
                notices.append(s.notice)
            finally:
                s.lock.release()
        self._text_version = pair.version
        first = pair.sessions[0]
        pace = f"speed {speed_label(first.speed)}"
        parts += [f"keys: {pair.target}", pace]
        self.part("#status", Static).update(
            self.plain(fit_status([self.plain(p) for p in parts], self.size.width)), layout=False)
        a, b = notices
        notice = a if a == b or not b else b if not a else f"A: {a} │ B: {b}"
        self.part("#notice", Static).update(self.plain(notice))
        for side in SIDES:
            self.part(f"#metrics-{side.lower()}").set_class(
                pair.target in ("both", side), "-target")

    def draw_plots(self):
        """Take a shot of each run (each under its own lock), and draw the
        frame on the frame thread, one at a time."""
        pair = self.pair
        if (pair.version == self._plot_version or self._frame_in_flight
                or self.has_class("-too-small") or not self.screen_stack):
            return
        if pair.generation != self._generations:
            # A new run on one side: what was said of its last run goes.
            for side, old, new in zip(SIDES, self._generations, pair.generation):
                if old != new:
                    self.monitors[side], self.findings[side] = Monitor(), None
            self._generations = pair.generation
        shots = []
        for s in pair.sessions:
            if not s.lock.acquire(TIMER_WAIT):
                self._plot_version = None          # the next tick
                return
            try:
                run = s.run
                shots.append(frames.Shot(
                    tab="train", generation=s.generation, spec=copy.deepcopy(run.spec),
                    net=run.net.copy(), trainer=run.trainer.view(), dataset=run.dataset,
                    limit=s.limit, running=s.state == "running", pins=[], tracked=[],
                    trajectory=None, show_test=s.show_test))
            finally:
                s.lock.release()
        self._plot_version = pair.version
        views = {"loss": self.part(LossChart)}
        views.update({f"fit-{side.lower()}": self.part(f"#fit-{side.lower()}", FitView)
                      for side in SIDES})
        layouts = {name: view.frame_layout() for name, view in views.items()}
        width = self.part("#metrics-a").size.width - 4 - max(len(s.source) for s in pair.sessions)
        self._frame_in_flight = True
        self.draw_frame(shots, views, layouts, width)

    @work(thread=True, group="frames", description="a compare frame")
    def draw_frame(self, shots, views, layouts, width):
        frame, errors = draw_pair(shots, views, layouts, self.log_scale, self.monitors,
                                  self.ascii_only, width)
        if get_current_worker().is_cancelled:
            return
        try:
            self.call_from_thread(self.show_frame, tuple(s.generation for s in shots), frame,
                                  errors)
        except RuntimeError:
            pass                        # the app closed meanwhile

    def show_frame(self, generations, frame, errors):
        self._frame_in_flight = False
        if not self.screen_stack or generations != self.pair.generation:
            return
        if errors and errors != self._frame_errors:
            self.notify("; ".join(errors), severity="error", timeout=6)
        self._frame_errors = errors
        for side, s in zip(SIDES, self.pair.sessions):
            low = side.lower()
            if f"diagnosis-{low}" in frame:
                findings, health, text = frame[f"diagnosis-{low}"]
                self.findings[side] = findings
                self.part(f"#units-{low}", UnitsTable).show(health, s.run.net.hidden)
                self.part(f"#diagnosis-{low}", FindingsPanel).show_findings(findings, text)
            if f"metrics-{low}" in frame:
                label = (self.plain(f" {side} {s.source} "), "bold reverse")
                self.part(f"#metrics-{low}", Static).update(
                    Text.assemble(label, " ", frame[f"metrics-{low}"]), layout=False)
            if f"fit-{low}" in frame:
                self.part(f"#fit-{low}", FitView).show(frame[f"fit-{low}"])
        if "loss" in frame:
            self.part(LossChart).show(frame["loss"])
        if "differences" in frame:
            self.differences = frame["differences"]
            text = Text(self.plain("\n".join(self.differences)))
            panel = self.part("#differences", ScrollPanel)
            panel.show(text, wrapped_lines(text, self.console, panel.text_width))
        self._text_version = None
        self.draw_text()

    def plots_stale(self):
        """A plot's size changed: the next tick draws a frame, even paused."""
        self._plot_version = None

    # ------------------------------------------------------------ keys

    def _say(self):
        self._text_version = None
        self.draw_text()

    def action_toggle(self):
        self.pair.toggle_pause()
        self._say()

    def action_target(self):
        self.pair.next_target()
        self._say()

    def action_step(self, epochs):
        self.pair.apply(lambda s: s.step(epochs))
        self._say()

    def action_speed(self, steps):
        self.pair.change_speed(steps)
        self._say()

    def action_lr(self, factor):
        self.pair.apply(lambda s: s.scale_lr(factor))
        self._say()

    def action_best(self):
        self.pair.apply(lambda s: s.restore_best())
        self._say()

    def action_units(self, delta):
        self.pair.apply(lambda s: s.hidden_units(delta))
        self._say()

    def action_activation(self):
        self.pair.apply(lambda s: s.cycle("model.activation", ACTIVATIONS))
        self._say()

    def action_optimizer(self):
        self.pair.apply(lambda s: s.cycle("train.optimizer", OPTIMIZERS))
        self._say()

    def action_reinit(self):
        self.pair.apply(lambda s: s.reinitialize())
        self._say()

    def action_test_points(self):
        for _, s in self.pair.targeted():
            with s.lock:
                s.show_test = not s.show_test
                s.touch("fit: test rows " + ("shown" if s.show_test else "hidden"))
        self._say()

    def action_log(self):
        self.log_scale = not self.log_scale
        first = self.pair.sessions[0]
        with first.lock:
            first.touch(f"loss chart: {'log' if self.log_scale else 'linear'} scale")
        self._say()

    def action_edit(self):
        who = "both runs" if self.pair.target == "both" else f"run {self.pair.target}"
        self.push_screen(EditScreen(
            f"Set a setting of {who}", "", "KEY VALUE, as train.lr 0.1 or model.loss "
            "cross_entropy (the Settings tab of tuinn lists them); w picks the runs first",
            self.set_setting), lambda changed: changed and self._say())

    def set_setting(self, text):
        """'KEY VALUE' typed in the editor, set on the runs the keys act on."""
        key, _, value = text.strip().partition(" ")
        value = value.strip().removeprefix("=").strip()
        if not key or not value:
            raise ConfigError("write the setting and its value: train.lr 0.1")
        known = {row.key for row in SETTINGS.values()}
        if key not in known and not key.startswith("data.params."):
            close = sorted(k for k in known if k.endswith("." + key.rpartition(".")[2]))
            raise ConfigError(f"{key!r} is not a setting" + (
                f" (did you mean {close[0]}?)" if close else ""))
        self.pair.apply(lambda s: s.set_field(key, value))

    def action_save(self):
        saved, errors = [], []
        for side, s in zip(SIDES, self.pair.sessions):
            try:
                saved.append(str(s.save(saved_runs_dir() / f"{s.default_save_name()}-{side}")))
            except (OSError, TuinnError) as exc:
                errors.append(f"{side}: {exc}")
        if saved:
            self.pair.sessions[0].touch("saved to " + " and ".join(saved))
        if errors:
            raise TuinnError("; ".join(errors))
        self._say()

    def action_notes(self):
        a, b = (s.run.spec for s in self.pair.sessions)
        self.push_screen(NotesScreen(
            f"A {a.name} and B {b.name}", "",
            f"A, {a.name}: {a.title}. {a.notes}\n\nB, {b.name}: {b.title}. {b.notes}"))

    def action_help(self):
        self.push_screen(HelpScreen(help_groups(KEYS)))

    def action_quit(self):
        self.stop_training()
        self.exit(0)


def draw_pair(shots, views, layouts, log_scale, monitors, ascii_only, width):
    """On the frame thread: (frame, errors) of a pair of shots, each part by name."""
    frame, errors, part = frames.drawing()

    seen = []
    # Two losses are two scales: a pair that differs in loss is compared on the mse.
    common = len({shot.net.loss for shot in shots}) > 1
    for side, shot in zip(SIDES, shots):
        low = side.lower()
        part(f"diagnosis-{low}", lambda: frames.diagnosis(shot, monitors[side], ascii_only))
        findings = frame[f"diagnosis-{low}"][0] if f"diagnosis-{low}" in frame else None

        def metrics(shot=shot):
            with np.errstate(all="ignore"):     # a diverged run's metrics overflow honestly
                return metrics_of(shot.net, shot.dataset, penalties(shot.trainer.settings))
        part(f"numbers-{low}", metrics)
        numbers = frame.pop(f"numbers-{low}", {})
        stability = getattr(findings, "stability", None)
        if numbers:
            frame[f"metrics-{low}"] = frames.plain(
                frames.metrics_line(numbers, shot.trainer.best, stability, width,
                                    shot.net.loss, mse_too=common), ascii_only)
        part(f"fit-{low}", lambda: views[f"fit-{low}"].draw(
            layouts[f"fit-{low}"], shot.net, shot.dataset, shot.show_test))
        seen.append((shot.spec, numbers, findings))

    def loss():
        cols = columns(layouts["loss"][0][0])
        lines, scale = [], []
        for side, shot in zip(SIDES, shots):
            epochs, train, test = loss_curves(shot.trainer.history, cols)
            train_color, test_color = CURVE_COLORS[side]
            lines.append((epochs, train, train_color, f"{side} train"))
            if test is not None:
                lines.append((epochs, test, test_color, f"{side} test"))
            scale.append(train)
        return views["loss"].draw_lines(layouts["loss"], lines, np.concatenate(scale), log_scale)

    part("loss", loss)
    part("differences", lambda: differences(*seen))
    return frame, errors


def run_compare(pair, fps=4.0, ascii_only=False, mouse=True):
    """Run the compare app on the terminal; returns the exit code."""
    app = CompareApp(pair, fps=fps, ascii_only=ascii_only)
    try:
        app.run(mouse=mouse)
    finally:
        pair.wake.set()
    return app.exit_code
