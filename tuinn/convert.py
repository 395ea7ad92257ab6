"""One-hidden-layer models of other libraries as plain model dicts (the form
of `Net.from_dict`: W1, b1, W2, b2, hidden, output, loss), and a net's
weights back into them.

scikit-learn's MLPRegressor / MLPClassifier, PyTorch's
nn.Sequential(Linear, activation, Linear[, output activation]) and Keras's
Sequential(Dense, Dense) are read by their attributes alone: this module
imports none of those libraries, so a model can be diagnosed wherever its
weights can be read.  Any other shape of model is refused with a message that
names what was found.  The inverses write a net's weights into a model of the
same shape (`to_sklearn`, `to_torch`) or give plain arrays (`to_dict`).
"""

import numpy as np

from tuinn.activations import HIDDEN, TABLE
from tuinn.errors import ConfigError
from tuinn.inputs import real_array
from tuinn.settings import OUTPUTS

# Activations by class name (PyTorch), function name (Keras) or scikit-learn's
# word, lower case.
ACTIVATIONS = {**{other: g.name for g in TABLE for other in (g.name, *g.other_names)},
               "softmax": "softmax"}


def _model(W1, b1, W2, b2, hidden, output, loss=None):
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "hidden": hidden, "output": output,
            "loss": loss}


def sklearn_model(est):
    """A fitted MLPRegressor or MLPClassifier with one hidden layer."""
    name = type(est).__name__
    if not hasattr(est, "coefs_"):
        raise ConfigError(f"{name} has no coefs_: fit it first, or pass an MLPRegressor / "
                          "MLPClassifier")
    if len(est.coefs_) != 2:
        raise ConfigError(f"this {name} has {len(est.coefs_) - 1} hidden layers; tuinn reads "
                          "one (hidden_layer_sizes=(h,))")
    hidden = ACTIVATIONS.get(est.activation)
    if hidden not in HIDDEN:
        raise ConfigError(f"{name}'s activation {est.activation!r} has no tuinn counterpart")
    output = ACTIVATIONS.get(est.out_activation_)
    if output not in OUTPUTS:
        raise ConfigError(f"{name}'s output {est.out_activation_!r} has no tuinn counterpart")
    # Classifiers minimize log-loss, regressors squared error.
    loss = "cross_entropy" if hasattr(est, "classes_") else "squared"
    if loss == "squared" and output != "linear":
        raise ConfigError(f"{name} pairs a {output} output with squared error; tuinn reads "
                          "that only from a classifier")
    return _model(est.coefs_[0], est.intercepts_[0], est.coefs_[1], est.intercepts_[1],
                  hidden, output, loss)


def to_sklearn(net, est):
    """Write the net's weights into a fitted MLPRegressor / MLPClassifier of the
    same shape and activations (fit it once on any rows to build it); returns it."""
    want = sklearn_model(est)
    shape = (*np.shape(want["W1"]), np.shape(want["W2"])[-1], want["hidden"], want["output"])
    if shape != (net.n_in, net.n_hidden, net.n_out, net.hidden, net.output):
        raise ConfigError(f"the estimator is {shape[0]}→{shape[1]}→{shape[2]} "
                          f"{shape[3]}→{shape[4]}, the net {net.describe()}: fit one of the "
                          "net's shape first")
    est.coefs_ = [net.W1.copy(), net.W2.copy()]
    est.intercepts_ = [net.b1.copy(), net.b2.copy()]
    return est


def _activation_name(layer):
    """A layer's activation as tuinn names it, or None when it is not one."""
    fn = getattr(layer, "activation", None)
    name = getattr(fn, "__name__", None) if fn is not None else type(layer).__name__
    return ACTIVATIONS.get(str(name).lower())


def _is_linear(layer):
    return all(hasattr(layer, a) for a in ("weight", "bias", "in_features", "out_features"))


def _array(tensor, name):
    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu()
    return real_array(name, tensor.numpy() if hasattr(tensor, "numpy") else tensor,
                      "give a model of numbers")


def _torch_layers(module):
    layers = list(module.children()) if hasattr(module, "children") else list(module)
    found = ", ".join(type(layer).__name__ for layer in layers) or "no layers"
    refuse = ConfigError(f"tuinn reads nn.Sequential(Linear, activation, Linear[, sigmoid or "
                         f"softmax]); this model has {found}")
    if len(layers) not in (3, 4) or not (_is_linear(layers[0]) and _is_linear(layers[2])):
        raise refuse
    hidden = _activation_name(layers[1])
    output = _activation_name(layers[3]) if len(layers) == 4 else "linear"
    if hidden not in HIDDEN or output not in OUTPUTS:
        raise refuse
    for setting, want in HIDDEN[hidden].layer_settings.items():
        got = getattr(layers[1], setting, want)
        if got != want:
            raise ConfigError(f"{type(layers[1]).__name__}({setting}={got:g}): tuinn's {hidden} "
                              f"has {setting}={want:g}")
    if output == "softmax" and getattr(layers[3], "dim", -1) not in (-1, 1):
        raise ConfigError("Softmax must run over the outputs (dim=1 or -1)")
    return layers, hidden, output


def torch_model(module, loss=None):
    """nn.Sequential(Linear, activation, Linear[, Sigmoid / Softmax / Tanh]).  The loss
    is not part of a module: cross_entropy after a sigmoid or softmax, else squared,
    unless `loss` says otherwise."""
    layers, hidden, output = _torch_layers(module)
    return _model(_array(layers[0].weight, "W1").T, _array(layers[0].bias, "b1"),
                  _array(layers[2].weight, "W2").T, _array(layers[2].bias, "b2"), hidden, output,
                  loss)


def to_torch(net, module):
    """Write the net's weights into a module of the same shape (on the CPU); returns it."""
    layers, hidden, output = _torch_layers(module)
    if (hidden, output) != (net.hidden, net.output) or \
            tuple(layers[0].weight.shape) != (net.n_hidden, net.n_in) or \
            tuple(layers[2].weight.shape) != (net.n_out, net.n_hidden):
        raise ConfigError(f"the module does not have the net's shape ({net.describe()})")
    for param, values in ((layers[0].weight, net.W1.T), (layers[0].bias, net.b1),
                          (layers[2].weight, net.W2.T), (layers[2].bias, net.b2)):
        param.detach().numpy()[...] = values
    return module


def keras_model(model, loss=None):
    """Sequential(Dense(h, activation), Dense(k, activation)).  The loss: the
    model's own when it was compiled with mse or a cross-entropy, else as
    torch_model decides."""
    layers = [layer for layer in model.layers if layer.get_weights()]
    found = ", ".join(type(layer).__name__ for layer in model.layers) or "no layers"
    if len(layers) != 2 or any(len(layer.get_weights()) != 2 for layer in layers):
        raise ConfigError(f"tuinn reads Sequential(Dense, Dense) with biases; this model has "
                          f"{found}")
    hidden, output = (_activation_name(layer) for layer in layers)
    if hidden not in HIDDEN or output not in OUTPUTS:
        raise ConfigError(f"the Dense activations ({', '.join(_keras_act(l) for l in layers)}) "
                          "have no tuinn counterpart")
    (W1, b1), (W2, b2) = (layer.get_weights() for layer in layers)
    return _model(W1, b1, W2, b2, hidden, output, loss or _keras_loss(model))


def _keras_act(layer):
    return str(getattr(getattr(layer, "activation", None), "__name__", "?"))


def _keras_loss(model):
    name = str(getattr(model, "loss", "") or "").lower()
    if "crossentropy" in name or "cross_entropy" in name:
        return "cross_entropy"
    if name in ("mse", "mean_squared_error"):
        return "squared"
    return None
