"""Experiment 1A of the source documents, run by the C kernel: f1(x) = exp(x/5)
on [-5, 5], full-batch sgd from the documents' own initial weights."""

import numpy as np
import pytest
import tuinn
from tuinn import reference as ref


def data():
    rng = np.random.default_rng(222337497072607291153223098371913928704)
    X_train = (rng.random(1000) - 0.5) * 10
    X_test = (rng.random(100) - 0.5) * 10
    col = lambda x: x.reshape(-1, 1)
    return col(X_train), col(np.exp(X_train / 5)), col(X_test), col(np.exp(X_test / 5))


def weights(h):
    """The documents' h counts the bias unit: h = 3 means 2 sigmoid units."""
    rng = np.random.default_rng(36255793825986746149655859236796938907)
    U = rng.normal(0, 0.01, (h - 1, 2))
    V = rng.normal(0, 0.01, (1, h))
    return {"W1": U[:, 0].reshape(1, h - 1), "b1": U[:, 1],
            "W2": V[0, :h - 1].reshape(h - 1, 1), "b2": V[0, h - 1:]}


def run(h, lr, epochs=1000):
    X, Y, Xt, Yt = data()
    net = tuinn.Net(1, h - 1, 1, hidden="sigmoid", output="linear", loss="squared")
    net.set_weights(**weights(h))
    tr = tuinn.Trainer(net, optimizer="sgd", lr=lr)
    tr.train(X, Y, epochs, Xt, Yt)
    return tr


@pytest.mark.parametrize("h,want", [(3, 0.0068), (2, 0.0051), (5, 0.0100), (8, 0.0121)])
def test_final_test_loss(h, want):
    tr = run(h, 0.1)
    assert tr.status == "done" and tr.epoch == 1000
    assert len(tr.history["loss"]) == len(tr.history["test_loss"]) == 1001
    assert round(tr.history["test_loss"][-1], 4) == want
    assert tr.history["loss"][-1] < tr.history["loss"][0]


def test_lr_2_overshoots_but_stays_finite():
    tr = run(3, 2.0)
    assert tr.status == "done"
    assert 2.6e4 < tr.history["test_loss"][-1] < 2.8e4


def test_lr_5_diverges_at_epoch_193_keeping_epoch_192():
    tr = run(3, 5.0)
    assert tr.status == "diverged at epoch 193"
    assert tr.epoch == 192
    assert len(tr.history["loss"]) == len(tr.history["test_loss"]) == 193
    assert np.all(np.isfinite(tr.history["loss"])) and np.all(np.isfinite(tr.history["test_loss"]))
    w = tr.net.weights()
    assert all(np.all(np.isfinite(a)) for a in w.values())
    twin = run(3, 5.0, epochs=192)
    assert twin.status == "done"
    for name in ref.NAMES:
        np.testing.assert_array_equal(w[name], twin.net.weights()[name])
    np.testing.assert_array_equal(tr.history["loss"], twin.history["loss"])
    np.testing.assert_array_equal(tr.history["test_loss"], twin.history["test_loss"])


@pytest.mark.slow
def test_h3_run_equals_reference():
    X, Y, Xt, Yt = data()
    want = ref.train(weights(3), X, Y, hidden="sigmoid", output="linear", loss="squared",
                     epochs=1000, lr=0.1, X_test=Xt, Y_test=Yt)
    tr = run(3, 0.1)
    np.testing.assert_allclose(tr.history["loss"], want["loss"], rtol=1e-9)
    np.testing.assert_allclose(tr.history["test_loss"], want["test_loss"], rtol=1e-9)
    for name in ref.NAMES:
        np.testing.assert_allclose(tr.net.weights()[name], want["params"][name], rtol=1e-9)
