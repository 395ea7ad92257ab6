"""The model's reach: a net that is only linear, and 1-D ReLU nets whose
units leave part of the inputs uncovered."""

import numpy as np

from tuinn.activations import HIDDEN
from tuinn.data import accuracy
from tuinn.diagnose.advice import Option, change
from tuinn.diagnose.rules.words import g

GAP_VARIATION = 0.05       # share of the targets' variance a flat stretch cannot follow
# Bends matter when a flexible model's held-out mse is under this share of
# the best line's (or its accuracy this much above).
BENDS_GAIN = 0.7
ACCURACY_MARGIN = 0.02


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
        if ours >= 1.0 or theirs <= ours + ACCURACY_MARGIN:
            return []       # linearly separable, or no better with bends
        cost = (f"a linear boundary classifies at best {ours:.1%} of the training rows; a "
                f"model with bends reaches {theirs:.1%}")
        evidence = {"linear_accuracy": ours, "flexible_accuracy": theirs}
    else:
        theirs = flex.train_mse if case.small else flex.held_out_mse
        best = lin.train_mse if case.small else lin.held_out_mse
        if best <= 1e-9 * max(case.variance, 1e-300) or theirs >= BENDS_GAIN * best:
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
        return f"any x in [{g(lo)}, {g(hi)}]"
    if a <= lo:
        return f"x < {g(c)}"
    if c >= hi:
        return f"x > {g(a)}"
    return f"{g(a)} < x < {g(c)}"
