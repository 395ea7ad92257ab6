"""Why a network is not learning, in plain words, with the evidence and the fix.

`diagnose(net, trainer, X, Y)` looks at the weights, the kernel's per-unit
statistics, the loss history and (when given) the test set, and returns
findings, problems first.  The rules live in `rules`, one function per topic;
this module holds the Finding, the Case they read, and the loop that runs
them so that one rule that fails never hides the others.

A Case computes its costly evidence only when a rule asks for it: the
curvature of the loss (`curvature`: a handful of gradient passes) when the
history suggests the learning rate is at fault or progress has stopped, and
the linear and flexible yardsticks (`reach`: least-squares fits, cached per
data set) when a rule compares the net with what a model could reach.
"""

import dataclasses
import functools
import math
import time
import weakref

import numpy as np

from tuinn.data import accuracy, mean_square
from tuinn.diagnose import advice, curvature, prognosis, reach, rules
from tuinn.diagnose.rules import progress, rate
from tuinn.diagnose.health import COVARIANCE_UNITS, health_from_stats
from tuinn.engine import Net, penalties

SEVERITIES = ("problem", "warning", "info")
# A loss this many times its best, and rising, explodes.
EXPLODED = 10.0
# Of the experiments' seconds, the share more epochs (the prognosis) may take.
PROGNOSIS_SHARE = 0.6
# Every finding's code: stable names, for scripts and lesson files (docs/diagnosis.md).
CODES = rules.CODES
# Warnings that explain a loss that stopped falling.
EXPLAIN = {"dead-units", "saturated-units", "duplicate-units", "linear-collapse",
           "saturated-output", "penalty-dominates", "outliers",
           "uncovered-region", "oscillating", "unstable-rate", "ordered-data",
           "unscaled-targets"}


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    severity: str          # "problem" | "warning" | "info"
    message: str           # what happens, with the numbers
    advice: str            # what to change, worded for the surface
    evidence: dict         # the numbers behind it, JSON-ready
    units: tuple = ()      # hidden units concerned (0-based)
    options: tuple = ()    # the advice as data: {"text", "changes", "action"} per option
    # What its claim about a change (more epochs, another setting) rests on:
    # "measured" on a copy of the run, or "estimated"; "observed" for a finding
    # that states only what the run is now.
    basis: str = "observed"

    def to_dict(self):
        return dataclasses.asdict(self)

    @property
    def headline(self):
        """Its message's first clause: what it is about, in one short line."""
        message = self.message
        cut = min((i for i in (message.find(sep) for sep in (". ", ": ", "; ")) if i > 0),
                  default=len(message))
        return message[:cut].rstrip(".")


class Findings(list):
    """The findings; the learning rate's stability limit when it was computed, and
    the unit health they were drawn from (so that callers need not measure it again)."""
    stability = None
    health = None
    continuation = None     # more epochs measured on a copy (prognosis.Continuation)


class Case:
    """What the rules look at: the run, its data and the evidence computed on demand."""

    def __init__(self, net, trainer, X, Y, X_test, Y_test, max_epochs, surface, spec,
                 continuation=None, lab=None):
        self.net, self.trainer, self.settings = net, trainer, trainer.settings
        # More epochs of a copy (prognosis.Continuation), or None: not measured.
        self.continuation = continuation
        # (seconds left, cancelled) for a rule's own experiment on copies, or None.
        self.lab = lab
        self.X, self.Y, self.X_test, self.Y_test = X, Y, X_test, Y_test
        self.max_epochs, self.surface, self.spec = max_epochs, surface, spec
        history = trainer.history
        self.loss = np.asarray(history["loss"], dtype=float)
        test = np.asarray(history["test_loss"], dtype=float)
        self.test_loss = test[np.isfinite(test)] if len(test) else test
        self.test_start = len(test) - len(self.test_loss)   # first epoch with a test loss
        self.status = trainer.status
        self.epochs = len(self.loss) - 1
        covariance = net.n_hidden <= COVARIANCE_UNITS
        self.health = health_from_stats(net, net.unit_stats(X, covariance=covariance))
        self.O = net.predict(X)
        self.mse = mean_square(self.O - Y)
        self.classify = net.output in ("sigmoid", "softmax") and bool(
            np.all((Y == 0) | (Y == 1)))
        self.variance = float(np.mean(np.var(Y, axis=0)))
        self.findings = []
        self.rule = None        # the rule running: what it may read and write
        self._as_is = None      # the run trained afresh as it is, for every restart

    # ------------------------------------------------------------ evidence on demand

    @functools.cached_property
    def sharp(self):
        """The curvature and stability limit now, or None when they cannot be had."""
        try:
            return curvature.sharpness(self.net, self.trainer, self.X, self.Y, self.net.names())
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return None

    @functools.cached_property
    def plain_sharp(self):
        """λmax of the Hessian itself (for Adam and RMSprop the preconditioned one
        is `sharp`): what one well-sized plain step could gain."""
        if self.settings["optimizer"] not in ("adam", "rmsprop"):
            return self.sharp
        try:
            return curvature.sharpness(self.net, self.trainer, self.X, self.Y,
                                       self.net.names(), precondition=False)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return None

    @functools.cached_property
    def gradient(self):
        return self.net.gradient_function(self.X, self.Y, *penalties(self.settings))(self.net.theta)

    @functools.cached_property
    def sharp_at_best(self):
        """The curvature at the best weights seen: after a blow-up the last weights
        are far out, and only the start of the trouble tells which rate is safe."""
        best = getattr(self.trainer, "best_theta", None)
        if best is None or np.array_equal(best, self.net.theta):
            return self.sharp
        twin = self.net.copy()
        twin.theta[:] = best
        try:
            return curvature.sharpness(twin, self.trainer, self.X, self.Y, twin.names())
        except (ArithmeticError, ValueError, np.linalg.LinAlgError):
            return None

    def safe_rate(self, fallback):
        """A round rate under half the stability limit at the best weights and at
        most the rate in force divided by `fallback`."""
        lower = advice.round_below(self.settings["lr"] / fallback)
        sharp = self.sharp_at_best
        if sharp is not None and math.isfinite(sharp.limit):
            return min(advice.round_below(sharp.limit / 2), lower)
        return lower

    @functools.cached_property
    def exploding(self):
        """The loss is EXPLODED times its best or more and rose in each of the last
        5 epochs: each step overshoots."""
        loss = self.loss
        return bool(len(loss) >= 6 and np.all(np.isfinite(loss))
                    and loss[-1] >= EXPLODED * float(np.min(loss))
                    and np.all(np.diff(loss[-5:]) > 0))

    @property
    def blown_up(self):
        return self.status.diverged or self.exploding

    def lower_rate(self):
        """The one lower rate every finding of this run advises: a tenth after a
        blow-up, else a half, and under half the stability limit when known."""
        return self.safe_rate(10 if self.blown_up else 2)

    def reinit(self, text="Start from other initial weights"):
        """The advice to draw new initial weights: another seed, or, for weights
        given by hand (a preset's), a drawn scheme, since a seed does nothing there."""
        if self.spec is None:
            return advice.Option(text, action="reinit")
        if self.spec.init.scheme == "manual":
            return advice.Option(text, [advice.change("init.scheme", "glorot")], "restart")
        return advice.Option(text, [advice.change("init.seed", self.spec.init.seed + 1)],
                             "restart")

    @functools.cached_property
    def best_curve(self):
        """The best loss so far, epoch by epoch."""
        return np.minimum.accumulate(self.loss)

    @property
    def measured(self):
        """Whether more epochs were measured on a copy, long enough to stand for
        the prognosis."""
        return self.continuation is not None and self.continuation.measured

    @functools.cached_property
    def gain(self):
        """By what factor 10x more epochs lower the best loss: as a copy measured
        it, else from the trend of the run (progress.gain_of_more_epochs)."""
        if self.measured:
            return self.continuation.gain
        return progress.gain_of_more_epochs(self.best_curve)

    def switch(self, epochs=None, **changes):
        """Two copies of the run trained `epochs` more (as many again by default),
        as it is and with the trainer setting `changes` (prognosis.switch_copy);
        None without experiments or time."""
        if self.lab is None:
            return None
        deadline, cancelled = self.lab
        return prognosis.switch_copy(self.net, self.trainer, self.X, self.Y, changes,
                                     deadline - time.perf_counter(), cancelled, epochs)

    @property
    def init_drawn(self):
        """(scheme, seed, scale) of a fresh start like the run's: its own drawn
        scheme, glorot for weights given by hand."""
        init = None if self.spec is None else self.spec.init
        if init is None:
            return "glorot", 0, 0.01
        if init.scheme == "manual":
            return "glorot", init.seed, init.scale
        return init.scheme, init.seed, init.scale

    def fresh_net(self, units=None, hidden=None, loss=None, seed=None):
        """The net at the run's start (the trainer's record of it, its weights
        given by hand, or drawn again by its scheme and seed), with another
        shape, activation, loss or seed."""
        net, init = self.net, None if self.spec is None else self.spec.init
        twin = Net(net.n_in, net.n_hidden if units is None else units, net.n_out,
                   hidden or net.hidden, net.output, loss or net.loss)
        start = getattr(self.trainer, "start_theta", None)
        same = units is None and seed is None
        if same and start is not None and start.shape == twin.theta.shape:
            twin.theta[:] = start
        elif same and init is not None and init.scheme == "manual" and init.weights:
            twin.set_weights(**init.weights)
        else:
            scheme, drawn, scale = self.init_drawn
            twin.init(scheme, seed=drawn if seed is None else seed, scale=scale)
        return twin

    def restart(self, change, **variant):
        """The run trained afresh as it is and with one change, for its epochs
        (prognosis.restart_pair); None without experiments or time."""
        if self.lab is None or self.epochs < 1 or self.status.diverged:
            return None
        deadline, cancelled = self.lab
        seed = 0 if self.spec is None else self.spec.data.seed
        if self._as_is is None:
            # Trained once, for every rule's restart: half the time left at most.
            self._as_is = prognosis.train_fresh(
                self.fresh_net(), self.trainer, self.X, self.Y, self.epochs,
                (deadline - time.perf_counter()) / 2, cancelled, seed)
        return prognosis.restart_pair(self.fresh_net, self.trainer, self.X, self.Y, change,
                                      self.epochs, deadline - time.perf_counter(), cancelled,
                                      shuffle_seed=seed, as_is=self._as_is, **variant)

    def prognosis_words(self):
        """What the prognosis rests on, for a finding's message."""
        if self.measured:
            return self.continuation.words()
        # How uncertain the trend is: what its last half and its last tenth say.
        wide, recent = (progress.gain_of_more_epochs(self.best_curve, share)
                        for share in (0.5, 0.1))
        low, high = sorted((wide, recent))
        spread = (f"{low:.2g}x" if high < 1.05 * low else f"{low:.2g}x to {high:.2g}x")
        copy = self.continuation
        partial = "" if copy is None else (
            f"; a copy trained only {copy.factor:.2g}x the epochs in the time allowed, to a "
            f"loss of {copy.best_after:.4g}")
        return (f"by the trend of the last quarter of the run (an estimate, not measured: "
                f"the trend over other stretches of the run says {spread}{partial})")

    @functools.cached_property
    def span(self):
        """(start, end) of the loss's ups and downs, end None while they go on
        (rate.oscillation)."""
        return rate.oscillation(self.loss)

    @functools.cached_property
    def linear(self):
        return _yardstick("linear", self.X, self.Y, self.classify)

    @functools.cached_property
    def flexible(self):
        return _yardstick("flexible", self.X, self.Y, self.classify)

    @functools.cached_property
    def one_column(self):
        return _yardstick("one_column", self.X, self.Y, self.classify)

    @property
    def small(self):
        """Too few rows for leave-one-out scores to mean much: use training scores."""
        return len(self.X) < 30

    def underfits(self):
        """The net fits its training rows clearly worse than a flexible model fits
        rows it has not seen: more capacity (or a better start) would help.  Not
        when the targets lie beyond the output's range: that floor no net passes."""
        if self.net.output == "tanh" and float(np.max(np.abs(self.Y))) > 1:
            return False
        flex = self.flexible
        if self.classify:
            theirs = flex.train_accuracy if self.small else flex.held_out_accuracy
            return accuracy(self.O, self.Y) < theirs - 0.05
        theirs = flex.train_mse if self.small else flex.held_out_mse
        return self.mse > 1.5 * theirs + 1e-3 * self.variance

    # ------------------------------------------------------------ advice

    def current(self, key):
        """The value of a setting in this run, or None when the case cannot tell."""
        section, _, name = key.partition(".")
        if section == "train" and name in self.settings:
            return self.settings[name]
        model = {"model.hidden_units": self.net.n_hidden, "model.activation": self.net.hidden,
                 "model.output": self.net.output, "model.loss": self.net.loss}
        if key in model:
            return model[key]
        if self.spec is not None:
            return self.spec.get(key)
        return None

    @functools.cached_property
    def at_best(self):
        """Whether the weights are the best the trainer has seen (after b)."""
        best = getattr(self.trainer, "best_theta", None)
        return best is not None and np.array_equal(best, self.net.theta)

    def finding(self, code, severity, message, options, evidence, units=(), basis="observed"):
        if code not in CODES:
            raise ValueError(f"finding code {code!r} is not in findings.CODES: declare it by "
                             "its rule (rules.ALL) and in docs/diagnosis.md")
        if self.rule is not None and code not in self.rule.writes:
            # Lessons and scripts name codes: each is declared once, by its rule.
            raise ValueError(f"finding code {code!r} is not one that rule {self.rule.name} "
                             "declares (rules.ALL); declare it there and in docs/diagnosis.md")
        options = tuple(options)
        options = advice.pending(options, self.current, self.at_best)
        return Finding(code, severity, message, advice.render(options, self.surface), evidence,
                       tuple(int(u) for u in units), tuple(o.to_dict() for o in options), basis)

    def read(self):
        """The findings of the other rules that the running rule declared it reads."""
        reads = () if self.rule is None else self.rule.reads
        return [f for f in self.findings if f.code in reads]

    def has(self, *codes):
        undeclared = [c for c in codes if self.rule is not None and c not in self.rule.reads]
        if undeclared:
            raise ValueError(f"rule {self.rule.name} reads {undeclared} without declaring it "
                             "(rules.ALL)")
        return any(f.code in codes for f in self.read())

    def troubled(self):
        """A finding it reads explains why the loss stopped falling: a problem, or
        a warning about the units, the model or the steps (not, say, scale alone)."""
        return any(f.severity == "problem" or (f.severity == "warning" and f.code in EXPLAIN)
                   for f in self.read())

    def warned(self):
        return any(f.severity in ("problem", "warning") for f in self.read())


# The yardsticks depend on the data only: the app asks every frame, so keep the
# last few, by the data arrays themselves (a run never changes its arrays in
# place; a weak reference tells a new array from an old one at the same address).
_YARDSTICKS = {}


def _yardstick(kind, X, Y, classify):
    key = (kind, id(X), id(Y), classify)
    cached = _YARDSTICKS.get(key)
    if cached is None or cached[0]() is not X or cached[1]() is not Y:
        if len(_YARDSTICKS) >= 16:
            _YARDSTICKS.pop(next(iter(_YARDSTICKS)))
        cached = _YARDSTICKS[key] = (weakref.ref(X), weakref.ref(Y),
                                     getattr(reach, kind)(X, Y, classify))
    return cached[2]


# ---------------------------------------------------------------- together

def diagnose(net, trainer, X, Y, *, X_test=None, Y_test=None, max_epochs=None, surface="api",
             spec=None, curvature_always=False, experiments=0.0, cancelled=None):
    """Findings about `net` trained by `trainer` on (X, Y), problems first.

    X_test, Y_test: the test set, for the generalization findings.
    max_epochs: the epoch limit of the run (for "still improving").
    surface: "app", "cli" or "api", how the advice is worded.
    spec: the RunSpec, so advice knows the data and init settings in force.
    curvature_always: compute the stability limit even when no rule needs it.
    experiments: seconds for measuring on copies what more epochs do
        (prognosis.continue_copy, at most PROGNOSIS_SHARE of them) and what the
        rules' own experiments do; 0 states those claims as estimates.
    cancelled: stops the experiments early when it turns true.
    """
    if surface not in advice.SURFACES:
        raise ValueError(f"surface must be one of {', '.join(advice.SURFACES)}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = _rows(Y, len(X))
    if X_test is not None:
        X_test = np.ascontiguousarray(X_test, dtype=np.float64)
        Y_test = _rows(Y_test, len(X_test))
    out = Findings()
    continuation = lab = None
    if experiments > 0 and hasattr(trainer, "snapshot"):
        deadline = time.perf_counter() + experiments
        continuation = prognosis.continue_copy(net, trainer, X, Y, X_test, Y_test,
                                               PROGNOSIS_SHARE * experiments, cancelled)
        lab = (deadline, cancelled)
    out.continuation = continuation
    # A run far out (weights of 1e150, a loss of 1e300) overflows in places; the
    # rules read inf as what it is, and numpy's warnings would only be noise.
    with np.errstate(all="ignore"):
        try:
            case = Case(net, trainer, X, Y, X_test, Y_test, max_epochs, surface, spec,
                        continuation, lab)
        except Exception as exc:   # noqa: BLE001 - the diagnosis never takes the caller down
            out.append(_failed("the units and the fit", exc))
            return out
        for rule in rules.ALL:
            case.rule = rule
            try:
                case.findings += rule(case)
            except Exception as exc:   # noqa: BLE001 - one rule's failure hides no other
                case.findings.append(_failed(rule.name, exc))
        case.rule = None
        out.health = case.health
        if curvature_always or "sharp" in case.__dict__:
            out.stability = case.sharp
        elif "sharp_at_best" in case.__dict__:
            out.stability = case.sharp_at_best
    out.extend(sorted(case.findings, key=lambda f: SEVERITIES.index(f.severity)))
    return out


def _rows(Y, n):
    """Y as float64 rows, the very array given when it already is: the
    yardsticks are kept per data array, and a new view of the same targets at
    every call (the app's every frame) would fit them again each time."""
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    return Y if Y.ndim == 2 and len(Y) == n else Y.reshape(n, -1)


def _failed(what, exc):
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return Finding("diagnosis-incomplete", "info",
                   f"Could not check {what}: {reason[:200]}.",
                   "The other findings still hold; this one needs a smaller or finite run.",
                   {"check": what, "error": type(exc).__name__})

