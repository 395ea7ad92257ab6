"""The numpy baseline of `tuinn bench`, written as an expert would write it for
speed, not to be read beside the plain reference (tuinn.reference):

- units as rows and rows of data as columns, so each layer is one matrix
  product over contiguous rows of units;
- each bias folded into its layer's product: the inputs carry a row of ones,
  and so do the hidden activations;
- the activation computed in place, and every buffer allocated once;
- one flat parameter vector (and one flat gradient, and one of each Adam
  moment), updated in place by whole-vector operations.

It trains the workloads of tuinn.bench.kernel: a sigmoid or tanh hidden layer,
a linear output with the squared loss or a softmax with cross-entropy, plain
gradient descent or Adam, full batch or shuffled mini-batches in the kernel's
own row order, so that its final loss can be checked against tuinn's.  Like
tuinn, it records each epoch's training loss (the curve tuinn draws): in full
batch from the forward pass of the next step, as tuinn does, and after a
mini-batch epoch from one more pass over the whole set.
"""

import numpy as np

from tuinn.reference import permutation


class _Buffers:
    """One batch size's buffers, units (and outputs) as rows."""

    def __init__(self, rows, d, h, k):
        self.X = np.ones((d + 1, rows))     # inputs, and the ones that carry b1
        self.Y = np.empty((k, rows))
        self.A = np.ones((h + 1, rows))     # activations, and the ones that carry b2
        self.S = np.empty((k, rows))
        self.dZ = np.empty((h, rows))
        self.slope = np.empty((h, rows))


def _activate(hidden, Z):
    """Z becomes g(Z) in place."""
    if hidden == "sigmoid":
        np.negative(Z, out=Z)
        np.exp(Z, out=Z)
        Z += 1.0
        np.reciprocal(Z, out=Z)
    else:
        np.tanh(Z, out=Z)


def _forward(W1b, W2b, buf, hidden, output):
    h = W1b.shape[0]
    np.matmul(W1b, buf.X, out=buf.A[:h])
    _activate(hidden, buf.A[:h])
    np.matmul(W2b, buf.A, out=buf.S)
    if output == "softmax":
        buf.S -= buf.S.max(axis=0)
        np.exp(buf.S, out=buf.S)
        buf.S /= buf.S.sum(axis=0)


def _objective(W1b, W2b, buf, hidden, output, loss):
    h = W1b.shape[0]
    np.matmul(W1b, buf.X, out=buf.A[:h])
    _activate(hidden, buf.A[:h])
    np.matmul(W2b, buf.A, out=buf.S)
    rows = buf.S.shape[1]
    if loss == "cross_entropy":
        S = buf.S
        m = S.max(axis=0)
        lse = m + np.log(np.exp(S - m).sum(axis=0))
        return float(np.sum(buf.Y * (lse - S)) / rows)
    buf.S -= buf.Y
    return float(0.5 * np.einsum("ij,ij->", buf.S, buf.S) / rows)


def _residual_loss(dS, Y, loss):
    """The loss of outputs O from dS = O - Y."""
    rows = dS.shape[1]
    if loss == "cross_entropy":
        return float(-np.sum(Y * np.log(dS + Y)) / rows)
    return float(0.5 * np.einsum("ij,ij->", dS, dS) / rows)


def train(weights, X, Y, *, hidden, output, loss, epochs, optimizer="sgd", lr=0.1,
          beta1=0.9, beta2=0.999, eps=1e-8, batch_size=None, shuffle=None, seed=0):
    """Trains a copy of `weights`; returns each epoch's training loss (the
    objective after that epoch)."""
    W1, b1 = np.asarray(weights["W1"], float), np.asarray(weights["b1"], float)
    W2, b2 = np.asarray(weights["W2"], float), np.asarray(weights["b2"], float)
    n, d = X.shape
    h, k = W2.shape
    cut = h * (d + 1)
    theta = np.empty(cut + k * (h + 1))
    W1b, W2b = theta[:cut].reshape(h, d + 1), theta[cut:].reshape(k, h + 1)
    W1b[:, :d], W1b[:, d], W2b[:, :h], W2b[:, h] = W1.T, b1, W2.T, b2
    grad = np.empty_like(theta)
    gW1b, gW2b = grad[:cut].reshape(h, d + 1), grad[cut:].reshape(k, h + 1)
    moments = (np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)) \
        if optimizer == "adam" else None
    whole = _Buffers(n, d, h, k)
    whole.X[:d] = X.T
    whole.Y[:] = Y.T
    batch = n if not batch_size or batch_size >= n else int(batch_size)
    shuffle = batch < n if shuffle is None else shuffle and batch < n
    buffers = {n: whole}
    for size in {batch, n % batch} - {0, n}:
        buffers[size] = _Buffers(size, d, h, k)
    state, t = seed % 2**64, 0
    history = np.empty(epochs)
    for epoch in range(epochs):
        if shuffle:
            order, state = permutation(state, n)
        for start in range(0, n, batch):
            size = min(batch, n - start)
            buf = buffers[size]
            if buf is not whole:
                cols = order[start:start + size] if shuffle else np.arange(start, start + size)
                np.take(whole.X[:d], cols, axis=1, out=buf.X[:d])
                np.take(whole.Y, cols, axis=1, out=buf.Y)
            _forward(W1b, W2b, buf, hidden, output)
            dS = buf.S
            dS -= buf.Y                 # O - Y: both losses' gradient for these outputs
            if buf is whole and epoch:
                history[epoch - 1] = _residual_loss(dS, buf.Y, loss)
            dS *= 1.0 / size
            np.matmul(dS, buf.A.T, out=gW2b)
            np.matmul(W2b[:, :h].T, dS, out=buf.dZ)
            A = buf.A[:h]
            if hidden == "sigmoid":
                np.subtract(1.0, A, out=buf.slope)
                buf.slope *= A
            else:
                np.multiply(A, A, out=buf.slope)
                np.subtract(1.0, buf.slope, out=buf.slope)
            buf.dZ *= buf.slope
            np.matmul(buf.dZ, buf.X.T, out=gW1b)
            t += 1
            if moments is None:
                grad *= lr
                theta -= grad
                continue
            m, v, step = moments
            m *= beta1
            m += (1 - beta1) * grad
            grad *= grad
            v *= beta2
            v += (1 - beta2) * grad
            np.divide(v, 1 - beta2 ** t, out=step)
            np.sqrt(step, out=step)
            step += eps
            np.divide(m, step, out=step)
            step *= lr / (1 - beta1 ** t)
            theta -= step
        if batch < n:
            history[epoch] = _objective(W1b, W2b, whole, hidden, output, loss)
    if epochs:
        history[-1] = _objective(W1b, W2b, whole, hidden, output, loss)
    return history
