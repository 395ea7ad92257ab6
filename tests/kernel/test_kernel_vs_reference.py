"""The C kernel against calculus (finite differences) and against the numpy
reference (tuinn/reference.py, after docs/math.md): gradients, objective, forward pass
and whole training runs for every optimizer x schedule x batching."""

import numpy as np
import pytest
import tuinn
from tuinn import reference as ref
from tuinn.activations import TABLE
from tuinn.settings import OPTIMIZERS, OUTPUTS, SCHEDULES

from conftest import finite_differences, make_problem, net_for

PAIRS = [("linear", "squared"), ("sigmoid", "squared"), ("tanh", "squared"),
         ("softmax", "squared"), ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy")]
CASES = [(o, l, k) for o, l in PAIRS for k in (1, 3) if not (o == "softmax" and k == 1)]


def close(got, want, rtol):
    """Relative agreement, with an absolute floor only for entries that are ~0
    next to the largest entry (sums that cancel)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    floor = rtol * 1e-3 * max(np.max(np.abs(want)), 1e-300)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=floor)


def flat(d):
    return np.concatenate([np.ravel(d[n]) for n in ref.NAMES])


# ---------------------------------------------------------------- gradients

PENALTIES = [(0.0, 0.0), (0.1, 0.0), (0.0, 0.05), (0.1, 0.05)]      # (l2, l1)

@pytest.mark.parametrize("hidden", ref.HIDDEN)
@pytest.mark.parametrize("output,loss,k", CASES)
@pytest.mark.parametrize("l2,l1", PENALTIES)
@pytest.mark.parametrize("N", [7, 300])
def test_c_gradients_match_finite_differences(hidden, output, loss, k, l2, l1, N):
    params, X, Y = make_problem(output, loss, N=N, k=k, seed=N + k, z_gap=1e-2)
    net = net_for(params, hidden, output, loss)
    Z = X @ net.W1 + net.b1
    assert np.min(np.abs(Z)) >= 1e-2  # away from the relu kinks
    grad = flat(net.gradients(X, Y, l2, l1))
    num = finite_differences(net, X, Y, l2, l1)
    assert np.linalg.norm(num - grad) / np.linalg.norm(num + grad) < 1e-6
    assert np.all(np.abs(grad) > 0) or hidden == "relu"  # every parameter really checked


@pytest.mark.parametrize("hidden", ref.HIDDEN)
@pytest.mark.parametrize("output,loss,k", CASES)
@pytest.mark.parametrize("l2,l1", PENALTIES)
def test_c_gradients_and_objective_equal_reference(hidden, output, loss, k, l2, l1):
    params, X, Y = make_problem(output, loss, N=300, k=k, seed=11 + k)
    net = net_for(params, hidden, output, loss)
    want = ref.gradients(params, X, Y, hidden, output, loss, l2, l1)
    got = net.gradients(X, Y, l2, l1)
    for name in ref.NAMES:
        assert got[name].shape == want[name].shape
        close(got[name], want[name], 1e-12)
    close(net.objective(X, Y, l2, l1),
          ref.objective(params, X, Y, hidden, output, loss, l2, l1), 1e-12)


def test_l1_pulls_each_weight_by_the_same_amount_and_leaves_zeros_and_biases_alone():
    params, X, Y = make_problem("linear", "squared", N=50, k=1, seed=4)
    params["W1"][0, 0] = 0.0
    net = net_for(params, "tanh", "linear", "squared")
    plain, pulled = net.gradients(X, Y), net.gradients(X, Y, l1=0.25)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(pulled[name] - plain[name], 0.25 * np.sign(params[name]),
                                   rtol=0, atol=1e-14)
    assert pulled["W1"][0, 0] == plain["W1"][0, 0]          # sign(0) = 0
    for name in ("b1", "b2"):
        np.testing.assert_array_equal(pulled[name], plain[name])
    sizes = np.abs(params["W1"]).sum() + np.abs(params["W2"]).sum()
    assert net.objective(X, Y, l1=0.25) == pytest.approx(net.objective(X, Y) + 0.25 * sizes,
                                                         rel=1e-14)


# N around the kernel's 256-row blocks: one row, a block less one, exactly one
# block, a block and a row, two blocks and a short third.
@pytest.mark.parametrize("N", [1, 2, 255, 256, 257, 511, 512, 513, 600])
@pytest.mark.parametrize("hidden,output,loss", [("tanh", "softmax", "cross_entropy"),
                                                ("relu", "linear", "squared"),
                                                ("sigmoid", "sigmoid", "cross_entropy")])
def test_block_boundaries(N, hidden, output, loss):
    params, X, Y = make_problem(output, loss, N=N, d=2, h=5, k=3, seed=N)
    net = net_for(params, hidden, output, loss)
    close(net.objective(X, Y, 0.01), ref.objective(params, X, Y, hidden, output, loss, 0.01),
          1e-12)
    want = ref.gradients(params, X, Y, hidden, output, loss, 0.01)
    got = net.gradients(X, Y, 0.01)
    for name in ref.NAMES:
        close(got[name], want[name], 1e-12)
    _, A, _, O = ref.forward(params, X, hidden, output)
    out, act = net.predict(X, hidden=True)
    close(out, O, 1e-12)
    close(act, A, 1e-12)
    # The last rows count as much as the first: the loss of the rows alone.
    if N > 256:
        tail = slice(256 * (N // 256 if N % 256 else N // 256 - 1), N)
        close(net.objective(X[tail], Y[tail]),
              ref.objective(params, X[tail], Y[tail], hidden, output, loss), 1e-12)


@pytest.mark.parametrize("hidden", ref.HIDDEN)
@pytest.mark.parametrize("output", OUTPUTS)
def test_predict_equals_reference_forward(hidden, output):
    params, X, _ = make_problem(output, N=40, k=3, seed=5)
    net = net_for(params, hidden, output, "squared")
    _, A, _, O = ref.forward(params, X, hidden, output)
    close(net.predict(X), O, 1e-12)
    out, act = net.predict(X, hidden=True)
    close(out, O, 1e-12)
    close(act, A, 1e-12)
    if output == "softmax":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)


def test_a_kinked_derivative_at_zero_is_the_left_one():
    # Z exactly 0 in every row for unit 0: relu gives it no gradient, leaky_relu 0.01.
    X = np.array([[1.0], [2.0], [-3.0]])
    Y = np.array([[1.0], [0.0], [2.0]])
    params = {"W1": np.array([[0.0, 0.5]]), "b1": np.array([0.0, 0.1]),
              "W2": np.array([[1.0], [2.0]]), "b2": np.array([0.3])}
    kinked = [g for g in TABLE if g.left_slope is not None]
    assert kinked
    for g in kinked:
        net = net_for(params, g.name, "linear", "squared")
        got = net.gradients(X, Y)
        want = ref.gradients(params, X, Y, g.name, "linear", "squared")
        for name in ref.NAMES:
            close(got[name], want[name], 1e-12)
        if g.dies:
            assert got["W1"][0, 0] == 0.0 and got["b1"][0] == 0.0
        else:
            assert got["b1"][0] != 0.0


# ---------------------------------------------------------------- training runs

# One architecture per optimizer so that all hidden activations and output/loss
# pairs take part in training too; learning rates chosen to make progress
# without chaos over the runs.
SETUPS = {
    "sgd": ("tanh", "linear", "squared", 2, 0.1),
    "momentum": ("sigmoid", "softmax", "cross_entropy", 3, 0.05),
    "nesterov": ("relu", "sigmoid", "cross_entropy", 2, 0.05),
    "adam": ("leaky_relu", "linear", "squared", 2, 0.01),
    "rmsprop": ("linear", "tanh", "squared", 2, 0.005),
}


def compare_runs(optimizer, schedule, epochs=60, N=37, batch_size=None, shuffle=None, l2=0.0,
                 test=False, seed=0, extra=None, l1=0.0):
    hidden, output, loss, k, lr = SETUPS[optimizer]
    params, X, Y = make_problem(output, loss, N=N, d=3, h=5, k=k, seed=3, w_scale=0.5)
    kw = dict(optimizer=optimizer, lr=lr, l2=l2, l1=l1, batch_size=batch_size, shuffle=shuffle,
              schedule=schedule, seed=seed, **(extra or {}))
    if schedule == "adaptive":
        kw["tol"] = 1e-2  # cuts do happen within the run
    Xt = Yt = None
    if test:
        _, Xt, Yt = make_problem(output, loss, N=13, d=3, h=5, k=k, seed=9)
    want = ref.train(params, X, Y, hidden=hidden, output=output, loss=loss, epochs=epochs,
                     X_test=Xt, Y_test=Yt, **kw)
    net = net_for(params, hidden, output, loss)
    tr = tuinn.Trainer(net, **kw)
    status = tr.train(X, Y, epochs, Xt, Yt)
    assert want["status"] == "done" and status == "done"
    assert tr.epoch == want["epochs"] == epochs
    hist = tr.history
    close(hist["loss"], want["loss"], 1e-9)
    if test:
        close(hist["test_loss"], want["test_loss"], 1e-9)
    else:
        assert len(hist["test_loss"]) == 0
    for name in ref.NAMES:
        close(net.weights()[name], want["params"][name], 1e-9)
    assert hist["loss"][-1] < hist["loss"][0]  # the run learned something
    return tr, want


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("batch_size", [None, 10])  # 37 rows: batches 10, 10, 10, 7
def test_training_matches_reference(optimizer, schedule, batch_size):
    tr, want = compare_runs(optimizer, schedule, batch_size=batch_size, shuffle=False)
    batches = 1 if batch_size is None else 4
    assert tr.steps == 60 * batches
    if schedule == "adaptive":
        assert tr.lr_now < SETUPS[optimizer][4]  # at least one cut happened


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_shuffled_minibatches_with_l2_and_test_set_match_reference(optimizer):
    compare_runs(optimizer, "invscaling", batch_size=8, l2=0.01, test=True, seed=12345)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_l1_and_l2_together_with_shuffled_minibatches_match_reference(optimizer):
    compare_runs(optimizer, "constant", batch_size=8, l2=0.01, l1=0.003, test=True, seed=5)


def test_shuffle_seed_beyond_63_bits_matches_reference():
    compare_runs("sgd", "constant", epochs=20, batch_size=5, seed=2**64 - 17)


def test_non_default_hyperparameters_match_reference():
    extra = dict(momentum=0.5, beta1=0.8, beta2=0.99, eps=1e-6, alpha=0.9, power_t=0.25)
    for optimizer in OPTIMIZERS:
        compare_runs(optimizer, "invscaling", epochs=30, batch_size=6, extra=extra, seed=7)


def test_big_shuffled_batches_across_kernel_blocks_match_reference():
    # 600 rows in shuffled batches of 270: batches span kernel blocks, the last is 60 rows.
    compare_runs("adam", "constant", epochs=8, N=600, batch_size=270, l2=0.001, test=True,
                 seed=99)
