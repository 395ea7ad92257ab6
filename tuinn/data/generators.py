"""The data sets of the situations in docs/situations.md, and TensorFlow
Playground's: `GENERATORS` and `generate(name, **params)`.

Every generator takes `seed` (the run's data_seed, for numpy's
`default_rng(seed)`); the fixed tables accept it and ignore it.
"""

import inspect
import math

import numpy as np

from tuinn.data import portable
from tuinn.data.dataset import Dataset, codes_to_targets, encode_labels, split_rows
from tuinn.errors import ConfigError

# ---------------------------------------------------------------- parameters

# Rows of a generated data set: it is held in memory, with the training buffers.
MAX_ROWS = 10_000_000


def _int(gen, name, value, low=0):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{gen}: {name} must be a whole number >= {low}, got {value!r}")
    if name in ("n", "n_test") and value > MAX_ROWS:
        raise ConfigError(f"{gen}: {name} must be at most {MAX_ROWS:,} rows (a generated data "
                          f"set is held in memory), got {value:,}")
    return int(value)


def _float(gen, name, value, low, high, high_open=False):
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if ok:
        value = float(value)
        ok = math.isfinite(value) and low <= value and (value < high if high_open else value <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ConfigError(f"{gen}: {name} must be a number in [{low:g}, {high:g}{bracket}, "
                          f"got {value!r}")
    return value


def _bool(gen, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{gen}: {name} must be true or false, got {value!r}")
    return bool(value)


def _seed(gen, seed):
    return _int(gen, "seed", seed)


def _choice(gen, name, value, choices):
    if value not in choices:
        raise ConfigError(f"{gen}: {name} must be one of {', '.join(map(str, choices))}, "
                          f"got {value!r}")
    return value


def _ratio(gen, value):
    return _float(gen, "test_ratio", value, 0.0, 1.0, high_open=True)


# ---------------------------------------------------------------- generators

GENERATORS = {}


def _generator(name):
    def register(fn):
        GENERATORS[name] = fn
        return fn
    return register


def generate(name, **params):
    """The data set `name` of GENERATORS, built with its parameters (all optional)."""
    fn = GENERATORS.get(name) if isinstance(name, str) else None
    if fn is None:
        raise ConfigError(f"unknown data set {name!r}; choose one of: {', '.join(GENERATORS)}")
    allowed = list(inspect.signature(fn).parameters)
    for key in params:
        if key not in allowed:
            raise ConfigError(f"{name}: unknown parameter {key!r}; its parameters are: "
                              f"{', '.join(allowed)}")
    return fn(**params)


# The steps of the app's noise keys, in each generator's own unit of noise:
# Playground's percent slider (0..50) or a standard deviation of the targets.
PERCENT_NOISE = ("circle", "xor", "gauss", "spiral", "plane", "gaussians")
NOISE_STEPS = {"percent": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0),
               "sd": (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)}


def noise_steps(name):
    """The noise levels the app's z / Z keys step through for generator `name`."""
    return NOISE_STEPS["percent" if name in PERCENT_NOISE else "sd"]


def generator_params(name):
    """{parameter: default} of a generator, in signature order."""
    if name not in GENERATORS:
        raise ConfigError(f"unknown data set {name!r}; choose one of: {', '.join(GENERATORS)}")
    return {p.name: p.default for p in inspect.signature(GENERATORS[name]).parameters.values()}


def _regression(name, x, y, x_test=None, y_test=None, description="", **names):
    return Dataset(X=x, Y=y, X_test=x_test, Y_test=y_test, name=name, description=description,
                   **names)


# --- the hidden-units study: f1, f2
# docs/situations.md#learning-rates-that-converge-oscillate-and-diverge-and-how-many-units-are-enough

STUDY_DATA_SEED = 222337497072607291153223098371913928704

STUDY_FUNCTIONS = {
    "f1": lambda x: portable.exp(x / 5.0),
    "f2": lambda x: portable.sin(x) * (25.0 - x * x),
}
STUDY_FORMULAS = {"f1": "exp(x/5)", "f2": "sin(x)*(25 - x^2)"}


def _study_function(gen, n, n_test, seed, standard):
    standard = _bool(gen, "standard", standard)
    n = _int(gen, "n", n, 1)
    n_test = _int(gen, "n_test", n_test, 0)
    seed = _seed(gen, seed)
    f = STUDY_FUNCTIONS[gen]
    if standard:
        if (n, n_test) != (1000, 100):
            raise ConfigError(f"{gen}: the hidden-units study's standard data has n=1000 "
                              "and n_test=100; set standard=false for other sizes")
        rng = np.random.default_rng(STUDY_DATA_SEED)
        x = (rng.random(1000) - 0.5) * 10
        x_test = (rng.random(100) - 0.5) * 10
        how = "the hidden-units study's standard data"
    else:
        rng = np.random.default_rng(seed)
        x = rng.uniform(-5.0, 5.0, n)
        x_test = rng.uniform(-5.0, 5.0, n_test)
        how = f"x uniform on [-5, 5], seed {seed}"
    x_test = x_test if x_test.size else None
    return _regression(gen, x, f(x), x_test, None if x_test is None else f(x_test),
                       f"{gen}(x) = {STUDY_FORMULAS[gen]}, {how}",
                       feature_names=["x"], target_names=["y"])


@_generator("f1")
def f1(n=1000, n_test=100, seed=0, standard=True):
    """f1(x) = exp(x/5) on [-5, 5] (the hidden-units study): n training and n_test test rows.

    standard=True (the default) gives the study's standard data set exactly: from
    default_rng(222337497072607291153223098371913928704), x_train =
    (random(1000) - 0.5) * 10, then x_test = (random(100) - 0.5) * 10; seed is
    ignored, and n / n_test other than 1000 / 100 are an error.
    standard=False draws n then n_test values of x uniformly on [-5, 5) from
    default_rng(seed).  n_test=0 gives no test set.
    """
    return _study_function("f1", n, n_test, seed, standard)


@_generator("f2")
def f2(n=1000, n_test=100, seed=0, standard=True):
    """f2(x) = sin(x) * (25 - x^2) on [-5, 5] (the hidden-units study), as f1.

    standard=True (the default): the study's standard data, x as for f1 (the same
    x values); standard=False: x uniform on [-5, 5) from default_rng(seed).
    """
    return _study_function("f2", n, n_test, seed, standard)


# --- the coverage question: noisy quadratic; xsinx
# docs/situations.md#an-initialization-that-leaves-a-region-uncovered

@_generator("quadratic")
def quadratic(n=10000, noise=1.0, test_ratio=0.0, seed=0):
    """y = x^2 - 10 + e, x uniform on [-10, 10], e ~ N(0, noise^2): the coverage question.

    The coverage question uses 10,000 points and noise 1 and does not say how x
    is sampled; it is uniform here.  Draws x then e from default_rng(seed);
    test_ratio > 0 splits off a shuffled test set from the same generator.
    """
    gen = "quadratic"
    n = _int(gen, "n", n, 1)
    noise = _float(gen, "noise", noise, 0.0, 1e6)
    test_ratio = _ratio(gen, test_ratio)
    rng = np.random.default_rng(_seed(gen, seed))
    x = rng.uniform(-10.0, 10.0, n)
    y = x * x - 10.0 + rng.normal(0.0, 1.0, n) * noise
    ds = _regression(gen, x, y, description=f"y = x^2 - 10 + N(0, {noise:g}^2), x uniform on "
                     "[-10, 10] (the coverage question)", feature_names=["x"], target_names=["y"])
    return split_rows(ds, test_ratio, rng) if test_ratio else ds


@_generator("xsinx")
def xsinx(n=1000, noise=0.0, test_ratio=0.2, seed=0):
    """y = x * sin(x) + N(0, noise^2), x uniform on [-10, 10] (from none of the situations).

    Draws x then the noise from default_rng(seed), then splits off a shuffled
    test set of round(n * test_ratio) rows.
    """
    gen = "xsinx"
    n = _int(gen, "n", n, 1)
    noise = _float(gen, "noise", noise, 0.0, 1e6)
    test_ratio = _ratio(gen, test_ratio)
    rng = np.random.default_rng(_seed(gen, seed))
    x = rng.uniform(-10.0, 10.0, n)
    y = x * portable.sin(x) + rng.normal(0.0, 1.0, n) * noise
    ds = _regression(gen, x, y, description="y = x sin(x), x uniform on [-10, 10]",
                     feature_names=["x"], target_names=["y"])
    return split_rows(ds, test_ratio, rng)


# --- TensorFlow Playground (src/dataset.ts of tensorflow/playground)

def _playground(gen, n, noise, test_ratio, seed):
    n = _int(gen, "n", n, 2)
    noise = _float(gen, "noise", noise, 0.0, 50.0) / 100.0
    test_ratio = _ratio(gen, test_ratio)
    return n, noise, test_ratio, np.random.default_rng(_seed(gen, seed))


def _playground_classes(gen, X, label, test_ratio, rng, description):
    ds = Dataset(X=X, Y=label[:, None].astype(np.float64), classes=[0, 1], task="binary",
                 name=gen, description=description, feature_names=["x1", "x2"],
                 target_names=["label"])
    return split_rows(ds, test_ratio, rng)


# The Playground generators (circle, xor, gauss, spiral, plane, gaussians) are
# TensorFlow Playground's dataset.ts: its formulas, numpy's default_rng(seed)
# in place of Math.random.  noise is Playground's percent slider, 0..50 (used
# as noise/100); the points are shuffled and round(n * test_ratio) of them
# become the test set (Playground's "ratio of training to test data" 50 % is
# test_ratio 0.5).  Labels are 0/1 instead of Playground's -1/+1 (+1 -> 1).


@_generator("circle")
def circle(n=500, noise=0.0, test_ratio=0.5, seed=0):
    """A disc of class 1 (r < 2.5) inside a ring of class 0 (3.5 < r < 5): classifyCircleData.

    Half the points have r uniform on [0, 2.5), half on [3.5, 5), angle
    uniform; noise moves the point used for the label by uniform(-5, 5) *
    noise/100 per axis, so labels near the gap can flip.
    """
    gen = "circle"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    radius = 5.0
    parts = []
    for count, (r0, r1) in (((n + 1) // 2, (0.0, radius * 0.5)), (n // 2, (radius * 0.7, radius))):
        r = rng.uniform(r0, r1, count)
        angle = rng.uniform(0.0, 2 * np.pi, count)
        x, y = r * portable.sin(angle), r * portable.cos(angle)
        nx = rng.uniform(-radius, radius, count) * noise
        ny = rng.uniform(-radius, radius, count) * noise
        label = (portable.hypot(x + nx, y + ny) < radius * 0.5).astype(np.intp)
        parts.append((np.column_stack([x, y]), label))
    X = np.vstack([p[0] for p in parts])
    label = np.concatenate([p[1] for p in parts])
    return _playground_classes(gen, X, label, test_ratio, rng,
                               f"TensorFlow Playground circle, noise {noise * 100:g}")


@_generator("xor")
def xor(n=500, noise=0.0, test_ratio=0.5, seed=0):
    """Four quadrants, class 1 where x*y >= 0 (TensorFlow Playground's classifyXORData).

    x, y uniform on [-5, 5) pushed 0.3 away from the axes; noise moves the
    point used for the label by uniform(-5, 5) * noise/100 per axis.  (The
    four-row XOR truth table of the truth-table question is "xor-table".)
    """
    gen = "xor"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    x = rng.uniform(-5.0, 5.0, n)
    x += np.where(x > 0, 0.3, -0.3)
    y = rng.uniform(-5.0, 5.0, n)
    y += np.where(y > 0, 0.3, -0.3)
    nx = rng.uniform(-5.0, 5.0, n) * noise
    ny = rng.uniform(-5.0, 5.0, n) * noise
    label = ((x + nx) * (y + ny) >= 0).astype(np.intp)
    return _playground_classes(gen, np.column_stack([x, y]), label, test_ratio, rng,
                               f"TensorFlow Playground XOR, noise {noise * 100:g}")


@_generator("gauss")
def gauss(n=500, noise=0.0, test_ratio=0.5, seed=0):
    """Two Gaussian blobs, class 1 at (2, 2), class 0 at (-2, -2): classifyTwoGaussData.

    The variance grows linearly from 0.5 (noise 0) to 4 (noise 50).
    """
    gen = "gauss"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    std = math.sqrt(0.5 + (4.0 - 0.5) * noise / 0.5)
    pos = rng.normal(2.0, std, ((n + 1) // 2, 2))
    neg = rng.normal(-2.0, std, (n // 2, 2))
    label = np.concatenate([np.ones(len(pos), np.intp), np.zeros(len(neg), np.intp)])
    return _playground_classes(gen, np.vstack([pos, neg]), label, test_ratio, rng,
                               f"TensorFlow Playground two Gaussians, noise {noise * 100:g}")


@_generator("spiral")
def spiral(n=500, arms=2, noise=0.0, test_ratio=0.5, seed=0):
    """Interleaved spiral arms, one class per arm (TensorFlow Playground's classifySpiralData).

    Arm k (k = 0..arms-1) has m points i = 0..m-1 at r = 5 i/m, t = 1.75 * 2 pi
    i/m + 2 pi k/arms, (r sin t, r cos t) + uniform(-1, 1) * noise/100 per
    axis; the n points are shared as evenly as possible.  arms=2 is binary
    (class 1 is arm 1, Playground's -1 arm), more arms multiclass one-hot with
    classes 0..arms-1.
    """
    gen = "spiral"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    arms = _int(gen, "arms", arms, 2)
    if n < arms:
        raise ConfigError(f"{gen}: n={n} is fewer points than arms={arms}")
    xs, labels = [], []
    for k in range(arms):
        m = n // arms + (1 if k < n % arms else 0)
        i = np.arange(m)
        r = i / m * 5.0
        t = 1.75 * i / m * 2 * np.pi + 2 * np.pi * k / arms
        x = r * portable.sin(t) + rng.uniform(-1.0, 1.0, m) * noise
        y = r * portable.cos(t) + rng.uniform(-1.0, 1.0, m) * noise
        xs.append(np.column_stack([x, y]))
        labels.append(np.full(m, k))
    X = np.vstack(xs)
    Y, classes, task, target_names = codes_to_targets(np.concatenate(labels), list(range(arms)),
                                                       "arm", gen)
    ds = Dataset(X=X, Y=Y, classes=classes, task=task, name=gen, feature_names=["x1", "x2"],
                 target_names=target_names,
                 description=f"TensorFlow Playground spiral, {arms} arms, noise {noise * 100:g}")
    return split_rows(ds, test_ratio, rng)


def _square_points(rng, n, noise):
    """Playground's regression points: x1, x2 uniform on [-6, 6), and the
    moves (uniform(-6, 6) * noise per axis) of the point their label is read at."""
    x = rng.uniform(-6.0, 6.0, n)
    y = rng.uniform(-6.0, 6.0, n)
    return x, y, rng.uniform(-6.0, 6.0, n) * noise, rng.uniform(-6.0, 6.0, n) * noise


@_generator("plane")
def plane(n=1200, noise=0.0, test_ratio=0.5, seed=0):
    """Regression on a tilted plane, y = (x1 + x2) / 10 (TensorFlow Playground's regressPlane).

    x1, x2 uniform on [-6, 6); noise adds uniform(-6, 6) * noise/100 to each
    coordinate before the label is computed.  n defaults to 1200, Playground's
    number of points for regression.
    """
    gen = "plane"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    x, y, nx, ny = _square_points(rng, n, noise)
    value = ((x + nx) + (y + ny)) / 10.0
    ds = _regression(gen, np.column_stack([x, y]), value,
                     description=f"TensorFlow Playground plane, noise {noise * 100:g}",
                     feature_names=["x1", "x2"], target_names=["value"])
    return split_rows(ds, test_ratio, rng)


# Playground's regressGaussian: (x, y, sign) of each bump.
GAUSSIAN_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                  (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


@_generator("gaussians")
def gaussians(n=1200, noise=0.0, test_ratio=0.5, seed=0):
    """Regression on six bumps, three up and three down in two rows
    (TensorFlow Playground's regressGaussian, its "multi Gaussian").

    x1, x2 uniform on [-6, 6); noise moves the point used for the label by
    uniform(-6, 6) * noise/100 per axis.  Each bump's value falls from its
    sign (+1 or -1) at its centre to 0 at distance 2; the label is the value
    of largest size, the first bump's on a tie.
    """
    gen = "gaussians"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    x, y, nx, ny = _square_points(rng, n, noise)
    values = np.column_stack([
        sign * np.clip(1.0 - portable.hypot(x + nx - cx, y + ny - cy) / 2.0, 0.0, 1.0)
        for cx, cy, sign in GAUSSIAN_BUMPS])
    value = values[np.arange(n), np.argmax(np.abs(values), axis=1)]
    ds = _regression(gen, np.column_stack([x, y]), value + 0.0,
                     description=f"TensorFlow Playground multi Gaussian, noise {noise * 100:g}",
                     feature_names=["x1", "x2"], target_names=["value"])
    return split_rows(ds, test_ratio, rng)


# --- the ReLU sum question: sums of five inputs
# docs/situations.md#a-relu-net-that-learns-a-constant

SUMS = {
    # variant: (rows, targets, test rows, test targets)
    "positive": ([[1, 2, 3, 4, 5], [1, 2, 3, 4, 6]], [15, 16], None, None),
    "negated": ([[1, 2, 3, 4, 5], [-1, -2, -3, -4, -6]], [15, -16],
                [[1, 2, 3, 4, 6]], [16]),
}


@_generator("sums")
def sums(variant="positive", n=1000, test_ratio=0.0, seed=0):
    """The 5-input sum data of the ReLU sum question: the target is the sum of the inputs.

    variant "positive": [1,2,3,4,5] -> 15 and [1,2,3,4,6] -> 16 (the question's
    first training set).  "negated": [1,2,3,4,5] -> 15 and
    [-1,-2,-3,-4,-6] -> -16 (the second), with [1,2,3,4,6] -> 16 as the test
    row (the question reports the net still answers 15 there).  "random": n
    rows of 5 inputs uniform on [-10, 10) from default_rng(seed) (the
    question's "1000 random inputs"; it does not say how they were drawn),
    test_ratio splits off a test set.  n, test_ratio and seed apply to
    "random" only.
    """
    gen = "sums"
    variant = _choice(gen, "variant", variant, ("positive", "negated", "random"))
    n = _int(gen, "n", n, 1)
    test_ratio = _ratio(gen, test_ratio)
    seed = _seed(gen, seed)
    names = {"feature_names": [f"x{j}" for j in range(1, 6)], "target_names": ["sum"]}
    if variant != "random":
        if n != 1000 or test_ratio:
            raise ConfigError(f"{gen}: n and test_ratio apply to variant 'random' only")
        X, y, Xt, yt = SUMS[variant]
        return _regression(gen, X, y, Xt, yt, f"sums of five inputs, {variant} variant", **names)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-10.0, 10.0, (n, 5))
    ds = _regression(gen, X, X.sum(axis=1), description="sums of five inputs, random inputs on "
                     "[-10, 10]", **names)
    return split_rows(ds, test_ratio, rng) if test_ratio else ds


# --- the three-point question
# docs/situations.md#a-linear-hidden-layer-stuck-at-the-least-squares-line

THREE_POINTS = ([-1.0, 0.0, 1.0], [-0.2445248, 0.1232554, 0.1713998])


@_generator("three-points")
def three_points(seed=0):
    """The three points of the three-point question: x = -1, 0, 1 -> y = -0.2445248,
    0.1232554, 0.1713998.

    A linear model's best mse on them is 0.0057 (the least-squares line).  seed is
    ignored.
    """
    _seed("three-points", seed)
    x, y = THREE_POINTS
    return _regression("three-points", x, y,
                       description="the three points of the three-point question",
                       feature_names=["x"], target_names=["y"])


# --- the scaling questions: body metrics, truth tables, linear rule, 2-2-2 backprop sample
# docs/situations.md#unscaled-inputs-saturated-units-and-the-loss-on-a-sigmoid

BODY_METRICS = {
    "X": [[181, 80, 44], [177, 70, 43], [160, 60, 38], [154, 54, 37], [166, 65, 40],
          [190, 90, 47], [175, 64, 39], [177, 70, 40], [159, 55, 37], [171, 75, 42],
          [181, 85, 43]],
    "y": ["male", "male", "female", "female", "male", "male", "female", "female",
          "female", "male", "male"],
    "X_test": [[179, 69, 40], [175, 72, 45]],
    "y_test": ["female", "male"],
}


@_generator("body-metrics")
def body_metrics(seed=0):
    """Height, weight and shoe size labeled 'male' / 'female' (the body-metrics question).

    11 training rows; the question's two prediction rows [179, 69, 40] ->
    'female' and [175, 72, 45] -> 'male' are the test set.  Binary, classes
    ['female', 'male'] (the column is 1 for 'male').  seed is ignored.
    """
    _seed("body-metrics", seed)
    d = BODY_METRICS
    Y, classes, task, target_names = encode_labels(d["y"], "sex")
    Y_test = np.array([[float(classes.index(v) == 1)] for v in d["y_test"]])
    return Dataset(X=d["X"], Y=Y, X_test=d["X_test"], Y_test=Y_test, classes=classes,
                   task=task, name="body-metrics", target_names=target_names,
                   feature_names=["height", "weight", "shoe_size"],
                   description="body metrics (height, weight, shoe size -> sex)")


TRUTH_TABLES = {
    # rows in the order the questions list them; "or" is the data file the
    # truth-table question posted ("0 0 0 / 1 0 1 / 0 1 1 / 1 1 1"), "xor-table"
    # what its log shows it training, "and" the AND question's delta-rule samples
    "or": ([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 1, 1, 1]),
    "and": ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]),
    "xor-table": ([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 1, 1, 0]),
}


def _truth_table(gen, seed):
    _seed(gen, seed)
    X, y = TRUTH_TABLES[gen]
    op = gen.split("-")[0].upper()
    return Dataset(X=X, Y=np.array(y, dtype=np.float64)[:, None], classes=[0, 1],
                   task="binary", name=gen, feature_names=["x1", "x2"], target_names=["y"],
                   description=f"{op} truth table")


@_generator("or")
def or_table(seed=0):
    """OR truth table of the truth-table question (rows 00, 10, 01, 11 -> 0, 1, 1, 1).

    Binary; seed is ignored.
    """
    return _truth_table("or", seed)


@_generator("and")
def and_table(seed=0):
    """AND truth table of the AND question (rows 00, 01, 10, 11 -> 0, 0, 0, 1).

    Binary; seed is ignored.
    """
    return _truth_table("and", seed)


@_generator("xor-table")
def xor_table(seed=0):
    """XOR truth table of the truth-table question (rows 00, 10, 01, 11 -> 0, 1, 1, 0).

    Binary; seed is ignored.  Named "xor-table" because "xor" is TensorFlow
    Playground's 2-D XOR set.
    """
    return _truth_table("xor-table", seed)


@_generator("linear-rule")
def linear_rule(divisor=10.0, scaled_inputs=False, seed=0):
    """Inputs 1..9 -> (1.2 x + 1) / divisor (the linear-rule question's 1-1-1 network).

    The question tries divisor 10 and 100; scaled_inputs=True feeds x / 10
    (0.1..0.9) as the input with the same targets (the question's second edit).
    seed is ignored.
    """
    gen = "linear-rule"
    divisor = _float(gen, "divisor", divisor, 1e-12, 1e12)
    scaled = _bool(gen, "scaled_inputs", scaled_inputs)
    _seed(gen, seed)
    x = np.arange(1.0, 10.0)
    return _regression(gen, x / 10.0 if scaled else x, (x * 1.2 + 1.0) / divisor,
                       description=f"x = 1..9 -> (1.2 x + 1) / {divisor:g}"
                       + (", inputs divided by 10" if scaled else ""),
                       feature_names=["x"], target_names=["y"])


@_generator("backprop-2-2-2")
def backprop_2_2_2(seed=0):
    """The classic 2-2-2 backpropagation example: inputs (0.05, 0.10) -> (0.01, 0.99).

    One row, two targets, regression (the example trains it with sigmoid outputs and
    squared error from W1 = [[.15, .25], [.20, .30]], b1 = .35, W2 = [[.40, .50],
    [.45, .55]], b2 = .60).  seed is ignored.
    """
    _seed("backprop-2-2-2", seed)
    return _regression("backprop-2-2-2", [[0.05, 0.10]], [[0.01, 0.99]],
                       description="the 2-2-2 backpropagation example",
                       feature_names=["i1", "i2"], target_names=["o1", "o2"])
