"""The data: the scale of the inputs and targets, and the order of the rows."""

import numpy as np

from tuinn.diagnose.advice import Option, change
from tuinn.diagnose.rules.words import g, is_are

SCALE_LIMIT = 10.0         # an input whose |mean| or spread exceeds this is not "order 1"
OFFSET_LIMIT = 100.0       # |mean| / spread beyond this: the spread is lost in the offset
SPREAD_RATIO = 100.0       # largest / smallest input spread beyond this: badly conditioned
FIT_SHARE = 0.05           # mse under this share of the targets' variance: a fit their scale
                           # did not hold back
SORTED_SHARE = 0.95        # share of consecutive rows in target order: sorted rows
HELPS = 1.5                # a change that lowers the mse this much from a fresh start helps
OUTLIER_SPREADS = 8.0      # robust spreads from the median beyond which a value is far out
OUTLIER_SHARE = 0.05       # more rows than this far out: a heavy tail or a second group,
                           # not a few outliers


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
            f"{is_are(len(constant))} the same on every training row "
            f"({', '.join(g(mean[j]) for j in constant[:4])}): "
            + ("it carries no information, and acts only as a second bias." if len(constant) == 1
               else "they carry no information, and act only as more biases."),
            [Option("Drop the column from the data")], {"inputs": constant}))
    varying = [j for j in range(X.shape[1]) if j not in constant]
    problems = []
    far = [j for j in varying if max(abs(mean[j]), spread[j]) > SCALE_LIMIT]
    if far:
        problems.append("not of order 1: " + ", ".join(
            f"input {j} (mean {g(mean[j])}, spread {g(spread[j])})" for j in far[:4])
            + (f" and {len(far) - 4} more" if len(far) > 4 else ""))
    offset = [j for j in varying if abs(mean[j]) > OFFSET_LIMIT * spread[j]]
    if offset:
        problems.append("their spread is tiny against their offset: " + ", ".join(
            f"input {j} varies by {g(spread[j])} around {g(mean[j])}" for j in offset[:4]))
    if len(varying) > 1:
        lo, hi = min(varying, key=lambda j: spread[j]), max(varying, key=lambda j: spread[j])
        if spread[hi] > SPREAD_RATIO * spread[lo]:
            problems.append(f"their scales differ by {g(spread[hi] / spread[lo])}x (input "
                            f"{hi} spreads {g(spread[hi])}, input {lo} {g(spread[lo])}), so "
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
            f"The tanh output lies in (-1, 1) but the targets span [{g(Y.min())}, "
            f"{g(Y.max())}]: the net can never reach them.",
            [Option("Use a linear output", [change("model.output", "linear")], "restart")],
            {"target_min": float(Y.min()), "target_max": float(Y.max())}))
    if net.output == "linear":
        out += _unscaled_targets(case)
    return out


def ordered(case):
    """the order of the rows in unshuffled mini-batches"""
    batch = case.settings["batch_size"]
    if batch is None or batch >= len(case.X) or case.settings["shuffle"] is not False:
        return []
    order = _sortedness(case.Y)
    if order < SORTED_SHARE:
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


def inputs_scaled(X):
    """Every input of order 1: |mean| and spread within SCALE_LIMIT."""
    return bool(np.all(np.maximum(np.abs(X.mean(axis=0)), X.std(axis=0)) <= SCALE_LIMIT))


def _unscaled_targets(case):
    """Targets far from order 1, or several targets in units of different sizes
    (squared loss then weighs the large one alone): judged, when there is
    time, by training afresh on standardized targets."""
    Y = case.Y
    ym, ys = Y.mean(axis=0), Y.std(axis=0)
    far = float(np.max(np.maximum(np.abs(ym), ys))) > SCALE_LIMIT
    spread = ys[ys > 0]
    mixed = len(spread) > 1 and float(spread.max()) > SPREAD_RATIO * float(spread.min())
    if not (far or mixed):
        return []
    # Each target judged against its own variance, so that one in large units
    # does not hide the others.
    var = np.where(ys > 0, ys * ys, 1.0)
    share = float(np.mean(np.mean((case.O - Y) ** 2, axis=0) / var))
    if np.isfinite(share) and share <= FIT_SHARE:
        return []       # the net follows every target: their scale held nothing back
    tried = case.restart("standardized targets", targets=((Y - ym) / np.where(ys > 0, ys, 1),
                                                          lambda O: O * np.where(ys > 0, ys, 1)
                                                          + ym), scale=var)
    what = (f"far from order 1 (mean {g(float(ym[0]))}, spread {g(float(ys[0]))})" if not mixed
            else "in units of very different sizes (spreads " +
            ", ".join(g(float(s)) for s in ys[:6]) + "): squared loss weighs the large ones "
            "and all but ignores the others")
    evidence = {"mean": ym.tolist(), "spread": ys.tolist(), "mse_share": share,
                "mean_baseline_mse": case.variance, "short_of_targets": share > 1}
    option = [Option("Standardize the targets", [change("data.standardize_targets", True)])]
    if tried is not None:
        evidence["standardized"] = tried.to_dict()
        helps = tried.gain >= HELPS
        said = (f" {tried.words()[0].upper()}{tried.words()[1:]} (each target's mse over its "
                "own variance)" + ("." if helps else ": standardizing changes little."))
        return [case.finding(
            "unscaled-targets", "warning" if helps else "info",
            f"The targets are {what}." + said, option if helps else [], evidence,
            basis="measured")]
    short = share > 1
    cost = ""
    if short:
        cost = (f" The net has not reached their level yet: its mse is {g(share)} times "
                "their variance, worse than predicting their mean.")
        if case.settings["optimizer"] in ("adam", "rmsprop"):
            steps = float(np.max(np.abs(ym))) / case.settings["lr"]
            cost += (f" Each {case.settings['optimizer']} step moves a weight by about "
                     f"the rate {g(case.settings['lr'])}, so the output bias alone "
                     f"needs some {g(steps)} steps to get there.")
    return [case.finding(
        "unscaled-targets", "warning" if short or mixed else "info",
        f"The targets are {what}: the output layer must first grow large weights, and the "
        "loss's curvature grows with them." + cost + " (What standardizing them would do is "
        "not measured.)", option, evidence, basis="estimated")]


def outliers(case):
    """A few rows far out in one input or target column, beyond OUTLIER_SPREADS
    robust spreads (the interquartile range's) of its median: where clipping
    them helps, training afresh on copies shows it."""
    out = []
    columns = [("input", j, case.X[:, j]) for j in range(case.X.shape[1])]
    if not case.classify:
        columns += [("target", k, case.Y[:, k]) for k in range(case.Y.shape[1])]
    for side, j, values in columns:
        lo, hi, far = _robust_range(values)
        if not far.any() or far.mean() > OUTLIER_SHARE:
            continue
        clipped = np.clip(values, lo, hi)
        name = f"{side} {j}" if (case.X.shape[1] if side == "input" else case.Y.shape[1]) > 1 \
            else f"the {side}"
        if side == "input":
            X = case.X.copy()
            X[:, j] = clipped
            tried = case.restart(f"{name} clipped to [{g(lo)}, {g(hi)}]", inputs=X)
        else:
            Y = case.Y.copy()
            Y[:, j] = clipped
            # Judged on the other rows: clipped targets are wrong on the far ones by design.
            tried = case.restart(f"{name} clipped to [{g(lo)}, {g(hi)}]",
                                 targets=(Y, None), rows=~far)
        if tried is None or tried.gain < HELPS:
            continue    # measured to change little, or not measured: no claim
        rows = int(far.sum())
        judged = "" if side == "input" else " (the mse of the other rows)"
        out.append(case.finding(
            "outliers", "warning",
            f"{name[0].upper()}{name[1:]} has {rows} row{'s' if rows != 1 else ''} far from "
            f"the rest (up to {g(float(np.max(np.abs(values[far]))))}, where the middle half "
            f"lies in [{g(float(np.percentile(values, 25)))}, "
            f"{g(float(np.percentile(values, 75)))}]): they pull the fit toward themselves. "
            f"{tried.words()[0].upper()}{tried.words()[1:]}{judged}.",
            [Option(f"Clip {name} to [{g(lo)}, {g(hi)}], or drop those rows if they are "
                    "errors")],
            {"column": side, "index": j, "rows": rows, "low": lo, "high": hi,
             "clipped": tried.to_dict()}, basis="measured"))
    return out


def _robust_range(values):
    """(low, high, the rows beyond them): OUTLIER_SPREADS interquartile spreads
    around the median; nothing is far in a column without spread."""
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    spread = (q3 - q1) / 1.349          # the standard deviation, were it normal
    if not spread > 0:
        return median, median, np.zeros(len(values), dtype=bool)
    lo, hi = median - OUTLIER_SPREADS * spread, median + OUTLIER_SPREADS * spread
    return float(lo), float(hi), (values < lo) | (values > hi)
