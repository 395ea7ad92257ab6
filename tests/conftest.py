"""Shared test setup and helpers (test modules import them: `from conftest import ...`).

`python -m pytest` in the repo root puts the repo root on sys.path, so `import
tuinn` would find the source tree, which has no compiled kernel (it lives only
in the installed copy).  Unless this checkout has a kernel built in place, drop
the repo root from sys.path before any test module imports tuinn, so both
`pytest` and `python -m pytest` test the installed package.
"""

import asyncio
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _is_root(entry):
    try:
        return pathlib.Path(entry or ".").resolve() == ROOT
    except OSError:
        return False


if not any((ROOT / "tuinn").glob("_kernel*")):
    sys.path[:] = [entry for entry in sys.path if not _is_root(entry)]
    if "tuinn" in sys.modules and not hasattr(sys.modules["tuinn"], "Net"):
        del sys.modules["tuinn"]

import tuinn  # noqa: E402  (after the sys.path fix on purpose)


def make_problem(output, loss="squared", N=7, d=3, h=4, k=3, seed=4, hidden=None,
                 x_scale=1.0, w_scale=1.0, z_gap=0.0):
    """Random weights (dict as reference.py takes them) and data fitting `output`.

    With z_gap > 0 (relu kinks), only input rows whose every pre-activation
    |Z| >= z_gap are kept."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, w_scale, (d, h)), "b1": rng.normal(0, w_scale, h),
              "W2": rng.normal(0, w_scale, (h, k)), "b2": rng.normal(0, w_scale, k)}
    rows = []
    while sum(len(r) for r in rows) < N:
        cand = rng.normal(0, x_scale, (2 * N + 10, d))
        if z_gap > 0:
            Z = cand @ params["W1"] + params["b1"]
            cand = cand[np.all(np.abs(Z) >= z_gap, axis=1)]
        rows.append(cand)
    X = np.concatenate(rows)[:N]
    if output == "softmax":
        Y = np.eye(k)[rng.integers(0, k, size=N)]
        if loss == "squared":  # soft targets are fine for squared loss
            Y = 0.8 * Y + 0.2 / k
    elif output == "sigmoid":
        Y = rng.uniform(0.05, 0.95, (N, k))
        if loss == "cross_entropy":
            Y[: N // 2] = np.round(Y[: N // 2])  # hard and soft labels alike
    elif output == "tanh":
        Y = rng.uniform(-0.9, 0.9, (N, k))
    else:
        Y = rng.normal(size=(N, k))
    return params, X, Y


def net_for(params, hidden, output, loss):
    d, h = params["W1"].shape
    k = params["W2"].shape[1]
    net = tuinn.Net(d, h, k, hidden=hidden, output=output, loss=loss)
    net.set_weights(**params)
    return net


def finite_differences(net, X, Y, l2=0.0, l1=0.0, step=1e-6):
    """The objective's gradient by central differences, one weight at a time."""
    theta0 = net.theta.copy()
    num = np.empty_like(theta0)
    for i in range(len(theta0)):
        net.theta[:] = theta0
        net.theta[i] += step
        up = net.objective(X, Y, l2, l1)
        net.theta[i] -= 2 * step
        down = net.objective(X, Y, l2, l1)
        num[i] = (up - down) / (2 * step)
    net.theta[:] = theta0
    return num


def one_long_run(spec, epochs):
    """A Run of `spec` trained `epochs` in one call."""
    from tuinn.runs import Run

    run = Run(spec)
    run.train(epochs)
    return run


def assert_same_run(a, b):
    """Two runs with the same bits: weights, optimizer, best, history, epoch, status."""
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    np.testing.assert_array_equal(a.trainer.opt_state, b.trainer.opt_state)
    np.testing.assert_array_equal(a.trainer.best_theta, b.trainer.best_theta)
    assert a.trainer.best == b.trainer.best
    for key in ("loss", "test_loss"):
        np.testing.assert_array_equal(a.trainer.history[key], b.trainer.history[key])
    assert (a.epoch, a.status) == (b.epoch, b.status)


# Away from the repo root, whose source tree has no compiled kernel.
ELSEWHERE = tempfile.gettempdir()


def run_tuinn(*args, timeout=300, **kwargs):
    """`tuinn ARGS` as a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "tuinn", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ELSEWHERE, **kwargs)


class TerminalStderr:
    """`tuinn ARGS` as a subprocess whose stderr is a terminal: its progress bar
    says what it is doing, so a test waits for that, never for a fixed time."""

    def __init__(self, *args, cwd=ELSEWHERE):
        import os
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "tuinn", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=slave, text=True, cwd=cwd)
        os.close(slave)
        self.err = b""

    def _read(self, wait):
        import os
        import select

        while select.select([self.master], [], [], wait)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:             # the other end has closed
                return False
            if not chunk:
                return False
            self.err += chunk
            return True
        return True

    @property
    def text(self):
        """What stderr shows: its bytes without colours and cursor moves."""
        return re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", self.err.decode(errors="replace"))

    def wait_for(self, text, timeout=60.0):
        import time

        deadline = time.monotonic() + timeout
        while text not in self.text:
            assert time.monotonic() < deadline and self.proc.poll() is None, \
                f"{text!r} never appeared on stderr: {self.err[-500:]!r}"
            self._read(0.1)

    def finish(self, timeout=30.0):
        """(stdout, stderr) once the process has ended."""
        import os

        try:
            out, _ = self.proc.communicate(timeout=timeout)
            while self._read(0.1) and self.proc.poll() is None:
                pass
            self._read(0.1)
        finally:
            self.proc.kill()
            os.close(self.master)
        return out, self.text


async def until(pilot, condition, timeout=10.0, what="the condition"):
    """Let the app run until `condition()` holds; fail after `timeout` s.  A
    test waits for what it needs, never for a fixed time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        await pilot.pause(0.02)



def one_line_error(cls, fn, *args, **kwargs):
    """The message of the `cls` that fn(*args, **kwargs) raises: one line."""
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message
    return message
