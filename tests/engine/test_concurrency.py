"""One net, one kernel call at a time: a second thread is refused in one line,
the thread count changes only between calls, and Ctrl-C stops a long train()
between chunks with the epochs done so far kept.  Run under the sanitizer
build in CI, where a scratch buffer too small for its call is an error."""

import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import tuinn
from tuinn.errors import TuinnError

from conftest import ELSEWHERE


def _big():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 2))
    return X, np.sin(X[:, :1])


def _training_in_the_background(net, X, Y):
    """A thread training `net` until `stop` is set; returns (thread, stop)."""
    trainer = tuinn.Trainer(net, lr=0.01)
    stop = threading.Event()

    def train():
        while not stop.is_set():
            trainer.train(X, Y, epochs=1)
    thread = threading.Thread(target=train)
    thread.start()
    return thread, stop


def _wait_until_busy(net):
    while net._busy.acquire(blocking=False):
        net._busy.release()


@pytest.mark.parametrize("action", ["threads", "predict", "train", "gradients", "unit_stats"])
def test_a_net_in_use_on_another_thread_is_refused_and_left_unchanged(action):
    X, Y = _big()
    net = tuinn.Net(2, 64, 1, threads=1)
    net.init(seed=1)
    thread, stop = _training_in_the_background(net, X, Y)
    try:
        _wait_until_busy(net)
        with pytest.raises(TuinnError, match="in use on another thread") as info:
            {"threads": lambda: setattr(net, "threads", 16),
             "predict": lambda: net.predict(X[:10]),
             "train": lambda: tuinn.Trainer(net).train(X[:10], Y[:10], epochs=1),
             "gradients": lambda: net.gradients(X[:10], Y[:10]),
             "unit_stats": lambda: net.unit_stats(X[:10])}[action]()
        assert "\n" not in str(info.value) and "net.copy()" in str(info.value)
    finally:
        stop.set()
        thread.join()
    assert net.threads == 1


def test_training_beside_refused_calls_gives_the_same_weights_as_alone():
    """predict() on a second thread once moved the weights by up to 1.9."""
    X, Y = _big()
    alone = tuinn.Net(2, 16, 1, threads=1)
    alone.init(seed=3)
    shared = alone.copy()
    tuinn.Trainer(alone, lr=0.05).train(X, Y, epochs=30)
    trainer = tuinn.Trainer(shared, lr=0.05)
    done = threading.Event()

    def poke():
        while not done.is_set():
            try:
                shared.predict(X[:1000])
                shared.threads = 4
                shared.threads = 1
            except TuinnError:
                pass
    poker = threading.Thread(target=poke)
    poker.start()
    try:
        while trainer.epoch < 30:
            try:
                trainer.train(X, Y, epochs=1)
            except TuinnError:
                pass            # refused while the other thread held the net
    finally:
        done.set()
        poker.join()
    assert np.array_equal(alone.theta, shared.theta)


def test_the_thread_count_changes_between_calls_and_gives_the_same_bits():
    X, Y = _big()
    nets = [tuinn.Net(2, 64, 1, threads=1) for _ in range(2)]
    for net in nets:
        net.init(seed=2)
    trainers = [tuinn.Trainer(net, lr=0.01) for net in nets]
    for threads in (16, 1, 3):
        nets[1].threads = threads
        for trainer in trainers:
            trainer.train(X, Y, epochs=2)
    assert np.array_equal(nets[0].theta, nets[1].theta)


def test_a_gradient_function_keeps_its_own_scratch_when_the_threads_change():
    X, Y = _big()
    net = tuinn.Net(2, 64, 1, threads=1)
    net.init(seed=2)
    grad = net.gradient_function(X, Y)
    before = grad(net.theta)
    net.threads = 16
    assert np.array_equal(grad(net.theta), before)


def test_a_copy_keeps_the_code_path_and_threads():
    net = tuinn.Net(2, 3, 1, path="base", threads=3)
    twin = net.copy()
    assert (twin.path, twin.threads) == ("base", 3)


def test_ctrl_c_stops_a_long_train_between_chunks_with_the_epochs_kept():
    # Python's own Ctrl-C handler, even where the shell that started the tests
    # ignores SIGINT (a background job passes that on).
    code = ("import signal, time, numpy as np, tuinn\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "X = np.linspace(-1, 1, 200)[:, None]; Y = X ** 2\n"
            "net = tuinn.Net(1, 8, 1); net.init(seed=0); t = tuinn.Trainer(net, lr=0.1)\n"
            "print('go', flush=True)\n"
            "try:\n"
            "    t.train(X, Y, epochs=10**8)\n"
            "except KeyboardInterrupt:\n"
            "    h = t.history['loss']\n"
            "    print(t.epoch, len(h), bool(np.isfinite(h).all()), t.status, flush=True)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=ELSEWHERE)
    try:
        assert child.stdout.readline() == "go\n"
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=10)
    finally:
        child.kill()
    epoch, size, finite, status = out.split()
    assert 0 < int(epoch) < 10**8 and int(size) == int(epoch) + 1
    assert finite == "True" and status == "done"
