"""Self-test of tuinn/reference.py, the numpy implementation of SPEC.md."""

import numpy as np
import pytest
from tuinn import reference as ref
from tuinn.settings import OPTIMIZERS

PAIRS = [("linear", "squared"), ("sigmoid", "squared"), ("tanh", "squared"),
         ("softmax", "squared"), ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy")]


def small_problem(output, k, seed=4, N=7, d=3, h=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(h, k)), "b2": rng.normal(size=k)}
    if output == "softmax":
        Y = np.eye(k)[rng.integers(0, k, size=N)]
    elif output in ("sigmoid", "tanh"):
        Y = rng.uniform(0.05, 0.95, size=(N, k))
    else:
        Y = rng.normal(size=(N, k))
    return params, X, Y


@pytest.mark.parametrize("hidden", ref.HIDDEN)
@pytest.mark.parametrize("output,loss,k", [(o, l, k) for o, l in PAIRS for k in (1, 3)
                                           if not (o == "softmax" and k == 1)])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_gradients_match_finite_differences(hidden, output, loss, k, l2):
    params, X, Y = small_problem(output, k)
    Z = X @ params["W1"] + params["b1"]
    assert np.min(np.abs(Z)) > 1e-3  # away from the relu kinks
    f = lambda p: ref.objective(p, X, Y, hidden, output, loss, l2)
    grads = ref.gradients(params, X, Y, hidden, output, loss, l2)
    num, ana, step = [], [], 1e-6
    for name in ref.NAMES:
        for i in np.ndindex(params[name].shape):
            plus = {n: a.copy() for n, a in params.items()}
            minus = {n: a.copy() for n, a in params.items()}
            plus[name][i] += step
            minus[name][i] -= step
            num.append((f(plus) - f(minus)) / (2 * step))
            ana.append(grads[name][i])
    num, ana = np.array(num), np.array(ana)
    assert np.linalg.norm(num - ana) / np.linalg.norm(num + ana) < 1e-6


@pytest.mark.parametrize("output", ["linear", "tanh"])
def test_cross_entropy_needs_sigmoid_or_softmax(output):
    params, X, Y = small_problem(output, 1)
    with pytest.raises(ValueError):
        ref.objective(params, X, Y, "tanh", output, "cross_entropy")


def test_cross_entropy_stays_finite_for_large_scores():
    params, X, Y = small_problem("sigmoid", 3)
    params["W2"] *= 1e4
    for output in ("sigmoid", "softmax"):
        assert np.isfinite(ref.objective(params, X, Y, "tanh", output, "cross_entropy"))


def test_splitmix64_and_permutation():
    assert ref.splitmix64(0) == (0x9E3779B97F4A7C15, 0xE220A8397B1DCDAF)
    p1, s1 = ref.permutation(42, 50)
    p2, s2 = ref.permutation(42, 50)
    p3, _ = ref.permutation(43, 50)
    assert p1.dtype == np.int64 and sorted(p1.tolist()) == list(range(50))
    assert np.array_equal(p1, p2) and s1 == s2
    assert not np.array_equal(p1, p3)
    assert s1 != 42 and 0 <= s1 < 2**64
    q, s = ref.permutation(s1, 50)  # the next epoch's order differs
    assert not np.array_equal(p1, q) and s != s1


def experiment(lr):
    rng = np.random.default_rng(222337497072607291153223098371913928704)
    X_train = (rng.random(1000) - 0.5) * 10
    X_test = (rng.random(100) - 0.5) * 10
    h = 3
    rng = np.random.default_rng(36255793825986746149655859236796938907)
    U = rng.normal(0, 0.01, (h - 1, 2))
    V = rng.normal(0, 0.01, (1, h))
    params = {"W1": U[:, 0].reshape(1, h - 1), "b1": U[:, 1],
              "W2": V[0, :h - 1].reshape(h - 1, 1), "b2": V[0, h - 1:]}
    col = lambda x: x.reshape(-1, 1)
    return ref.train(params, col(X_train), col(np.exp(X_train / 5)), hidden="sigmoid",
                     output="linear", loss="squared", epochs=1000, lr=lr,
                     X_test=col(X_test), Y_test=col(np.exp(X_test / 5)))


def test_experiment_converges():
    out = experiment(0.1)
    assert out["status"] == "done" and out["epochs"] == 1000
    assert len(out["loss"]) == len(out["test_loss"]) == 1001
    assert round(out["test_loss"][-1], 4) == 0.0068


def test_experiment_diverges_and_keeps_finite_params():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # train must stay quiet
        out = experiment(5.0)
    assert out["status"].startswith("diverged at epoch")
    e = out["status"].epoch
    assert out["epochs"] == e - 1 and len(out["loss"]) == e
    assert all(np.all(np.isfinite(a)) for a in out["params"].values())
    assert np.all(np.isfinite(out["loss"]))


def test_adaptive_schedule_divides_lr_by_5_after_two_misses():
    # tol so large that every epoch after the first is a miss: epochs 1-3 run at lr,
    # 4-5 at lr/5, 6 at lr/25.  Full-batch sgd, so chained constant runs must agree.
    params, X, Y = small_problem("linear", 1)
    kw = dict(hidden="tanh", output="linear", loss="squared")
    adaptive = ref.train(params, X, Y, epochs=6, lr=0.05, schedule="adaptive", tol=1e9, **kw)
    p = params
    for lr, epochs in [(0.05, 3), (0.01, 2), (0.002, 1)]:
        p = ref.train(p, X, Y, epochs=epochs, lr=lr, **kw)["params"]
    constant = ref.train(params, X, Y, epochs=6, lr=0.05, **kw)["params"]
    for name in ref.NAMES:
        np.testing.assert_allclose(adaptive["params"][name], p[name], rtol=1e-12)
        assert not np.allclose(adaptive["params"][name], constant[name], rtol=1e-6)


def test_minibatches_in_row_order_and_params_not_modified():
    params, X, Y = small_problem("sigmoid", 3)
    before = {n: a.copy() for n, a in params.items()}
    kw = dict(hidden="relu", output="sigmoid", loss="cross_entropy")
    out = ref.train(params, X, Y, epochs=2, lr=0.3, batch_size=3, shuffle=False, **kw)
    p = params
    for _ in range(2):
        for rows in (slice(0, 3), slice(3, 6), slice(6, 7)):  # last batch is shorter
            g = ref.gradients(p, X[rows], Y[rows], **kw)
            p = {n: p[n] - 0.3 * g[n] for n in ref.NAMES}
    for name in ref.NAMES:
        np.testing.assert_allclose(out["params"][name], p[name], rtol=1e-12)
        np.testing.assert_array_equal(params[name], before[name])
    shuffled = ref.train(params, X, Y, epochs=2, lr=0.3, batch_size=3, seed=1, **kw)
    assert not np.allclose(shuffled["params"]["W1"], p["W1"])


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_optimizers_decrease_the_loss(optimizer):
    params, X, Y = small_problem("softmax", 3)
    out = ref.train(params, X, Y, hidden="leaky_relu", output="softmax", loss="cross_entropy",
                    epochs=30, optimizer=optimizer, lr=0.01, batch_size=4, l2=0.01,
                    schedule="invscaling")
    assert out["status"] == "done" and out["loss"][-1] < out["loss"][0]


def test_each_activation_s_derivative_is_its_slope():
    """Every row of the activation table, a new one too: g' is the slope of g,
    by central differences away from a kink at 0."""
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]
    for name in ref.HIDDEN:
        step = 1e-6
        slope = (ref.hidden_activation(name, z + step) - ref.hidden_activation(name, z - step)) \
            / (2 * step)
        np.testing.assert_allclose(ref.hidden_derivative(name, z, ref.hidden_activation(name, z)),
                                   slope, rtol=1e-6, atol=1e-8, err_msg=name)
