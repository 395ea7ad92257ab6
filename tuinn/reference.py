"""Plain numpy implementation of docs/math.md, the reference the C kernel is tested
against.

Everything here follows docs/math.md line by line: vectorized numpy over the rows
of a batch, plain Python loops over epochs and batches, no fused shortcuts.
Shapes (docs/math.md#shapes-and-forward-pass): X (N,d), Y (N,k), W1 (d,h),
b1 (h,), W2 (h,k), b2 (k,).
"""

import numpy as np

from tuinn import activations
from tuinn.activations import sigmoid, softplus

from tuinn.settings import LOSSES
from tuinn.status import Status

HIDDEN = activations.NAMES

NAMES = ("W1", "b1", "W2", "b2")
# The adaptive schedule (after scikit-learn): after ADAPTIVE_PATIENCE epochs
# without a gain of tol, the rate is divided by ADAPTIVE_CUT (docs/math.md).
ADAPTIVE_PATIENCE, ADAPTIVE_CUT = 2, 5.0
MASK64 = 2**64 - 1


# ---------------------------------------------------------------- activations

def _softmax(s):
    """Row-wise softmax, with the row max subtracted first."""
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _logsumexp(s):
    """Row-wise log(sum_j e^s_j), with the row max taken out."""
    m = s.max(axis=1)
    return m + np.log(np.exp(s - m[:, None]).sum(axis=1))


def hidden_activation(name, z):
    """g(Z) for the hidden layer (docs/math.md#shapes-and-forward-pass), as
    tuinn.activations writes it."""
    return _activation(name).value(z)


def hidden_derivative(name, z, a):
    """g'(Z), from Z or A = g(Z); the piecewise-linear ones take the left derivative at 0."""
    return _activation(name).derivative(z, a)


def _activation(name):
    if name not in HIDDEN:
        raise ValueError(f"unknown hidden activation {name!r}")
    return activations.HIDDEN[name]


def output_activation(name, s):
    """out(S) for the output layer; softmax is row-wise."""
    if name == "linear":
        return s.copy()
    if name == "sigmoid":
        return sigmoid(s)
    if name == "tanh":
        return np.tanh(s)
    if name == "softmax":
        return _softmax(s)
    raise ValueError(f"unknown output activation {name!r}")


# ---------------------------------------------------------------- forward, loss

def forward(params, X, hidden, output):
    """params: dict with 'W1' (d,h), 'b1' (h,), 'W2' (h,k), 'b2' (k,). Returns (Z, A, S, O).

    Z = X·W1 + b1, A = g(Z), S = A·W2 + b2, O = out(S)
    (docs/math.md#shapes-and-forward-pass).  With no hidden layer (h = 0, W2 is
    (d,k)) the output reads the inputs: A = X.
    """
    Z = X @ params["W1"] + params["b1"]
    A = hidden_activation(hidden, Z) if Z.shape[1] else X
    S = A @ params["W2"] + params["b2"]
    O = output_activation(output, S)
    return Z, A, S, O


def _check_pair(output, loss):
    """cross_entropy needs a sigmoid or softmax output.

    See docs/math.md#objective-and-metrics.
    """
    if loss == "cross_entropy" and output not in ("sigmoid", "softmax"):
        raise ValueError(f"cross_entropy loss needs a sigmoid or softmax output, not {output!r}")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}")


def data_loss(S, O, Y, output, loss):
    """L_data over the B rows of S, O, Y (docs/math.md#objective-and-metrics, table)."""
    _check_pair(output, loss)
    B = Y.shape[0]
    if loss == "squared":
        return float(np.sum(0.5 * (O - Y) ** 2) / B)
    if output == "sigmoid":
        # -[Y log O + (1-Y) log(1-O)] = softplus(S) - Y*S, per element
        return float(np.sum(softplus(S) - Y * S) / B)
    # softmax: -sum_j Y_j log O_j = logsumexp(S) - sum_j Y_j S_j (rows of Y sum to 1)
    return float(np.sum(_logsumexp(S) - np.sum(Y * S, axis=1)) / B)


def data_loss_gradient(S, O, Y, output, loss):
    """dL_data/dS, shape (B,k) (docs/math.md#objective-and-metrics, table)."""
    _check_pair(output, loss)
    B = Y.shape[0]
    if loss == "cross_entropy":
        return (O - Y) / B
    G = (O - Y) / B  # dL_data/dO
    if output == "linear":
        return G
    if output == "sigmoid":
        return G * O * (1.0 - O)
    if output == "tanh":
        return G * (1.0 - O * O)
    # softmax, full Jacobian: dS_j = O_j (G_j - sum_i G_i O_i), row-wise
    return O * (G - np.sum(G * O, axis=1, keepdims=True))


def objective(params, X, Y, hidden, output, loss, l2=0.0, l1=0.0) -> float:
    """Data loss averaged over the rows of X + (l2/2)(sum W1^2 + sum W2^2)
    + l1 (sum |W1| + sum |W2|).

    The objective of docs/math.md#objective-and-metrics.
    """
    _, _, S, O = forward(params, X, hidden, output)
    penalty = 0.0
    # A zero rate adds exactly nothing, even where its sum overflows.
    if l2 != 0:
        penalty += 0.5 * l2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    if l1 != 0:
        penalty += l1 * (np.sum(np.abs(params["W1"])) + np.sum(np.abs(params["W2"])))
    return float(data_loss(S, O, Y, output, loss) + penalty)


def gradients(params, X, Y, hidden, output, loss, l2=0.0, l1=0.0) -> dict:
    """dict of 'W1','b1','W2','b2' gradient arrays of objective() over all rows of X.

    Backpropagation through S = A·W2 + b2 and Z = X·W1 + b1; the L2 term adds
    l2*W and the L1 term l1*sign(W) (sign(0) = 0) to the weight gradients only
    (docs/math.md#objective-and-metrics).
    """
    Z, A, S, O = forward(params, X, hidden, output)
    dS = data_loss_gradient(S, O, Y, output, loss)
    if not Z.shape[1]:
        dZ = np.zeros_like(Z)
    else:
        dZ = (dS @ params["W2"].T) * hidden_derivative(hidden, Z, A)
    return {
        "W1": X.T @ dZ + l2 * params["W1"] + l1 * np.sign(params["W1"]),
        "b1": dZ.sum(axis=0),
        "W2": A.T @ dS + l2 * params["W2"] + l1 * np.sign(params["W2"]),
        "b2": dS.sum(axis=0),
    }


# ---------------------------------------------------------------- shuffling RNG

def splitmix64(state: int) -> tuple[int, int]:
    """One step of SplitMix64: returns (new_state, output), both Python ints in [0, 2**64)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def permutation(state: int, n: int) -> tuple[np.ndarray, int]:
    """One epoch's row order: returns (perm int64 array of length n, new_state).

    Fisher-Yates from the top, j = floor(r·(i+1) / 2^64) with r from splitmix64.
    """
    perm = np.arange(n, dtype=np.int64)
    for i in range(n - 1, 0, -1):
        state, r = splitmix64(state)
        j = (r * (i + 1)) >> 64
        perm[i], perm[j] = perm[j], perm[i]
    return perm, state


# ---------------------------------------------------------------- optimizers

def _new_state(optimizer, params):
    """Zero optimizer state for every parameter array (docs/math.md#optimizers)."""
    keys = {"sgd": (), "momentum": ("v",), "nesterov": ("v",),
            "adam": ("m", "s"), "rmsprop": ("s",)}[optimizer]
    return {name: {key: np.zeros_like(params[name]) for key in keys} for name in NAMES}


def _step(optimizer, p, g, st, eta, t, momentum, beta1, beta2, eps, alpha):
    """One update of one array p with gradient g; returns (new p, new state dict)."""
    if optimizer == "sgd":
        return p - eta * g, st
    if optimizer == "momentum":
        v = momentum * st["v"] + g
        return p - eta * v, {"v": v}
    if optimizer == "nesterov":
        v = momentum * st["v"] + g
        return p - eta * (g + momentum * v), {"v": v}
    if optimizer == "adam":
        m = beta1 * st["m"] + (1 - beta1) * g
        s = beta2 * st["s"] + (1 - beta2) * g * g
        return p - eta * (m / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps), {"m": m, "s": s}
    if optimizer == "rmsprop":
        s = alpha * st["s"] + (1 - alpha) * g * g
        return p - eta * g / (np.sqrt(s) + eps), {"s": s}
    raise ValueError(f"unknown optimizer {optimizer!r}")


def _all_finite(params):
    return all(np.all(np.isfinite(params[name])) for name in NAMES)


# ---------------------------------------------------------------- training

def train(params, X, Y, *, hidden, output, loss, epochs, optimizer="sgd", lr=0.1,
          momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8, alpha=0.99, l2=0.0, l1=0.0,
          batch_size=None, shuffle=None, schedule="constant", power_t=0.5, tol=1e-4,
          seed=0, X_test=None, Y_test=None) -> dict:
    """Returns {'params': dict of new arrays (input not modified), 'loss': list of E+1 floats,
    'test_loss': list (empty when no test set), 'status': 'done' or 'diverged at epoch e',
    'epochs': number of epochs completed}.

    As docs/math.md#epochs-batches-and-history, docs/math.md#optimizers and
    docs/math.md#learning-rate-schedules.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    has_test = X_test is not None and Y_test is not None
    if has_test:
        X_test = np.asarray(X_test, dtype=np.float64)
        Y_test = np.asarray(Y_test, dtype=np.float64)
    params = {name: np.array(params[name], dtype=np.float64) for name in NAMES}  # copies

    N = X.shape[0]
    B = N if batch_size is None or batch_size >= N else int(batch_size)
    if shuffle is None:
        shuffle = B < N
    shuffle = bool(shuffle) and B < N  # a permuted full batch is the same batch
    rng_state = seed % 2**64

    opt_state = _new_state(optimizer, params)
    t = 0  # optimizer steps taken, over the whole run
    scale, best, misses = 1.0, np.inf, 0  # adaptive schedule
    status = Status("done")

    with np.errstate(over="ignore", invalid="ignore"):
        history = [objective(params, X, Y, hidden, output, loss, l2, l1)]
        test_history = [objective(params, X_test, Y_test, hidden, output, loss, l2, l1)] if has_test else []

        for e in range(epochs):
            if schedule == "constant":
                eta = lr
            elif schedule == "invscaling":
                eta = lr / (e + 1) ** power_t
            elif schedule == "adaptive":
                eta = lr * scale
            else:
                raise ValueError(f"unknown schedule {schedule!r}")

            saved = (params, opt_state, t)  # arrays are never modified in place
            if shuffle:
                order, rng_state = permutation(rng_state, N)
            else:
                order = np.arange(N, dtype=np.int64)

            for start in range(0, N, B):
                rows = order[start:start + B]
                grads = gradients(params, X[rows], Y[rows], hidden, output, loss, l2, l1)
                t += 1
                new_params, new_state = {}, {}
                for name in NAMES:
                    new_params[name], new_state[name] = _step(
                        optimizer, params[name], grads[name], opt_state[name], eta, t,
                        momentum, beta1, beta2, eps, alpha)
                params, opt_state = new_params, new_state

            L = objective(params, X, Y, hidden, output, loss, l2, l1)
            if not np.isfinite(L) or not _all_finite(params):
                params, opt_state, t = saved
                status = Status("diverged", e + 1)
                break

            history.append(L)
            if has_test:
                test_history.append(objective(params, X_test, Y_test, hidden, output, loss, l2, l1))

            if schedule == "adaptive":
                if L < best - tol:
                    best, misses = L, 0
                else:
                    misses += 1
                if misses >= ADAPTIVE_PATIENCE:
                    scale /= ADAPTIVE_CUT
                    misses = 0

    return {"params": params, "loss": history, "test_loss": test_history,
            "status": status, "epochs": len(history) - 1}
