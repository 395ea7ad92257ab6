"""A learner's way through one lesson: the step they are on, whether they did
it and whether it worked, and the text of the lesson panel."""

from tuinn.errors import ConfigError
from tuinn.lessons.readings import fill


class Tutor:
    """A learner's way through one lesson: the step they are on, whether they
    did it and whether it worked.  `update(now, findings)` reads the run;
    `go_on()` moves to the next step once this one is done."""

    def __init__(self, lesson, step=0):
        self.lesson = lesson
        self.index = min(max(step, 0), len(lesson.steps))
        self.start = {}             # the readings when the step began
        self.now = {}
        self.did = self.done = False
        self.seen = {}              # the readings when it was done: the explanation's numbers
        self.skipped = []

    @property
    def step(self):
        return self.lesson.steps[self.index] if self.index < len(self.lesson.steps) else None

    @property
    def finished(self):
        return self.index >= len(self.lesson.steps)

    def update(self, now, findings):
        """Read the run; returns True when the step has just been done."""
        if not self.start:
            self.start = dict(now)
        self.now = now
        step = self.step
        if step is None or self.done:
            return False
        codes = None if findings is None else {f.code for f in findings}
        self.did = self.did or all(c.holds(now, self.start, codes) for c in step.did)
        if self.did and all(c.holds(now, self.start, codes) for c in step.worked):
            self.done, self.seen = True, dict(now)
            return True
        return False

    def go_on(self, skip=False):
        """To the next step, or a ConfigError that says why not (the step is not
        done yet)."""
        if self.finished:
            raise ConfigError("the lesson is over: tuinn learn lists the others")
        if not self.done and not skip:
            raise ConfigError(f"not yet: {self.step.task}")
        if not self.done:
            self.skipped.append(self.index)
        self.index += 1
        self.start = dict(self.now)
        self.did = self.done = False
        self.seen = {}

    def text(self, panel_name, key_name):
        """(heading, action, body) of the lesson panel now: the step, what to do
        now (try it, or go on once it worked), which a panel keeps in view
        however short, and the rest.  `panel_name` words a panel and
        `key_name` names the key of an app action ("lesson_next")."""
        go_on, skip = key_name("lesson_next"), key_name("lesson_skip")
        lesson, step = self.lesson, self.step
        total = len(lesson.steps)
        if step is None:
            done = total - len(self.skipped)
            return (f"{lesson.title}: done",
                    f"All {total} steps: {done} done, {len(self.skipped)} skipped.",
                    "`tuinn learn` lists the other lessons; q quits (the run is kept), and "
                    "the app goes on as usual.")
        # The step first: a short panel cuts the heading's end.
        heading = f"step {self.index + 1}/{total}, {step.title} · {lesson.title}"
        parts = [fill(step.say, self.now, self.start),
                 f"Look at: {panel_name(step.panel)}."]
        if self.done:
            action = (f"Done. {go_on}: next step" if self.index + 1 < total
                      else f"Done. {go_on}: finish")
            parts.append(fill(step.explain, self.seen, self.start))
        else:
            action = f"Try: {step.task} ({go_on} once it worked, {skip} skips)"
            if self.did and step.wait:
                parts.append(fill(step.wait, self.now, self.start))
        return heading, action, "\n\n".join(parts)
