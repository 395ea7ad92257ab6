"""Every hidden activation of tuinn/activations.py, end to end: judged by unit
health as its row says, read from a PyTorch model, and trained from the
command line.  (The kernel's values and gradients against the reference and
finite differences are in tests/kernel/test_kernel_vs_reference.py, which
takes every row too.)  A new row fails here until it has its line in
EXPECTED."""

import json

import numpy as np
import pytest
from tuinn import ConfigError, Net
from tuinn import reference as ref
from tuinn.activations import NAMES
from tuinn.diagnose.health import unit_health
from tuinn.runs import Run, RunSpec

from conftest import run_tuinn
from test_convert import Linear, Sequential

# name: (its PyTorch class, the flags of a unit far below 0 on every row, and
# of one far above 0 on every row).
EXPECTED = {
    "linear": ("Identity", [], []),
    "sigmoid": ("Sigmoid", ["saturated"], ["saturated"]),
    "tanh": ("Tanh", ["saturated"], ["saturated"]),
    "relu": ("ReLU", ["dead"], ["linear-on-data"]),
    "leaky_relu": ("LeakyReLU", ["off"], ["linear-on-data"]),
    "softplus": ("Softplus", ["saturated"], []),
}


def test_every_activation_has_its_expectations():
    assert sorted(EXPECTED) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_unit_far_from_zero_is_judged_as_its_activation_says(name):
    X = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    net = Net(2, 2, 1, hidden=name)
    # Unit 0 reads x0 at z = x0 - 30, unit 1 reads x1 at z = x1 + 30.
    net.W1[...] = np.eye(2)
    net.b1[...] = [-30.0, 30.0]
    net.W2[...] = 1.0
    health = unit_health(net, X)
    _, below, above = EXPECTED[name]
    assert [health[0]["flags"], health[1]["flags"]] == [below, above]


@pytest.mark.parametrize("name", NAMES)
def test_a_pytorch_model_with_the_activation_predicts_the_same(name):
    rng = np.random.default_rng(1)
    layers = [Linear(3, 4, rng), type(EXPECTED[name][0], (), {})(), Linear(4, 1, rng)]
    net = Net.from_torch(Sequential(*layers))
    assert net.hidden == name
    X = rng.normal(size=(30, 3))
    params = {"W1": layers[0].weight.values.T, "b1": layers[0].bias.values,
              "W2": layers[2].weight.values.T, "b2": layers[2].bias.values}
    np.testing.assert_allclose(net.predict(X), ref.forward(params, X, name, "linear")[3],
                               rtol=1e-12, atol=1e-12)


def test_a_softplus_of_another_sharpness_is_refused():
    rng = np.random.default_rng(2)
    sharp = type("Softplus", (), {"beta": 2.0, "threshold": 20.0})()
    with pytest.raises(ConfigError, match=r"Softplus\(beta=2\): tuinn's softplus has beta=1"):
        Net.from_torch(Sequential(Linear(2, 3, rng), sharp, Linear(3, 1, rng)))


@pytest.mark.parametrize("name", NAMES)
def test_the_command_line_trains_with_it(name):
    spec = RunSpec.from_preset("plane")
    for key, value in (("model.activation", name), ("model.hidden_units", 6),
                       ("init.scheme", "glorot"), ("train.lr", 0.05)):
        spec.set(key, value)
    start = Run(spec).metrics()["train_loss"]       # the same start, before training
    done = run_tuinn("train", "--preset", "plane", "--activation", name, "--hidden", "6",
                     "--init", "glorot", "--lr", "0.05", "--epochs", "300", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert f"→6→1 {name}→" in doc["architecture"]
    assert doc["metrics"]["train_loss"] < 0.5 * start
