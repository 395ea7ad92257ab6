"""The diagnosis rules: each takes a Case (tuinn.diagnose.findings) and returns
its findings.  `ALL` runs them in order; later rules read what earlier ones
found (a slow fall that a dead layer explains is not blamed on the rate).

The codes, stable for scripts:
  symmetry, all-units-dead, dead-units, saturated-units, linear-on-data,
  duplicate-units           unit health (docs/math.md#unit-health)
  saturated-output          a sigmoid / tanh output flat where it is wrong
  linear-collapse           the net is linear and that costs something
  uncovered-region          1-D ReLU nets: inputs where no unit is active
  constant-inputs, unscaled-inputs, unscaled-targets, targets-out-of-range,
  ordered-data              the data
  penalty-dominates         an L2 or L1 penalty that may hold the fit back
  overfitting, leakage, leaking-input, majority-class, small-test-set,
  more-weights-than-rows    generalization
  diverged, exploding, unstable-rate, oscillating
                            the learning rate against the loss's curvature
  converged, still-improving, lr-too-small, stalled, underfitting
                            progress, judged relative to the loss
  diagnosis-incomplete      a rule could not run (its one-line reason)
"""

import math

import numpy as np

from tuinn.activations import HIDDEN
from tuinn.data import accuracy
from tuinn.diagnose.advice import Option, change, round_below
from tuinn.diagnose.health import DUPLICATE, SATURATED

SCALE_LIMIT = 10.0         # an input whose |mean| or spread exceeds this is not "order 1"
OFFSET_LIMIT = 100.0       # |mean| / spread beyond this: the spread is lost in the offset
SPREAD_RATIO = 100.0       # largest / smallest input spread beyond this: badly conditioned
WINDOW = 100               # recent epochs looked at for ups and downs
RISE_SHARE = 0.2           # share of epochs that rise, from which the loss oscillates
SLOW_PRODUCT = 1e-3        # lr * λmax below this: steps far smaller than the surface allows
FLAT_GAIN = 1.1            # 10x more epochs lowering the loss by less than this: flat
GAP_VARIATION = 0.05       # share of the targets' variance a flat stretch cannot follow
FIT_SHARE = 0.05           # mse under this share of the targets' variance: a fit their scale
                           # did not hold back
PENALTY_GAIN = 1.5         # a penalty 10x weaker lowering the data loss this much holds it back
LEAK_SCORE = 0.999         # held-out R² (or accuracy) of one column alone that is a leak


def _g(x):
    return f"{x:.3g}"


def _units(indices):
    indices = [int(i) for i in indices]
    word = "Unit" if len(indices) == 1 else "Units"
    shown = ", ".join(str(i) for i in indices[:8]) + (", …" if len(indices) > 8 else "")
    return f"{word} {shown}"


def _is(n):
    return "is" if n == 1 else "are"


# ---------------------------------------------------------------- the hidden units

def symmetry(case):
    """the symmetry of the hidden units: identical units stay identical"""
    net = case.net
    if net.n_hidden < 2:
        return []
    cols = np.vstack([net.W1, net.b1[None, :], net.W2.T])
    if not np.all(cols == cols[:, :1]):
        return []
    return [case.finding(
        "symmetry", "problem",
        f"All {net.n_hidden} hidden units are identical (the same weights in and out). They "
        "started identical (zeros or a constant init), and identical units get identical "
        "gradients from every batch: they never become different, and the net has the "
        "power of one unit.",
        [Option("Start from random weights", [change("init.scheme", "glorot")], "restart")],
        {"hidden_units": net.n_hidden}, range(net.n_hidden))]


def units(case):
    """the hidden units' health: dead, saturated, linear or duplicated units"""
    if case.has("symmetry"):
        return []
    return _dead(case) + _saturated(case) + _linear_units(case) + _duplicates(case)


def _dead(case):
    net, health = case.net, case.health
    dead = [u["index"] for u in health if {"dead", "off"} & set(u["flags"])]
    if not dead:
        return []
    fixes = [Option("Lower the learning rate and start again",
                    [change("train.lr", case.lower_rate())], "restart"),
             Option("Use leaky_relu, whose units never stop learning",
                    [change("model.activation", "leaky_relu")])]
    if HIDDEN[net.hidden].dies and len(dead) == net.n_hidden:
        b2, mean, constant = net.b2, case.Y.mean(axis=0), case.O[0]
        shown = ", ".join(_g(v) for v in b2)
        what = f"b2 = {shown}" if net.output == "linear" else \
            f"{', '.join(_g(v) for v in constant)} ({net.output} of b2 = {shown})"
        at_mean = bool(np.allclose(constant, mean, rtol=1e-3, atol=1e-3))
        where = ("gradient descent set it to the mean target "
                 f"{', '.join(_g(v) for v in mean)}, the best a constant can do" if at_mean else
                 f"the best constant would be the mean target {', '.join(_g(v) for v in mean)}")
        return [case.finding(
            "all-units-dead", "problem",
            f"All {net.n_hidden} hidden units are dead, so the network outputs the constant "
            f"{what} for every input; {where}. A dead ReLU gets no gradient from any row and "
            "cannot come back.",
            fixes, {"b2": b2.tolist(), "output": constant.tolist(), "mean_target": mean.tolist()},
            dead)]
    return [case.finding(
        "dead-units", "warning",
        f"{_units(dead)} {_is(len(dead))} dead: off on every training row, so a dead ReLU "
        "gets no gradient from any row and cannot come back.",
        fixes, {"dead": dead, "active": [u["active"] for u in health]}, dead)]


def _inputs_scaled(X):
    return bool(np.all(np.maximum(np.abs(X.mean(axis=0)), X.std(axis=0)) <= SCALE_LIMIT))


def _saturated(case):
    net, health = case.net, case.health
    saturated = [u["index"] for u in health if "saturated" in u["flags"]]
    if not saturated:
        return []
    limit = SATURATED * HIDDEN[net.hidden].peak_slope
    worst = max(health[j]["mean_deriv"] for j in saturated)
    big = float(np.max(np.abs(net.W1)))
    loss = case.loss
    blew_up = len(loss) > 1 and float(np.max(loss)) > 2 * float(loss[0])
    if not _inputs_scaled(case.X):
        why = "the inputs are far from order 1, so the weighted sums are large"
        options = [Option("Standardize the inputs", [change("data.standardize_inputs", True)])]
    elif blew_up:
        why = (f"the inputs are of order 1, but the learning rate blew the first-layer weights "
               f"up (largest |W1| = {_g(big)}) while the loss rose to {_g(float(np.max(loss)))}")
        options = [Option("Lower the learning rate and start again",
                          [change("train.lr", case.lower_rate())], "restart")]
    else:
        why = f"the first-layer weights are large (largest |W1| = {_g(big)})"
        options = [Option("Start from smaller weights", [change("init.scheme", "glorot")],
                          "restart"),
                   Option("Lower the learning rate",
                          [change("train.lr", case.lower_rate())], "restart")]
    solved = case.classify and accuracy(case.O, case.Y) == 1.0
    if solved:
        options = []
    return [case.finding(
        "saturated-units", "info" if solved else "warning",
        f"{_units(saturated)} of {net.n_hidden} {_is(len(saturated))} saturated: the "
        f"{net.hidden} sits flat (mean derivative at most {_g(worst)}, under {_g(limit)}), "
        f"so almost no gradient passes through. Why: {why}."
        + (" The net already classifies every training row, so this only slows further "
           "learning." if solved else ""),
        options, {"saturated": saturated, "mean_deriv": [u["mean_deriv"] for u in health],
                  "limit": limit, "largest_w1": big, "loss_blew_up": blew_up}, saturated)]


def _linear_units(case):
    net, health = case.net, case.health
    linear = [u["index"] for u in health if "linear-on-data" in u["flags"]]
    if not linear or len(linear) == net.n_hidden:     # all of them: linear-collapse says it
        return []
    return [case.finding(
        "linear-on-data", "info",
        f"{_units(linear)} {_is(len(linear))} active on every row: never bending inside the "
        "data, such a unit adds nothing a linear model could not.",
        [Option("Nothing to do unless the fit needs more bends; new initial weights move "
                "the bends", action="reinit")],
        {"linear_on_data": linear}, linear)]


def _duplicates(case):
    net, health = case.net, case.health
    dupes = [u for u in health if u["duplicate_of"] is not None]
    if not dupes or net.hidden == "linear":     # linear units: linear-collapse says more
        return []
    pairs = ", ".join(f"{u['index']} repeats {u['duplicate_of']}" for u in dupes[:6])
    distinct = net.n_hidden - len(dupes)
    message = (f"{len(dupes)} of {net.n_hidden} units repeat another ({pairs}): their "
               f"activations move together (correlation {DUPLICATE} or more), so the net "
               f"has the power of {distinct} distinct unit{'s' if distinct != 1 else ''}.")
    span = case.span
    unsettled = span is not None and span[1] is None      # oscillating now: not settled
    if (case.gain >= FLAT_GAIN and not case.status.startswith("diverged")) or unsettled \
            or _too_slow(case):
        return [case.finding(
            "duplicate-units", "info", message + " The loss is still falling, so they may "
            "yet part.", [], {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes},
                              "still_improving": True}, [u["index"] for u in dupes])]
    if case.underfits():
        scale = case.current("init.scale")
        return [case.finding(
            "duplicate-units", "warning",
            message + " It also fits worse than a flexible model could: the copies are "
            "capacity it needs. Break the symmetry rather than remove units.",
            [case.reinit(),
             Option("Start from larger, more varied weights",
                    [change("init.scheme", "small"),
                     change("init.scale", max(0.5, 4 * (scale or 0.1)))], "restart")],
            {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes},
             "underfits": True}, [u["index"] for u in dupes])]
    return [case.finding(
        "duplicate-units", "info", message + " The fit is as good as a flexible model's, so "
        "fewer units would learn as well and faster.",
        [Option("Use fewer units", [change("model.hidden_units", max(1, distinct))],
                "restart")],
        {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes}, "underfits": False},
        [u["index"] for u in dupes])]


def saturated_output(case):
    """the output units: a sigmoid or tanh output stuck flat where it is wrong"""
    net = case.net
    if net.output not in ("sigmoid", "tanh") or net.loss != "squared" or (
            net.output == "tanh" and float(np.max(np.abs(case.Y))) > 1):
        return []       # out of a tanh's reach: targets-out-of-range says it
    O, Y = case.O, case.Y
    slope = O * (1 - O) / 0.25 if net.output == "sigmoid" else 1 - O * O
    wrong = np.abs(O - Y) > 0.25 * (1.0 if net.output == "sigmoid" else 2.0)
    stuck = wrong & (slope < SATURATED)
    rows = int(np.count_nonzero(stuck.any(axis=1)))
    if rows == 0:
        return []
    options = [Option("Lower the learning rate and start again",
                      [change("train.lr", case.lower_rate())], "restart")]
    if net.output == "sigmoid":
        options.insert(0, Option("Use cross-entropy, whose gradient o - y never vanishes",
                                 [change("model.loss", "cross_entropy")], "restart"))
    return [case.finding(
        "saturated-output", "problem",
        f"The {net.output} output sits flat on {rows} of {len(O)} training rows where it is "
        f"wrong (it says {_g(float(O[stuck][0]))} where the target is "
        f"{_g(float(Y[stuck][0]))}): there its derivative is about 0, so squared loss sends "
        "almost no gradient back, and those rows stay wrong.",
        options, {"rows": rows, "slope": float(np.min(slope[stuck]))})]


# ---------------------------------------------------------------- the model's reach

def linear_collapse(case):
    """whether the net is only linear, and whether that costs anything"""
    net, health = case.net, case.health
    if net.n_hidden == 0:
        why = "the net has no hidden layer"
    elif net.hidden == "linear":
        why = "the hidden layer is linear"
    elif HIDDEN[net.hidden].left_slope is not None and all("linear-on-data" in u["flags"] for u in health):
        why = "every ReLU is active on every row"
    else:
        return []
    lin, flex = case.linear, case.flexible
    if case.classify:
        theirs = flex.train_accuracy if case.small else flex.held_out_accuracy
        ours = max(accuracy(case.O, case.Y), lin.train_accuracy)
        if ours >= 1.0 or theirs <= ours + 0.02:
            return []       # linearly separable, or no better with bends
        cost = (f"a linear boundary classifies at best {ours:.1%} of the training rows; a "
                f"model with bends reaches {theirs:.1%}")
        evidence = {"linear_accuracy": ours, "flexible_accuracy": theirs}
    else:
        theirs = flex.train_mse if case.small else flex.held_out_mse
        best = lin.train_mse if case.small else lin.held_out_mse
        if best <= 1e-9 * max(case.variance, 1e-300) or theirs >= 0.7 * best:
            return []       # the target is (nearly) linear: a linear net is the right answer
        cost = (f"mse {case.mse:.4g}; the best linear model reaches {lin.train_mse:.4g}, a "
                f"model with bends {theirs:.4g}" + ("" if case.small else " on rows it did "
                                                   "not see"))
        evidence = {"mse": case.mse, "best_linear_mse": lin.train_mse, "flexible_mse": theirs}
    stuck = (case.mse <= lin.train_mse * 1.01 + 1e-15) if not case.classify else True
    if net.n_hidden == 0:
        options = [Option("Add a hidden layer", [change("model.hidden_units", 8),
                                                 change("model.activation", "tanh")],
                          "restart")]
    else:
        options = [Option("Use a nonlinear hidden activation",
                          [change("model.activation", "tanh")], "restart")]
    return [case.finding(
        "linear-collapse", "problem" if stuck else "warning",
        f"As {why}, the whole network is a linear model of its inputs: {cost}.",
        options, {"why": why, **evidence})]


def coverage(case):
    """the coverage of the inputs by active ReLU units"""
    net, X, Y = case.net, case.X, case.Y
    # Units that die only: a leaky unit still passes some gradient where it is off.
    if net.n_in != 1 or not HIDDEN[net.hidden].dies or net.n_hidden == 0:
        return []
    x = X[:, 0]
    w, b = net.W1[0], net.b1
    lo, hi = float(x.min()), float(x.max())
    kinks = sorted({float(-b[j] / w[j]) for j in range(net.n_hidden)
                    if w[j] != 0 and lo < -b[j] / w[j] < hi})
    edges = [lo, *kinks, hi]
    gaps = []
    for a, c in zip(edges[:-1], edges[1:]):
        if not np.any(w * (a + c) / 2 + b > 0):
            if gaps and gaps[-1][1] == a:
                gaps[-1] = (gaps[-1][0], c)
            else:
                gaps.append((a, c))
    inside = np.zeros(len(x), dtype=bool)
    for a, c in gaps:
        inside |= (x >= a) & (x <= c)
    rows = int(inside.sum())
    if rows < 2:
        return []
    # In a gap the output is flat.  That matters where the targets vary.
    gap_var = float(np.mean(np.var(Y[inside], axis=0)))
    if gap_var < GAP_VARIATION * case.variance:
        return []
    names = [_interval(a, c, lo, hi) for a, c in gaps]
    return [case.finding(
        "uncovered-region", "problem",
        f"No hidden unit is active for {' and '.join(names)} ({rows} of {len(x)} training "
        "rows): those rows give no gradient to any first-layer weight, so the fit there "
        "cannot improve.",
        [case.reinit("Start again from weights whose kinks spread over the data")],
        {"regions": [[a, c] for a, c in gaps], "where": " and ".join(names), "rows": rows,
         "kinks": kinks, "target_variance_uncovered": gap_var,
         "target_variance": case.variance})]


def _interval(a, c, lo, hi):
    if a <= lo and c >= hi:
        return f"any x in [{_g(lo)}, {_g(hi)}]"
    if a <= lo:
        return f"x < {_g(c)}"
    if c >= hi:
        return f"x > {_g(a)}"
    return f"{_g(a)} < x < {_g(c)}"


# ---------------------------------------------------------------- the data

def inputs(case):
    """the scale and conditioning of the inputs"""
    X, net = case.X, case.net
    mean, spread = X.mean(axis=0), X.std(axis=0)
    constant = [j for j in range(X.shape[1]) if spread[j] <= 1e-12 * max(1.0, abs(mean[j]))]
    out = []
    if constant:
        out.append(case.finding(
            "constant-inputs", "warning",
            f"Input{'s' if len(constant) > 1 else ''} {', '.join(map(str, constant[:8]))} "
            f"{_is(len(constant))} the same on every training row "
            f"({', '.join(_g(mean[j]) for j in constant[:4])}): "
            + ("it carries no information, and acts only as a second bias." if len(constant) == 1
               else "they carry no information, and act only as more biases."),
            [Option("Drop the column from the data")], {"inputs": constant}))
    varying = [j for j in range(X.shape[1]) if j not in constant]
    problems = []
    far = [j for j in varying if max(abs(mean[j]), spread[j]) > SCALE_LIMIT]
    if far:
        problems.append("not of order 1: " + ", ".join(
            f"input {j} (mean {_g(mean[j])}, spread {_g(spread[j])})" for j in far[:4])
            + (f" and {len(far) - 4} more" if len(far) > 4 else ""))
    offset = [j for j in varying if abs(mean[j]) > OFFSET_LIMIT * spread[j]]
    if offset:
        problems.append("their spread is tiny against their offset: " + ", ".join(
            f"input {j} varies by {_g(spread[j])} around {_g(mean[j])}" for j in offset[:4]))
    if len(varying) > 1:
        lo, hi = min(varying, key=lambda j: spread[j]), max(varying, key=lambda j: spread[j])
        if spread[hi] > SPREAD_RATIO * spread[lo]:
            problems.append(f"their scales differ by {_g(spread[hi] / spread[lo])}x (input "
                            f"{hi} spreads {_g(spread[hi])}, input {lo} {_g(spread[lo])}), so "
                            "one rate cannot suit every weight")
    if problems:
        stuck = [u["index"] for u in case.health if "saturated" in u["flags"]]
        effect = (f"; they saturate {len(stuck)} of {net.n_hidden} hidden units"
                  if stuck else "")
        out.append(case.finding(
            "unscaled-inputs", "problem" if stuck else "warning",
            "The inputs are badly scaled: " + "; ".join(problems) + effect + ".",
            [Option("Standardize the inputs", [change("data.standardize_inputs", True)]
                    # Weights given by hand were made for the raw inputs.
                    + ([change("init.scheme", "glorot")] if case.spec is not None and
                       case.spec.init.scheme == "manual" else []))],
            {"inputs": sorted(set(far) | set(offset)), "mean": mean.tolist(),
             "spread": spread.tolist(), "units_saturated": stuck}, stuck))
    return out


def targets(case):
    """the range and scale of the targets"""
    net, Y = case.net, case.Y
    out = []
    if net.output == "tanh" and (Y.min() < -1 or Y.max() > 1):
        out.append(case.finding(
            "targets-out-of-range", "problem",
            f"The tanh output lies in (-1, 1) but the targets span [{_g(Y.min())}, "
            f"{_g(Y.max())}]: the net can never reach them.",
            [Option("Use a linear output", [change("model.output", "linear")], "restart")],
            {"target_min": float(Y.min()), "target_max": float(Y.max())}))
    if net.output == "linear":
        ym, ys = Y.mean(axis=0), Y.std(axis=0)
        if np.max(np.maximum(np.abs(ym), ys)) > SCALE_LIMIT:
            # Worse than predicting the targets' mean: the net has not yet reached
            # their level, and their scale is what holds it back.
            baseline = case.variance
            short = bool(np.isfinite(case.mse) and case.mse > baseline)
            if np.isfinite(case.mse) and case.mse <= FIT_SHARE * baseline:
                return out      # the net follows them: their scale held nothing back
            cost = ""
            if short:
                cost = (f" The net has not reached their level yet: its mse {_g(case.mse)} is "
                        f"above the {_g(baseline)} of predicting their mean.")
                if case.settings["optimizer"] in ("adam", "rmsprop"):
                    steps = float(np.max(np.abs(ym))) / case.settings["lr"]
                    cost += (f" Each {case.settings['optimizer']} step moves a weight by about "
                             f"the rate {_g(case.settings['lr'])}, so the output bias alone "
                             f"needs some {_g(steps)} steps to get there.")
            out.append(case.finding(
                "unscaled-targets", "warning" if short else "info",
                f"The targets are far from order 1 (mean {_g(float(ym[0]))}, spread "
                f"{_g(float(ys[0]))}): the output layer must first grow large weights, and "
                "the loss's curvature grows with them." + cost,
                [Option("Standardize the targets", [change("data.standardize_targets", True)])],
                {"mean": ym.tolist(), "spread": ys.tolist(), "mean_baseline_mse": baseline,
                 "short_of_targets": short}))
    return out


def ordered(case):
    """the order of the rows in unshuffled mini-batches"""
    batch = case.settings["batch_size"]
    if batch is None or batch >= len(case.X) or case.settings["shuffle"] is not False:
        return []
    order = _sortedness(case.Y)
    if order < 0.95:
        return []
    return [case.finding(
        "ordered-data", "warning",
        f"Mini-batches of {batch} are taken in row order (shuffle off) and the rows are "
        f"sorted by target ({order:.0%} in order): each batch shows one kind of example, and "
        "the weights chase the latest batch.",
        [Option("Shuffle the rows every epoch", [change("train.shuffle", True)])],
        {"batch_size": batch, "sortedness": order})]


def _sortedness(Y):
    """Share of consecutive rows in target order (classes: in unbroken blocks)."""
    if len(Y) < 3:
        return 0.0
    if Y.shape[1] > 1:
        labels = Y.argmax(axis=1)
        return float(1 - (np.count_nonzero(np.diff(labels)) - (Y.shape[1] - 1)) / (len(Y) - 1))
    step = np.diff(Y[:, 0])
    return float(max(np.mean(step >= 0), np.mean(step <= 0)))


# ---------------------------------------------------------------- generalization

def generalization(case):
    """the test set: overfitting, leakage, class balance and the test set's size"""
    out = _more_weights_than_rows(case) + _leaking_input(case)
    if case.classify:
        out += _majority(case)
    if case.X_test is None:
        return out
    return out + _overfitting(case) + _leakage(case) + _small_test(case)


def penalty(case):
    """an L2 or L1 penalty that holds the fit back, settled by weakening it on copies"""
    l2, l1 = case.settings["l2"], case.settings["l1"]
    if not (l2 > 0 or l1 > 0) or not np.all(np.isfinite(case.net.theta)) \
            or not case.underfits():
        return []
    weights = np.concatenate([case.net.W1.ravel(), case.net.W2.ravel()])
    l2_term, l1_term = 0.5 * l2 * float(weights @ weights), l1 * float(np.sum(np.abs(weights)))
    key, rate = ("train.l2", l2) if l2_term >= l1_term and l2 > 0 else ("train.l1", l1)
    name, weaker = key.rpartition(".")[2], round_below(rate / 10)
    evidence = {"penalty": name, "rate": rate, "penalty_term": l2_term + l1_term,
                "data_loss": case.net.objective(case.X, case.Y)}
    measured = case.switch(**{name: weaker})
    if measured is None:
        what, basis = "may be what holds the fit back", "estimated"
    else:
        without, weakened = measured
        if not weakened * PENALTY_GAIN <= without:
            return []               # weakened, it changes nothing much: it is not the cause
        what, basis = (f"holds the fit back: measured on copies, as many epochs again take "
                       f"the data loss to {_g(weakened)} with {name} {_g(weaker)}, against "
                       f"{_g(without)} as it is"), "measured"
        evidence |= {"data_loss_weakened": weakened, "data_loss_unchanged": without}
    return [case.finding(
        "penalty-dominates", "warning",
        f"The {name.upper()} penalty ({name} {_g(rate)}) {what}; it pulls every weight toward "
        f"zero (largest |w| {_g(float(np.max(np.abs(weights))))}), and the net fits its rows "
        "clearly worse than a flexible model.",
        [Option("Weaken the penalty", [change(key, weaker)], "restart")], evidence,
        basis=basis)]


def _more_weights_than_rows(case):
    weights, rows = case.net.theta.size, len(case.X)
    if weights <= rows:
        return []
    options = [] if case.X_test is not None or rows < 10 else [
        Option("Hold out a test set to see whether it generalizes",
               [change("data.test_ratio", 0.2)])]
    return [case.finding(
        "more-weights-than-rows", "info",
        f"The net has {weights:,} weights for {rows:,} training rows: as many free numbers "
        "as it would take to memorize the rows, noise included (whether this architecture "
        "can is another matter), so a low training loss alone proves nothing.",
        options, {"weights": weights, "rows": rows})]


def _overfitting(case):
    net, test = case.net, case.test_loss
    if len(test) < 2:
        return []
    O = net.predict(case.X_test)
    with np.errstate(over="ignore"):
        test_mse = float(np.mean((O - case.Y_test) ** 2))
    best = int(np.argmin(test))
    best_epoch = case.test_start + best
    train_at_best = float(case.loss[best_epoch])
    noise = float(np.median(np.abs(np.diff(test[best:])))) if len(test) - best > 2 else 0.0
    rose = (len(test) - 1 - best >= 5 and test[-1] > test[best] + max(3 * noise,
                                                                       0.05 * test[best])
            and case.loss[-1] < train_at_best)
    test_var = float(np.mean(np.var(case.Y_test, axis=0))) if len(case.Y_test) > 1 \
        else case.variance
    gap = (test_mse > 10 * case.mse + 1e-12 and test_mse > 0.1 * test_var
           and case.mse < 0.1 * max(case.variance, 1e-300))
    if not (rose or gap):
        return []
    h = net.n_hidden
    options = []
    if rose:
        options.append(Option(f"Stop at epoch {best_epoch}, where the test loss was lowest",
                              [change("train.epochs", max(best_epoch, 1))], "restart"))
    l2 = case.settings["l2"]
    options.append(Option("Penalize large weights",
                          [change("train.l2", 1e-3 if l2 == 0 else 10 * l2)], "restart"))
    if h > 1 and net.theta.size > len(case.X):
        options.append(Option("Use fewer units", [change("model.hidden_units", max(1, h // 4))],
                              "restart"))
    what = (f"the test loss has risen from its best {_g(float(test[best]))} at epoch "
            f"{best_epoch} to {_g(float(test[-1]))} while the training loss kept falling"
            if rose else
            f"the test mse is {_g(test_mse)} against {_g(case.mse)} on the training rows")
    return [case.finding(
        "overfitting", "warning",
        f"Overfitting: {what}. The net learns the training rows, noise included, not the rule "
        "behind them.", options,
        {"best_test_epoch": best_epoch, "best_test_loss": float(test[best]),
         "test_loss": float(test[-1]), "test_mse": test_mse, "train_mse": case.mse,
         "rising": bool(rose)})]


def _row_hashes(X, Y):
    """A 64-bit hash of each row's exact bits (inputs, then targets), in memory
    that grows by 8 bytes a row: a set of the rows as bytes took 90."""
    digest = np.full(len(X), 0xCBF29CE484222325, dtype=np.uint64)
    for block in (X, Y):
        bits = np.ascontiguousarray(block, dtype=np.float64).view(np.uint64)
        for column in bits.T:
            digest ^= column
            digest *= np.uint64(0x100000001B3)     # FNV-1a's prime, per 64-bit word
    return digest


def _shared_rows(X, Y, X_test, Y_test):
    """How many test rows stand, bit for bit, among the training rows."""
    train, test = _row_hashes(X, Y), _row_hashes(X_test, Y_test)
    maybe = np.flatnonzero(np.isin(test, train))
    # A hash match is checked row against row: a collision never counts.
    rows = {}
    for i in np.flatnonzero(np.isin(train, test[maybe])):
        rows.setdefault(train[i], []).append(i)
    return sum(any(np.array_equal(X[i], X_test[t]) and np.array_equal(Y[i], Y_test[t])
                   for i in rows.get(test[t], ())) for t in maybe)


def _leaking_input(case):
    """One input column that alone predicts the targets almost exactly
    (reach.one_column, kept per data set like the other yardsticks)."""
    if case.spec is not None and case.spec.data.features != "none":
        return []                   # each derived input is a function of another
    leak = case.one_column
    if leak is None or leak.score < LEAK_SCORE:
        return []
    what = (f"classifies {leak.score:.1%} of the rows it was not fitted on" if case.classify
            else f"explains {leak.score:.4%} of the targets' variance on rows it was not "
                 "fitted on")
    return [case.finding(
        "leaking-input", "warning",
        f"Input {leak.column} alone predicts the targets almost exactly: a model of it alone "
        f"{what}. If it is computed from the target, or not known when a prediction is "
        "made, the net's score is not real.",
        [Option(f"Check how input {leak.column} is made; drop it from the data if it leaks "
                "the target")],
        {"input": leak.column, "score": leak.score}, basis="measured")]


def _leakage(case):
    shared = _shared_rows(case.X, case.Y, case.X_test, case.Y_test)
    if not shared:
        return []
    return [case.finding(
        "leakage", "warning",
        f"{shared} of {len(case.X_test)} test rows also appear, inputs and targets alike, in "
        "the training rows: the test score partly measures memory, not generalization.",
        [Option("Remove the duplicated rows from the data before it is split")],
        {"shared_rows": int(shared), "test_rows": len(case.X_test)})]


def _majority(case):
    X, Y, where = (case.X_test, case.Y_test, "test") if case.X_test is not None else \
        (case.X, case.Y, "training")
    if len(Y) < 2:
        return []
    labels = (Y[:, 0] >= 0.5).astype(int) if Y.shape[1] == 1 else Y.argmax(axis=1)
    counts = np.bincount(labels)
    majority = float(counts.max() / len(labels))
    score = accuracy(case.net.predict(X), Y)
    if score > majority + 1e-9 or majority >= 1.0 or _beats_a_constant(case):
        return []
    label = int(counts.argmax())
    # When a finding above already explains the failure (dead units, say), more
    # epochs or a larger rate would not help: it must be acted on first.
    advice = Option("Act on the findings above, which say why") if case.troubled() else \
        Option("Train longer or with a larger rate, and judge by the loss")
    return [case.finding(
        "majority-class", "warning",
        f"The {where} accuracy {score:.1%} is no better than always answering class "
        f"{label}, which {majority:.1%} of the {where} rows are: the net has learned nothing "
        "about the classes yet." + (" With classes this unequal, accuracy says little; "
                                     "look at the loss." if majority >= 0.8 else ""),
        [advice],
        {"accuracy": score, "majority_rate": majority, "majority_class": label,
         "set": where})]


def _beats_a_constant(case):
    """The training loss is clearly below that of the best constant output (the
    class shares): the net has learned something, whatever its accuracy."""
    p = np.clip(case.Y.mean(axis=0), 1e-12, 1 - 1e-12)
    if case.net.loss == "squared":
        constant = 0.5 * float(np.sum(np.var(case.Y, axis=0)))
    elif case.Y.shape[1] == 1:
        constant = -float(p[0] * np.log(p[0]) + (1 - p[0]) * np.log(1 - p[0]))
    else:
        constant = -float(np.sum(p * np.log(p)))
    return float(case.loss[-1]) < 0.8 * constant if len(case.loss) else False


def _small_test(case):
    return _test_rows(case) + _missing_classes(case)


def _missing_classes(case):
    """A test set with no row of a class the training rows have: it cannot
    judge the net on that class."""
    if not case.classify or not len(case.Y_test):
        return []
    label = (lambda Y: Y.argmax(axis=1)) if case.Y.shape[1] > 1 else (lambda Y: Y[:, 0])
    seen = set(np.unique(label(case.Y)).tolist())
    missing = sorted(seen - set(np.unique(label(case.Y_test)).tolist()))
    if not missing:
        return []
    names = ", ".join(_g(c) for c in missing)
    return [case.finding(
        "small-test-set", "info",
        f"The test set has no row of class {names} ({len(missing)} of the {len(seen)} classes "
        "of the training rows): its loss and accuracy say nothing of how the net does there.",
        [Option("Split the rows so that every class has test rows")],
        {"test_rows": len(case.X_test), "missing_classes": missing})]


def _test_rows(case):
    n = len(case.X_test)
    if n >= 10:
        return []
    steps = ", ".join(f"{i}/{n}" for i in range(n + 1)) if n <= 4 else f"steps of 1/{n}"
    what = f"its accuracy can only be {steps}, and " if case.classify else ""
    return [case.finding(
        "small-test-set", "info",
        f"The test set has only {n} row{'s' if n != 1 else ''}: {what}one row decides its "
        "loss, so it cannot tell a good net from a lucky one.",
        [Option("Hold out more rows", [change("data.test_ratio", 0.25)])],
        {"test_rows": n})]


# ---------------------------------------------------------------- the learning rate

def _stability(sharp):
    """lr against its limit in words, or "" when the curvature is unknown."""
    if sharp is None or not math.isfinite(sharp.limit):
        return ""
    where = f" of {sharp.direction}" if sharp.direction else ""
    if abs(sharp.ratio - 1) <= 0.05:
        against = f"sits at the stability limit {_g(sharp.limit)}"
    elif sharp.ratio > 1:
        against = f"is {_g(sharp.ratio)} times the stability limit {_g(sharp.limit)}"
    else:
        against = f"is {_g(sharp.ratio)} of the stability limit {_g(sharp.limit)}"
    return f"lr {_g(sharp.lr)} {against}{where} (its curvature {_g(sharp.lam)})"


def _at_best(case):
    """The stability sentence at the best weights, for a run that blew up."""
    text = _stability(case.sharp_at_best)
    best = case.trainer.best
    return f"At the best weights (epoch {best[0]}) {text}." if text and best else ""


def _rate_options(case):
    return [Option("Lower the learning rate and start again",
                   [change("train.lr", case.lower_rate())], "restart")]


def rate(case):
    """the learning rate against the loss's curvature"""
    loss = case.loss
    if case.status.startswith("diverged"):
        epoch = int(case.status.split()[-1])
        tail = loss[-10:]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            growth = float((tail[-1] / tail[0]) ** (1 / max(len(tail) - 1, 1))) \
                if len(tail) > 1 and tail[0] > 0 else math.inf
        return [case.finding(
            "diverged", "problem",
            f"Training diverged at epoch {epoch}: the loss overflowed, and the weights after "
            f"epoch {epoch - 1} (loss {_g(float(loss[-1]))}) were kept. " + _at_best(case),
            _rate_options(case),
            {"epoch": epoch, "last_finite_loss": float(loss[-1]), "growth_per_epoch": growth,
             "stability": _dict(case.sharp_at_best)})]
    if len(loss) < 3 or not np.all(np.isfinite(loss)):
        return []
    best = float(np.min(loss))
    if len(loss) >= 6 and loss[-1] >= 10 * best and np.all(np.diff(loss[-5:]) > 0):
        return [case.finding(
            "exploding", "problem",
            f"The loss is {_g(float(loss[-1]) / best)} times its best ({_g(best)} at epoch "
            f"{int(np.argmin(loss))}) and still rising: each step overshoots. "
            + _at_best(case), _rate_options(case),
            {"loss": float(loss[-1]), "best": best, "best_epoch": int(np.argmin(loss)),
             "stability": _dict(case.sharp_at_best)})]
    span = case.span
    if span is not None and span[1] is None:
        return [_oscillating(case, *span)]
    if loss[-1] > 2 * best and loss[-1] > 1e-12 * loss[0]:
        sharp = case.sharp
        if sharp is not None and sharp.ratio >= 0.95:
            flips = ("and the weight flips sign every step instead of settling"
                     if sharp.direction else "and the weights bounce across the valley "
                     "instead of settling")
            return [case.finding(
                "unstable-rate", "problem",
                f"The loss stays at {_g(float(loss[-1]))}, {_g(float(loss[-1]) / best)} times "
                f"its best: {_stability(sharp)}, so a step along that direction overshoots "
                f"by as much as it moves, {flips}.", _rate_options(case),
                {"loss": float(loss[-1]), "best": best, "stability": sharp.to_dict()})]
    return [_oscillating(case, *span)] if span is not None else []


def _dict(sharp):
    return sharp.to_dict() if sharp is not None else None


def _oscillating(case, start, end):
    loss = case.loss
    settled = end is not None
    window = loss[start:end + 1] if settled else loss[-WINDOW - 1:]
    share = float(np.mean(np.diff(window) > _floor(window, loss[0])))
    best_epoch, best_loss = case.trainer.best or (int(np.argmin(loss)), float(np.min(loss)))
    sharp = None if settled else case.sharp
    text = _stability(sharp)
    batch = case.settings["batch_size"]
    minibatch = batch is not None and batch < len(case.X)
    unstable = bool(text) and sharp.ratio >= 0.9
    if unstable:
        cause = f" Now {text}: the steps overshoot along that direction."
    elif minibatch:
        cause = (f" The steps follow mini-batches of {batch} rows, each a noisy estimate of "
                 "the whole set's gradient: some noise is normal.")
    else:
        cause = ""
    smooth = ", after falling smoothly" if start > 10 else ""
    if settled:
        return case.finding(
            "oscillating", "info",
            f"The loss went up and down from epoch {start} to epoch {end}{smooth} (up in "
            f"{share:.0%} of those "
            f"epochs), then settled: the rate was too large for the start, where the surface "
            "is sharper, and the weights found a flatter region.",
            [Option("A lower rate would learn without the detour",
                    [change("train.lr", case.lower_rate())], "restart")],
            {"start_epoch": start, "end_epoch": end, "share_up": share,
             "best_loss": float(best_loss), "best_epoch": int(best_epoch)})
    options = [Option("Lower the learning rate", [change("train.lr", case.lower_rate())])]
    momentum = case.settings["momentum"]
    if case.settings["optimizer"] in ("momentum", "nesterov") and momentum > 0.9:
        options.insert(0, Option(f"Lower the momentum {momentum:g}, whose steps overshoot",
                                 [change("train.momentum", 0.9)]))
    if minibatch and not unstable:
        options.append(Option("Use larger batches", [change("train.batch_size", batch * 4)]))
    if best_epoch < case.epochs:
        options.append(Option("Go back to the best weights", action="restore-best",
                              arg=int(best_epoch)))
    return case.finding(
        "oscillating", "info" if minibatch and not unstable else "warning",
        f"The loss has gone up and down since epoch {start}{smooth} (up in {share:.0%} of the last "
        f"{len(window) - 1} epochs); its best was {_g(float(best_loss))} at epoch "
        f"{best_epoch}." + cause, options,
        {"start_epoch": start, "share_up": share, "best_loss": float(best_loss),
         "best_epoch": int(best_epoch), "stability": _dict(sharp)})


def _floor(loss, start):
    """Rises smaller than this are rounding, not oscillation: relative to the loss
    itself and to the starting loss, whose scale sets float64's noise."""
    return 1e-9 * np.abs(loss[1:]) + 1e-13 * abs(float(start))


def oscillation(loss):
    """(start, end) of the stretch in which the loss rose in at least RISE_SHARE of
    the epochs; end is None while it goes on (the recent epochs rise that often
    too).  None when the loss never oscillated."""
    if len(loss) < 6:
        return None
    ups = np.flatnonzero(np.diff(loss) > _floor(loss, loss[0])) + 1   # epochs that rose
    if len(ups) < 3:
        return None
    last = len(loss) - 1
    tail = min(WINDOW, last)
    recent = loss[-tail - 1:]
    if np.count_nonzero(ups > last - tail) >= RISE_SHARE * tail:
        # Ups and downs too small to matter (an adaptive optimizer's jitter at its
        # minimum) are not an oscillation: the recent range must be 1 % of the loss.
        if np.ptp(recent) <= 0.01 * np.min(np.abs(recent)):
            return None
        share = (len(ups) - np.arange(len(ups))) / (last - ups + 1)   # from each rise on
        i = int(np.argmax(share >= RISE_SHARE))
        return (int(ups[i]) - 1, None) if share[i] >= RISE_SHARE else None
    # Calm now: did it oscillate before?  The first rise to the last, densely enough.
    first, end = int(ups[0]), int(ups[-1])
    if len(ups) >= 8 and len(ups) >= RISE_SHARE * (end - first + 1):
        return first - 1, end
    return None


# ---------------------------------------------------------------- progress

def gain_of_more_epochs(best):
    """By what factor 10x more epochs would lower the best loss, extrapolating the
    best-so-far curve's slope (on log-log axes) over the last quarter of the run:
    recent enough to see a loss that has levelled off."""
    end = len(best) - 1
    start = max((3 * end) // 4, 1)
    if end < 4 or best[end] <= 0 or start >= end:
        return 1.0
    slope = math.log(best[start] / best[end]) / math.log(end / start)
    return float(10 ** min(slope, 30.0))


def progress(case):
    """progress, judged relative to the loss for every optimizer"""
    loss = case.loss
    if case.has("diverged", "exploding") or case.epochs < 5 or not np.all(np.isfinite(loss)):
        return []
    gain = case.gain
    basis = "measured" if case.measured else "estimated"
    evidence = {"gain_of_10x_epochs": gain, "epochs": case.epochs, "prognosis": basis,
                "continuation": case.continuation.to_dict() if case.continuation else None}
    how = case.prognosis_words()
    exact = loss[-1] <= 1e-12 * max(float(loss[0]), 1e-300) or (
        case.net.loss == "squared" and case.mse <= 1e-10 * max(case.variance, 1e-300))
    if exact:
        return [case.finding(
            "converged", "info",
            f"Converged: the loss is {_g(float(loss[-1]))}, the net fits its training rows "
            "almost exactly.", [] if case.warned() else
            [Option("Nothing more to gain from these rows; judge the net on rows it has not "
                    "seen")], evidence)]
    at_limit = case.max_epochs is not None and case.epochs >= case.max_epochs
    slow = _slow(case, gain)
    if gain >= FLAT_GAIN:
        out = slow
        rising = any(f.code == "overfitting" and f.evidence.get("rising") for f in case.findings)
        copy = case.continuation
        if at_limit and copy is not None and case.measured and copy.test_rises:
            # The training loss would fall, the test loss rises: the rows' noise is
            # what more epochs would learn.
            out.append(case.finding(
                "still-improving", "info",
                f"Stopped at the epoch limit {case.epochs:,} while the training loss was still "
                f"falling, but more epochs would not help: {how}, while the test loss rose "
                f"from {_g(copy.test_before)} to {_g(copy.test_after)}. What is left to learn "
                "is the noise of the training rows.",
                [Option("Keep the epoch limit; more rows or a penalty lower the test loss")],
                evidence | {"test_rises": True}, basis=basis))
        elif at_limit and not rising:     # more epochs would only overfit further
            out.append(case.finding(
                "still-improving", "info",
                f"Stopped at the epoch limit {case.epochs:,} while the loss was still falling: "
                f"10x more epochs would lower it by {_times(gain)}, {how}.",
                [Option("Raise the epoch limit", [change("train.epochs",
                                                         min(10 * case.epochs, 10 ** 8))])],
                evidence, basis=basis))
        return out
    if slow:
        return slow
    if case.troubled():
        return [case.finding(
            "stalled", "warning",
            f"Stalled: 10x more epochs would lower the loss by under {FLAT_GAIN - 1:.0%}, "
            f"{how}; the findings above say why.",
            [Option("Act on the findings above")], evidence, basis=basis)]
    best = float(np.min(loss))
    if case.has("oscillating") and loss[-1] > 1.5 * best:
        # The steps' noise, not the model, sets the level the loss bounces at.
        return [case.finding(
            "stalled", "warning",
            f"Stalled at the level of the steps' noise: the loss bounces at "
            f"{_g(float(loss[-1]))}, {_g(float(loss[-1]) / best)} times its best {_g(best)}.",
            [Option("Lower the learning rate", [change("train.lr", case.lower_rate())])]
            + ([Option("Go back to the best weights", action="restore-best",
                       arg=int(np.argmin(loss)))] if np.argmin(loss) < case.epochs else []),
            evidence)]
    if case.underfits():
        return [_underfitting(case, evidence)]
    return [case.finding(
        "converged", "info",
        f"Converged: 10x more epochs would lower the loss by under {FLAT_GAIN - 1:.0%}, {how}, "
        "and a flexible model fits these rows no better.", [] if case.warned() else
        [Option("Nothing more to gain from training; a lower loss needs other inputs or a "
                "different model")], evidence, basis=basis)]


def _times(gain):
    if gain < FLAT_GAIN:
        return "hardly at all"
    return "more than 100x" if gain > 100 else f"about {_g(gain)}x"


def _speeds(case):
    """(per epoch now, one plain step at the rate the surface allows): how much the
    loss falls in an epoch now, against |g|²/(2λmax), what one gradient step of
    1/λmax would gain on a quadratic with that curvature."""
    if case.epochs < 5:
        return None
    plain = case.plain_sharp
    if plain is None or plain.lam <= 0:
        return None
    g = case.gradient
    available = float(g @ g) / (2 * plain.lam)
    best = case.best_curve
    k = max(1, case.epochs // 10)
    return max(float(best[-k - 1] - best[-1]) / k, 0.0), available


def _too_slow(case):
    """Learning too slowly: an epoch gains a tiny part of what one well-sized step
    could (for plain gradient descent: lr·λmax < SLOW_PRODUCT)."""
    # Flat units or outputs, dead units, copies: the surface is flat for a reason
    # that a larger rate does not cure, and the rules for those say so.
    speeds = _speeds(case)
    if speeds is None or case.troubled() or \
            case.has("diverged", "exploding", "oscillating", "unstable-rate") \
            or case.sharp is None or case.sharp.ratio >= 0.5:
        return False
    now, available = speeds
    return available > 1e-3 * float(case.loss[-1]) and now < 2 * SLOW_PRODUCT * available


def _slow(case, gain):
    if not _too_slow(case):
        return []
    now, available = _speeds(case)
    base, lr, plain = case.settings["lr"], case.trainer.lr_now, case.plain_sharp
    if case.settings["optimizer"] in ("adam", "rmsprop"):
        advised = round_below(min(100 * lr, 1e-2))
    else:
        advised = round_below(case.sharp.limit / 4)
    scheduled = case.settings["schedule"] != "constant" and lr < base / 10
    if scheduled:
        why = (f"the {case.settings['schedule']} schedule has brought the rate down from "
               f"{_g(base)} to {_g(lr)}")
        options = [Option("Keep the rate constant", [change("train.schedule", "constant")])]
    else:
        why = f"lr {_g(lr)} is far too small"
        options = [Option("Raise the learning rate", [change("train.lr", advised)])]
    return [case.finding(
        "lr-too-small", "warning",
        f"Learning too slowly: an epoch now lowers the loss by {_g(now)}, while one plain "
        f"gradient step of the size this surface allows (1/λmax = {_g(1 / plain.lam)}) would "
        f"lower it by about {_g(available)}; {why} (10x more epochs would lower the loss by "
        f"{_times(gain)}, {case.prognosis_words()}).", options,
        {"stability": plain.to_dict(), "gain_of_10x_epochs": gain, "loss_per_epoch": now,
         "one_good_step": available})]


def _underfitting(case, evidence):
    h = case.net.n_hidden
    flex = case.flexible
    if case.classify:
        theirs = flex.train_accuracy if case.small else flex.held_out_accuracy
        what = (f"training accuracy {accuracy(case.O, case.Y):.1%}, while a flexible "
                f"model reaches {theirs:.1%}")
    else:
        theirs = flex.train_mse if case.small else flex.held_out_mse
        what = f"mse {case.mse:.4g}, while a flexible model reaches {theirs:.4g}"
    where = "" if case.small else " on rows it did not see"
    return case.finding(
        "underfitting", "warning",
        f"Underfitting: the loss has stopped falling ({case.prognosis_words()}) at {what}{where}. "
        f"{h} hidden unit{'s' if h != 1 else ''} may be too few for this data, or this start "
        "found a poor minimum.",
        [Option("Use more hidden units", [change("model.hidden_units", max(2 * h, h + 4))],
                "restart"),
         case.reinit()],
        evidence | {"flexible": theirs}, basis=evidence["prognosis"])


ALL = (symmetry, units, saturated_output, linear_collapse, coverage, inputs, targets, ordered,
       penalty, generalization, rate, progress)
