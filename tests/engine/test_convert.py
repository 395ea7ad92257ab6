"""Models of other libraries as tuinn nets and back (tuinn.convert): scikit-learn
for real; PyTorch and Keras through stand-ins with the same attributes."""

import warnings

import numpy as np
import pytest
from tuinn import Net
from tuinn.diagnose import diagnose
from tuinn.engine import Trainer
from tuinn.errors import ConfigError

sklearn = pytest.importorskip("sklearn.neural_network")


def _rows(seed=0, n=120, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_an_mlp_regressor_predicts_the_same_in_tuinn_and_is_diagnosed(activation):
    X, y = _rows()
    est = _fit(sklearn.MLPRegressor(hidden_layer_sizes=(5,), activation=activation, max_iter=50,
                                    random_state=0), X, y)
    net = Net.from_sklearn(est)
    assert (net.n_in, net.n_hidden, net.n_out, net.loss) == (3, 5, 1, "squared")
    np.testing.assert_allclose(net.predict(X)[:, 0], est.predict(X), rtol=1e-12, atol=1e-12)
    trainer = Trainer(net)
    trainer.train(X, y[:, None], 0)         # the loss at sklearn's weights, nothing more
    codes = [f.code for f in diagnose(net, trainer, X, y[:, None])]
    # A linear hidden layer is a linear model, whatever scikit-learn trained.
    assert ("linear-collapse" in codes) == (activation == "identity"), codes


@pytest.mark.parametrize("classes", [2, 3])
def test_an_mlp_classifier_gives_the_same_probabilities(classes):
    X, y = _rows(1)
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, classes + 1)[1:-1]))
    est = _fit(sklearn.MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0), X, labels)
    net = Net.from_sklearn(est)
    assert net.loss == "cross_entropy"
    proba = est.predict_proba(X)
    got = net.predict(X)
    if classes == 2:
        assert net.output == "sigmoid"
        np.testing.assert_allclose(got[:, 0], proba[:, 1], rtol=1e-12, atol=1e-12)
    else:
        assert net.output == "softmax"
        np.testing.assert_allclose(got, proba, rtol=1e-12, atol=1e-12)


def test_to_sklearn_puts_trained_weights_back_into_the_estimator():
    X, y = _rows(2)
    est = _fit(sklearn.MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", max_iter=5, random_state=0), X, y)
    net = Net.from_sklearn(est)
    Trainer(net, optimizer="adam", lr=0.01).train(X, y[:, None], 200)
    assert net.to_sklearn(est) is est
    np.testing.assert_allclose(est.predict(X), net.predict(X)[:, 0], rtol=1e-12, atol=1e-12)
    with pytest.raises(ConfigError, match="fit one of the net's shape first"):
        Net(3, 2, 1, hidden="tanh").to_sklearn(est)


def test_other_sklearn_models_are_refused_with_what_was_found():
    X, y = _rows(3)
    deep = _fit(sklearn.MLPRegressor(hidden_layer_sizes=(4, 4), max_iter=5, random_state=0), X, y)
    with pytest.raises(ConfigError, match="has 2 hidden layers; tuinn reads one"):
        Net.from_sklearn(deep)
    with pytest.raises(ConfigError, match="has no coefs_: fit it first"):
        Net.from_sklearn(sklearn.MLPRegressor(hidden_layer_sizes=(4,)))


# ---------------------------------------------------------------- PyTorch stand-ins

class Tensor:
    """What tuinn reads of a torch tensor: detach, cpu, numpy, shape."""

    def __init__(self, values):
        self.values = np.array(values, dtype=np.float64)
        self.shape = self.values.shape

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.values


class Linear:
    def __init__(self, n_in, n_out, rng):
        self.in_features, self.out_features = n_in, n_out
        self.weight = Tensor(rng.normal(size=(n_out, n_in)))
        self.bias = Tensor(rng.normal(size=n_out))


class Tanh:
    pass


class ReLU:
    pass


class LeakyReLU:
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope


class Softmax:
    dim = 1


class Dropout:
    pass


class Sequential:
    def __init__(self, *layers):
        self.layers = layers

    def children(self):
        return iter(self.layers)


def _forward(layers, X):
    out = X
    for layer in layers:
        if isinstance(layer, Linear):
            out = out @ layer.weight.values.T + layer.bias.values
        elif isinstance(layer, Tanh):
            out = np.tanh(out)
        elif isinstance(layer, ReLU):
            out = np.maximum(out, 0)
        elif isinstance(layer, LeakyReLU):
            out = np.where(out > 0, out, 0.01 * out)
        elif isinstance(layer, Softmax):
            e = np.exp(out - out.max(axis=1, keepdims=True))
            out = e / e.sum(axis=1, keepdims=True)
    return out


@pytest.mark.parametrize("act,tail", [(Tanh, None), (ReLU, None), (LeakyReLU, Softmax)])
def test_a_torch_sequential_predicts_the_same_and_takes_weights_back(act, tail):
    rng = np.random.default_rng(4)
    layers = [Linear(3, 5, rng), act(), Linear(5, 2, rng)] + ([tail()] if tail else [])
    module = Sequential(*layers)
    X = rng.normal(size=(40, 3))
    net = Net.from_torch(module)
    assert net.loss == ("cross_entropy" if tail else "squared")
    np.testing.assert_allclose(net.predict(X), _forward(layers, X), rtol=1e-12, atol=1e-12)
    net.theta[:] += 0.1
    net.to_torch(module)
    np.testing.assert_allclose(net.predict(X), _forward(layers, X), rtol=1e-12, atol=1e-12)


def test_other_torch_shapes_are_refused_with_what_was_found():
    rng = np.random.default_rng(5)
    with pytest.raises(ConfigError, match="this model has Linear, Dropout, Tanh, Linear"):
        Net.from_torch(Sequential(Linear(2, 3, rng), Dropout(), Tanh(), Linear(3, 1, rng)))
    with pytest.raises(ConfigError, match=r"LeakyReLU\(negative_slope=0.2\)"):
        Net.from_torch(Sequential(Linear(2, 3, rng), LeakyReLU(0.2), Linear(3, 1, rng)))


# ---------------------------------------------------------------- Keras stand-ins

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0)


def elu(z):
    return z


class Dense:
    def __init__(self, n_in, n_out, activation, rng):
        self.activation = activation
        self.kernel, self.bias = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)

    def get_weights(self):
        return [self.kernel, self.bias]


class Model:
    def __init__(self, layers, loss=None):
        self.layers, self.loss = layers, loss


def test_a_keras_sequential_predicts_the_same_and_keeps_its_compiled_loss():
    rng = np.random.default_rng(6)
    layers = [Dense(2, 4, relu, rng), Dense(4, 1, sigmoid, rng)]
    X = rng.normal(size=(30, 2))
    net = Net.from_keras(Model(layers, loss="mse"))
    assert (net.hidden, net.output, net.loss) == ("relu", "sigmoid", "squared")
    want = sigmoid(relu(X @ layers[0].kernel + layers[0].bias) @ layers[1].kernel
                   + layers[1].bias)
    np.testing.assert_allclose(net.predict(X), want, rtol=1e-12, atol=1e-12)
    assert Net.from_keras(Model(layers, loss="binary_crossentropy")).loss == "cross_entropy"
    with pytest.raises(ConfigError, match=r"Dense activations \(elu, sigmoid\)"):
        Net.from_keras(Model([Dense(2, 4, elu, rng), Dense(4, 1, sigmoid, rng)]))


def test_a_plain_dict_round_trips():
    net = Net(2, 3, 1, hidden="tanh").init("glorot", seed=1)
    back = Net.from_dict(net.to_dict())
    assert back.describe() == net.describe()
    np.testing.assert_array_equal(back.theta, net.theta)
    with pytest.raises(ConfigError, match="W2 needs one row per hidden unit"):
        Net.from_dict({**net.to_dict(), "W2": np.zeros((4, 1))})
