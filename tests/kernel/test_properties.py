"""Property tests: whatever the shapes, activations, optimizer, value scales and
learning rate, training never crashes and never leaves non-finite weights, and
a net with finite weights never predicts non-finite values where its layers are
bounded.

The examples are drawn deterministically (derandomize) so CI does not flake;
set TUINN_PROPERTY_EXAMPLES=500 to search further with fresh random examples.
"""

import os

import numpy as np
import tuinn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tuinn import reference as ref
from tuinn.settings import OPTIMIZERS, SCHEDULES

SEARCH = os.environ.get("TUINN_PROPERTY_EXAMPLES")
PROFILE = dict(deadline=None, database=None, derandomize=not SEARCH,
               suppress_health_check=[HealthCheck.too_slow])

PAIRS = [("linear", "squared"), ("sigmoid", "squared"), ("tanh", "squared"),
         ("softmax", "squared"), ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy")]


def targets(rng, output, loss, N, k):
    if output == "softmax":
        return np.eye(k)[rng.integers(0, k, N)]
    if output == "sigmoid":
        Y = rng.uniform(0, 1, (N, k))
        return np.round(Y) if loss == "cross_entropy" and rng.random() < 0.5 else Y
    if output == "tanh":
        return rng.uniform(-1, 1, (N, k))
    return rng.normal(0, 1, (N, k)) * 10 ** rng.uniform(-2, 3)


@st.composite
def runs(draw):
    N = draw(st.integers(1, 300))
    case = dict(
        N=N, d=draw(st.integers(1, 5)), h=draw(st.integers(1, 8)), k=draw(st.integers(1, 3)),
        hidden=draw(st.sampled_from(ref.HIDDEN)), pair=draw(st.sampled_from(PAIRS)),
        optimizer=draw(st.sampled_from(OPTIMIZERS)),
        schedule=draw(st.sampled_from(SCHEDULES)),
        x_scale=10 ** draw(st.floats(-3, 6)), lr=10 ** draw(st.floats(-4, 3)),
        l2=draw(st.sampled_from([0.0, 0.0, 1e-3, 1.0])),
        batch_size=draw(st.one_of(st.none(), st.integers(1, N))),
        epochs=draw(st.integers(1, 12)),
        init=draw(st.sampled_from(["glorot", "small", "he", "sklearn", "zeros"])),
        seed=draw(st.integers(0, 2**32 - 1)),
        test=draw(st.booleans()),
    )
    return case


@settings(max_examples=int(SEARCH or 60), **PROFILE)
@given(runs())
def test_training_ends_done_or_diverged_with_finite_weights(case):
    rng = np.random.default_rng(case["seed"])
    N, d, h, k = case["N"], case["d"], case["h"], case["k"]
    output, loss = case["pair"]
    X = rng.normal(0, 1, (N, d)) * case["x_scale"]
    Y = targets(rng, output, loss, N, k)
    Xt = Yt = None
    if case["test"]:
        Xt = rng.normal(0, 1, (5, d)) * case["x_scale"]
        Yt = targets(rng, output, loss, 5, k)
    net = tuinn.Net(d, h, k, hidden=case["hidden"], output=output, loss=loss)
    net.init(case["init"], seed=case["seed"] % 1000)
    tr = tuinn.Trainer(net, optimizer=case["optimizer"], lr=case["lr"], l2=case["l2"],
                       batch_size=case["batch_size"], schedule=case["schedule"],
                       seed=case["seed"])
    epochs = case["epochs"]
    with np.errstate(all="raise"):  # no numpy warnings inside the engine either
        status = tr.train(X, Y, epochs, Xt, Yt)
    hist = tr.history
    assert np.all(np.isfinite(net.theta))
    assert len(hist["test_loss"]) == (len(hist["loss"]) if case["test"] else 0)
    if status == "done":
        assert len(hist["loss"]) == epochs + 1 and tr.epoch == epochs
    else:
        assert status.diverged
        e = status.epoch
        assert 1 <= e <= epochs
        assert len(hist["loss"]) == e and tr.epoch == e - 1
    # history[0] may be inf (huge inputs through a linear net); every later value is
    # the loss of finite weights that training accepted, so it is finite.
    assert np.all(np.isfinite(hist["loss"][1:]))
    if case["test"]:
        assert not np.any(np.isnan(hist["test_loss"]))


@settings(max_examples=int(SEARCH or 40), **PROFILE)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["sigmoid", "tanh"]),
       st.sampled_from(PAIRS), st.floats(0, 300), st.floats(-300, 300),
       st.integers(1, 4), st.integers(1, 6), st.integers(1, 3), st.integers(1, 40))
def test_bounded_hidden_layer_gives_finite_outputs_at_huge_pre_activations(
        seed, hidden, pair, x_exp, w2_exp, d, h, k, N):
    output, loss = pair
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (N, d)) * 10.0 ** x_exp  # |Z| up to ~1e300, still finite
    Y = targets(rng, output, loss, N, k)
    net = tuinn.Net(d, h, k, hidden=hidden, output=output, loss=loss).init("glorot", seed=1)
    # Output pre-activations S stay finite: |A| <= 1, so |S| <= h |W2| + |b2|.
    w2 = min(10.0 ** w2_exp, 1e300 / (h + 1))
    net.W2[...] *= w2 / np.abs(net.W2).max()
    net.b2[...] = rng.normal(0, 1, k) * w2
    with np.errstate(all="raise"):
        out, act = net.predict(X, hidden=True)
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(act))
        assert np.all(np.abs(act) <= 1.0)
        if output in ("sigmoid", "softmax"):
            assert np.all((out >= 0) & (out <= 1))
        value = net.objective(X, Y)
        if output != "linear":  # a bounded output, or cross-entropy taken from S
            assert np.isfinite(value)
            for name, g in net.gradients(X, Y).items():
                assert np.all(np.isfinite(g)), name


def test_x_scaled_1e300_through_sigmoid_and_tanh():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (50, 3)) * 1e300
    for hidden in ("sigmoid", "tanh"):
        for output, loss in PAIRS:
            k = 3 if output == "softmax" else 2
            Y = targets(rng, output, loss, 50, k)
            net = tuinn.Net(3, 4, k, hidden=hidden, output=output, loss=loss).init("he", seed=2)
            assert np.all(np.isfinite(net.predict(X)))
            assert np.isfinite(net.objective(X, Y))
            assert all(np.all(np.isfinite(g)) for g in net.gradients(X, Y).values())
            stats = net.unit_stats(X)
            assert all(np.all(np.isfinite(v)) for v in stats.values())
            # Saturated everywhere: no derivative left, and a short training run
            # stays finite.
            assert np.all(stats["mean_deriv"] < 1e-12)
            tr = tuinn.Trainer(net, lr=0.1)
            assert tr.train(X, Y, 3) == "done"


def test_the_kernel_rechecks_what_it_is_given():
    """A last line of defence behind Python's checks: bad sizes and settings come
    back as status codes, never as a crash."""
    from tuinn._kernel import ffi, lib

    net = tuinn.Net(2, 3, 1)
    trainer = tuinn.Trainer(net)
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    _, _, data = net.data(X, Y)
    ptr = lambda a: ffi.from_buffer("double[]", a)
    history, done = np.empty(4), ffi.new("int64_t *")
    hyper = ffi.new("tn_hyper *", trainer.hyper[0])

    def train(epochs, arch=net.arch, hyper=hyper, data=data):
        return lib.tn_train(arch, ptr(net.theta), ptr(trainer.opt_state), trainer.state, hyper,
                            data, ffi.NULL, epochs, ptr(history), ffi.NULL, ffi.NULL,
                            ptr(net.work), ffi.NULL, done)

    assert train(-1) == lib.TN_EHYPER
    hyper.lr = float("nan")
    assert train(1) == lib.TN_EHYPER
    hyper.lr = 0.1
    hyper.l1 = -1e-3
    assert train(1) == lib.TN_EHYPER
    hyper.l1 = 0.0
    bad = ffi.new("tn_arch *", {"n_in": 2, "n_hidden": -1, "n_out": 1})
    assert train(1, arch=bad) == lib.TN_EARCH
    empty = ffi.new("tn_data *", {"X": ptr(X), "Y": ptr(Y), "n": 0})
    assert train(1, data=empty) == lib.TN_EDATA
    assert train(1) == lib.TN_OK
