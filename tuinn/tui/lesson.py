"""A lesson beside the live run: its panel, and the app's part in it (the
checks on a timer, the highlighted panel, the keys that move it on).  What a
lesson is and how its steps are checked is tuinn.lessons."""

import numpy as np
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static, TabbedContent

from tuinn import lessons
from tuinn.engine import penalties
from tuinn.lessons import progress
from tuinn.runs.run import metrics_of
from tuinn.tui.keys import key_of
from tuinn.tui.lock import TIMER_WAIT
from tuinn.tui.places import PANELS
from tuinn.tui.scroll import ScrollPanel, wrapped_lines
from tuinn.tui.session import Session

CHECK_HZ = 4.0
LOOK = "-lesson-look"          # the class of the panel a step points at
SIDE_WIDTH = 100               # from this many columns the lesson sits beside the run
# Under the run, the rows the step's text keeps in view below what to do now.
BODY_ROWS = 3
TAB_BAR_ROWS = 2               # the tabs' names and their underline
# The Train tab's rows for the charts with 6 rows of data (legend, frame, axis,
# its labels), and for the unit table and the diagnosis: with fewer in all
# beside a lesson, only the part the step looks at is shown.
CHART_ROWS, HEALTH_ROWS = 11, 6
# Narrower than this, the unit table and the diagnosis side by side would drop
# what a step reads (the unit table's z range): the one it looks at is shown alone.
HEALTH_PAIR_WIDTH = 120
# What a step may look at on the Train tab's lower half.
HEALTH_PANELS = ("units", "diagnosis")


class LessonPanel(Vertical):
    """The step: its heading, what to do now (always in view, however short
    the panel), then the rest of its text, which scrolls and says how much
    lies below."""

    def compose(self):
        self._lines = (Text(), Text())          # the heading and what to do now
        yield Static(id="lesson-heading")
        yield Static(id="lesson-action")
        yield ScrollPanel(id="lesson-text")

    def show(self, heading, action, body, done, ascii_only):
        from tuinn.tui.frames import plain

        self._lines = (Text(plain(heading, ascii_only), style="bold"),
                       Text(plain(action, ascii_only), style="bold"))
        self.query_one("#lesson-heading", Static).update(self._lines[0])
        self.query_one("#lesson-action", Static).update(self._lines[1])
        text = Text(plain(body, ascii_only))
        panel = self.query_one("#lesson-text", ScrollPanel)
        panel.ascii_only = ascii_only
        panel.show(text, wrapped_lines(text, self.app.console, panel.text_width))
        self.set_class(done, "-done")

    def fit(self, stacked):
        """Under the run: its border, the heading (one line, cut), what to do
        now and BODY_ROWS of the rest, less of the rest (down to 2 rows) where
        the charts would keep fewer than CHART_ROWS; beside it, the whole
        height (the style sheet's)."""
        if not stacked:
            self.styles.height = None
            return
        # The screen's width less the padding, and the rows the run and the
        # lesson share: known before the panel's own first layout.
        width = max(1, self.app.size.width - 2)
        action = max(1, wrapped_lines(self._lines[1], self.app.console, width))
        shared = self.parent.size.height or self.app.size.height
        spare = shared - TAB_BAR_ROWS - CHART_ROWS - (2 + action)
        rows = 2 + action + max(2, min(BODY_ROWS, spare))
        if str(self.styles.height) != str(rows):
            self.styles.height = rows


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
            self.part(LessonPanel).fit(width < SIDE_WIDTH)
            self.call_after_refresh(self.lesson_focus)

    def lesson_focus(self):
        """Where the screen has no room for every panel beside the lesson, the
        one its step looks at is shown, whole, and the others yield: a step
        refers only to what is on screen."""
        step = None if self.tutor is None else self.tutor.step
        look = None if step is None else step.panel
        room = self.part("#train").size.height
        tight = 0 < room < CHART_ROWS + HEALTH_ROWS
        on_health = look in HEALTH_PANELS
        narrow = self.part("#main").size.width < HEALTH_PAIR_WIDTH
        for panel in HEALTH_PANELS:
            self.set_class(look == panel and narrow, f"-lesson-{panel}-alone")
        changed = (self.has_class("-lesson-health-only") != (tight and on_health)
                   or self.has_class("-lesson-charts-only") != (tight and not on_health))
        self.set_class(tight and on_health, "-lesson-health-only")
        self.set_class(tight and not on_health, "-lesson-charts-only")
        if changed:
            self.call_after_refresh(self.size_health)
            self.plots_stale()
            self.text_stale()

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
        heading, action, body = tutor.text(lambda name: PANELS[name].where, key_of)
        shown = (heading, action, body, tutor.done)
        if shown != self._lesson_shown:
            self._lesson_shown = shown
            panel = self.part(LessonPanel)
            panel.show(heading, action, body, tutor.done, self.ascii_only)
            panel.fit(self.has_class("-lesson-stacked"))
        look = None if tutor.step is None else f"#{PANELS[tutor.step.panel].id}"
        if look != self._looked_at:
            if self._looked_at is not None:
                self.part(self._looked_at).remove_class(LOOK)
            if look is not None:
                self.part(look).add_class(LOOK)
            self._looked_at = look
            self.lesson_focus()

    def action_lesson_next(self):
        self._lesson_move(skip=False)

    def action_lesson_skip(self):
        self._lesson_move(skip=True)

    def _lesson_move(self, skip):
        if self.tutor is None:
            return
        self.tutor.go_on(skip)
        self.check_lesson()
        self.part(LessonPanel).query_one(ScrollPanel).scroll_home(animate=False)
