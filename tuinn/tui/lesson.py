"""A lesson beside the live run: its panel, and the app's part in it (the
checks on a timer, the highlighted panel, the keys that move it on).  What a
lesson is and how its steps are checked is tuinn.lessons."""

import numpy as np
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent

from tuinn import lessons
from tuinn.engine import penalties
from tuinn.lessons import progress
from tuinn.runs.run import metrics_of
from tuinn.tui.keys import key_of
from tuinn.tui.lock import TIMER_WAIT
from tuinn.tui.places import PANELS
from tuinn.tui.session import Session

CHECK_HZ = 4.0
LOOK = "-lesson-look"          # the class of the panel a step points at
SIDE_WIDTH = 100               # from this many columns the lesson sits beside the run


class LessonPanel(VerticalScroll, can_focus=True):
    """The step: its heading and text; it scrolls when the text is long."""

    def compose(self):
        yield Static(id="lesson-heading")
        yield Static(id="lesson-text")

    def show(self, heading, body, done, ascii_only):
        from tuinn.tui.frames import plain

        self.query_one("#lesson-heading", Static).update(
            Text(plain(heading, ascii_only), style="bold"))
        self.query_one("#lesson-text", Static).update(Text(plain(body, ascii_only)))
        self.set_class(done, "-done")


class LessonActions:
    """The app's side of a lesson; mixed into a TerminalApp (its part, timers
    and ascii_only), which also sets these:"""

    tutor = None                    # a lessons.Tutor, or None without a lesson
    session: Session                # the live run (tuinn.tui.session)
    findings: list                  # the last diagnosis shown,
    diagnosed_generation: int       # the run it is of (Session.generation)
    diagnosed_epoch: int            # and its epoch
    log_scale: bool                 # the loss chart's scale

    def start_lesson(self):
        if self.tutor is None:
            return
        self._lesson_shown = None
        self._looked_at = None
        self.timers.append(self.set_interval(1.0 / CHECK_HZ, self.check_lesson))
        self.check_lesson()

    def lesson_layout(self, width):
        """Beside the run on wide terminals, under it on narrow ones."""
        if self.tutor is not None:
            self.set_class(width < SIDE_WIDTH, "-lesson-stacked")

    def lesson_readings(self):
        """The readings of the run on screen now (lessons.readings), or None
        while a long epoch holds the run."""
        s = self.session
        if not s.lock.acquire(TIMER_WAIT):
            return None
        try:
            run = s.run
            with np.errstate(all="ignore"):     # a diverged run's metrics overflow honestly
                metrics = metrics_of(run.net, run.dataset, penalties(run.trainer.settings))
            # While it trains the diagnosis lags a frame behind; stopped, a step
            # waits for the diagnosis of the epoch it stopped at, so that the
            # explanation's numbers and the panel's agree.
            diagnosed = self.diagnosed_generation == s.generation and (
                s.state == "running" or self.diagnosed_epoch == run.epoch)
            app = {"run": s.generation, "state": s.state,
                   "tab": self.part(TabbedContent).active, "test_points": s.show_test,
                   "log_scale": self.log_scale, "pins": len(s.pins)}
            return lessons.readings(run, metrics, self.findings if diagnosed else None, app), \
                (self.findings if diagnosed else None)
        finally:
            s.lock.release()

    def check_lesson(self):
        """The timer: read the run, move the step on when it is done, redraw."""
        if self.tutor is None or not self.screen_stack:
            return
        got = self.lesson_readings()
        if got is None:
            return
        now, findings = got
        if self.tutor.update(now, findings):
            error = progress.mark(self.tutor.lesson, self.tutor.index)
            if error:
                self.notify(error, severity="warning", timeout=6)
            self.bell()
        self.show_lesson()

    def show_lesson(self):
        tutor = self.tutor
        heading, body = tutor.text(lambda name: PANELS[name].where, key_of)
        shown = (heading, body, tutor.done)
        if shown != self._lesson_shown:
            self._lesson_shown = shown
            self.part(LessonPanel).show(heading, body, tutor.done, self.ascii_only)
        look = None if tutor.step is None else f"#{PANELS[tutor.step.panel].id}"
        if look != self._looked_at:
            if self._looked_at is not None:
                self.part(self._looked_at).remove_class(LOOK)
            if look is not None:
                self.part(look).add_class(LOOK)
            self._looked_at = look

    def action_lesson_next(self):
        self._lesson_move(skip=False)

    def action_lesson_skip(self):
        self._lesson_move(skip=True)

    def _lesson_move(self, skip):
        if self.tutor is None:
            return
        self.tutor.go_on(skip)
        self.check_lesson()
        self.part(LessonPanel).scroll_home(animate=False)
