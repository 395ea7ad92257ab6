"""Data sets, each drawn from numpy's default_rng(data_seed).

Every generator returns (X, Y, X_test, Y_test) as float64 arrays of shape
(rows, features) and (rows, targets).
"""

import numpy as np

FUNCTIONS_1D = {
    # 004_*.txt, section 2.1
    "f1": lambda x: np.exp(x / 5.0),
    "f2": lambda x: np.sin(x) * (25.0 - x * x),
}


def function_1d(name, n=1000, n_test=100, seed=0, low=-5.0, high=5.0):
    """y = f(x) for x uniform on [low, high): train rows first, then test rows."""
    f = FUNCTIONS_1D[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, n)
    x_test = rng.uniform(low, high, n_test)
    return x[:, None], f(x)[:, None], x_test[:, None], f(x_test)[:, None]


def spiral(n=600, arms=3, noise=0.1, test_ratio=0.2, seed=0):
    """Interleaved spiral arms in 2-D, one class per arm, one-hot targets."""
    rng = np.random.default_rng(seed)
    per_arm = n // arms
    radius = np.tile(np.linspace(0.05, 1.0, per_arm), arms)
    label = np.repeat(np.arange(arms), per_arm)
    angle = 4.0 * radius + label * (2.0 * np.pi / arms) + rng.normal(0.0, noise, radius.size)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    Y = np.eye(arms)[label]
    order = rng.permutation(len(X))
    cut = int(round(len(X) * (1.0 - test_ratio)))
    train, test = order[:cut], order[cut:]
    return X[train], Y[train], X[test], Y[test]
