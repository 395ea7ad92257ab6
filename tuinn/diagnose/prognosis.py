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
    # The copy's loss, epoch by epoch, from the run's last epoch on.
    loss: np.ndarray = dataclasses.field(default=None, repr=False, compare=False)

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

    def plateau_end(self, share=0.5):
        """The first epoch at which the copy's loss fell under `share` of its level
        when copied, or None when it never did."""
        below = np.flatnonzero(self.loss[1:] < share * self.loss[0])
        return self.start + 1 + int(below[0]) if len(below) else None

    def to_dict(self):
        doc = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "loss"}
        return doc | {"gain": self.gain, "complete": self.complete}


def continue_copy(net, trainer, X, Y, X_test=None, Y_test=None, seconds=1.0, cancelled=None):
    """Train a copy of (net, trainer) for (FACTOR - 1) times the epochs trained,
    for at most `seconds`; None when there is nothing to continue (no epochs,
    a diverged run) or no time."""
    start = len(trainer.history["loss"]) - 1
    if start < 1 or seconds <= 0 or trainer.status.diverged:
        return None
    twin = net.copy()
    copy = Trainer(twin, **trainer.settings)
    copy.restore(trainer.snapshot())
    window = min(WINDOW, start)
    best_before = _level(trainer.history["loss"], window)
    test = trainer.history["test_loss"]
    test_before = float(test[-1]) if len(test) else math.nan
    asked = (FACTOR - 1) * start
    began = time.perf_counter()
    done = in_chunks(lambda k: copy.train(X, Y, k, X_test, Y_test), asked, seconds, cancelled)
    if done <= 0:
        return None
    history = copy.history
    loss, after_test = history["loss"], history["test_loss"]
    return Continuation(
        start, done, asked, best_before, _level(loss, window), test_before,
        float(after_test[-1]) if len(after_test) else math.nan,
        time.perf_counter() - began, copy.status, np.array(loss[start:], dtype=float))


def _level(loss, window):
    """The lowest finite loss of the last `window` epochs (inf when none is finite)."""
    tail = loss[-window:]
    tail = tail[np.isfinite(tail)]
    return float(np.min(tail)) if len(tail) else math.inf


def switch_copy(net, trainer, X, Y, changes, seconds, cancelled=None, epochs=None):
    """What one change of the training settings does from here: two copies of
    (net, trainer) train `epochs` more (as many again as the run has had by
    default), one with the `changes` and one without; the two trainers (as it
    is, changed), or None when the budget does not allow both."""
    start = len(trainer.history["loss"]) - 1
    if start < 1 or seconds <= 0 or trainer.status.diverged:
        return None
    epochs = start if epochs is None else epochs
    began, copies = time.perf_counter(), []
    for settings in ({}, changes):
        copy = Trainer(net.copy(), **{**trainer.settings, **settings})
        copy.restore(trainer.snapshot())
        left = seconds - (time.perf_counter() - began)
        done = in_chunks(lambda k: copy.train(X, Y, k), epochs, left, cancelled)
        if done < epochs and not copy.status.diverged:
            return None
        copies.append(copy)
    return tuple(copies)


def in_chunks(train, epochs, seconds, cancelled=None, foresee=False):
    """Call train(k) for k epochs at a time, each call about CHUNK_SECONDS of
    work, until `epochs` are done, `seconds` are spent, `cancelled()` turns
    true or a call returns a diverged status; the epochs done.  With
    `foresee`, give up as soon as the pace so far says the rest would not
    fit in the time left: an attempt that cannot finish is not worth its part."""
    began, done, chunk = time.perf_counter(), 0, 1
    cancelled = cancelled or (lambda: False)
    while done < epochs and not cancelled():
        left = seconds - (time.perf_counter() - began)
        if left <= 0:
            break
        k = min(chunk, epochs - done)
        t0 = time.perf_counter()
        status = train(k)
        took = time.perf_counter() - t0
        done += k
        if status.diverged:
            break
        spent = time.perf_counter() - began
        if foresee and done < epochs and spent / done * (epochs - done) > seconds - spent:
            break
        chunk = max(1, int(k / max(took, 1e-7) * min(CHUNK_SECONDS, left - took)))
    return done


@dataclasses.dataclass(frozen=True)
class Restart:
    """The run trained again from a fresh start, as it is and with one change,
    for the same epochs: each one's mse on the rows judged, in the targets'
    own units."""
    change: str             # what was changed, in words ("8 hidden units")
    epochs: int
    asked: int              # the run's epochs
    mse_as_is: float
    mse_changed: float
    seconds: float

    @property
    def gain(self):
        """By what factor the change lowers the mse (inf to an exact fit)."""
        if not self.mse_changed > 0:
            return math.inf if self.mse_as_is > 0 else 1.0
        return self.mse_as_is / self.mse_changed

    def words(self):
        return together([self])

    def to_dict(self):
        return dataclasses.asdict(self) | {"gain": self.gain}


def together(restarts):
    """Restarts of the same run in one sentence: "measured by training again
    from the start, the same epochs: with 5 hidden units the mse is 2.7e-06,
    with another initial draw 0.12, against 0.093 as it is"."""
    first = restarts[0]
    same = ("the same epochs" if first.epochs >= first.asked else
            f"{first.epochs:,} epochs each, what the budget allowed of {first.asked:,}")
    arms = ", with ".join(f"{r.change} {'the mse is ' if i == 0 else ''}{r.mse_changed:.4g}"
                          for i, r in enumerate(restarts))
    return (f"measured by training again from the start, {same}: with {arms}, against "
            f"{first.mse_as_is:.4g} as it is")


def train_fresh(net, trainer, X, Y, epochs, seconds, cancelled=None, shuffle_seed=0,
                **settings):
    """Train `net` (at its start) under `trainer`'s settings, changed by
    `settings`, for `epochs` or what `seconds` allow; (the net, the epochs
    done, whether it diverged)."""
    copy = Trainer(net, seed=shuffle_seed, **{**trainer.settings, **settings})
    done = in_chunks(lambda k: copy.train(X, Y, k), epochs, seconds, cancelled)
    return net, done, copy.status.diverged


def restart_pair(fresh, trainer, X, Y, change, epochs, seconds, cancelled=None, *,
                 shuffle_seed=0, as_is=None, model=None, inputs=None, targets=None, rows=None,
                 scale=None, **settings):
    """The run trained afresh as it is (`as_is`, a train_fresh result, when the
    caller keeps one; else trained here within half of `seconds`) and with one
    change, for as many epochs: `model` (fresh's keywords: units, hidden, loss,
    seed), trainer `settings`, `inputs` (the inputs transformed) or `targets`
    (a pair: the targets transformed, and the function that maps outputs
    back).  `fresh(**model)` returns the net at its start.  The mse is judged
    on `rows` (a mask; all by default) in the original units, each column's
    divided by `scale` when given.  None without time for both."""
    began = time.perf_counter()
    if as_is is None:
        as_is = train_fresh(fresh(), trainer, X, Y, epochs, seconds / 2, cancelled, shuffle_seed)
    base, trained, _ = as_is
    if trained == 0:
        return None
    targets_to, back = targets if targets is not None else (Y, None)
    X_changed = X if inputs is None else inputs
    changed, done, diverged = train_fresh(
        fresh(**(model or {})), trainer, X_changed, np.ascontiguousarray(targets_to), trained,
        seconds - (time.perf_counter() - began), cancelled, shuffle_seed, **settings)
    if done < trained and not diverged:
        return None
    mse = []
    for net, X_arm, to_original in ((base, X, None), (changed, X_changed, back)):
        O = net.predict(X_arm)
        if to_original is not None:
            O = to_original(O)
        with np.errstate(over="ignore", invalid="ignore"):
            err = (O - Y) ** 2 / (1.0 if scale is None else scale)
            err = err if rows is None else err[rows]
            mse.append(float(np.mean(err)) if np.all(np.isfinite(err)) else math.inf)
    return Restart(change, trained, epochs, mse[0], mse[1], time.perf_counter() - began)
