"""The whole program in a real terminal: tmux runs `tuinn`, the test reads the
screen with capture-pane and types keys with send-keys."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed "
                                "(.ci/run installs it)")


class Terminal:
    def __init__(self, tmp_path, args, size=(100, 30), env=None):
        self.name = f"tuinn-test-{os.getpid()}-{time.monotonic_ns()}"
        self.socket = str(tmp_path / "tmux.sock")
        env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color",
               **(env or {})}
        command = " ".join([f"exec {sys.executable} -m tuinn", *args])
        self.tmux("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", self.name,
                  "-c", tempfile.gettempdir(), command, env=env)
        self.tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def tmux(self, *args, env=None):
        return subprocess.run([TMUX, "-S", self.socket, *args], capture_output=True, text=True,
                              env=env, timeout=20)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, text, timeout=15.0):
        self.wait_until(lambda: text in self.screen(), repr(text), timeout)
        return self.screen()

    def next_screen(self, before, timeout=15.0):
        """The screen once it differs from `before` and has stopped changing
        (two captures 0.1 s apart agree): a frame caught while it is being
        written would lack some of its lines."""
        shots = [before]

        def drawn():
            shots.append(self.screen())
            return shots[-1] != before and shots[-1] == shots[-2]
        self.wait_until(drawn, "the next screen", timeout)
        return shots[-1]

    def wait_until(self, condition, what, timeout=15.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"{what} never appeared; the screen:\n{self.screen()}")

    def pane(self, field):
        return self.tmux("display-message", "-p", "-t", self.name, f"#{{{field}}}").stdout.strip()

    def exit_status(self, timeout=5.0, unknown=0):
        """The exit code once the program has ended (-signal if a signal killed
        it; `unknown` when tmux does not say, as some of its versions do not for
        a process that handled a signal), or None if it is still running after
        `timeout` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.pane("pane_dead") == "1":
                self.dead_at = time.monotonic()
                # tmux fills these in when it reaps the process, a moment later
                # (longer on a busy machine).
                for _ in range(100):
                    code, sig = self.pane("pane_dead_status"), self.pane("pane_dead_signal")
                    if code or sig:
                        return int(code) if code else -int(sig)
                    time.sleep(0.05)
                return unknown if not self.pane("pane_dead_signal") else None
            time.sleep(0.05)
        return None

    def close(self):
        self.tmux("kill-server")


@pytest.fixture
def terminal(tmp_path):
    opened = []

    def start(*args, size=(100, 30), env=None):
        opened.append(Terminal(tmp_path, args, size, env))
        return opened[-1]
    yield start
    for t in opened:
        t.close()


def test_exp_trains_live_and_answers_keys_then_keeps_the_run(terminal, tmp_path):
    t = terminal("--preset", "exp")
    t.wait_for("running")
    screen = t.wait_for("loss")             # the charts are built on a worker thread
    assert screen.startswith(" exp │ epoch")
    assert "loss" in screen and "epoch" in screen
    # Small initial weights: unit 1 hardly varies at first, then learns what unit 0 does.
    screen = t.wait_for("1     = duplicate")
    assert "0     ● alive" in screen
    t.keys("Space")
    screen = t.wait_for("paused")
    t.keys("+")
    t.wait_for("lr 0.2")
    epoch = int(screen.split("epoch ")[1].split("/")[0].replace(",", ""))
    t.keys("n")
    t.wait_for(f"stepped 1 epoch to epoch {epoch + 1}")
    t.keys("q")
    assert t.exit_status() == 0
    kept = tmp_path / "state" / "tuinn" / "last"
    # The shell is told where the run is kept, and how to go on with it (the
    # line wraps, and its start may scroll out of the pane).
    told = "".join(t.wait_for("continues it").splitlines())
    assert "/last; `tuinn --resume` continues it" in told
    assert (kept / "run.toml").is_file() and (kept / "state.npz").is_file()
    lines = (kept / "history.csv").read_text().splitlines()
    assert len(lines) == 1 + epoch + 2


def test_sighup_keeps_the_run_and_exits_within_a_second(terminal, tmp_path):
    t = terminal("--preset", "exp-long")
    t.wait_for("running")
    pid = int(t.pane("pane_pid"))
    started = time.monotonic()
    os.kill(pid, 1)   # SIGHUP, as a dropped SSH link sends
    status = t.exit_status(timeout=3.0, unknown="not said")
    # The code of a process that SIGHUP ended, where tmux says it (the app's
    # own test checks the code): a script tells a hang-up from a quit.
    assert status in (128 + 1, "not said") and t.dead_at - started < 1.0
    kept = tmp_path / "state" / "tuinn" / "last"
    assert (kept / "run.toml").is_file() and (kept / "state.npz").is_file()
    resumed = terminal("--resume", "--paused")
    screen = resumed.wait_for("resumed")
    epoch = int(screen.split(" at epoch ")[1].split()[0])
    assert epoch > 0 and "paused" in screen


@pytest.mark.parametrize("how", [{"NO_COLOR": "1"}, "--color none"])
def test_a_colour_free_terminal_draws_every_panel(terminal, tmp_path, how):
    env, args = (how, ()) if isinstance(how, dict) else (None, how.split())
    t = terminal("--preset", "spiral", *args, size=(80, 24), env=env)
    t.wait_for("alive")                     # the unit table
    screen = t.wait_for("loss")             # and the charts
    assert "Traceback" not in screen
    t.keys("q")
    assert t.exit_status() == 0
    assert (tmp_path / "state" / "tuinn" / "last" / "run.toml").is_file()


def test_too_small_terminal_gets_a_message_not_a_crash(terminal):
    t = terminal("--preset", "exp", size=(60, 20))
    screen = t.wait_for("terminal too small")
    assert "60×20" in screen and "80×24" in screen
    t.keys("q")
    assert t.exit_status() == 0


def test_no_terminal_is_a_one_line_error():
    done = subprocess.run([sys.executable, "-m", "tuinn", "--preset", "exp"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir(),
                          stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "tuinn: the app needs a terminal; use `tuinn train` for scripts"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 60)])
def test_coverage_bad_reads_whole_at_every_size(terminal, size):
    t = terminal("--preset", "coverage-bad", size=size)
    screen = t.wait_for("done", timeout=60)
    # Read once the experiments have settled the diagnosis: they rewrite it.
    t.wait_for("done, measured", timeout=60)
    screen = t.wait_for("No hidden unit is active")
    lines = screen.splitlines()
    # The numbers: the loss named in words where they fit, else the mse.
    assert lines[1].startswith(("train loss ", "mse ")) and "best " in lines[1]
    # Each chart's legend is on its title line, and nowhere over the data.
    title = next(line for line in lines if line.startswith("loss "))
    assert "train" in title and "target" in title and "net" in title
    charts = lines[lines.index(title) + 1:next(i for i, line in enumerate(lines)
                                                 if line.startswith("unit "))]
    assert not any("target" in line or "train" in line for line in charts)
    # Every finding can be read by scrolling, and a cut panel says so.
    cut = "more line" in screen
    assert cut == (size != (200, 60)), screen
    seen = screen
    if cut:
        t.keys("Tab", "Tab")
        for _ in range(12):
            before = t.screen()
            t.keys("PageDown")
            seen += t.next_screen(before)
            if "more line" not in t.screen():
                break
    for words in ("No hidden unit is active", "Stalled", "Standardize the targets"):
        assert words in " ".join(seen.split()), words
    assert "more line" not in t.screen()
    t.keys("4")
    net = t.wait_for("edges: blue +, orange -")
    assert " x ●" in net and "● y" in net


def test_a_model_trained_elsewhere_opens_in_the_app_and_trains_on(terminal, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    csv = tmp_path / "rows.csv"
    np.savetxt(csv, np.column_stack([X, X[:, 0] - X[:, 1]]), delimiter=",", header="a,b,y",
               comments="")
    np.savez(tmp_path / "model.npz", W1=rng.normal(size=(2, 3)), b1=np.zeros(3),
             W2=rng.normal(size=(3, 1)), b2=np.zeros(1), hidden="tanh")
    t = terminal("diagnose", "--weights", str(tmp_path / "model.npz"), "--data", str(csv),
                 "--open")
    screen = t.wait_for("2→3→1 tanh→linear")
    assert "model │ epoch 0/1,000 │ paused" in screen
    t.keys("space")
    t.wait_for("epoch 1,000/1,000")
    t.keys("q")
    assert t.exit_status(timeout=10) == 0


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_compare_shows_both_runs_and_what_differs_in_a_real_terminal(terminal, size):
    t = terminal("--compare", "coverage-good", "coverage-bad", size=size)
    t.wait_for("only B: No hidden unit is active", timeout=60)
    screen = t.wait_for("B train")          # the chart's first frame may come a tick later
    lines = screen.splitlines()
    assert lines[0].startswith(" A epoch ") and "B epoch " in lines[0]
    assert lines[1].startswith(" A coverage-good ") and lines[2].startswith(" B coverage-bad ")
    assert "A train" in screen and "B train" in screen and screen.count("unit  state") == 2
    assert all(len(line) <= size[0] for line in lines) and len(lines) <= size[1]
    t.keys("w")
    t.wait_for("keys: A")
    t.keys("q")
    assert t.exit_status() == 0


@pytest.mark.parametrize("args, says", [
    (("coverage-good", "no-such-run"), "--compare no-such-run: 'no-such-run' is no preset"),
    (("coverage-god", "exp"), "(did you mean coverage-good?)"),
    (("exp", "exp", "--preset", "exp"), "--compare names its two runs itself; leave out --preset"),
    (("exp", tempfile.gettempdir()), "is not a saved run"),
])
def test_compare_with_a_run_that_is_not_there_is_one_line(args, says):
    """On a terminal (the app's own check comes first), the error on stderr."""
    import pty

    main, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "tuinn", "--compare", *args], stdin=child,
                              stdout=child, stderr=subprocess.PIPE, text=True, timeout=60,
                              cwd=tempfile.gettempdir())
    finally:
        os.close(main)
        os.close(child)
    assert done.returncode == 2
    assert says in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_sighup_where_the_run_cannot_be_kept_says_so(terminal, tmp_path):
    # The state folder cannot be made (a file is in its way): root can write a
    # read-only folder, not a folder inside a file.
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "tuinn").write_text("in the way")
    t = terminal("--preset", "exp-long")
    t.wait_for("running")
    os.kill(int(t.pane("pane_pid")), 1)
    t.exit_status(timeout=3.0)
    # The scrollback too, wrapped lines joined: the long line may have scrolled.
    shown = t.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", t.name).stdout
    assert "tuinn: hung up, and the run could not be kept ([Errno 17] File exists" in shown


def test_a_whole_lesson_reads_at_80x24(terminal):
    """linear-hidden, in a real terminal at 80x24: each step's heading and
    what to do are in view from the start, the rest of its text scrolls into
    view, and the lesson goes to its end with the keys it names."""
    t = terminal("learn", "linear-hidden", "--reset", size=(80, 24))
    screen = t.wait_for("Try: press space to train.")
    assert "step 1/2, train it" in screen
    # What the step looks at is on screen: the fit (its charts are drawn on a
    # worker), with 6 rows of data between its frame's top and bottom.
    def data_rows():
        lines = t.screen().splitlines()
        tops = [i for i, line in enumerate(lines) if "┌" in line]
        bottoms = [i for i, line in enumerate(lines) if "└" in line]
        return bottoms[0] - tops[0] - 1 if tops and bottoms else 0
    t.wait_until(lambda: data_rows() >= 6, "the fit with 6 rows of data")
    # The step's own text, read to its end by scrolling its panel.
    t.keys("Tab", "Tab", "Tab")
    read = ""
    for _ in range(8):
        read += t.screen()
        if "Look at: the fit" in read:
            break
        t.keys("PageDown")
        time.sleep(0.2)
    assert "A 1-10-1 net, hidden activation linear" in " ".join(read.split())
    assert "Look at: the fit" in read
    t.keys("Space")
    screen = t.wait_for("Done. g: next step", timeout=60)
    t.keys("g")
    screen = t.wait_for("Try: press a for the next activation", timeout=15)
    assert "step 2/2, a bend" in screen
    t.keys("a")
    # it trains on: the run was running (space only if paused, as the step says)
    screen = t.wait_for("activation: linear → sigmoid", timeout=15)
    if "paused" in screen.splitlines()[0]:
        t.keys("Space")
    t.wait_for("Done. g: finish", timeout=60)
    t.keys("g")
    t.wait_for("All 2 steps: 2 done, 0 skipped.")
    t.keys("q")
    assert t.exit_status() == 0
