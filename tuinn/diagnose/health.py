"""Unit health, as docs/math.md#unit-health defines it: per hidden unit,
whether it is dead (or off), saturated, linear on the data, nearly constant
or a duplicate of an earlier unit, from the kernel's per-unit statistics."""

import math

import numpy as np

from tuinn.activations import HIDDEN

SATURATED = 0.01           # mean g'(Z) below 1 % of g's largest derivative
DUPLICATE = 0.999          # |Pearson correlation| of activation columns
CONSTANT = 1e-4            # activation variance, relative to 1 + mean², of a unit that acts as a bias
COVARIANCE_UNITS = 2000    # above this many units, no h x h covariance (no duplicate check)


def health_from_stats(net, stats):
    """unit_health from stats the caller already has (net.unit_stats(X))."""
    h, g = net.n_hidden, HIDDEN[net.hidden]
    active, deriv = stats["active"], stats["mean_deriv"]
    cov = stats.get("a_cov")     # absent for very wide nets: no duplicate check then
    var = np.clip(np.diag(cov), 0.0, None) if cov is not None else np.zeros(h)
    # "Non-constant": a spread that is not rounding noise around the mean.
    varies = var > 1e-12 * (1.0 + stats["a_mean"] ** 2)
    nearly_constant = var <= CONSTANT * (1.0 + stats["a_mean"] ** 2)
    units = []
    for j in range(h):
        flags, duplicate_of = [], None
        if g.left_slope is not None and active[j] == 0.0:
            flags.append(g.off_flag)
        if g.peak_slope is not None and deriv[j] < SATURATED * g.peak_slope:
            flags.append("saturated")
        if g.left_slope is not None and active[j] == 1.0:
            flags.append("linear-on-data")
        if cov is not None and not flags and nearly_constant[j]:
            # Two units that hardly vary correlate by accident of rounding:
            # such a unit is a constant, whatever it correlates with.
            flags.append("constant")
        if cov is not None and (not flags or flags == ["linear-on-data"]):
            for i in range(j):
                if varies[i] and varies[j] and "dead" not in units[i]["flags"]:
                    corr = cov[i, j] / math.sqrt(var[i] * var[j])
                    if abs(corr) >= DUPLICATE:
                        flags.append("duplicate")
                        duplicate_of = i
                        break
        units.append({"index": j, "active": float(active[j]), "mean_deriv": float(deriv[j]),
                      "z_min": float(stats["z_min"][j]), "z_max": float(stats["z_max"][j]),
                      "flags": flags, "duplicate_of": duplicate_of})
    return units


def unit_health(net, X):
    """One dict per hidden unit: index, active, mean_deriv, z_min, z_max, flags
    (among dead, off, saturated, linear-on-data, constant, duplicate) and duplicate_of."""
    return health_from_stats(net, net.unit_stats(X, net.n_hidden <= COVARIANCE_UNITS))
