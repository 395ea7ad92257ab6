"""What the two apps share (the trainer, tuinn.tui.app, and tuinn --compare,
tuinn.tui.compare): the plot and text timers, the training worker started at
mount, the message of a terminal too small, the one place where an action's
error becomes a line on screen, and leaving within a second on SIGHUP or
SIGTERM.  An app supplies draw_plots, draw_text, train_in_background and
stop_training."""

import asyncio
import contextlib
import os
import signal
import sys
import threading

from textual.app import App
from textual.widgets import Static

from tuinn.errors import TuinnError
from tuinn.tui import frames

MIN_WIDTH, MIN_HEIGHT = 80, 24
TEXT_HZ = 10.0
HANG_UP_SECONDS = 0.9


class TerminalApp(App):
    def __init__(self, fps=4.0, ascii_only=False):
        super().__init__()
        self.fps = fps
        self.ascii_only = ascii_only
        self.timers = []
        self.farewell = ""          # a line for the shell once the app has left: trouble
        self.goodbye = ""           # and one that only informs (where the run is kept)

    def plain(self, text):
        """`text` (a str) as the terminal can show it (--ascii: ASCII only)."""
        return frames.plain(text, self.ascii_only)

    def part(self, selector, kind=None):
        """A widget of the main screen, whatever modal screen is on top of it."""
        return self.screen_stack[0].query_one(selector, kind)

    # ------------------------------------------------------------ answering keys

    def _say(self):
        """Answer a key on screen now, not at the next text tick."""
        self.draw_text()

    def show_error(self, message):
        self.notify(message, severity="error", timeout=4)
        self._say()

    @contextlib.contextmanager
    def errors_shown(self):
        """The app's convention: what an action cannot do (a refusal, a setting
        or run it could not use, a file it could not write) raises a
        TuinnError or OSError, and it is shown here as its one line."""
        try:
            yield
        except (TuinnError, OSError) as exc:
            self.show_error(str(exc))

    async def run_action(self, action, default_namespace=None, namespaces=None):
        """Every key's action, with its error shown (`errors_shown`)."""
        with self.errors_shown():
            return await super().run_action(action, default_namespace, namespaces)
        return True

    # Textual calls on_mount of every class in the hierarchy: the apps add
    # to this one by `started`, not by an on_mount of their own.
    def on_mount(self):
        if self.ascii_only:
            self.add_class("-ascii")
        self.timers = [self.set_interval(1.0 / self.fps, self.draw_plots),
                       self.set_interval(1.0 / TEXT_HZ, self.draw_text)]
        self.train_in_background()
        self.started()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self.hang_up, sig)
        self.draw_text()
        self.draw_plots()

    def started(self):
        """After the first timers and the training worker have started."""

    def size_check(self, width, height):
        """The class -too-small and its message on a terminal under MIN_WIDTH×MIN_HEIGHT."""
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")
        self.part("#too-small", Static).update(self.plain(
            f"terminal too small: {width}×{height}; tuinn needs at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}. Enlarge the window (training goes on; q quits)."))

    def hang_up(self, sig=signal.SIGHUP):
        """SIGHUP / SIGTERM: `keep_on_hang_up`, then leave within a second even
        if the terminal is gone (drawing to a dead terminal can block), with
        the exit code of a process the signal ended (128 + its number), so a
        script can tell a hang-up from a quit."""
        code = 128 + int(sig)
        deadline = threading.Timer(HANG_UP_SECONDS, self._leave_now, (code,))
        deadline.daemon = True
        deadline.start()
        try:
            self.keep_on_hang_up()
        except (OSError, TuinnError) as exc:
            self.farewell = f"tuinn: hung up, and the run could not be kept ({exc})"
        self.stop_training()
        self.exit(return_code=code)

    def _leave_now(self, code):
        # An app that has left on its own (its exit finished within the
        # second) needs no forcing; the process may have more to do.
        if not self.is_running:
            return
        self._say_farewell()
        os._exit(code)

    def _say_farewell(self):
        for line in (self.farewell, self.goodbye):
            if line:
                print(line, file=sys.__stderr__, flush=True)

    def run(self, *args, **kwargs):
        """Textual's run, then the farewell line (once the terminal is the
        shell's again, where it stays in view)."""
        result = super().run(*args, **kwargs)
        self._say_farewell()
        return result

    @property
    def exit_code(self):
        """The process's exit code: Textual's, else 1 when a farewell says
        something went wrong."""
        return self.return_code or (1 if self.farewell else 0)

    def keep_on_hang_up(self):
        """What to save before leaving on a hang-up (nothing by default);
        raises OSError or TuinnError when it cannot."""
