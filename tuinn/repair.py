"""Advice that proves itself: each finding's advice tried on a copy of the run.

A copy is the run's spec with the advice's changes, trained from the start
for as many epochs, on the same data and seeds: the only difference is the
advice.  "Go back to the best weights" needs no training: its loss is the
best one seen.  A fix is adopted when it lowers the loss that the finding is
about (the test loss for overfitting, else the training loss) by at least
PROVEN times; of those, the one that lowers it most.
"""

import dataclasses
import math
import time

import numpy as np

from tuinn.diagnose import advice
from tuinn.errors import TuinnError
from tuinn.runs import Run, RunSpec

PROVEN = 2.0
NOT_TRIED = "no setting to try by itself"
# Findings about generalization: judged by the test loss.
GENERALIZATION = ("overfitting",)


@dataclasses.dataclass
class Attempt:
    finding: str            # its code
    fix: str                # the option's text
    flags: str              # how to do it by hand (cli wording)
    before: float
    after: float | None     # None when the try failed (see note)
    judged_on: str          # "train" or "test"
    note: str = ""
    action: str | None = None
    run: object = None      # the trained copy (None for restore-best)
    adopted: bool = False
    changes: dict = dataclasses.field(default_factory=dict)   # the settings the fix sets
    epochs: int = 0         # the copy trained this many epochs

    def proof(self):
        """The fix and its result in one line, as the app shows it: "lr 0.5:
        loss 0.000818 after 1,000 epochs, against 2.66e+04 now"."""
        what = ", ".join(f"{key.rpartition('.')[2]} {_value(value)}"
                         for key, value in self.changes.items()) or self.fix
        loss = "test loss" if self.judged_on == "test" else "loss"
        if self.after is None:
            return f"{what}: not tried ({self.note or 'it could not be trained'})"
        if self.action == "restore-best":
            return f"{what} ({self.note}): {loss} {self.after:.3g}, against {self.before:.3g} now"
        return (f"{what}: {loss} {self.after:.3g} after {self.epochs:,} epochs, against "
                f"{self.before:.3g} now" + (f" ({self.note})" if self.note else ""))

    @property
    def gain(self):
        if self.after is None or not math.isfinite(self.after) or self.after <= 0:
            return math.inf if self.after == 0 else 0.0
        return self.before / self.after

    def to_dict(self):
        return {"finding": self.finding, "fix": self.fix, "flags": self.flags,
                "loss_before": self.before, "loss_after": self.after,
                "judged_on": self.judged_on, "gain": self.gain, "adopted": self.adopted,
                "note": self.note}


def _value(value):
    return f"{value:g}" if isinstance(value, float) else str(value).lower() \
        if isinstance(value, bool) else str(value)


def adopt(run, rows):
    """The run to keep: the adopted copy, or `run` itself with its best weights
    back when that was the fix, or `run` as it is (nothing adopted, nothing tried)."""
    chosen = next((a for a in rows if a.adopted), None)
    if chosen is None:
        return run
    if chosen.action == "restore-best":
        run.trainer.restore_best()
        return run
    return chosen.run


def _loss(run, split):
    """The loss now; with standardized targets, the squared loss in the targets'
    own units, so that a run that standardizes them is judged as the one that
    does not (its loss is smaller by the variance alone)."""
    ds = run.dataset
    if ds.y_scaler is None or run.net.loss != "squared":
        history = run.trainer.history["test_loss" if split == "test" else "loss"]
        return float(history[-1]) if len(history) else math.nan
    X, Y = (ds.X_test, ds.Y_test) if split == "test" else (ds.X, ds.Y)
    with np.errstate(over="ignore", invalid="ignore"):
        E = (run.net.predict(X) - Y) * ds.y_scaler.scale
        return float(0.5 * np.mean(np.sum(E * E, axis=1)))


def _flags(option):
    """How to apply the option by hand, as `tuinn train` flags."""
    return advice.render([advice.Option(option["text"], tuple(option["changes"].items()),
                                        option["action"], option["arg"])], "cli").rstrip(".")


def attempts(run, findings, epochs, progress=None, cancelled=None):
    """Try the first piece of advice of each finding that has one.  When
    `cancelled()` turns true, what was tried so far (the app is closing)."""
    out, trained = [], {}
    cancelled = cancelled or (lambda: False)
    for finding in findings:
        if cancelled():
            break
        if not finding.options:
            continue
        option = finding.options[0]
        split = "test" if finding.code in GENERALIZATION and run.dataset.X_test is not None \
            else "train"
        before = _loss(run, split)
        attempt = Attempt(finding.code, option["text"], _flags(option), before, None, split,
                          action=option["action"], changes=dict(option["changes"]))
        if progress:
            progress(f"trying: {option['text']}")
        if option["action"] == "restore-best":
            # The best weights are the best training loss seen: judged on it.
            best = run.trainer.best
            attempt.judged_on, attempt.before = "train", _loss(run, "train")
            if best:
                attempt.after = best[1]
                if run.dataset.y_scaler is not None and run.net.loss == "squared":
                    # `before` is in the targets' own units: so is the best, then.
                    restored = run.copy()
                    restored.trainer.restore_best()
                    attempt.after = _loss(restored, "train")
            attempt.note = f"the weights of epoch {best[0]}" if best else "no best yet"
            out.append(attempt)
            continue
        if not option["changes"] and option["action"] != "reinit":
            attempt.note = NOT_TRIED
            out.append(attempt)
            continue
        key = (tuple(sorted(option["changes"].items())), option["action"])
        if key not in trained:
            trained[key] = _train_copy(run, option, epochs, cancelled)
        copy = trained[key]
        if isinstance(copy, str):
            attempt.note = copy
            out.append(attempt)
            continue
        attempt.run, attempt.after, attempt.epochs = copy, _loss(copy, split), copy.epoch
        if copy.status.startswith("diverged"):
            attempt.note = copy.status
        out.append(attempt)
    proven = [a for a in out if a.gain >= PROVEN and not a.note.startswith("diverged")]
    if proven:
        max(proven, key=lambda a: a.gain).adopted = True
    return out


CHUNK_SECONDS = 0.05     # work per kernel call of a copy: a cancel is seen between them


def _train_copy(run, option, epochs, cancelled):
    """The run with the option's changes, trained from the start as long as the
    run was (or to the option's own epoch limit); a message if it cannot be."""
    spec = RunSpec.from_dict(run.spec.to_dict())
    try:
        for key, value in option["changes"].items():
            spec.set(key, value)
        if option["action"] == "reinit":
            spec.set("init.seed", spec.init.seed + 1)
        copy = Run(spec)
        total = spec.train.epochs if "train.epochs" in option["changes"] else epochs
        chunk = 10
        while copy.epoch < total and not copy.status.startswith("diverged"):
            if cancelled():
                return "stopped: the app closed"
            start = time.perf_counter()
            copy.train(min(chunk, total - copy.epoch))
            took = time.perf_counter() - start
            chunk = max(1, min(chunk * 4, int(chunk * CHUNK_SECONDS / took))) if took > 0 \
                else chunk * 4
    except (TuinnError, OSError) as exc:
        return str(exc)
    return copy


def format_table(rows):
    """The attempts as a fixed-width table."""
    if not rows:
        return "repair: no finding had advice to try"
    lines = [f"{'finding':<22}{'fix tried':<44}{'before':>11}{'after':>11}  adopted"]
    for a in rows:
        after = f"{a.after:.4g}" if a.after is not None else "—" if a.note == NOT_TRIED \
            else "failed"
        fix = a.fix if len(a.fix) <= 42 else a.fix[:41] + "…"
        lines.append(f"{a.finding:<22}{fix:<44}{a.before:>11.4g}{after:>11}  "
                     f"{'yes' if a.adopted else 'no'}"
                     + (f" ({a.judged_on} loss)" if a.judged_on == "test" else "")
                     + (f"  [{a.note}]" if a.note else ""))
        lines.append(f"{'':<22}{a.flags}")
    return "\n".join(lines)
