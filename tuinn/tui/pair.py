"""Two live runs side by side (tuinn --compare): two Sessions trained on one
worker thread at one pace, and the keys that act on both or on one.  No
Textual in here, so it is tested alone."""

import contextlib
import threading

from tuinn.errors import TuinnError
from tuinn.tui.session import SPEEDS, default_speed

SIDES = ("A", "B")
TARGETS = ("both", "A", "B")       # what the keys change; w steps through them


class Pair:
    """Sessions A and B.  Both play at the same speed; at full speed each
    kernel call trains both the same number of epochs, so that neither runs
    ahead of the other however different their cost per epoch."""

    def __init__(self, a, b):
        self.sessions = (a, b)
        self.target = "both"
        self.wake = threading.Event()
        for s in self.sessions:
            s.wake = self.wake
        # The faster of the two default paces plays the longer run out in
        # about the time one run takes alone.
        speeds = [default_speed(s.limit) for s in self.sessions]
        self.set_speed(None if None in speeds else max(speeds))

    @property
    def version(self):
        return tuple(s.version for s in self.sessions)

    @property
    def generation(self):
        return tuple(s.generation for s in self.sessions)

    def targeted(self):
        """(side, session) pairs the keys act on now."""
        return [(side, s) for side, s in zip(SIDES, self.sessions)
                if self.target in ("both", side)]

    def next_target(self):
        self.target = TARGETS[(TARGETS.index(self.target) + 1) % len(TARGETS)]
        which = "both runs" if self.target == "both" else f"run {self.target}"
        for s in self.sessions:
            with s.lock:
                s.touch(f"keys now change {which}")

    def apply(self, change):
        """Call `change(session)` on the runs the keys act on; what it could not
        do on either is one TuinnError, each part named by its run."""
        errors = []
        for side, s in self.targeted():
            try:
                change(s)
            except TuinnError as exc:
                errors.append(f"{side}: {exc}")
        if errors:
            raise TuinnError("; ".join(errors))

    def set_speed(self, speed):
        for s in self.sessions:
            with s.lock:
                s.speed = speed
                s._restart_pace()
                s.touch()

    def change_speed(self, steps):
        """Faster or slower, for both: one pace."""
        speed = self.sessions[0].speed
        i = SPEEDS.index(speed) if speed in SPEEDS else len(SPEEDS) - 1
        self.set_speed(SPEEDS[min(max(i + steps, 0), len(SPEEDS) - 1)])

    def toggle_pause(self):
        """Run or pause the targeted runs together: when all of them that can
        run do, all pause; else each that does not run goes on (past its epoch
        limit too).  A diverged run only says so: it does not decide for the other."""
        targets = [s for _, s in self.targeted()]
        with contextlib.ExitStack() as held:
            for s in targets:               # the worker holds one lock at a time
                held.enter_context(s.lock)
            live = [s for s in targets if s.state != "diverged"] or targets
            pause = all(s.state == "running" for s in live)
            for s in targets:
                if pause or s.state != "running":
                    s.toggle_pause()

    def play(self, cancelled):
        """The worker thread's loop: train both runs' due chunks until `cancelled()`."""
        while not cancelled():
            running = [s for s in self.sessions if s.state == "running"]
            per_call = None
            if running and all(s.speed is None for s in running):
                per_call = min(s.per_call() for s in running)
            waits = [s.play_once(per_call) for s in self.sessions]
            if all(waits):
                self.wake.wait(min(waits))
                self.wake.clear()
