"""Data sets: the generators of the source documents, CSV files, splits, scaling.

Everything here is numpy and the standard library (and the kernel's CSV number
parser, through the engine), so the command line, the run files and the app
share one data layer.

- `Dataset`: training inputs and targets, an optional test set, names, and the
  task ("regression", "binary" or "multiclass").  Binary targets are one 0/1
  column (1 means `classes[1]`), multiclass targets are one-hot columns in the
  order of `classes`.
- `GENERATORS` / `generate(name, **params)`: the data sets of the source
  documents (`shared/seeds/000..004`) and of TensorFlow Playground.  Every
  generator takes `seed` (the run's data_seed, for numpy's
  `default_rng(seed)`); the fixed tables accept it and ignore it.
- `load_csv(path, target, header, delimiter)`: numeric inputs, a numeric
  target (regression) or a column of class names (classification).
- `split`, `Standardizer`, `standardize`, `decode_labels`, `encode_labels`.

Bad input raises `tuinn.errors.DataError` (the data) or `ConfigError` (a
setting), each with a one-line message.
"""

import codecs
import csv
import dataclasses
import inspect
import math
import os
import re
import warnings

import numpy as np

from tuinn.engine import parse_numeric_csv
from tuinn.errors import ConfigError, DataError

TASKS = ("regression", "binary", "multiclass")
MAX_CLASSES = 1000      # more distinct labels than this is almost surely the wrong column


# ------------------------------------------------------------------ Dataset

def _matrix(value, what):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must hold numbers ({exc})") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(f"{what} must be a 2-D array (rows x columns), got {a.ndim} dimensions")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise DataError(f"{what} is empty (shape {a.shape[0]} x {a.shape[1]})")
    if not np.isfinite(a).all():
        row, col = np.argwhere(~np.isfinite(a))[0]
        raise DataError(f"{what} row {row}, column {col} is {a[row, col]}, not a finite number")
    return np.ascontiguousarray(a)


@dataclasses.dataclass
class Dataset:
    """Training rows (X, Y), an optional test set, and what the columns mean."""

    X: np.ndarray                    # (n, d) float64 inputs
    Y: np.ndarray                    # (n, k) float64 targets
    X_test: np.ndarray | None = None
    Y_test: np.ndarray | None = None
    feature_names: list | None = None  # d names; default x1..xd
    target_names: list | None = None   # k names; default y (k=1) or y1..yk
    classes: list | None = None      # labels in column order (binary: [neg, pos]); None = regression
    task: str = "regression"         # "regression", "binary" or "multiclass"
    name: str = "data"               # e.g. "f1", "circle", "my.csv"
    description: str = ""            # one line: what the data is and where it comes from

    def __post_init__(self):
        self.X = _matrix(self.X, f"{self.name}: X")
        self.Y = _matrix(self.Y, f"{self.name}: Y")
        n, d = self.X.shape
        k = self.Y.shape[1]
        if self.Y.shape[0] != n:
            raise DataError(f"{self.name}: X has {n} rows but Y has {self.Y.shape[0]}")
        if (self.X_test is None) != (self.Y_test is None):
            raise DataError(f"{self.name}: give both X_test and Y_test, or neither")
        if self.X_test is not None:
            self.X_test = _matrix(self.X_test, f"{self.name}: X_test")
            self.Y_test = _matrix(self.Y_test, f"{self.name}: Y_test")
            if self.X_test.shape[0] != self.Y_test.shape[0]:
                raise DataError(f"{self.name}: X_test has {self.X_test.shape[0]} rows but "
                                f"Y_test has {self.Y_test.shape[0]}")
            if self.X_test.shape[1] != d or self.Y_test.shape[1] != k:
                raise DataError(f"{self.name}: the test set has {self.X_test.shape[1]} inputs and "
                                f"{self.Y_test.shape[1]} targets, the training set {d} and {k}")
        if self.feature_names is None:
            self.feature_names = [f"x{j + 1}" for j in range(d)]
        if self.target_names is None:
            self.target_names = ["y"] if k == 1 else [f"y{j + 1}" for j in range(k)]
        self.feature_names = [str(s) for s in self.feature_names]
        self.target_names = [str(s) for s in self.target_names]
        if len(self.feature_names) != d:
            raise DataError(f"{self.name}: {len(self.feature_names)} feature names for {d} inputs")
        if len(self.target_names) != k:
            raise DataError(f"{self.name}: {len(self.target_names)} target names for {k} targets")
        if self.task not in TASKS:
            raise DataError(f"{self.name}: task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.task == "regression":
            if self.classes is not None:
                raise DataError(f"{self.name}: a regression data set has no classes")
        else:
            if self.classes is None:
                raise DataError(f"{self.name}: a {self.task} data set needs its classes")
            self.classes = list(self.classes)
            want = 1 if self.task == "binary" else len(self.classes)
            if self.task == "binary" and len(self.classes) != 2:
                raise DataError(f"{self.name}: binary needs 2 classes, got {len(self.classes)}")
            if k != want:
                raise DataError(f"{self.name}: {self.task} with {len(self.classes)} classes needs "
                                f"{want} target column(s), got {k}")

    @property
    def n_train(self):
        return self.X.shape[0]

    @property
    def n_test(self):
        return 0 if self.X_test is None else self.X_test.shape[0]

    @property
    def n_inputs(self):
        return self.X.shape[1]

    @property
    def n_outputs(self):
        return self.Y.shape[1]

    def summary(self):
        """One line, e.g. 'circle: 250 train + 250 test rows, 2 inputs, binary (0, 1)'."""
        rows = f"{self.n_train} train + {self.n_test} test rows" if self.n_test else \
            f"{self.n_train} rows, no test set"
        what = "regression" if self.task == "regression" else \
            f"{self.task} ({', '.join(str(c) for c in self.classes)})"
        if self.task == "regression" and self.n_outputs > 1:
            what += f", {self.n_outputs} targets"
        inputs = f"{self.n_inputs} input" + ("s" if self.n_inputs != 1 else "")
        return f"{self.name}: {rows}, {inputs}, {what}"


def _codes_to_targets(codes, keys, name, where):
    """Class codes into Y; keys[c] is the label of code c.  Classes come out sorted."""
    if len(keys) < 2:
        raise DataError(f"{where}: the target {name!r} holds only one class ({keys[0]!r}); "
                        "classification needs at least two")
    if len(keys) > MAX_CLASSES:
        raise DataError(f"{where}: the target {name!r} holds {len(keys)} different labels "
                        f"(at most {MAX_CLASSES}); is it the right target column?")
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    classes = [keys[i] for i in order]
    remap = np.empty(len(keys), dtype=np.intp)
    remap[order] = np.arange(len(keys))
    codes = remap[np.asarray(codes, dtype=np.intp)]
    if len(classes) == 2:
        return codes[:, None].astype(np.float64), classes, "binary", [f"{name}={classes[1]}"]
    Y = np.zeros((codes.size, len(classes)))
    Y[np.arange(codes.size), codes] = 1.0
    return Y, classes, "multiclass", [f"{name}={c}" for c in classes]


def encode_labels(labels, name="label"):
    """Labels (strings or numbers) -> (Y, classes, task, target_names).

    Classes are sorted; 2 classes give one 0/1 column (1 = classes[1]),
    more give one-hot columns.
    """
    labels = list(labels)
    keys, codes, index = [], [], {}
    for lab in labels:
        if lab not in index:
            index[lab] = len(keys)
            keys.append(lab)
        codes.append(index[lab])
    if not keys:
        raise DataError(f"{name}: no labels")
    try:
        return _codes_to_targets(codes, keys, name, name)
    except TypeError:
        raise DataError(f"{name}: labels mix types that cannot be sorted ({keys[:3]})") from None


def decode_labels(ds_or_classes, Y_pred):
    """Network outputs back to labels: argmax for one-hot, >= 0.5 for one column."""
    if isinstance(ds_or_classes, Dataset):
        classes, where = ds_or_classes.classes, ds_or_classes.name
        if classes is None:
            raise DataError(f"{where} is a regression data set: no class labels to decode")
    else:
        if ds_or_classes is None:
            raise DataError("no classes: a regression data set has no labels to decode")
        classes, where = list(ds_or_classes), "decode_labels"
    O = np.asarray(Y_pred, dtype=np.float64)
    if O.ndim == 1:
        O = O[:, None]
    if O.ndim != 2:
        raise DataError(f"{where}: predictions must be rows x outputs, got {O.ndim} dimensions")
    if O.shape[1] == 1 and len(classes) == 2:
        idx = (O[:, 0] >= 0.5).astype(np.intp)
    elif O.shape[1] == len(classes):
        idx = O.argmax(axis=1)
    else:
        raise DataError(f"{where}: predictions have {O.shape[1]} columns for "
                        f"{len(classes)} classes")
    return [classes[i] for i in idx]


# ---------------------------------------------------------------- splitting

def _split_rows(ds, test_ratio, rng):
    if isinstance(test_ratio, bool) or not isinstance(test_ratio, (int, float, np.floating)) \
            or not 0.0 <= test_ratio < 1.0:
        raise ConfigError(f"{ds.name}: test_ratio must be a number in [0, 1), got {test_ratio!r}")
    X, Y = ds.X, ds.Y
    if ds.X_test is not None:
        X, Y = np.vstack([X, ds.X_test]), np.vstack([Y, ds.Y_test])
    n = X.shape[0]
    n_test = int(round(n * test_ratio))
    if test_ratio > 0:
        if n < 2:
            raise DataError(f"{ds.name}: cannot split {n} row into a training and a test set")
        n_test = min(max(n_test, 1), n - 1)
    order = rng.permutation(n)
    train, test = order[:n - n_test], order[n - n_test:]
    return dataclasses.replace(ds, X=X[train], Y=Y[train],
                               X_test=X[test] if n_test else None,
                               Y_test=Y[test] if n_test else None)


def split(ds, test_ratio, seed):
    """Shuffle the rows with default_rng(seed) and keep round(n*test_ratio) as the test set.

    The rows of an existing test set are pooled with the training rows first.
    test_ratio 0 gives no test set (the rows are still shuffled); with
    test_ratio > 0 both sets keep at least one row.  Names and classes are kept.
    """
    return _split_rows(ds, test_ratio, np.random.default_rng(_seed(ds.name, seed)))


# ---------------------------------------------------------------- scaling

@dataclasses.dataclass
class Standardizer:
    """(X - mean) / scale per column, fitted on the training rows only."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X):
        """Mean and standard deviation (ddof=0) per column; a constant column gets scale 1."""
        X = _matrix(X, "standardize")
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[(np.ptp(X, axis=0) == 0) | (scale == 0)] = 1.0
        return cls(mean, scale)

    def _check(self, X):
        X = np.asarray(X, dtype=np.float64)
        d = self.mean.size
        if not (X.ndim >= 1 and X.shape[-1] == d) and not (d == 1 and X.ndim == 1):
            raise DataError(f"standardize: fitted on {d} columns, got shape {X.shape}")
        return X

    def apply(self, X):
        return (self._check(X) - self.mean) / self.scale

    def invert(self, X):
        return self._check(X) * self.scale + self.mean

    def to_dict(self):
        """Plain lists, for TOML and JSON."""
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d):
        try:
            mean = np.asarray(d["mean"], dtype=np.float64).reshape(-1)
            scale = np.asarray(d["scale"], dtype=np.float64).reshape(-1)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"standardizer: needs lists 'mean' and 'scale' ({exc})") from None
        if mean.size != scale.size or mean.size == 0:
            raise ConfigError(f"standardizer: 'mean' has {mean.size} values, 'scale' {scale.size}")
        if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise ConfigError("standardizer: mean must be finite and scale finite and positive")
        return cls(mean, scale)


def standardize(ds, inputs=True, targets=False):
    """(dataset, input scaler, target scaler): fitted on ds.X / ds.Y, applied to both sets.

    Targets can be standardized only for regression; a scaler is None when
    that side is left alone.
    """
    if targets and ds.task != "regression":
        raise ConfigError(f"{ds.name}: targets can be standardized only for regression, "
                          f"this is a {ds.task} data set")
    xs = Standardizer.fit(ds.X) if inputs else None
    ys = Standardizer.fit(ds.Y) if targets else None
    change = {}
    if xs is not None:
        change["X"] = xs.apply(ds.X)
        if ds.X_test is not None:
            change["X_test"] = xs.apply(ds.X_test)
    if ys is not None:
        change["Y"] = ys.apply(ds.Y)
        if ds.Y_test is not None:
            change["Y_test"] = ys.apply(ds.Y_test)
    return dataclasses.replace(ds, **change), xs, ys


# ---------------------------------------------------------------- parameters

def _int(gen, name, value, low=0):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{gen}: {name} must be a whole number >= {low}, got {value!r}")
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


def generator_params(name):
    """{parameter: default} of a generator, in signature order."""
    if name not in GENERATORS:
        raise ConfigError(f"unknown data set {name!r}; choose one of: {', '.join(GENERATORS)}")
    return {p.name: p.default for p in inspect.signature(GENERATORS[name]).parameters.values()}


def _regression(name, x, y, x_test=None, y_test=None, description="", **names):
    return Dataset(X=x, Y=y, X_test=x_test, Y_test=y_test, name=name, description=description,
                   **names)


# --- 004: f1, f2

STANDARD_SEED_004 = 222337497072607291153223098371913928704

FUNCTIONS_004 = {
    "f1": lambda x: np.exp(x / 5.0),
    "f2": lambda x: np.sin(x) * (25.0 - x * x),
}
_FORMULA_004 = {"f1": "exp(x/5)", "f2": "sin(x)*(25 - x^2)"}


def _function_004(gen, n, n_test, seed, standard):
    standard = _bool(gen, "standard", standard)
    n = _int(gen, "n", n, 1)
    n_test = _int(gen, "n_test", n_test, 0)
    seed = _seed(gen, seed)
    f = FUNCTIONS_004[gen]
    if standard:
        if (n, n_test) != (1000, 100):
            raise ConfigError(f"{gen}: the standard data of 004 has n=1000 and n_test=100; "
                              "set standard=false for other sizes")
        rng = np.random.default_rng(STANDARD_SEED_004)
        x = (rng.random(1000) - 0.5) * 10
        x_test = (rng.random(100) - 0.5) * 10
        how = "the standard data of 004"
    else:
        rng = np.random.default_rng(seed)
        x = rng.uniform(-5.0, 5.0, n)
        x_test = rng.uniform(-5.0, 5.0, n_test)
        how = f"x uniform on [-5, 5], seed {seed}"
    x_test = x_test if x_test.size else None
    return _regression(gen, x, f(x), x_test, None if x_test is None else f(x_test),
                       f"{gen}(x) = {_FORMULA_004[gen]} of 004, {how}",
                       feature_names=["x"], target_names=["y"])


@_generator("f1")
def f1(n=1000, n_test=100, seed=0, standard=True):
    """f1(x) = exp(x/5) on [-5, 5] (004, section 2.1): n training and n_test test rows.

    standard=True (the default) gives 004's standard data set exactly: from
    default_rng(222337497072607291153223098371913928704), x_train =
    (random(1000) - 0.5) * 10, then x_test = (random(100) - 0.5) * 10; seed is
    ignored, and n / n_test other than 1000 / 100 are an error.
    standard=False draws n then n_test values of x uniformly on [-5, 5) from
    default_rng(seed).  n_test=0 gives no test set.
    """
    return _function_004("f1", n, n_test, seed, standard)


@_generator("f2")
def f2(n=1000, n_test=100, seed=0, standard=True):
    """f2(x) = sin(x) * (25 - x^2) on [-5, 5] (004, section 2.1), as f1.

    standard=True (the default): 004's standard data, x as for f1 (the same
    x values); standard=False: x uniform on [-5, 5) from default_rng(seed).
    """
    return _function_004("f2", n, n_test, seed, standard)


# --- 001: noisy quadratic; xsinx

@_generator("quadratic")
def quadratic(n=10000, noise=1.0, test_ratio=0.0, seed=0):
    """y = x^2 - 10 + e, x uniform on [-10, 10], e ~ N(0, noise^2) (001: 10,000 points, noise 1).

    001 does not say how x is sampled; it is uniform here.  Draws x then e from
    default_rng(seed); test_ratio > 0 splits off a shuffled test set from the
    same generator.
    """
    gen = "quadratic"
    n = _int(gen, "n", n, 1)
    noise = _float(gen, "noise", noise, 0.0, 1e6)
    test_ratio = _ratio(gen, test_ratio)
    rng = np.random.default_rng(_seed(gen, seed))
    x = rng.uniform(-10.0, 10.0, n)
    y = x * x - 10.0 + rng.normal(0.0, 1.0, n) * noise
    ds = _regression(gen, x, y, description=f"y = x^2 - 10 + N(0, {noise:g}^2), x uniform on "
                     "[-10, 10] (001)", feature_names=["x"], target_names=["y"])
    return _split_rows(ds, test_ratio, rng) if test_ratio else ds


@_generator("xsinx")
def xsinx(n=1000, noise=0.0, test_ratio=0.2, seed=0):
    """y = x * sin(x) + N(0, noise^2), x uniform on [-10, 10] (no source document).

    Draws x then the noise from default_rng(seed), then splits off a shuffled
    test set of round(n * test_ratio) rows.
    """
    gen = "xsinx"
    n = _int(gen, "n", n, 1)
    noise = _float(gen, "noise", noise, 0.0, 1e6)
    test_ratio = _ratio(gen, test_ratio)
    rng = np.random.default_rng(_seed(gen, seed))
    x = rng.uniform(-10.0, 10.0, n)
    y = x * np.sin(x) + rng.normal(0.0, 1.0, n) * noise
    ds = _regression(gen, x, y, description="y = x sin(x), x uniform on [-10, 10]",
                     feature_names=["x"], target_names=["y"])
    return _split_rows(ds, test_ratio, rng)


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
    return _split_rows(ds, test_ratio, rng)


_PLAYGROUND_DOC = """
    As TensorFlow Playground's dataset.ts (its formulas, numpy's
    default_rng(seed) in place of Math.random): noise is Playground's percent
    slider, 0..50 (used as noise/100); the points are shuffled and
    round(n * test_ratio) of them become the test set (Playground's "ratio of
    training to test data" 50 % is test_ratio 0.5).  Labels are 0/1 instead
    of Playground's -1/+1 (+1 -> 1).
"""


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
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx = rng.uniform(-radius, radius, count) * noise
        ny = rng.uniform(-radius, radius, count) * noise
        label = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(np.intp)
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
    four-row XOR truth table of 003 is "xor-table".)
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
        x = r * np.sin(t) + rng.uniform(-1.0, 1.0, m) * noise
        y = r * np.cos(t) + rng.uniform(-1.0, 1.0, m) * noise
        xs.append(np.column_stack([x, y]))
        labels.append(np.full(m, k))
    X = np.vstack(xs)
    Y, classes, task, target_names = _codes_to_targets(np.concatenate(labels), list(range(arms)),
                                                       "arm", gen)
    ds = Dataset(X=X, Y=Y, classes=classes, task=task, name=gen, feature_names=["x1", "x2"],
                 target_names=target_names,
                 description=f"TensorFlow Playground spiral, {arms} arms, noise {noise * 100:g}")
    return _split_rows(ds, test_ratio, rng)


@_generator("plane")
def plane(n=1200, noise=0.0, test_ratio=0.5, seed=0):
    """Regression on a tilted plane, y = (x1 + x2) / 10 (TensorFlow Playground's regressPlane).

    x1, x2 uniform on [-6, 6); noise adds uniform(-6, 6) * noise/100 to each
    coordinate before the label is computed.  n defaults to 1200, Playground's
    number of points for regression.
    """
    gen = "plane"
    n, noise, test_ratio, rng = _playground(gen, n, noise, test_ratio, seed)
    x = rng.uniform(-6.0, 6.0, n)
    y = rng.uniform(-6.0, 6.0, n)
    nx = rng.uniform(-6.0, 6.0, n) * noise
    ny = rng.uniform(-6.0, 6.0, n) * noise
    value = ((x + nx) + (y + ny)) / 10.0
    ds = _regression(gen, np.column_stack([x, y]), value,
                     description=f"TensorFlow Playground plane, noise {noise * 100:g}",
                     feature_names=["x1", "x2"], target_names=["value"])
    return _split_rows(ds, test_ratio, rng)


for _fn in (circle, xor, gauss, spiral, plane):
    _fn.__doc__ += _PLAYGROUND_DOC


# --- 000: sums of five inputs

SUMS_000 = {
    # variant: (rows, targets, test rows, test targets)
    "positive": ([[1, 2, 3, 4, 5], [1, 2, 3, 4, 6]], [15, 16], None, None),
    "negated": ([[1, 2, 3, 4, 5], [-1, -2, -3, -4, -6]], [15, -16],
                [[1, 2, 3, 4, 6]], [16]),
}


@_generator("sums")
def sums(variant="positive", n=1000, test_ratio=0.0, seed=0):
    """The 5-input sum data of 000: the target is the sum of the inputs.

    variant "positive": [1,2,3,4,5] -> 15 and [1,2,3,4,6] -> 16 (the first
    training set of 000).  "negated": [1,2,3,4,5] -> 15 and
    [-1,-2,-3,-4,-6] -> -16 (the second), with [1,2,3,4,6] -> 16 as the test
    row (000 reports the net still answers 15 there).  "random": n rows of 5
    inputs uniform on [-10, 10) from default_rng(seed) (000's "1000 random
    inputs"; it does not say how they were drawn), test_ratio splits off a
    test set.  n, test_ratio and seed apply to "random" only.
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
        X, y, Xt, yt = SUMS_000[variant]
        return _regression(gen, X, y, Xt, yt, f"sums of 000, {variant} variant", **names)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-10.0, 10.0, (n, 5))
    ds = _regression(gen, X, X.sum(axis=1), description="sums of 000, random inputs on "
                     "[-10, 10]", **names)
    return _split_rows(ds, test_ratio, rng) if test_ratio else ds


# --- 002: three points

THREE_POINTS_002 = ([-1.0, 0.0, 1.0], [-0.2445248, 0.1232554, 0.1713998])


@_generator("three-points")
def three_points(seed=0):
    """The three points of 002: x = -1, 0, 1 -> y = -0.2445248, 0.1232554, 0.1713998.

    A linear model's best mse on them is 0.0057 (002).  seed is ignored.
    """
    _seed("three-points", seed)
    x, y = THREE_POINTS_002
    return _regression("three-points", x, y, description="the three points of 002",
                       feature_names=["x"], target_names=["y"])


# --- 003: body metrics, truth tables, linear rule, 2-2-2 backprop sample

BODY_METRICS_003 = {
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
    """Height, weight and shoe size labeled 'male' / 'female' (003, the MLPClassifier question).

    11 training rows; the question's two prediction rows [179, 69, 40] ->
    'female' and [175, 72, 45] -> 'male' are the test set.  Binary, classes
    ['female', 'male'] (the column is 1 for 'male').  seed is ignored.
    """
    _seed("body-metrics", seed)
    d = BODY_METRICS_003
    Y, classes, task, target_names = encode_labels(d["y"], "sex")
    Y_test = np.array([[float(classes.index(v) == 1)] for v in d["y_test"]])
    return Dataset(X=d["X"], Y=Y, X_test=d["X_test"], Y_test=Y_test, classes=classes,
                   task=task, name="body-metrics", target_names=target_names,
                   feature_names=["height", "weight", "shoe_size"],
                   description="body metrics of 003 (height, weight, shoe size -> sex)")


TRUTH_TABLES_003 = {
    # rows in the order 003 lists them
    "or": ([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 1, 1, 1]),       # "0 0 0 / 1 0 1 / 0 1 1 / 1 1 1"
    "and": ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]),      # the Java delta-rule samples
    "xor-table": ([[0, 0], [1, 0], [0, 1], [1, 1]], [0, 1, 1, 0]),  # 003's corrected data
}


def _truth_table(gen, seed):
    _seed(gen, seed)
    X, y = TRUTH_TABLES_003[gen]
    op = gen.split("-")[0].upper()
    return Dataset(X=X, Y=np.array(y, dtype=np.float64)[:, None], classes=[0, 1],
                   task="binary", name=gen, feature_names=["x1", "x2"], target_names=["y"],
                   description=f"{op} truth table (003)")


@_generator("or")
def or_table(seed=0):
    """OR truth table of 003 (rows 00, 10, 01, 11 -> 0, 1, 1, 1); binary, seed ignored."""
    return _truth_table("or", seed)


@_generator("and")
def and_table(seed=0):
    """AND truth table of 003 (rows 00, 01, 10, 11 -> 0, 0, 0, 1); binary, seed ignored."""
    return _truth_table("and", seed)


@_generator("xor-table")
def xor_table(seed=0):
    """XOR truth table of 003 (rows 00, 10, 01, 11 -> 0, 1, 1, 0); binary, seed ignored.

    Named "xor-table" because "xor" is TensorFlow Playground's 2-D XOR set.
    """
    return _truth_table("xor-table", seed)


@_generator("linear-rule")
def linear_rule(divisor=10.0, scaled_inputs=False, seed=0):
    """Inputs 1..9 -> (1.2 x + 1) / divisor (003, the 1-1-1 Java network).

    003 tries divisor 10 and 100; scaled_inputs=True feeds x / 10 (0.1..0.9)
    as the input with the same targets (003's "Edit2").  seed is ignored.
    """
    gen = "linear-rule"
    divisor = _float(gen, "divisor", divisor, 1e-12, 1e12)
    scaled = _bool(gen, "scaled_inputs", scaled_inputs)
    _seed(gen, seed)
    x = np.arange(1.0, 10.0)
    return _regression(gen, x / 10.0 if scaled else x, (x * 1.2 + 1.0) / divisor,
                       description=f"x = 1..9 -> (1.2 x + 1) / {divisor:g} (003)"
                       + (", inputs divided by 10" if scaled else ""),
                       feature_names=["x"], target_names=["y"])


@_generator("backprop-2-2-2")
def backprop_2_2_2(seed=0):
    """The classic 2-2-2 backpropagation sample (003): inputs (0.05, 0.10) -> (0.01, 0.99).

    One row, two targets, regression (003 trains it with sigmoid outputs and
    squared error from W1 = [[.15, .25], [.20, .30]], b1 = .35, W2 = [[.40, .50],
    [.45, .55]], b2 = .60).  seed is ignored.
    """
    _seed("backprop-2-2-2", seed)
    return _regression("backprop-2-2-2", [[0.05, 0.10]], [[0.01, 0.99]],
                       description="the 2-2-2 backpropagation example (003)",
                       feature_names=["i1", "i2"], target_names=["o1", "o2"])


# ---------------------------------------------------------------- CSV files

_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_DELIMITER_ALIASES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
_HEAD_LINES = 50
_INT_RE = re.compile(r"-?\d+")


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _cells(text, delimiter):
    return [c.strip() for c in next(csv.reader([text], delimiter=delimiter, quotechar='"'), [])]


def _read_head(path, label):
    """The first non-blank lines as (line number, text)."""
    head = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    head.append((number, line.rstrip("\r\n")))
                    if len(head) >= _HEAD_LINES:
                        break
    except UnicodeDecodeError:
        raise DataError(f"{label} is not UTF-8 text (line {len(head) + 1} or near it)") from None
    except OSError as exc:
        raise DataError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    return head


def _sniff(head, label):
    best = None
    for rank, d in enumerate(("\t", ";", ",")):
        counts = [len(_cells(text, d)) for _, text in head]
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        if mode > 1:
            key = (counts.count(mode) / len(counts), -rank)
            if best is None or key > best[0]:
                best = (key, d)
    if best is None:
        raise DataError(f"{label} has only one column (no comma, semicolon or tab between "
                        "cells): it needs input columns and a target column")
    return best[1]


def _numberish(text):
    """A number, also with a decimal comma: such a cell is data, not a column name."""
    return is_number(text) or is_number(text.replace(",", "."))


def _detect_header(rows):
    """A header: a first row without numbers, over at least one column of numbers.

    A first row that mixes numbers and text is data with a typo, not a header.
    """
    first = rows[0][1]
    rest = [cells for _, cells in rows[1:]]
    if any(_numberish(c) for c in first) or not any(first):
        return False
    if not rest:
        return True
    for j, cell in enumerate(first):
        if cell == "" or _numberish(cell):
            continue
        column = [r[j] for r in rest if j < len(r) and r[j] != ""]
        if column and all(_numberish(v) for v in column):
            return True
    return False


def _resolve_targets(target, names, has_header, label):
    ncols = len(names)
    specs = list(target) if isinstance(target, (list, tuple)) else [target]
    if target is None:
        return [ncols - 1]
    if not specs:
        raise ConfigError(f"{label}: the list of target columns is empty")
    out = []
    for t in specs:
        if isinstance(t, str) and t not in names and _INT_RE.fullmatch(t.strip()):
            t = int(t)
        if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
            if not -ncols <= t < ncols:
                raise DataError(f"{label}: target column index {t} is out of range; the file has "
                                f"{ncols} columns (0..{ncols - 1}, or -{ncols}..-1 from the end)")
            j = int(t) % ncols
        elif isinstance(t, str):
            matches = [j for j, n in enumerate(names) if n == t]
            if not matches:
                if has_header:
                    raise DataError(f"{label} has no column {t!r}; its columns are: "
                                    + ", ".join(repr(n) for n in names))
                raise DataError(f"{label} has no header line, so no column named {t!r}: give "
                                f"the target as a 0-based column index (0..{ncols - 1}, "
                                "-1 for the last)")
            if len(matches) > 1:
                raise DataError(f"{label}: {len(matches)} columns are named {t!r}; give the "
                                "target as a 0-based column index instead")
            j = matches[0]
        else:
            raise ConfigError(f"{label}: a target is a column name, a 0-based index or a list "
                              f"of them, got {t!r}")
        if j in out:
            raise DataError(f"{label}: column {names[j]!r} is given twice as a target")
        out.append(j)
    if len(out) == ncols:
        raise DataError(f"{label}: every column is a target; at least one input column is needed")
    return out


def _loadtxt(source, delimiter, skip, converters):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # "input contained no data"
        return np.loadtxt(source, dtype=np.float64, delimiter=delimiter, skiprows=skip, ndmin=2,
                          comments=None, quotechar='"', encoding="utf-8-sig",
                          converters=converters or None)


def _label_converter(table):
    def convert(text):
        text = text.strip()
        if not text:
            raise ValueError("empty cell")
        code = table.get(text)
        if code is None:
            code = table[text] = len(table)
        return code
    return convert


class _CsvReader:
    """One file's layout, the numeric load and its careful fallback."""

    CHUNK = 50_000

    def __init__(self, path, label, delimiter, header_line, names, has_header, header_hint,
                 categorical):
        self.path, self.label, self.delimiter = path, label, delimiter
        self.header_line, self.names, self.has_header = header_line, names, has_header
        self.header_hint, self.ncols = header_hint, len(names)
        self.tables = {j: {} for j in categorical}       # label -> code, in order of appearance
        self.converters = {j: _label_converter(t) for j, t in self.tables.items()}
        self.first_line = None

    # messages
    def column(self, j):
        if self.has_header:
            return f"column {self.names[j]!r}"
        return f"column {j + 1} (index {j})"

    def cell_error(self, line, j, text, problem):
        hint = ""
        if "," in text and is_number(text.replace(",", ".")):
            hint = " (write decimals with a point, not a comma)"
        elif line == self.first_line and self.header_hint:
            hint = " (if this line holds column names, set header to true)"
        return DataError(f"{self.label} line {line}, {self.column(j)}: {text!r} {problem}{hint}")

    # loading
    def load(self):
        """(rows, ncols) float64; a class-name column holds codes of self.tables."""
        if not self.converters:
            values = self._load_numeric_fast()
            if values is not None and len(values):
                return values
        try:
            values = _loadtxt(self.path, self.delimiter, self.header_line, self.converters)
            if values.shape[0] and values.shape[1] == self.ncols and np.isfinite(values).all():
                return values
        except ValueError:
            pass
        for table in self.tables.values():
            table.clear()
        return self._load_in_chunks()

    def _load_numeric_fast(self):
        """An all-numeric file through the kernel's parser, or None (then the
        slower paths load it, or find and name what is wrong)."""
        if self.delimiter is None or len(self.delimiter) != 1:
            return None
        with open(self.path, "rb") as f:
            text = f.read()
        start = len(codecs.BOM_UTF8) if text.startswith(codecs.BOM_UTF8) else 0
        for _ in range(self.header_line):
            start = text.find(b"\n", start) + 1
            if start == 0:
                return None
        return parse_numeric_csv(text, self.delimiter, self.ncols, start)

    def _chunks(self):
        chunk, number = [], self.header_line
        try:
            with open(self.path, encoding="utf-8-sig", newline="") as f:
                for number, line in enumerate(f, 1):
                    if number <= self.header_line or not line.strip():
                        continue
                    if self.first_line is None:
                        self.first_line = number
                    chunk.append((number, line.rstrip("\r\n")))
                    if len(chunk) >= self.CHUNK:
                        yield chunk
                        chunk = []
        except UnicodeDecodeError:
            raise DataError(f"{self.label} is not UTF-8 text (line {number + 1})") from None
        if chunk:
            yield chunk

    def _load_in_chunks(self):
        blocks = []
        for chunk in self._chunks():
            try:
                block = _loadtxt([text for _, text in chunk], self.delimiter, 0, self.converters)
                if block.shape != (len(chunk), self.ncols) or not np.isfinite(block).all():
                    block = None
            except ValueError:
                block = None
            if block is None:
                block = self._scan(chunk)       # raises on the first bad cell
            blocks.append(block)
        if not blocks:
            raise DataError(f"{self.label} has a header line but no data rows")
        return np.vstack(blocks)

    def _scan(self, chunk):
        """Cell by cell: the first bad cell as a DataError, else the rows numpy would not take."""
        rows = []
        for line, text in chunk:
            cells = _cells(text, self.delimiter)
            if len(cells) != self.ncols:
                shape_of = "the header has" if self.has_header else "the first line has"
                raise DataError(f"{self.label} line {line}: {len(cells)} cells, but {shape_of} "
                                f"{self.ncols}")
            row = []
            for j, cell in enumerate(cells):
                if not cell:
                    raise DataError(f"{self.label} line {line}, {self.column(j)}: the cell is "
                                    "empty (a missing value)")
                if j in self.converters:
                    row.append(self.converters[j](cell))
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    raise self.cell_error(line, j, cell, "is not a number") from None
                if not math.isfinite(value):
                    raise self.cell_error(line, j, cell, "is not a finite number")
                row.append(value)
            rows.append(row)
        return np.array(rows, dtype=np.float64)

    def check_labels(self, values, j):
        """A class-name column must not mix in numbers: name the first odd cell's line."""
        keys = list(self.tables[j])
        numeric = np.array([is_number(k) for k in keys])
        if not numeric.any():
            return
        counts = np.bincount(values[:, j].astype(np.intp), minlength=len(keys))
        odd_numbers = counts[numeric].sum() * 2 < counts.sum()
        odd = {k for k, num in zip(keys, numeric) if num == odd_numbers}
        for line, text in (item for chunk in self._chunks() for item in chunk):
            cells = _cells(text, self.delimiter)
            if len(cells) > j and cells[j] in odd:
                if odd_numbers:
                    raise self.cell_error(line, j, cells[j], "is a number, but the other cells "
                                          "of this target column are class names")
                raise self.cell_error(line, j, cells[j], "is not a number, but most cells of "
                                      "this target column are")


def _check_delimiter(delimiter):
    if delimiter is None:
        return None
    if isinstance(delimiter, str):
        d = _DELIMITER_ALIASES.get(delimiter.lower(), delimiter)
        if len(d) == 1 and d not in "\"\r\n" and not d.isalnum():
            return d
    raise ConfigError(f"delimiter must be one character (',', ';', tab) or comma, semicolon, "
                      f"tab; got {delimiter!r}")


def load_csv(path, target=None, header=None, delimiter=None):
    """A CSV file as a Dataset without a test set (use `split` for one).

    header: None detects it (a first row with a non-numeric cell over numbers
    is a header), True / False force it.  delimiter: None sniffs comma,
    semicolon or tab; or give one character (or "comma", "semicolon", "tab").
    target: a column name, a 0-based index (negative from the end) or a list
    of them; default the last column.  Inputs must be numbers.  A numeric
    target is regression; a target of class names is classification (classes
    sorted; 2 classes -> one 0/1 column, more -> one-hot) and must be the only
    target.  Empty cells, text in an input column, ragged rows, NaN / inf are
    DataErrors naming the 1-based line and the column.
    """
    label = os.fspath(path)
    if not isinstance(label, str):
        label = os.fsdecode(label)
    if header not in (None, True, False):
        raise ConfigError(f"{label}: header must be true, false or left out, got {header!r}")
    delimiter = _check_delimiter(delimiter)
    if not os.path.exists(label):
        raise DataError(f"{label}: no such file")
    if os.path.isdir(label):
        raise DataError(f"{label} is a folder, not a CSV file")
    head = _read_head(label, label)
    if not head:
        raise DataError(f"{label} is empty")
    if delimiter is None:
        delimiter = _sniff(head, label)
    rows = [(number, _cells(text, delimiter)) for number, text in head]
    ncols = len(rows[0][1])
    if ncols < 2:
        raise DataError(f"{label} has only one column with delimiter "
                        f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}: it needs input "
                        "columns and a target column")
    has_header = _detect_header(rows) if header is None else header
    if has_header:
        names = [c if c else f"column {j + 1}" for j, c in enumerate(rows[0][1])]
        header_line = rows[0][0]
        if len(rows) == 1:
            raise DataError(f"{label} has a header line but no data rows")
    else:
        names = [f"column {j + 1}" for j in range(ncols)]
        header_line = 0
    targets = _resolve_targets(target, names, has_header, label)
    inputs = [j for j in range(ncols) if j not in targets]
    # A target column is of class names when any of its first rows is not a number.
    sample = rows[1:] if has_header else rows
    categorical = [j for j in targets
                   if any(j < len(r) and r[j] != "" and not is_number(r[j]) for _, r in sample)]
    if categorical and len(targets) > 1:
        raise DataError(f"{label}: column {names[categorical[0]]!r} holds class names, so it must "
                        "be the only target")
    reader = _CsvReader(label, label, delimiter, header_line, names, has_header,
                        header is None and not has_header, categorical)
    values = reader.load()
    name = os.path.basename(label)
    X = values[:, inputs]
    described = f"{name}: {values.shape[0]} rows from a CSV file"
    if not categorical:
        return Dataset(X=X, Y=values[:, targets], feature_names=[names[j] for j in inputs],
                       target_names=[names[j] for j in targets], name=name,
                       description=described)
    j = categorical[0]
    reader.check_labels(values, j)
    Y, classes, task, target_names = _codes_to_targets(values[:, j], list(reader.tables[j]),
                                                       names[j], label)
    return Dataset(X=X, Y=Y, feature_names=[names[k] for k in inputs], target_names=target_names,
                   classes=classes, task=task, name=name, description=described)
