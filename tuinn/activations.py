"""The hidden activations, once: one row each, which the rest of tuinn reads.

A row holds g and g' in numpy, as docs/math.md writes them (the reference
computes with these), the name of the kernel's code, how unit health judges
a unit (tuinn.diagnose.health) and how other libraries name it
(tuinn.convert).  The settings' choices, the kernel's codes, the reference,
the health flags, the imports and the tests all derive from this table.

To add an activation: its row here, its code in csrc/tuinn.h's enum, its
value/backward pair and its line in csrc/activations.h, and its line in
docs/math.md.
"""

import dataclasses
from collections.abc import Callable

import numpy as np

LEAKY_SLOPE = 0.01      # leaky_relu for z <= 0, as csrc/activations.h


def sigmoid(z):
    """1/(1+e^-z), computed as 1/(1+exp(-z)) for z>=0 and exp(z)/(1+exp(z)) for z<0.

    Both branches use exp(-|z|), so no exp ever overflows.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z):
    """log(1 + e^z) = max(z,0) + log1p(exp(-|z|))."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


@dataclasses.dataclass(frozen=True)
class Activation:
    name: str
    kernel: str                 # the name of its code in csrc/tuinn.h
    value: Callable             # g(Z)
    derivative: Callable        # g'(Z), from Z and A = g(Z)
    # Piecewise linear with its kink at 0: g' for z <= 0 (the slope from the
    # left, also at 0).  None for a smooth g.  A unit that is off on every row
    # is "dead" when this is 0 (no gradient ever reaches it), else "off"; one
    # that is on for every row is "linear-on-data".
    left_slope: float | None = None
    # The largest g' of a g whose g' fades far from 0: a unit whose mean g' is
    # a small share of it is "saturated".  None: g' never fades.
    peak_slope: float | None = None
    bounds: tuple[float, float] | None = None     # the range of g, when bounded
    # Its names in PyTorch (class), Keras and scikit-learn, lower case, and the
    # attributes a PyTorch layer must have for it to be this g.
    other_names: tuple[str, ...] = ()
    layer_settings: dict = dataclasses.field(default_factory=dict)

    @property
    def dies(self):
        """Whether a unit off on every row gets no gradient at all."""
        return self.left_slope == 0.0

    @property
    def off_flag(self):
        """The health flag of a unit off on every row."""
        return "dead" if self.dies else "off"


TABLE = (
    Activation("linear", "TN_LINEAR", lambda z: z.copy(), lambda z, a: np.ones_like(z),
               other_names=("identity",)),
    Activation("sigmoid", "TN_SIGMOID", sigmoid, lambda z, a: a * (1.0 - a),
               peak_slope=0.25, bounds=(0.0, 1.0), other_names=("logistic",)),
    Activation("tanh", "TN_TANH", np.tanh, lambda z, a: 1.0 - a * a,
               peak_slope=1.0, bounds=(-1.0, 1.0)),
    Activation("relu", "TN_RELU", lambda z: np.maximum(z, 0.0),
               lambda z, a: np.where(z > 0, 1.0, 0.0), left_slope=0.0),
    Activation("leaky_relu", "TN_LEAKY_RELU", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
               lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE), left_slope=LEAKY_SLOPE,
               other_names=("leakyrelu",), layer_settings={"negative_slope": LEAKY_SLOPE}),
    # PyTorch's Softplus turns linear above z·beta = threshold; at its default 20
    # that differs from log(1 + e^z) by e^-20, 2e-9.
    Activation("softplus", "TN_SOFTPLUS", softplus, lambda z, a: sigmoid(z), peak_slope=1.0,
               layer_settings={"beta": 1.0, "threshold": 20.0}),
)

HIDDEN = {a.name: a for a in TABLE}
NAMES = tuple(HIDDEN)
