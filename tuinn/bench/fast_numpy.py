"""A numpy implementation of the benchmark's training runs written for speed,
not to be read: the honest baseline for `tuinn bench` beside the plain
reference (tuinn.reference).

Preallocated buffers, one np.exp per element, in-place ufuncs, BLAS matrix
products, and the gradient of the mean loss folded into one scale.  It trains
the workloads of tuinn.bench.kernel: a sigmoid or tanh hidden layer, a linear
output with the squared loss or a softmax with cross-entropy, plain gradient
descent or Adam, full batch or shuffled mini-batches in the kernel's own row
order (so the final losses can be compared)."""

import numpy as np

from tuinn.reference import permutation


class _Layer:
    """The buffers of one batch size."""

    def __init__(self, rows, d, h, k):
        self.Z = np.empty((rows, h))
        self.A = np.empty((rows, h))
        self.S = np.empty((rows, k))
        self.dA = np.empty((rows, h))
        self.tmp = np.empty((rows, h))


def _activate(hidden, Z, A):
    if hidden == "sigmoid":
        np.negative(Z, out=A)
        np.exp(A, out=A)
        A += 1.0
        np.reciprocal(A, out=A)
    else:
        np.tanh(Z, out=A)


def _output(output, S):
    """S becomes O in place."""
    if output == "softmax":
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        S /= S.sum(axis=1, keepdims=True)


def _objective(p, X, Y, hidden, output, loss, buf):
    np.matmul(X, p["W1"], out=buf.Z)
    buf.Z += p["b1"]
    _activate(hidden, buf.Z, buf.A)
    np.matmul(buf.A, p["W2"], out=buf.S)
    buf.S += p["b2"]
    if loss == "cross_entropy":
        S = buf.S
        m = S.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(S - m).sum(axis=1))
        return float(np.sum(Y * (lse[:, None] - S)) / len(X))
    return float(0.5 * np.sum((buf.S - Y) ** 2) / len(X))


def train(weights, X, Y, *, hidden, output, loss, epochs, optimizer="sgd", lr=0.1,
          beta1=0.9, beta2=0.999, eps=1e-8, batch_size=None, shuffle=None, seed=0):
    """Trains copies of `weights`; returns the final training objective."""
    p = {name: np.array(value, dtype=np.float64) for name, value in weights.items()}
    n, d = X.shape
    h, k = p["W2"].shape
    batch = n if not batch_size or batch_size >= n else int(batch_size)
    shuffle = batch < n if shuffle is None else shuffle and batch < n
    buffers = {batch: _Layer(batch, d, h, k)}
    if n % batch:
        buffers[n % batch] = _Layer(n % batch, d, h, k)
    grads = {name: np.empty_like(value) for name, value in p.items()}
    moments = {name: (np.zeros_like(value), np.zeros_like(value)) for name, value in p.items()} \
        if optimizer == "adam" else None
    state, t = seed % 2**64, 0
    for _ in range(epochs):
        if shuffle:
            order, state = permutation(state, n)
        for start in range(0, n, batch):
            rows = order[start:start + batch] if shuffle else slice(start, start + batch)
            xb, yb = X[rows], Y[rows]
            buf = buffers[len(xb)]
            np.matmul(xb, p["W1"], out=buf.Z)
            buf.Z += p["b1"]
            _activate(hidden, buf.Z, buf.A)
            np.matmul(buf.A, p["W2"], out=buf.S)
            buf.S += p["b2"]
            _output(output, buf.S)
            dS = buf.S
            dS -= yb                  # (O - Y): both losses' gradient for these outputs
            dS *= 1.0 / len(xb)
            np.matmul(buf.A.T, dS, out=grads["W2"])
            np.sum(dS, axis=0, out=grads["b2"])
            np.matmul(dS, p["W2"].T, out=buf.dA)
            if hidden == "sigmoid":
                np.subtract(1.0, buf.A, out=buf.tmp)
                buf.tmp *= buf.A
            else:
                np.multiply(buf.A, buf.A, out=buf.tmp)
                np.subtract(1.0, buf.tmp, out=buf.tmp)
            buf.dA *= buf.tmp
            np.matmul(xb.T, buf.dA, out=grads["W1"])
            np.sum(buf.dA, axis=0, out=grads["b1"])
            t += 1
            if moments is None:
                for name in p:
                    p[name] -= lr * grads[name]
                continue
            for name in p:
                m, s = moments[name]
                g = grads[name]
                m *= beta1
                m += (1 - beta1) * g
                s *= beta2
                s += (1 - beta2) * g * g
                p[name] -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps)
    return _objective(p, X, Y, hidden, output, loss, _Layer(n, d, h, k))
