"""The app's own speed goals (`tuinn bench --app`), measured as a person meets
them: tuinn runs in a pseudo-terminal, as under ssh or tmux, and everything is
read off the bytes it sends to that terminal.

- Training speed: the epoch counter of the status line over a few seconds,
  against the same run trained directly (Run.train) in this process.
- Key latency: from the moment "+" or "-" is written to the terminal until the
  new learning rate is in what the app has drawn, so the time Textual takes
  to render and write the screen is counted too.
"""

import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

from tuinn.errors import TuinnError
from tuinn.runs import Run, RunSpec

# bench's first workload: f2 = sin(x)(25 - x^2), N=1000, 8 sigmoid units, full-batch GD.
WORKLOAD = {"name": "f2-h8", "data": {"generator": "f2",
                                      "params": {"standard": False, "n": 1000, "n_test": 0}},
            "model": {"hidden_units": 8, "activation": "sigmoid"},
            "init": {"scheme": "small", "scale": 0.5},
            "train": {"optimizer": "sgd", "lr": 0.05, "epochs": 10 ** 8}}
SPEED_GOAL = 0.8           # app epochs/s over direct epochs/s
LATENCY_GOAL_MS = 100.0
SIZE = (120, 40)
# Escape sequences (CSI, OSC, and two-byte ones), removed to leave the text drawn.
ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
EPOCH = re.compile(r"epoch ([\d,]+)/")


def direct_speed(seconds):
    """Epochs per second of Run.train on the workload, median of three timings."""
    run = Run(RunSpec.from_dict(WORKLOAD))
    run.train(200)
    rates = []
    for _ in range(3):
        start, first = time.perf_counter(), run.epoch
        while time.perf_counter() - start < seconds / 3:
            run.train(2000)
        rates.append((run.epoch - first) / (time.perf_counter() - start))
    return statistics.median(rates)


class PseudoTerminal:
    """`tuinn ARGS` on a pseudo-terminal of SIZE: keys in, drawn text out."""

    def __init__(self, args, folder):
        try:
            import fcntl
            import pty
            import struct
            import termios
        except ImportError:
            raise TuinnError("bench --app needs a Unix pseudo-terminal") from None
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        # A state folder of its own: the user's last run (tuinn --resume) stays
        # theirs.  COLUMNS and LINES would override the terminal's size.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor", XDG_STATE_HOME=folder)
        # The same session as this process: Linux shares the CPU out by session
        # first, and the two speeds are to be compared on equal terms.
        self.process = subprocess.Popen([sys.executable, "-m", "tuinn", *args], stdin=slave,
                                        stdout=slave, stderr=slave, env=env, cwd=folder)
        os.close(slave)
        self._tail = ""

    def read(self, timeout):
        """The text drawn within `timeout` s (escapes removed), '' if none.  A
        sequence cut between two reads is joined to the next read."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return ""
        try:
            raw = self._tail + os.read(self.master, 1 << 16).decode("utf-8", "replace")
        except OSError:             # the app has closed the terminal
            return ""
        cut = raw.rfind("\x1b")
        cut_short = cut >= 0 and not ESCAPES.match(raw, cut) and cut > len(raw) - 32
        self._tail = raw[cut:] if cut_short else ""
        return ESCAPES.sub("", raw[:len(raw) - len(self._tail)])

    def drain(self, seconds=0.0):
        """Read (and drop) what is drawn for `seconds`, then what is still waiting:
        an unread terminal would stall the app's writes."""
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.read(0.01)
        while self.read(0):
            pass

    def wait_for(self, text, timeout):
        """Seconds until `text` is drawn; TuinnError with the last screen text if never."""
        start, seen = time.perf_counter(), ""
        while time.perf_counter() - start < timeout:
            seen = seen[-4000:] + self.read(0.05)
            if text in seen:
                return time.perf_counter() - start
        raise TuinnError(f"the app never showed {text!r} within {timeout:g} s; it showed: "
                         f"{' '.join(seen.split())[-300:]!r}")

    def press(self, key):
        os.write(self.master, key.encode())

    def close(self):
        """Quit with q; returns the exit code (killed after 10 s).  What the app
        draws meanwhile is read: unread, a full terminal would block its exit."""
        self.press("q")
        end = time.perf_counter() + 10
        while self.process.poll() is None and time.perf_counter() < end:
            self.read(0.05)
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        os.close(self.master)
        return code


def app_speed(term, seconds):
    """Epochs per second of the status line's counter over `seconds`."""
    seen = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        counts = EPOCH.findall(term.read(0.05))
        if counts:
            seen.append((time.perf_counter(), int(counts[-1].replace(",", ""))))
    if len(seen) < 2 or seen[-1][0] == seen[0][0]:
        raise TuinnError("the app's status line showed no epoch counter while training")
    (t0, e0), (t1, e1) = seen[0], seen[-1]
    return (e1 - e0) / (t1 - t0)


def key_latencies(term, presses, lr):
    """Milliseconds from each key press (+ and - in turn, starting at rate `lr`)
    to the new rate on screen."""
    latencies = []
    for i in range(presses):
        key, want = ("+", f"lr {2 * lr:.4g} ") if i % 2 == 0 else ("-", f"lr {lr:.4g} ")
        term.drain()
        begin = time.perf_counter()
        term.press(key)
        term.wait_for(want, 5.0)
        latencies.append(1000 * (time.perf_counter() - begin))
        term.drain(0.03 + 0.011 * (i % 7))     # presses out of step with the frames
    return latencies


def measure(seconds=4.5, presses=40):
    direct = direct_speed(seconds)
    with tempfile.TemporaryDirectory() as folder:
        config = os.path.join(folder, "run.toml")
        RunSpec.from_dict(WORKLOAD).write(config)
        term = PseudoTerminal(["--config", config], folder)
        try:
            term.wait_for("running", 15.0)
            term.wait_for("ep/s", 5.0)
            in_app = app_speed(term, seconds)
            latencies = key_latencies(term, presses, WORKLOAD["train"]["lr"])
        finally:
            code = term.close()
    if code != 0:
        raise TuinnError(f"the app exited with code {code} after q")
    p95 = statistics.quantiles(latencies, n=20)[-1]
    return {"workload": WORKLOAD["name"], "terminal": f"{SIZE[0]}x{SIZE[1]} pseudo-terminal",
            "direct_epochs_per_s": direct, "app_epochs_per_s": in_app, "ratio": in_app / direct,
            "key_latency_ms_median": statistics.median(latencies),
            "key_latency_ms_p95": p95, "key_latency_ms_max": max(latencies),
            "speed_goal": SPEED_GOAL, "latency_goal_ms": LATENCY_GOAL_MS,
            "meets_goal": in_app / direct >= SPEED_GOAL and p95 <= LATENCY_GOAL_MS}


def measure_in_child():
    """measure() in a fresh interpreter: threads left spinning by earlier work in
    this process (numpy's BLAS pool after the reference runs) would slow the
    direct timing."""
    code = ("import json, sys\nfrom tuinn.errors import TuinnError\n"
            "from tuinn.bench.app import measure\n"
            "try:\n    print(json.dumps(measure()))\n"
            "except TuinnError as exc:\n    sys.exit(str(exc))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise TuinnError(f"bench --app: {last}")
    return json.loads(done.stdout)


def format_report(m):
    return (f"app ({m['terminal']}): {m['workload']} trains at {m['app_epochs_per_s']:,.0f} "
            f"epochs/s inside the app, {m['direct_epochs_per_s']:,.0f} directly: "
            f"{m['ratio']:.0%} (goal ≥ {m['speed_goal']:.0%}); a key shows on screen in "
            f"{m['key_latency_ms_median']:.1f} ms median, {m['key_latency_ms_p95']:.1f} ms at "
            f"the 95th percentile, {m['key_latency_ms_max']:.1f} ms worst (goal: 95th "
            f"percentile ≤ {m['latency_goal_ms']:g} ms): "
            f"{'ok' if m['meets_goal'] else 'MISSED'}")
