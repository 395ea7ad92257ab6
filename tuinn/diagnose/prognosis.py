"""What more epochs do to a run, measured on a copy instead of guessed.

A copy of the net and its trainer (same weights, optimizer state, shuffle
state and history) trains on the same data for FACTOR times the epochs the run
has had, within a time budget.  The rules then say what happened: "measured
on a copy: 10x the epochs took the loss from 0.0068 to 0.0061".  A budget
that runs out first leaves a shorter measurement, and the rest is extrapolated
from it, said to be an estimate.  Without a measurement the rules fall back on
the trend of the run's own last quarter, and say that too.
"""

import dataclasses
import math
import time

import numpy as np

from tuinn.engine import Trainer

FACTOR = 10                 # the prognosis is about 10x the epochs trained so far
WINDOW = 100                # the loss's level: its lowest over this many last epochs
MIN_SHARE = 0.5             # a copy that got half of its epochs or more measured the trend
CHUNK_SECONDS = 0.02        # work per kernel call of the copy: the budget is checked between


@dataclasses.dataclass(frozen=True)
class Continuation:
    """A copy of the run trained `epochs` more epochs (of `asked`)."""
    start: int              # the run's epochs when the copy was made
    epochs: int             # epochs the copy trained
    asked: int              # epochs it was to train: (FACTOR - 1) x start
    # The loss's level before and after: the lowest of the same number of last
    # epochs on each side, so that a loss that bounces at its noise does not
    # seem to fall only because the copy drew more samples of it.
    best_before: float
    best_after: float
    test_before: float      # the test loss when copied (nan without a test set)
    test_after: float       # the copy's last test loss
    seconds: float
    status: str             # the copy's trainer status (diverged?)

    @property
    def complete(self):
        return self.epochs >= self.asked

    @property
    def measured(self):
        """Whether the copy trained long enough to stand for the whole prognosis."""
        return self.epochs >= MIN_SHARE * self.asked

    @property
    def factor(self):
        """How many times the run's epochs the copy reached."""
        return (self.start + self.epochs) / self.start

    @property
    def gain(self):
        """By what factor FACTOR x the epochs lower the best loss: measured when
        complete, else extrapolated on log-log axes from what was measured."""
        if not (self.best_after > 0 and self.best_before > 0):
            return math.inf if self.best_after == 0 else 1.0
        seen = self.best_before / self.best_after
        if self.complete or self.factor <= 1:
            return seen
        slope = math.log(seen) / math.log(self.factor)
        return float(10 ** min(slope * math.log10(FACTOR), 30.0))

    @property
    def test_rises(self):
        """The test loss ends the copy higher than it started: more epochs overfit."""
        return math.isfinite(self.test_before) and self.test_after > 1.02 * self.test_before

    def words(self):
        """What was measured, for a finding's message."""
        what = (f"measured on a copy: {FACTOR}x the epochs ({self.start + self.epochs:,}) took "
                if self.complete else
                f"measured on a copy over {self.factor:.1f}x the epochs "
                f"({self.start + self.epochs:,}; the budget allowed no more): ")
        return what + f"the loss from {self.best_before:.4g} to {self.best_after:.4g}"

    def to_dict(self):
        return {**dataclasses.asdict(self), "gain": self.gain, "complete": self.complete}


def continue_copy(net, trainer, X, Y, X_test=None, Y_test=None, seconds=1.0, cancelled=None):
    """Train a copy of (net, trainer) for (FACTOR - 1) times the epochs trained,
    for at most `seconds`; None when there is nothing to continue (no epochs,
    a diverged run) or no time."""
    start = len(trainer.history["loss"]) - 1
    if start < 1 or seconds <= 0 or trainer.status.startswith("diverged"):
        return None
    twin = net.copy()
    copy = Trainer(twin, **trainer.settings)
    copy.restore(trainer.snapshot())
    window = min(WINDOW, start)
    best_before = _level(trainer.history["loss"], window)
    test = trainer.history["test_loss"]
    test_before = float(test[-1]) if len(test) else math.nan
    asked = (FACTOR - 1) * start
    done, chunk, began = 0, 1, time.perf_counter()
    cancelled = cancelled or (lambda: False)
    while done < asked and not cancelled():
        left = seconds - (time.perf_counter() - began)
        if left <= 0:
            break
        t0 = time.perf_counter()
        copy.train(X, Y, min(chunk, asked - done), X_test, Y_test)
        took = time.perf_counter() - t0
        done = len(copy.history["loss"]) - 1 - start
        if copy.status.startswith("diverged"):
            break
        chunk = max(1, int(chunk / max(took, 1e-7) * min(CHUNK_SECONDS, left - took)))
    if done <= 0:
        return None
    history = copy.history
    loss, after_test = history["loss"], history["test_loss"]
    return Continuation(
        start, done, asked, best_before, _level(loss, window), test_before,
        float(after_test[-1]) if len(after_test) else math.nan,
        time.perf_counter() - began, copy.status)


def _level(loss, window):
    """The lowest finite loss of the last `window` epochs (inf when none is finite)."""
    tail = loss[-window:]
    tail = tail[np.isfinite(tail)]
    return float(np.min(tail)) if len(tail) else math.inf


def switch_copy(net, trainer, X, Y, changes, seconds, cancelled=None):
    """What one change of the training settings does from here: two copies of
    (net, trainer) train as many epochs again as the run has had, one with the
    `changes` and one without; (the data loss without them, with them), or None
    when the budget does not allow both."""
    start = len(trainer.history["loss"]) - 1
    if start < 1 or seconds <= 0 or trainer.status.startswith("diverged"):
        return None
    began, cancelled = time.perf_counter(), cancelled or (lambda: False)
    losses = []
    for settings in ({}, changes):
        copy = Trainer(net.copy(), **{**trainer.settings, **settings})
        copy.restore(trainer.snapshot())
        done, chunk = 0, 1
        while done < start:
            left = seconds - (time.perf_counter() - began)
            if left <= 0 or cancelled():
                return None
            t0 = time.perf_counter()
            copy.train(X, Y, min(chunk, start - done))
            took = time.perf_counter() - t0
            done = len(copy.history["loss"]) - 1 - start
            if copy.status.startswith("diverged"):
                break
            chunk = max(1, int(chunk / max(took, 1e-7) * min(CHUNK_SECONDS, left - took)))
        losses.append(copy.net.objective(X, Y))
    return tuple(losses)
