"""What other models reach on the same rows: the yardsticks the diagnosis
measures a net against, computed without training anything.

- `linear`: the least-squares affine fit, the best a net without a nonlinear
  hidden layer can do under squared loss.
- `flexible`: a ridge fit on many random tanh features of the standardized
  inputs, a stand-in for a wide nonlinear net.
- `one_column`: the input column that best predicts the targets alone, by the
  flexible fit on it alone (a leak of the target looks like this).

Both are scored on rows they did not see: leave-one-out predictions, exact for
a linear least-squares fit (r_i / (1 - h_ii), with h the hat matrix's
diagonal), so even 4 rows give an honest comparison.  Classification targets
are fitted as numbers and scored by their accuracy as well.
"""

import dataclasses

import numpy as np

from tuinn.data import accuracy

FEATURES = 200
ONE_COLUMN_MAX = 1000  # input columns looked at for one that predicts alone (the first ones)
ONE_COLUMN_SCREEN = 0.05   # a column whose neighbour ratio is under this is fitted alone
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


@dataclasses.dataclass(frozen=True)
class Column:
    column: int
    score: float           # held-out R² (regression) or accuracy (classes) of it alone


def one_column(X, Y, classify):
    """The column, among at least two that vary, that alone predicts the targets
    best, or None.  Columns are screened cheaply first: along a column that
    determines the targets, neighbouring rows have nearly the same targets.  For
    classes only a column of a few values counts (a relabelling of the classes):
    separable classes may well be separated by one real input."""
    variance = float(np.mean(np.var(Y, axis=0)))
    columns = [j for j in range(min(X.shape[1], ONE_COLUMN_MAX)) if np.ptp(X[:, j]) > 0]
    # With one column that varies, that it predicts the targets is the task itself.
    if len(columns) < 2 or len(X) < 20 or variance <= 0:
        return None
    best = None
    for j in columns:
        if _neighbour_ratio(X[:, j], Y, variance) >= ONE_COLUMN_SCREEN or (
                classify and len(np.unique(X[:, j])) > 2 * Y.shape[1] + 2):
            continue
        alone = flexible(X[:, [j]], Y, classify)
        score = alone.held_out_accuracy if classify else 1.0 - alone.held_out_mse / variance
        if best is None or score > best.score:
            best = Column(j, score)
    return best


def _neighbour_ratio(x, Y, variance):
    """Half the mean squared difference of the targets of rows next to each other
    in the order of x, over their variance: near 0 when x determines them, near
    1 when it says nothing about them."""
    steps = np.diff(Y[np.argsort(x, kind="stable")], axis=0)
    return float(np.mean(steps ** 2)) / (2 * variance)
