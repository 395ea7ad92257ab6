"""Data sets: `Dataset` (training rows, an optional test set, names and the
task), splitting, standardization and class labels.

Binary targets are one 0/1 column (1 means `classes[1]`), multiclass targets
are one-hot columns in the order of `classes`.  Bad input raises
`tuinn.errors.DataError` (the data) or `ConfigError` (a setting), each with a
one-line message.
"""

import dataclasses

import numpy as np

from tuinn.data.features import derive
from tuinn.errors import ConfigError, DataError
from tuinn.settings import whole

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
    base_inputs: int | None = None   # the data's own inputs, before derived ones (default: d)
    features: str = "none"           # the derived columns after them (tuinn.data.features)
    # The data's own inputs, when the net's inputs (X) do not start with them
    # all (a list of inputs that leaves one out, tuinn.data.features).
    own_X: np.ndarray | None = None
    own_X_test: np.ndarray | None = None
    own_names: list | None = None
    x_scaler: object = None          # the Standardizer applied to the data's own inputs, if any
    y_scaler: object = None          # and to the targets

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
        if self.base_inputs is None:
            self.base_inputs = d
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
    def base_names(self):
        """The names of the data's own inputs (without derived columns)."""
        return self.own_names if self.own_names is not None else \
            self.feature_names[:self.base_inputs]

    @property
    def base_X(self):
        """The training rows of the data's own inputs."""
        return self.own_X if self.own_X is not None else self.X[:, :self.base_inputs]

    @property
    def base_X_test(self):
        """The test rows of the data's own inputs, or None."""
        if self.X_test is None:
            return None
        return self.own_X_test if self.own_X_test is not None else \
            self.X_test[:, :self.base_inputs]

    def inputs(self, X_base):
        """Rows of the data's own inputs as the net takes them: with the derived
        columns appended (a fit view's grid, a CSV to predict)."""
        return derive(X_base, self.features, self.base_names)

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


def codes_to_targets(codes, keys, name, where):
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
        return codes_to_targets(codes, keys, name, name)
    except TypeError:
        raise DataError(f"{name}: labels mix types that cannot be sorted ({keys[:3]})") from None


def mean_square(E):
    """The mean of E's squares, over its largest |e| first: a diverged run's
    squares can sum past the largest double (inf) while their mean fits."""
    top = float(np.max(np.abs(E))) if E.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return float(np.mean(E * E)) if E.size else 0.0
    with np.errstate(over="ignore"):    # beyond the doubles, it is honestly inf
        return top * (top * float(np.mean(np.square(E / top))))


def accuracy(O, Y):
    """Share of rows classified right: a 0.5 threshold for one output column, the
    largest output for several (docs/math.md#objective-and-metrics)."""
    if Y.shape[1] == 1:
        return float(np.mean((O[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    return float(np.mean(O.argmax(axis=1) == Y.argmax(axis=1)))


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

def split_rows(ds, test_ratio, rng):
    """`split` with the generator's own rng (a generator draws its rows, then splits)."""
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
    seed = whole(f"{ds.name}: seed", seed)
    return split_rows(ds, test_ratio, np.random.default_rng(seed))


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
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0)
            scale = X.std(axis=0)
        wide = ~(np.isfinite(mean) & np.isfinite(scale))
        if wide.any():
            j = int(np.argmax(wide))
            raise DataError(f"column {j} spans [{X[:, j].min():g}, {X[:, j].max():g}]: its "
                            "spread overflows a double; divide it by a power of ten first")
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
    change.update(x_scaler=xs, y_scaler=ys)
    if ys is not None:
        change["Y"] = ys.apply(ds.Y)
        if ds.Y_test is not None:
            change["Y_test"] = ys.apply(ds.Y_test)
    return dataclasses.replace(ds, **change), xs, ys
