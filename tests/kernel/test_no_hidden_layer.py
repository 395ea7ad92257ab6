"""hidden_units = 0: a network with no hidden layer, the single neuron of the delta
rule, of logistic and of linear regression (docs/math.md#shapes-and-forward-pass).
The kernel against calculus and against the numpy reference, like every other
architecture."""

import numpy as np
import pytest
import tuinn
from tuinn import reference as ref

from conftest import finite_differences, make_problem

PAIRS = [("linear", "squared", 1), ("sigmoid", "squared", 2), ("tanh", "squared", 1),
         ("sigmoid", "cross_entropy", 1), ("softmax", "cross_entropy", 3),
         ("softmax", "squared", 3)]


def single_layer(output, loss, k, N=300, seed=3):
    params, X, Y = make_problem(output, loss, N=N, d=3, h=0, k=k, seed=seed)
    params["W2"] = np.random.default_rng(seed).normal(0, 0.5, (3, k))
    net = tuinn.Net(3, 0, k, output=output, loss=loss).set_weights(W2=params["W2"],
                                                                     b2=params["b2"])
    return net, params, X, Y


def test_shapes_and_description():
    net = tuinn.Net(2, 0, 1, output="sigmoid")
    assert net.shapes == {"W1": (2, 0), "b1": (0,), "W2": (2, 1), "b2": (1,)}
    assert net.fan_in == 2 and net.theta.size == 3
    assert "no hidden layer" in net.describe()


@pytest.mark.parametrize("output,loss,k", PAIRS)
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_gradients_match_reference_and_finite_differences(output, loss, k, l2):
    net, params, X, Y = single_layer(output, loss, k)
    want = ref.gradients(params, X, Y, "linear", output, loss, l2)
    got = net.gradients(X, Y, l2)
    for name in ref.NAMES:
        assert got[name].shape == want[name].shape
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-15)
    assert net.objective(X, Y, l2) == pytest.approx(
        ref.objective(params, X, Y, "linear", output, loss, l2), rel=1e-12)
    flat = np.concatenate([got["W2"].ravel(), got["b2"]])
    np.testing.assert_allclose(finite_differences(net, X, Y, l2), flat, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam", "rmsprop"])
@pytest.mark.parametrize("batch_size", [None, 32])
def test_training_equals_reference(optimizer, batch_size):
    net, params, X, Y = single_layer("sigmoid", "cross_entropy", 1)
    settings = {"optimizer": optimizer, "lr": 0.05, "batch_size": batch_size, "l2": 1e-3}
    want = ref.train(params, X, Y, hidden="linear", output="sigmoid", loss="cross_entropy",
                     epochs=40, seed=5, **settings)
    trainer = tuinn.Trainer(net, seed=5, **settings)
    trainer.train(X, Y, 40)
    np.testing.assert_allclose(trainer.history["loss"], want["loss"], rtol=1e-12)
    np.testing.assert_allclose(net.W2, want["params"]["W2"], rtol=1e-10, atol=1e-14)


def test_predict_and_unit_stats_have_no_units():
    net, _, X, _ = single_layer("linear", "squared", 1)
    out, hidden = net.predict(X, hidden=True)
    np.testing.assert_allclose(out, X @ net.W2 + net.b2, rtol=1e-13)
    assert hidden.shape == (len(X), 0)
    assert all(v.size == 0 for v in net.unit_stats(X).values())


def test_init_schemes_fill_the_one_layer():
    for scheme in ("small", "glorot", "he", "sklearn"):
        net = tuinn.Net(4, 0, 2).init(scheme, seed=1)
        assert np.all(net.W2 != 0)
    assert np.all(tuinn.Net(4, 0, 2).init("zeros").theta == 0)
