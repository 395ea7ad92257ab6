"""Experiments on copies of a run: the one way tuinn tries something before
it says what it does.  The diagnosis's second stage (`measure`, which
`Run.diagnose(experiments=seconds)` runs), `tuinn train --repair`, the app's
y / Y / u, `tuinn bench --advice` and `tuinn diagnose --weights` all use it.

Two kinds of copy, both on the same data and seeds:
- more epochs: the run's net and trainer, trained on (tuinn.diagnose.prognosis);
- a restart with a finding's advice: the run's spec with the advice's changes,
  trained from the start for as many epochs as the run had, so that the only
  difference is the advice.  "Go back to the best weights" needs no training:
  its loss is the best one seen.

A fix is proven when it lowers the loss that the finding is about (the test
loss for overfitting, else the training loss) at least PROVEN times; the one
that lowers it most is adopted.  The diagnosis then says what was measured:
a fix that helped (HELPED times or more) with its numbers, a fix that did not
no longer offered (but listed as tried), and a finding whose claim its fix
contradicts dropped.

Every experiment runs within a `Budget` of seconds: one that cannot finish in
time is not judged, and says so.
"""

import dataclasses
import math
import time

import numpy as np

from tuinn.diagnose import Findings, advice
from tuinn.diagnose.prognosis import in_chunks
from tuinn.errors import TuinnError
from tuinn.runs.spec import RunSpec

PROVEN = 2.0
HELPED = 1.1        # a fix that lowers the loss less than this did not help: not advised
# Seconds `tuinn train` gives the experiments by default: every preset's fit
# in them on a 2-core machine.
DEFAULT_SECONDS = 3.0
# Findings whose message is the claim that their advice helps ("the rate is far
# too small"): when none of it, tried, helps, the claim is wrong and the finding
# is dropped.  Others state what they see, which stays true.
CLAIMS_ITS_ADVICE = ("lr-too-small", "penalty-dominates")
# Of the budget, the share the diagnosis's own experiments (more epochs, a rule's
# test) may take before the advice is tried.
FAST_SHARE = 0.5


class Budget:
    """Seconds for experiments, and a way to stop them early (`cancelled()`)."""

    def __init__(self, seconds, cancelled=None):
        self.seconds = max(0.0, float(seconds))
        self.began = time.perf_counter()
        self._cancelled = cancelled or (lambda: False)

    def left(self):
        return self.seconds - (time.perf_counter() - self.began)

    def cancelled(self):
        return self._cancelled()
NOT_TRIED = "no setting to try by itself"
# A fix that changes no setting, named in a proof's sentence (its option's text
# is advice, which read "Tried on a copy, Nothing to do unless...").
ACTION_WORDS = {"reinit": "new initial weights"}
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
    diverged: bool = False  # the copy blew up (its status is the note)
    action: str | None = None
    run: object = None      # the trained copy (None for restore-best)
    adopted: bool = False
    changes: dict = dataclasses.field(default_factory=dict)   # the settings the fix sets
    epochs: int = 0         # the copy trained this many epochs
    seconds: float = 0.0    # the copy's training took this long
    option: int = 0         # which of the finding's options it is

    @property
    def proven(self):
        return self.gain >= PROVEN and not self.diverged

    @property
    def helped(self):
        return self.gain >= HELPED and not self.diverged

    def proof(self):
        """The fix and its result in one line, as the app shows it: "lr 0.5:
        loss 0.000818 after 1,000 epochs, against 2.66e+04 now"."""
        what = ", ".join(f"{key.rpartition('.')[2]} {_value(value)}"
                         for key, value in self.changes.items()) \
            or ACTION_WORDS.get(self.action, self.fix)
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
                "changes": self.changes, "action": self.action, "epochs": self.epochs,
                "loss_before": self.before, "loss_after": self.after,
                "judged_on": self.judged_on, "gain": self.gain, "adopted": self.adopted,
                "seconds": self.seconds, "note": self.note}


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
    return advice.render([_option(option)], "cli").rstrip(".")


def attempts(run, findings, epochs, progress=None, cancelled=None, budget=None, baseline=None,
             every_option=False):
    """Try the first piece of advice of each finding that has one (every piece,
    with `every_option`), within the budget (none: as long as it takes).  When
    `cancelled()` turns true, what was tried so far (the app is closing).
    baseline: the run to judge the fixes against when it is not `run` itself
    (a copy trained as long)."""
    out, trained = [], {}
    budget = budget or Budget(math.inf, cancelled)
    for finding in findings:
        split = "test" if finding.code in GENERALIZATION and run.dataset.X_test is not None \
            else "train"
        for index, option in enumerate(finding.options if every_option else finding.options[:1]):
            if budget.cancelled():
                break
            before = _loss(baseline or run, split)
            attempt = Attempt(finding.code, option["text"], _flags(option), before, None, split,
                              action=option["action"], changes=dict(option["changes"]),
                              option=index)
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
                trained[key] = _train_copy(run, option, epochs, budget)
            copy, attempt.seconds = trained[key]
            if isinstance(copy, str):
                attempt.note = copy
                out.append(attempt)
                continue
            attempt.run, attempt.after, attempt.epochs = copy, _loss(copy, split), copy.epoch
            if copy.status.diverged:
                attempt.note, attempt.diverged = copy.status, True
            out.append(attempt)
    proven = [a for a in out if a.proven]
    if proven:
        max(proven, key=lambda a: a.gain).adopted = True
    return out



def _train_copy(run, option, epochs, budget):
    """(the run with the option's changes, trained from the start as long as the
    run was (or to the option's own epoch limit), seconds); a message in place
    of the run when it cannot be, or not within the budget."""
    began = time.perf_counter()
    spec = RunSpec.from_dict(run.spec.to_dict())
    try:
        for key, value in option["changes"].items():
            spec.set(key, value)
        if option["action"] == "reinit":
            spec.set("init.seed", spec.init.seed + 1)
        copy = type(run)(spec)
        why = _train_within(copy, spec.train.epochs if "train.epochs" in option["changes"]
                            else epochs, budget)
    except (TuinnError, OSError) as exc:
        why = str(exc)
    return (why or copy), time.perf_counter() - began


def _train_within(run, total, budget):
    """Train `run` up to epoch `total` (prognosis.in_chunks): '' when done (or
    diverged), else why it stopped (cancelled, or the budget would not last)."""
    first, began = run.epoch, time.perf_counter()
    in_chunks(run.train, total - first, budget.left(), budget.cancelled, foresee=True)
    if run.epoch >= total or run.status.diverged:
        return ""
    if budget.cancelled():
        return "stopped before it finished"
    per_epoch = (time.perf_counter() - began) / max(run.epoch - first, 1)
    return (f"not judged: {total - first:,} epochs would take about "
            f"{per_epoch * (total - first):.2g} s, more than the time left for experiments")


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


def measure(run, surface="api", seconds=3.0, cancelled=None):
    """The diagnosis of `run` in two stages: the fast checks propose, the
    experiments on copies settle, within `seconds`.  First more epochs (the
    prognosis, at most PROGNOSIS_SHARE of the time), then each finding's first
    advice.  The findings say what was measured; `.continuation` and
    `.attempts` keep the experiments themselves."""
    budget = Budget(seconds, cancelled)
    findings = run.fast_diagnose(surface, experiments=FAST_SHARE * budget.seconds,
                                 cancelled=budget.cancelled)
    # Weights from elsewhere have no epochs here: each fix is trained the run's
    # epoch limit, against a copy trained as long from the weights as they are.
    epochs, baseline = run.epoch, None
    if epochs == 0:
        epochs = run.spec.train.epochs
        baseline = _trained_copy(run, epochs, budget)
    tried = attempts(run, findings, epochs, budget=budget, baseline=baseline,
                     every_option=True) \
        if budget.left() > 0 and (baseline is not None or run.epoch) else []
    return settle(findings, tried, surface)


def _trained_copy(run, epochs, budget):
    """A copy of the run trained `epochs` more, or None when the budget does not
    allow it."""
    copy = run.copy()
    return None if _train_within(copy, copy.epoch + epochs, budget) else copy


def settle(findings, tried, surface):
    """The findings rewritten from what their advice did on copies: a proven fix
    is said with its numbers; a fix that did not help is no longer offered (its
    trial is in the evidence); a finding whose claim is its advice's effect is
    dropped when none of that advice, tried, helped."""
    out = Findings()
    out.stability, out.health = findings.stability, findings.health
    out.continuation, out.attempts, out.dropped = findings.continuation, list(tried), []
    for finding in findings:
        judged = {a.option: a for a in tried if a.finding == finding.code
                  and a.after is not None and a.action != "restore-best"}
        if not judged:
            out.append(finding)
            continue
        helped = [judged[i] for i in sorted(judged) if judged[i].helped]
        failed = [judged[i] for i in sorted(judged) if not judged[i].helped]
        evidence = finding.evidence | {"tried": [a.to_dict() for a in judged.values()]}
        if not helped and finding.code in CLAIMS_ITS_ADVICE:
            out.dropped.append(dataclasses.replace(finding, evidence=evidence,
                                                   basis="measured"))
            continue
        kept = tuple(o for i, o in enumerate(finding.options)
                     if i not in judged or judged[i].helped)
        message = finding.message
        if helped:
            message += " Measured on a copy: " + "; ".join(a.proof() for a in helped) + "."
        if failed:
            message += (" Tried on a copy, " + "; ".join(a.proof() for a in failed)
                        + (": it did not help, so it is not advised." if len(failed) == 1
                           else ": they did not help, so they are not advised."))
        out.append(dataclasses.replace(
            finding, message=message, evidence=evidence, options=kept,
            advice=advice.render([_option(o) for o in kept], surface), basis="measured"))
    return out


def _option(option):
    return advice.Option(option["text"], tuple(option["changes"].items()), option["action"],
                         option["arg"])


def experiments_done(findings):
    """The experiments behind `findings` (from `measure`), JSON-ready: what
    changed, its epochs, the loss before and after, and the seconds."""
    out = []
    copy = findings.continuation
    if copy is not None:
        out.append({"experiment": "more epochs", "changes": {},
                    "epochs": copy.epochs, "of_epochs": copy.asked,
                    "loss_before": copy.best_before, "loss_after": copy.best_after,
                    "test_loss_before": copy.test_before, "test_loss_after": copy.test_after,
                    "seconds": copy.seconds, "complete": copy.complete})
    for a in getattr(findings, "attempts", ()):
        out.append({"experiment": "advice", **a.to_dict()})
    return out
