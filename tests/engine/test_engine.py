"""tuinn.Net and tuinn.Trainer: weights as views, initialization, chunked and
continued training, divergence handling, hidden-unit statistics."""

import math

import numpy as np
import pytest
import tuinn
from tuinn.activations import HIDDEN
from tuinn import reference as ref

from conftest import make_problem, net_for


def same_weights(a, b):
    for name in ref.NAMES:
        np.testing.assert_array_equal(a[name], b[name])


def same_history(a, b):
    np.testing.assert_array_equal(a["loss"], b["loss"])
    np.testing.assert_array_equal(a["test_loss"], b["test_loss"])


# ---------------------------------------------------------------- Net basics

def test_weight_views_share_theta():
    net = tuinn.Net(3, 4, 2)
    assert net.shapes == {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,)}
    assert net.theta.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    net.theta[:] = np.arange(net.theta.size)
    np.testing.assert_array_equal(net.W1, np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(net.b1, [12, 13, 14, 15])
    np.testing.assert_array_equal(net.W2, np.arange(16, 24).reshape(4, 2))
    np.testing.assert_array_equal(net.b2, [24, 25])
    net.W2[1, 0] = -1.0
    assert net.theta[18] == -1.0
    w = net.weights()
    w["b2"][0] = 99.0  # a copy
    assert net.b2[0] == 24


def test_writing_views_changes_predictions():
    params, X, _ = make_problem("linear", N=5, k=1)
    net = net_for(params, "tanh", "linear", "squared")
    before = net.predict(X)
    net.b2[0] += 1.0
    np.testing.assert_allclose(net.predict(X), before + 1.0, rtol=1e-14)
    net.set_weights(b2=params["b2"])
    np.testing.assert_array_equal(net.predict(X), before)


def test_set_weights_accepts_unit_axes_left_out():
    net = tuinn.Net(1, 3, 1)
    net.set_weights(W1=[1.0, 2.0, 3.0], b1=[0.0, 0.0, 0.0], W2=[4.0, 5.0, 6.0], b2=7.0)
    np.testing.assert_array_equal(net.W1, [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(net.W2, [[4.0], [5.0], [6.0]])
    assert net.b2.tolist() == [7.0]


def test_copy_is_independent():
    net = tuinn.Net(2, 3, 1).init("glorot", seed=1)
    twin = net.copy()
    np.testing.assert_array_equal(twin.theta, net.theta)
    twin.W1[0, 0] += 1
    assert twin.W1[0, 0] != net.W1[0, 0]
    assert (twin.hidden, twin.output, twin.loss) == (net.hidden, net.output, net.loss)


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_init_schemes_follow_spec(hidden):
    d, h, k = 3, 5, 2
    net = tuinn.Net(d, h, k, hidden=hidden)
    net.init("small", seed=42, scale=0.05)
    rng = np.random.default_rng(42)
    want = [rng.normal(0, 0.05, (d, h)), rng.normal(0, 0.05, h),
            rng.normal(0, 0.05, (h, k)), rng.normal(0, 0.05, k)]
    for name, w in zip(ref.NAMES, want):
        np.testing.assert_array_equal(getattr(net, name), w)

    net.init("glorot", seed=3)
    rng = np.random.default_rng(3)
    a1, a2 = math.sqrt(6 / (d + h)), math.sqrt(6 / (h + k))
    np.testing.assert_array_equal(net.W1, rng.uniform(-a1, a1, (d, h)))
    np.testing.assert_array_equal(net.W2, rng.uniform(-a2, a2, (h, k)))
    assert not net.b1.any() and not net.b2.any()

    net.init("he", seed=3)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(net.W1, rng.normal(0, math.sqrt(2 / d), (d, h)))
    np.testing.assert_array_equal(net.W2, rng.normal(0, math.sqrt(2 / h), (h, k)))
    assert not net.b1.any() and not net.b2.any()

    net.init("sklearn", seed=8)
    f = 2.0 if hidden == "sigmoid" else 6.0
    rng = np.random.default_rng(8)
    a1, a2 = math.sqrt(f / (d + h)), math.sqrt(f / (h + k))
    for name, w in zip(ref.NAMES, [rng.uniform(-a1, a1, (d, h)), rng.uniform(-a1, a1, h),
                                   rng.uniform(-a2, a2, (h, k)), rng.uniform(-a2, a2, k)]):
        np.testing.assert_array_equal(getattr(net, name), w)

    net.init("zeros")
    assert not net.theta.any()


def test_init_seeds_differ_and_repeat():
    a = tuinn.Net(2, 4, 1).init("glorot", seed=1).theta.copy()
    b = tuinn.Net(2, 4, 1).init("glorot", seed=1).theta.copy()
    c = tuinn.Net(2, 4, 1).init("glorot", seed=2).theta.copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_zeros_init_keeps_hidden_units_identical():
    params, X, Y = make_problem("linear", N=20, d=2, h=3, k=1)
    net = tuinn.Net(2, 3, 1, hidden="tanh").init("small", seed=0)
    net.W1[...] = net.W1[:, :1]  # identical columns, identical outgoing weights
    net.b1[...] = net.b1[0]
    net.W2[...] = net.W2[0]
    tuinn.Trainer(net, lr=0.1).train(X, Y, 30)
    for j in (1, 2):
        np.testing.assert_array_equal(net.W1[:, j], net.W1[:, 0])
        np.testing.assert_array_equal(net.W2[j], net.W2[0])


# ---------------------------------------------------------------- continuation

def test_history_starts_at_the_initial_objective_and_grows():
    params, X, Y = make_problem("sigmoid", "cross_entropy", N=30, k=2)
    _, Xt, Yt = make_problem("sigmoid", "cross_entropy", N=9, k=2, seed=8)
    net = net_for(params, "tanh", "sigmoid", "cross_entropy")
    l2 = 0.01
    start, start_test = net.objective(X, Y, l2), net.objective(Xt, Yt, l2)
    tr = tuinn.Trainer(net, optimizer="momentum", lr=0.05, l2=l2, batch_size=7)
    assert tr.status == "new" and tr.epoch == 0 and tr.steps == 0
    assert len(tr.history["loss"]) == 0
    assert tr.train(X, Y, 5, Xt, Yt) == "done"
    h = tr.history
    assert h["loss"][0] == start and h["test_loss"][0] == start_test
    assert len(h["loss"]) == len(h["test_loss"]) == 6
    assert tr.epoch == 5 and tr.steps == 5 * 5  # 30 rows in batches 7,7,7,7,2
    np.testing.assert_allclose(h["loss"][-1], net.objective(X, Y, l2), rtol=1e-13)
    np.testing.assert_allclose(h["test_loss"][-1], net.objective(Xt, Yt, l2), rtol=1e-13)
    tr.train(X, Y, 3, Xt, Yt)
    h = tr.history
    assert len(h["loss"]) == len(h["test_loss"]) == 9 and tr.epoch == 8 and tr.steps == 40
    assert h["loss"][0] == start
    np.testing.assert_allclose(h["loss"][-1], net.objective(X, Y, l2), rtol=1e-13)
    assert np.all(np.isfinite(h["loss"])) and np.all(np.isfinite(h["test_loss"]))
    assert tr.train(X, Y, 0, Xt, Yt) == "done" and len(tr.history["loss"]) == 9


def test_zero_epochs_records_the_initial_loss_only():
    params, X, Y = make_problem("linear", N=10, k=1)
    net = net_for(params, "relu", "linear", "squared")
    tr = tuinn.Trainer(net)
    assert tr.train(X, Y, 0) == "done"
    assert tr.history["loss"].tolist() == [net.objective(X, Y)] and tr.epoch == 0
    np.testing.assert_array_equal(net.theta, net_for(params, "relu", "linear", "squared").theta)


def test_every_history_entry_is_the_objective_after_that_epoch():
    params, X, Y = make_problem("softmax", "cross_entropy", N=23, k=3)
    net = net_for(params, "sigmoid", "softmax", "cross_entropy")
    tr = tuinn.Trainer(net, optimizer="adam", lr=0.01, l2=0.001, batch_size=5)
    losses = [net.objective(X, Y, 0.001)]
    for _ in range(6):
        tr.train(X, Y, 1)
        losses.append(net.objective(X, Y, 0.001))
    np.testing.assert_allclose(tr.history["loss"], losses, rtol=1e-13)


def test_test_loss_stays_aligned_when_the_test_set_comes_and_goes():
    params, X, Y = make_problem("linear", N=20, k=1)
    _, Xt, Yt = make_problem("linear", N=6, k=1, seed=2)
    net = net_for(params, "tanh", "linear", "squared")
    tr = tuinn.Trainer(net, lr=0.05)
    tr.train(X, Y, 2)
    tr.train(X, Y, 3, Xt, Yt)
    tr.train(X, Y, 1)
    h = tr.history
    assert len(h["loss"]) == len(h["test_loss"]) == 7
    assert np.all(np.isnan(h["test_loss"][:3])) and np.isnan(h["test_loss"][6])
    assert np.all(np.isfinite(h["test_loss"][3:6]))


def test_lr_now_follows_invscaling():
    params, X, Y = make_problem("linear", N=10, k=1)
    tr = tuinn.Trainer(net_for(params, "tanh", "linear", "squared"), lr=0.2,
                       schedule="invscaling", power_t=0.7)
    assert tr.lr_now == 0.2
    tr.train(X, Y, 4)
    assert tr.lr_now == pytest.approx(0.2 / 5**0.7, rel=1e-15, abs=0)
    # The kernel used the same rates: compare with four constant-rate epochs.
    net2 = net_for(params, "tanh", "linear", "squared")
    tr2 = tuinn.Trainer(net2)
    for e in range(4):
        tr2.set(lr=0.2 / (e + 1) ** 0.7)
        tr2.train(X, Y, 1)
    np.testing.assert_allclose(tr2.net.theta, tr.net.theta, rtol=1e-14)


def expected_adaptive_scale(losses, tol):
    best, misses, scale = math.inf, 0, 1.0
    for loss in losses:
        if loss < best - tol:
            best, misses = loss, 0
        else:
            misses += 1
            if misses >= 2:
                scale, misses = scale / 5, 0
    return scale


def test_lr_now_follows_adaptive_cuts():
    params, X, Y = make_problem("linear", N=30, k=1)
    net = net_for(params, "tanh", "linear", "squared")
    tr = tuinn.Trainer(net, lr=0.3, schedule="adaptive", tol=0.02)
    seen = []
    for _ in range(8):
        tr.train(X, Y, 5)
        scale = expected_adaptive_scale(tr.history["loss"][1:], 0.02)
        assert tr.lr_now == pytest.approx(0.3 * scale, rel=1e-15, abs=0)
        seen.append(scale)
    assert seen[0] > seen[-1]  # cuts happened during the test
    # A new learning rate restarts the cuts from that rate.
    tr.set(lr=0.1)
    assert tr.lr_now == 0.1


def test_adaptive_equal_loss_is_a_miss():
    # A rate so small that the weights never move: every epoch's loss equals the
    # first one's, which is not *below* best - tol (tol 0), so a miss.
    params, X, Y = make_problem("linear", N=10, k=1)
    net = net_for(params, "tanh", "linear", "squared")
    tr = tuinn.Trainer(net, lr=1e-300, schedule="adaptive", tol=0.0)
    tr.train(X, Y, 5)
    assert np.all(tr.history["loss"] == tr.history["loss"][0])
    assert tr.lr_now == pytest.approx(1e-300 / 25, rel=1e-15, abs=0)


# ---------------------------------------------------------------- chunking

def chunked_vs_whole(make_trainer, X, Y, Xt=None, Yt=None, chunks=10, size=100):
    a, b = make_trainer(), make_trainer()
    for _ in range(chunks):
        a.train(X, Y, size, Xt, Yt)
    b.train(X, Y, chunks * size, Xt, Yt)
    assert a.status == b.status == "done"
    assert a.epoch == b.epoch == chunks * size and a.steps == b.steps
    same_weights(a.net.weights(), b.net.weights())
    same_history(a.history, b.history)
    np.testing.assert_array_equal(a.opt_state, b.opt_state)
    np.testing.assert_array_equal(a.best_theta, b.best_theta)
    assert a.lr_now == b.lr_now and a.best == b.best
    return a, b


def test_chunks_equal_one_call_full_batch():
    params, X, Y = make_problem("linear", N=40, d=2, h=6, k=1, seed=2)
    _, Xt, Yt = make_problem("linear", N=10, d=2, h=6, k=1, seed=5)
    chunked_vs_whole(lambda: tuinn.Trainer(net_for(params, "sigmoid", "linear", "squared"),
                                           lr=0.1, l2=1e-3), X, Y, Xt, Yt)


def test_chunks_equal_one_call_full_batch_momentum_above_one_block():
    params, X, Y = make_problem("linear", N=300, d=2, h=4, k=2, seed=2)
    chunked_vs_whole(lambda: tuinn.Trainer(net_for(params, "tanh", "linear", "squared"),
                                           optimizer="nesterov", lr=0.01), X, Y,
                     chunks=4, size=25)


def test_chunks_equal_one_call_shuffled_minibatch_adam():
    params, X, Y = make_problem("softmax", "cross_entropy", N=50, d=2, h=5, k=3, seed=6)
    chunked_vs_whole(lambda: tuinn.Trainer(
        net_for(params, "relu", "softmax", "cross_entropy"), optimizer="adam", lr=0.005,
        batch_size=16, seed=77), X, Y)


def test_chunks_equal_one_call_adaptive_schedule():
    params, X, Y = make_problem("sigmoid", "squared", N=45, d=2, h=5, k=1, seed=7)
    a, _ = chunked_vs_whole(lambda: tuinn.Trainer(
        net_for(params, "tanh", "sigmoid", "squared"), optimizer="rmsprop", lr=0.01,
        batch_size=10, schedule="adaptive", seed=3), X, Y)
    assert a.lr_now < 0.01  # the schedule did cut, so its state crossed the calls


def test_same_seeds_same_run_and_other_shuffle_seed_differs():
    params, X, Y = make_problem("linear", N=33, d=2, h=4, k=1, seed=1)

    def run(seed):
        tr = tuinn.Trainer(net_for(params, "tanh", "linear", "squared"), optimizer="momentum",
                           lr=0.02, batch_size=8, seed=seed)
        tr.train(X, Y, 50)
        return tr

    a, b, c = run(5), run(5), run(6)
    same_weights(a.net.weights(), b.net.weights())
    same_history(a.history, b.history)
    assert not np.allclose(a.net.theta, c.net.theta, rtol=1e-6, atol=0)
    # Unshuffled mini-batches do not depend on the seed at all.
    u = [tuinn.Trainer(net_for(params, "tanh", "linear", "squared"), lr=0.02, batch_size=8,
                       shuffle=False, seed=s) for s in (5, 6)]
    for tr in u:
        tr.train(X, Y, 20)
    np.testing.assert_array_equal(u[0].net.theta, u[1].net.theta)


def test_shuffle_state_carries_over_between_calls():
    # Two calls must not replay the same permutations: equal to one call, unequal
    # to a fresh trainer's second call.
    params, X, Y = make_problem("linear", N=20, d=2, h=3, k=1)
    make = lambda: tuinn.Trainer(net_for(params, "tanh", "linear", "squared"), lr=0.05,
                                 batch_size=3, seed=9)
    a, b = make(), make()
    a.train(X, Y, 1)
    a.train(X, Y, 1)
    b.train(X, Y, 2)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)


def rng_state_after(seed, n, epochs):
    state = seed
    for _ in range(epochs):
        _, state = ref.permutation(state, n)
    return state


def test_changing_settings_between_calls_matches_reference_split_the_same_way():
    hidden, output, loss = "tanh", "linear", "squared"
    params, X, Y = make_problem(output, N=31, d=2, h=5, k=2, seed=4, w_scale=0.5)
    net = net_for(params, hidden, output, loss)
    tr = tuinn.Trainer(net, lr=0.1, seed=21)
    kw = dict(hidden=hidden, output=output, loss=loss, optimizer="sgd")
    plan = [dict(lr=0.1, batch_size=None, l2=0.0, shuffle=None),
            dict(lr=0.03, batch_size=7, l2=0.0, shuffle=False),
            dict(lr=0.03, batch_size=7, l2=0.05, shuffle=True),
            dict(lr=0.2, batch_size=None, l2=0.05, shuffle=None),
            dict(lr=0.01, batch_size=4, l2=0.0, shuffle=True)]
    p, seed, losses = params, 21, None
    for i, step in enumerate(plan):
        tr.set(**step)
        assert tr.train(X, Y, 12) == "done"
        want = ref.train(p, X, Y, epochs=12, seed=seed, **step, **kw)
        p = want["params"]
        if step["shuffle"]:
            seed = rng_state_after(seed, len(X), 12)
        # The first value of each reference call is the objective with that call's
        # l2 at the start; the trainer's history already holds the previous end.
        losses = want["loss"] if losses is None else losses + want["loss"][1:]
        for name in ref.NAMES:
            np.testing.assert_allclose(net.weights()[name], p[name], rtol=1e-9)
    np.testing.assert_allclose(tr.history["loss"], losses, rtol=1e-9)
    assert tr.epoch == 60


def test_set_checks_everything_before_changing_anything():
    tr = tuinn.Trainer(tuinn.Net(1, 2, 1), lr=0.1, momentum=0.5)
    with pytest.raises(tuinn.ConfigError):
        tr.set(lr=0.3, momentum=1.5)
    assert tr.settings["lr"] == 0.1 and tr.settings["momentum"] == 0.5
    assert tr.hyper.lr == 0.1 and tr.hyper.momentum == 0.5


# ---------------------------------------------------------------- divergence

def test_loss_overflow_is_caught_and_previous_weights_kept():
    # Linear hidden and output: after a huge step the weights are ~1e200, finite,
    # and the squared loss overflows to inf.
    params, X, Y = make_problem("linear", N=20, d=2, h=3, k=1, seed=3)
    net = net_for(params, "linear", "linear", "squared")
    tr = tuinn.Trainer(net, lr=1e-3)
    assert tr.train(X, Y, 3) == "done"
    before = net.weights()
    hist = tr.history["loss"].copy()
    tr.set(lr=1e200)
    with np.errstate(all="raise"):  # the engine itself must not trip numpy warnings
        status = tr.train(X, Y, 5)
    assert status == "diverged at epoch 4"
    assert tr.status == status and tr.epoch == 3
    same_weights(net.weights(), before)
    np.testing.assert_array_equal(tr.history["loss"], hist)
    assert len(tr.history["loss"]) == 4
    assert all(np.all(np.isfinite(w)) for w in net.weights().values())
    # What the kernel saw was an infinite loss, not an infinite weight:
    trial = net.copy()
    trial.theta[:] -= 1e200 * np.concatenate(
        [g.ravel() for g in trial.gradients(X, Y).values()])
    assert np.all(np.isfinite(trial.theta))
    assert not np.isfinite(trial.objective(X, Y))


def test_infinite_weight_with_finite_loss_is_caught():
    # Inputs of 1e3 make the W1 gradient large, so lr 1e308 overflows W1 to inf
    # while W2, b1, b2 stay finite; the sigmoid hidden layer and output keep the
    # loss finite, so only the weight check can notice.
    X = np.full((4, 1), 1e3)
    Y = np.array([[0.9], [0.8], [0.9], [0.7]])
    params = {"W1": np.array([[1e-3]]), "b1": np.array([0.0]), "W2": np.array([[1.0]]),
              "b2": np.array([0.0])}
    net = net_for(params, "sigmoid", "sigmoid", "squared")
    # Check the construction: one such sgd step gives an inf weight, finite loss.
    trial = net.copy()
    g = np.concatenate([a.ravel() for a in trial.gradients(X, Y).values()])
    with np.errstate(over="ignore"):
        trial.theta[:] -= 1e308 * g
    assert np.isinf(trial.theta[0]) and np.all(np.isfinite(trial.theta[1:]))
    assert np.isfinite(trial.objective(X, Y))

    tr = tuinn.Trainer(net, lr=1e308)
    assert tr.train(X, Y, 3) == "diverged at epoch 1"
    same_weights(net.weights(), params)
    assert tr.history["loss"].tolist() == [net.objective(X, Y)] and tr.epoch == 0


@pytest.mark.parametrize("optimizer,batch_size", [("sgd", None), ("adam", 3), ("momentum", 5)])
def test_divergence_keeps_the_last_finite_state_and_can_continue(optimizer, batch_size):
    params, X, Y = make_problem("linear", N=12, d=2, h=3, k=1, seed=8)
    kw = dict(optimizer=optimizer, batch_size=batch_size, seed=4)
    net = net_for(params, "relu", "linear", "squared")
    tr = tuinn.Trainer(net, lr=1e-3, **kw)
    tr.train(X, Y, 4)
    tr.set(lr=1e160 if optimizer != "adam" else 1e306)
    status = tr.train(X, Y, 10)
    assert status.diverged
    e = status.epoch
    assert len(tr.history["loss"]) == e == tr.epoch + 1
    # The kept state (weights, moments, step count, shuffle RNG) is the one after
    # epoch e-1: continuing with a sane rate equals a run that never blew up.
    twin = tuinn.Trainer(net_for(params, "relu", "linear", "squared"), lr=1e-3, **kw)
    twin.train(X, Y, e - 1)
    same_weights(net.weights(), twin.net.weights())
    np.testing.assert_array_equal(tr.opt_state, twin.opt_state)
    assert tr.steps == twin.steps
    tr.set(lr=1e-3)
    twin.train(X, Y, 3)
    assert tr.train(X, Y, 3) == "done"
    same_weights(net.weights(), twin.net.weights())
    same_history(tr.history, twin.history)


# ---------------------------------------------------------------- unit_stats



@pytest.mark.parametrize("hidden", ref.HIDDEN)
@pytest.mark.parametrize("N", [1, 9, 256, 300, 700])
def test_unit_stats_match_numpy(hidden, N):
    params, X, _ = make_problem("linear", N=N, d=3, h=6, k=1, seed=N)
    params["b1"][0] = -50.0  # a unit that is off (dead for relu) on every row
    params["W1"][:, 1] = 0.0  # a constant unit
    params["W1"][:, 2] = params["b1"][2] = 0.0  # Z exactly 0 on every row: not active
    net = net_for(params, hidden, "linear", "squared")
    _, A = net.predict(X, hidden=True)
    Z = X @ net.W1 + net.b1
    stats = net.unit_stats(X)
    assert set(stats) == {"active", "mean_deriv", "z_min", "z_max", "a_mean", "a_cov"}
    np.testing.assert_allclose(stats["active"], (Z > 0).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats["mean_deriv"], ref.hidden_derivative(hidden, Z, A).mean(axis=0),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(stats["z_min"], Z.min(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats["z_max"], Z.max(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats["a_mean"], A.mean(axis=0), rtol=1e-12)
    cov = np.cov(A, rowvar=False, bias=True).reshape(6, 6)
    assert stats["a_cov"].shape == (6, 6)
    np.testing.assert_allclose(stats["a_cov"], cov, rtol=1e-12,
                               atol=1e-12 * np.abs(np.diag(cov)).max())
    np.testing.assert_array_equal(stats["a_cov"], stats["a_cov"].T)
    assert stats["active"][0] == stats["active"][2] == 0.0
    left = HIDDEN[hidden].left_slope
    if left is not None:            # the left derivative at Z = 0
        assert stats["mean_deriv"][2] == pytest.approx(left, rel=1e-12, abs=0)
    # The constant unit: no variance, no covariance (up to the rounding of its mean).
    assert np.all(np.abs(stats["a_cov"][1]) <= 1e-12 * np.abs(np.diag(cov)).max())


# ---------------------------------------------------------------- best weights

def oscillating_f1():
    """exp-lr1 (f1, 2 units, lr 1, 1000 epochs): lowest near epoch 749, then oscillates."""
    from tuinn.runs import Run, RunSpec

    return Run(RunSpec.from_preset("exp-lr1"))


def test_best_weights_are_those_of_the_lowest_loss():
    run = oscillating_f1()
    tr = run.trainer
    assert tr.best is None
    run.train()
    loss = tr.history["loss"]
    epoch, best = tr.best
    assert epoch == int(np.argmin(loss)) and best == loss.min()
    assert 700 < epoch < 800 and loss[-1] > 5 * best
    # The kept weights give exactly that loss.
    probe = run.net.copy()
    probe.theta[:] = tr.best_theta
    assert probe.objective(run.dataset.X, run.dataset.Y) == best


def test_restore_best_puts_them_back_and_restarts_the_optimizer():
    run = oscillating_f1()
    run.train()
    tr = run.trainer
    epoch, best = tr.restore_best()
    np.testing.assert_array_equal(run.net.theta, tr.best_theta)
    assert run.net.objective(run.dataset.X, run.dataset.Y) == best
    assert tr.steps == 0 and not tr.opt_state.any()
    assert tr.epoch == 1000, "the epoch count and history go on"
    tr.set(lr=0.1)
    run.train(10)
    assert tr.epoch == 1010 and tr.history["loss"][-1] < best


def test_best_starts_at_the_initial_weights():
    from tuinn.runs import Run, RunSpec

    run = Run(RunSpec.from_preset("sum-relu-optimal"))    # loss 0 from the start
    start = run.net.theta.copy()
    run.train(5)
    assert run.trainer.best == (0, 0.0)
    np.testing.assert_array_equal(run.trainer.best_theta, start)


def test_restore_best_before_training_is_a_clear_error():
    with pytest.raises(tuinn.TuinnError, match="train first"):
        tuinn.Trainer(tuinn.Net(1, 2, 1)).restore_best()


def test_an_adaptive_rate_that_plateaued_to_zero_is_kept_and_restored(tmp_path):
    """A long plateau divides the adaptive scale by 5 until it underflows to 0;
    the trainer's state, copied or saved, must still load."""
    X = np.linspace(-1, 1, 20)[:, None]
    net = tuinn.Net(1, 2, 1, "tanh").init("glorot", seed=0)
    trainer = tuinn.Trainer(net, lr=0.1, schedule="adaptive")
    trainer.train(X, X, 3000)
    assert trainer.snapshot()["lr_scale"] == 0.0
    copy = tuinn.Trainer(net.copy(), **trainer.settings).restore(trainer.snapshot())
    assert copy.lr_now == 0.0 and copy.epoch == trainer.epoch
