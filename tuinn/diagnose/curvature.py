"""The sharpest curvature of the loss and the learning rate's stability limit
(docs/math.md#curvature-and-the-stability-limit).

`sharpness` finds λmax, the largest eigenvalue of the Hessian of the training
objective at the current weights, from Hessian-vector products by Lanczos
iteration (power iteration that remembers its directions).  Each product is a
finite difference of two kernel gradients along the current direction, so it
costs one gradient pass and no second-order code.
For Adam and RMSprop it is the largest eigenvalue of P^-1/2 H P^-1/2 (the same
as P^-1 H's), P = diag(√ŝ + ε), the preconditioner the optimizer applies now.
"""

import dataclasses
import math

import numpy as np

from tuinn.engine import penalties

ITERATIONS = 20         # Hessian-vector products at most
TOLERANCE = 1e-3        # relative change of the estimate that ends the iteration


@dataclasses.dataclass(frozen=True)
class Sharpness:
    lam: float              # λmax (of P^-1 H for adam and rmsprop)
    limit: float            # the largest stable learning rate, from the optimizer's rule
    lr: float               # the learning rate in force
    direction: str          # the weight that dominates the sharpest direction, or ""
    share: float            # that weight's share of the direction (squared component)
    product: float = 2.0    # the bound on lr·λmax it was priced with (stable_product)

    def for_rate(self, settings, lr):
        """This limit against the rate `lr` in force under `settings`: the
        curvature is the weights', and holds until they move; the bound is the
        optimizer's, so under another rule (optimizer, momentum, beta1) the
        limit is unknown until it is measured again: None."""
        if stable_product(settings) != self.product:
            return None
        return dataclasses.replace(self, lr=lr)

    @property
    def ratio(self):
        """lr against its limit: 1 sits exactly on it, above 1 is unstable."""
        return self.lr / self.limit if self.limit > 0 else math.inf

    def to_dict(self):
        return dataclasses.asdict(self) | {"ratio": self.ratio}


def stable_product(settings):
    """The bound on lr·λmax below which full-batch steps are stable (the table of
    docs/math.md#curvature-and-the-stability-limit)."""
    optimizer, mu = settings["optimizer"], settings["momentum"]
    if optimizer == "momentum":
        return 2.0 * (1.0 + mu)
    if optimizer == "nesterov":
        return 2.0 * (1.0 + mu) / (1.0 + 2.0 * mu)
    if optimizer == "adam":
        b1 = settings["beta1"]
        return 2.0 * (1.0 + b1) / (1.0 - b1)
    return 2.0


def preconditioner(trainer):
    """P = √ŝ + ε per weight for adam and rmsprop (None for the others, or before
    the first step, when the optimizer has no estimate of ŝ yet)."""
    settings = trainer.settings
    if settings["optimizer"] not in ("adam", "rmsprop") or trainer.steps == 0:
        return None
    s = trainer.opt_state[len(trainer.opt_state) // 2:]
    if settings["optimizer"] == "adam":
        s = s / (1.0 - settings["beta2"] ** trainer.steps)
    return np.sqrt(s) + settings["eps"]


def top_eigenvalue(hvp, size, rng):
    """(λ, v): the largest eigenvalue of the symmetric operator hvp and its unit
    eigenvector, by Lanczos iteration: power iteration that keeps every direction
    it has seen, so it needs far fewer products for the same accuracy."""
    steps = min(ITERATIONS, size)
    Q = np.zeros((steps + 1, size))
    q = rng.standard_normal(size)
    Q[0] = q / np.linalg.norm(q)
    alpha, beta = np.zeros(steps), np.zeros(steps)
    lam, ritz = -math.inf, np.ones(1)
    for j in range(steps):
        w = hvp(Q[j])
        if not np.all(np.isfinite(w)):
            break
        alpha[j] = Q[j] @ w
        # Full reorthogonalization: cheap at these few steps, and keeps Q exact.
        w -= Q[:j + 1].T @ (Q[:j + 1] @ w)
        beta[j] = np.linalg.norm(w)
        values, vectors = np.linalg.eigh(np.diag(alpha[:j + 1]) + np.diag(beta[:j], 1)
                                         + np.diag(beta[:j], -1))
        new, ritz = float(values[-1]), vectors[:, -1]
        done = abs(new - lam) <= TOLERANCE * abs(new) or beta[j] <= 1e-12 * abs(new)
        lam = new
        if done or j + 1 == steps:
            break
        Q[j + 1] = w / beta[j]
    if not math.isfinite(lam):
        return math.nan, Q[0]
    v = ritz @ Q[:len(ritz)]
    return lam, v / np.linalg.norm(v)


def sharpness(net, trainer, X, Y, names=None, precondition=True):
    """The Sharpness of `net` on (X, Y) under `trainer`'s settings, or None when the
    weights or the gradient are not finite.  precondition=False: the plain
    Hessian's λmax whatever the optimizer."""
    theta = net.theta.copy()
    with np.errstate(over="ignore"):
        if not np.isfinite(theta @ theta) or theta.size == 0:
            return None
    grad = net.gradient_function(X, Y, *penalties(trainer.settings))
    g0 = grad(theta)
    if not np.all(np.isfinite(g0)):
        return None
    P = preconditioner(trainer) if precondition else None
    scale = 1.0 / np.sqrt(P) if P is not None else np.ones_like(theta)
    size = math.sqrt(float(theta @ theta) / theta.size) + 1e-3

    def hvp(v):
        u = scale * v
        # A step small against the weights, large against rounding of the gradient.
        eps = 1e-5 * size / max(float(np.linalg.norm(u)), 1e-300)
        return scale * (grad(theta + eps * u) - g0) / eps

    lam, v = top_eigenvalue(hvp, theta.size, np.random.default_rng(0))
    if not math.isfinite(lam):
        return None
    lam = max(lam, 0.0)
    lr = trainer.lr_now
    product = stable_product(trainer.settings) if precondition or P is None else 2.0
    limit = product / lam if lam > 0 else math.inf
    direction, share = "", 0.0
    if names is not None:
        i = int(np.argmax(v * v))
        if v[i] ** 2 >= 0.5:
            direction, share = names[i], float(v[i] ** 2)
    return Sharpness(lam, limit, lr, direction, share, product)

