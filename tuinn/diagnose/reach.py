"""What other models reach on the same rows: the yardsticks the diagnosis
measures a net against, computed without training anything.

- `linear`: the least-squares affine fit, the best a net without a nonlinear
  hidden layer can do under squared loss.
- `flexible`: a ridge fit on many random tanh features of the standardized
  inputs, a stand-in for a wide nonlinear net.

Both are scored on rows they did not see: leave-one-out predictions, exact for
a linear least-squares fit (r_i / (1 - h_ii), with h the hat matrix's
diagonal), so even 4 rows give an honest comparison.  Classification targets
are fitted as numbers and scored by their accuracy as well.
"""

import dataclasses

import numpy as np

from tuinn.data import accuracy

FEATURES = 200
MAX_ROWS = 2000        # larger data sets are scored on an evenly spaced subset


@dataclasses.dataclass(frozen=True)
class Reach:
    train_mse: float       # on the rows it was fitted on
    held_out_mse: float    # leave-one-out
    train_accuracy: float | None
    held_out_accuracy: float | None


def _ridge(F, Y, classify, alpha):
    """Fit Y on the columns of F (a column of ones among them) and score it."""
    G = F.T @ F
    G[np.diag_indices_from(G)] += alpha
    inverse = np.linalg.pinv(G, hermitian=True)
    coef = inverse @ (F.T @ Y)
    P = F @ coef
    hat = np.sum((F @ inverse) * F, axis=1)
    # A row the fit passes through exactly (h_ii = 1) has no honest held-out value.
    leave = np.clip(1.0 - hat, 1e-12, None)[:, None]
    P_out = Y - (Y - P) / leave
    return Reach(float(np.mean((P - Y) ** 2)), float(np.mean((P_out - Y) ** 2)),
                 accuracy(P, Y) if classify else None,
                 accuracy(P_out, Y) if classify else None)


def _rows(X, Y):
    if len(X) <= MAX_ROWS:
        return X, Y
    pick = np.linspace(0, len(X) - 1, MAX_ROWS).astype(int)
    return X[pick], Y[pick]


def linear(X, Y, classify):
    X, Y = _rows(X, Y)
    F = np.column_stack([X, np.ones(len(X))])
    return _ridge(F, Y, classify, 1e-12 * max(float(np.trace(F.T @ F)), 1.0))


def flexible(X, Y, classify):
    X, Y = _rows(X, Y)
    spread = X.std(axis=0)
    Xs = (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    rng = np.random.default_rng(0)
    d = X.shape[1]
    # Two widths of features: smooth ones and sharp ones.
    W = rng.standard_normal((d, FEATURES)) * np.repeat([1.0, 4.0], FEATURES // 2) / np.sqrt(d)
    b = rng.uniform(-3.0, 3.0, FEATURES)
    F = np.column_stack([np.tanh(Xs @ W + b), Xs, np.ones(len(X))])
    return _ridge(F, Y, classify, 1e-3 * len(X))
