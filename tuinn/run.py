"""A run: everything that defines a training session, and the live session.

`RunSpec` is the complete description (data, model, initialization, training
settings, seeds) as it appears in a TOML run file.  `Run` builds the data, the
net and the trainer from a spec, trains, reports metrics, and saves to / loads
from a run folder that resumes bit-identically:

    run.toml      the spec, with the settings in force when saved
    state.npz     weights, trainer state and loss history (allow_pickle=False)
    history.csv   epoch, loss, test_loss (for people; a hang-up's save skips it)
"""

import dataclasses
import os
import pathlib
import shutil
import tempfile
import tomllib
import types
import typing

import numpy as np
import tomli_w

from tuinn import data as datasets
from tuinn import presets
from tuinn.diagnose import diagnose
from tuinn.engine import INITS, Net, Trainer, format_history
from tuinn.errors import ConfigError, DataError, TuinnError


@dataclasses.dataclass
class DataSpec:
    generator: str | None = None       # a name of tuinn.data.GENERATORS, or None for a CSV
    params: dict = dataclasses.field(default_factory=dict)
    csv: str | None = None             # path, relative to the run file's folder
    target: str | int | list | None = None
    header: bool | None = None
    delimiter: str | None = None
    test_ratio: float = 0.0            # split off a test set when the source has none
    seed: int = 0                      # data_seed: generation, split and shuffling
    standardize_inputs: bool = False
    standardize_targets: bool = False


DATA_SOURCE_KEYS = ("generator", "params", "csv", "target", "header", "delimiter")


@dataclasses.dataclass
class ModelSpec:
    hidden_units: int = 8
    activation: str = "sigmoid"
    output: str = "linear"
    loss: str = "squared"


@dataclasses.dataclass
class InitSpec:
    scheme: str = "glorot"             # one of engine.INITS, or "manual" with weights
    seed: int = 0                      # init_seed
    scale: float = 0.01
    weights: dict | None = None        # {"W1": [[...]], "b1": [...], "W2": ..., "b2": ...}


@dataclasses.dataclass
class TrainSpec:
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    alpha: float = 0.99
    l2: float = 0.0
    batch_size: int | None = None
    shuffle: bool | None = None
    schedule: str = "constant"
    power_t: float = 0.5
    tol: float = 1e-4
    epochs: int = 1000


@dataclasses.dataclass
class RunSpec:
    name: str = "custom"
    title: str = ""                    # one line: what this run is
    notes: str = ""                    # what to look for, and why it happens
    data: DataSpec = dataclasses.field(default_factory=DataSpec)
    model: ModelSpec = dataclasses.field(default_factory=ModelSpec)
    init: InitSpec = dataclasses.field(default_factory=InitSpec)
    train: TrainSpec = dataclasses.field(default_factory=TrainSpec)
    sweep: dict | None = None          # tuinn sweep: {grid = {lr = [...]}, seeds, vary}

    def to_dict(self):
        """Plain TOML-ready dict; None values are left out (TOML has no null)."""
        return _drop_none(dataclasses.asdict(self))

    def to_toml(self):
        return tomli_w.dumps(self.to_dict(), multiline_strings=True)

    @classmethod
    def from_dict(cls, doc, where="run file"):
        """A spec from a run-file dict.  `preset = "name"` at the top starts from
        that preset; the file's own keys then override it, key by key."""
        if isinstance(doc, dict) and "preset" in doc:
            doc = dict(doc)
            name = doc.pop("preset")
            if not isinstance(name, str):
                raise ConfigError(f"{where}: preset must be a string, got {name!r}")
            try:
                base = presets.get(name)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            # A new data source or init scheme replaces the preset's, not merges into it.
            if {"generator", "csv"} & set(doc.get("data") or {}):
                for key in DATA_SOURCE_KEYS:
                    base["data"].pop(key, None)
            if "scheme" in (doc.get("init") or {}):
                base["init"].pop("weights", None)
            doc = _merge(base, doc)
        return _build(cls, doc, where)

    @classmethod
    def from_preset(cls, name):
        return cls.from_dict(presets.get(name), f"preset {name}")

    @classmethod
    def from_toml(cls, text, where="run file"):
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: not valid TOML: {exc}") from None
        return cls.from_dict(doc, where)

    @classmethod
    def read(cls, path):
        path = pathlib.Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ConfigError(f"cannot read run file {path}: {exc.strerror}") from None
        spec = cls.from_toml(text, str(path))
        if spec.data.csv is not None:
            spec.data.csv = str((path.parent / spec.data.csv).resolve())
        return spec

    def write(self, path):
        _atomic_write(pathlib.Path(path), self.to_toml())


def _merge(base, override):
    """`base` with `override`'s keys put over it, tables merged recursively."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "weights":
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def _type_ok(value, hint):
    """Whether a TOML value fits a field annotation (int for float is fine)."""
    if isinstance(hint, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint):
    if isinstance(hint, types.UnionType):
        return " or ".join(_type_name(h) for h in typing.get_args(hint) if h is not type(None))
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
            dict: "a table", list: "a list"}.get(hint, hint.__name__)


def _build(cls, doc, where, section=""):
    """A dataclass from a dict, naming the exact key of any unknown key or wrong type."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: [{section}] must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(doc) - fields)
    if unknown:
        place = f"[{section}] " if section else ""
        raise ConfigError(f"{where}: unknown key {place}{unknown[0]!r}; known keys: "
                          f"{', '.join(sorted(fields))}")
    values = {}
    for name, value in doc.items():
        hint = hints[name]
        key = f"{section}.{name}" if section else name
        if dataclasses.is_dataclass(hint):
            values[name] = _build(hint, value, where, key)
        elif not _type_ok(value, hint):
            raise ConfigError(f"{where}: {key} must be {_type_name(hint)}, got {value!r}")
        else:
            values[name] = float(value) if hint is float else value
    return cls(**values)


def _atomic_write(path, text):
    """Write next to the target, then rename: a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ---------------------------------------------------------------- the live run

def load_data(spec):
    """(dataset, input scaler, target scaler) for a DataSpec."""
    if (spec.generator is None) == (spec.csv is None):
        raise ConfigError("data: give either a generator or a csv file, not both or neither")
    if spec.csv is not None:
        ds = datasets.load_csv(spec.csv, target=spec.target, header=spec.header,
                               delimiter=spec.delimiter)
    else:
        if "seed" in spec.params:
            raise ConfigError("data.params: give the seed as data.seed, not as a parameter")
        ds = datasets.generate(spec.generator, seed=spec.seed, **spec.params)
    if spec.test_ratio > 0:
        if ds.X_test is not None:
            raise ConfigError(f"data.test_ratio: {ds.name} already has a test set; leave "
                              "test_ratio at 0 (or set the generator's own test_ratio)")
        ds = datasets.split(ds, spec.test_ratio, spec.seed)
    if spec.standardize_inputs or spec.standardize_targets:
        return datasets.standardize(ds, inputs=spec.standardize_inputs,
                                    targets=spec.standardize_targets)
    return ds, None, None


class Run:
    """Data, net and trainer built from a RunSpec; `train` continues where it stopped."""

    def __init__(self, spec):
        self.spec = spec
        self.dataset, self.x_scaler, self.y_scaler = load_data(spec.data)
        ds, m = self.dataset, spec.model
        self.net = Net(ds.X.shape[1], m.hidden_units, ds.Y.shape[1], hidden=m.activation,
                       output=m.output, loss=m.loss)
        self._init_weights()
        t = dataclasses.asdict(spec.train)
        del t["epochs"]
        self.trainer = Trainer(self.net, seed=spec.data.seed, **t)
        # The data must suit the net (e.g. targets in [0, 1] for a sigmoid output):
        # better said now than by the first train() call, perhaps on a worker thread.
        self.net.data(ds.X, ds.Y)
        if ds.X_test is not None:
            self.net.data(ds.X_test, ds.Y_test, names=("X_test", "Y_test"))

    def _init_weights(self):
        init = self.spec.init
        if init.scheme == "manual":
            if not init.weights:
                raise ConfigError("init: scheme 'manual' needs [init.weights] with W1, b1, W2, b2")
            missing = [n for n in ("W1", "b1", "W2", "b2") if n not in init.weights]
            if missing:
                raise ConfigError(f"init.weights: {missing[0]} is missing")
            try:
                self.net.set_weights(**init.weights)
            except TuinnError as exc:
                raise ConfigError(f"init.weights: {exc}") from None
        else:
            if init.scheme not in INITS:
                raise ConfigError(f"init: unknown scheme {init.scheme!r}; choose one of "
                                  f"{', '.join(INITS)}, manual")
            self.net.init(init.scheme, seed=init.seed, scale=init.scale)

    def data_summary(self):
        """Lines that say what the net is trained on, scaling included."""
        ds = self.dataset
        lines = [ds.summary()]
        for label, scaler, names in (("inputs", self.x_scaler, ds.feature_names),
                                     ("targets", self.y_scaler, ds.target_names)):
            if scaler is not None:
                cols = ", ".join(f"{name} (mean {m:.4g}, sd {s:.4g})"
                                 for name, m, s in zip(names, scaler.mean, scaler.scale))
                lines.append(f"{label} standardized with the training rows' statistics: {cols}")
        return lines

    # ------------------------------------------------------------ training

    @property
    def epoch(self):
        return self.trainer.epoch

    @property
    def status(self):
        return self.trainer.status

    def train(self, epochs=None):
        """Train `epochs` more epochs (default: up to the spec's epoch limit)."""
        if epochs is None:
            epochs = max(0, self.spec.train.epochs - self.epoch)
        ds = self.dataset
        return self.trainer.train(ds.X, ds.Y, epochs, ds.X_test, ds.Y_test)

    def set(self, **changes):
        """Change training settings for the following epochs (and in the spec)."""
        epochs = changes.pop("epochs", None)
        self.trainer.set(**changes)
        for name, value in changes.items():
            setattr(self.spec.train, name, self.trainer.settings[name])
        if epochs is not None:
            self.spec.train.epochs = int(epochs)

    def diagnose(self):
        """What tuinn.diagnose finds about this run now (problems first)."""
        return diagnose(self.net, self.trainer, self.dataset.X, self.dataset.Y,
                        max_epochs=self.spec.train.epochs)

    def metrics(self):
        """Loss, mse and (for classification) accuracy on train and test sets."""
        ds, net, l2 = self.dataset, self.net, self.spec.train.l2
        out = {"epoch": self.epoch, "status": self.status}
        for label, X, Y in (("train", ds.X, ds.Y), ("test", ds.X_test, ds.Y_test)):
            if X is None:
                continue
            O = net.predict(X)
            out[f"{label}_loss"] = net.objective(X, Y, l2)
            with np.errstate(over="ignore"):   # a diverged run's mse is honestly inf
                out[f"{label}_mse"] = float(np.mean((O - Y) ** 2))
            if ds.task != "regression":
                if Y.shape[1] == 1:
                    hit = (O[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)
                else:
                    hit = O.argmax(axis=1) == Y.argmax(axis=1)
                out[f"{label}_accuracy"] = float(np.mean(hit))
        return out

    # ------------------------------------------------------------ saving

    def save(self, folder, history_csv=True):
        """Write the run folder; a save that fails half way leaves the old one intact.

        state.npz holds everything a resume needs, the loss history included
        (binary: exact, and written in milliseconds).  history.csv is the same
        history for people and other tools; `history_csv=False` leaves it out,
        for a save that must be quick (a hang-up), and the next save writes it."""
        folder = pathlib.Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            self.spec.write(tmp / "run.toml")
            snap = self.trainer.snapshot()
            np.savez(tmp / "state.npz", theta=self.net.theta, status=np.array(self.status),
                     **snap)
            if history_csv:
                write_history(tmp / "history.csv", snap["loss"], snap["test_loss"])
            old = folder.with_name(f".{folder.name}.old")
            if folder.exists():
                shutil.rmtree(old, ignore_errors=True)
                folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder

    @classmethod
    def load(cls, folder):
        """The run saved in `folder`, ready to train on as if it had never stopped."""
        folder = pathlib.Path(folder)
        if not (folder / "run.toml").is_file():
            raise ConfigError(f"{folder} is not a saved run (no run.toml in it)")
        run = cls(RunSpec.read(folder / "run.toml"))
        state_path = folder / "state.npz"
        try:
            with np.load(state_path, allow_pickle=False) as npz:
                state = {name: npz[name] for name in npz.files}
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read {state_path}: {exc}") from None
        theta = state.pop("theta", None)
        status = str(state.pop("status", "done"))
        if theta is None or theta.shape != run.net.theta.shape:
            raise DataError(f"{state_path}: weights do not fit the net of run.toml "
                            f"({run.net.describe()})")
        if "loss" not in state:         # saved before state.npz held the history
            state["loss"], state["test_loss"] = _read_history(folder / "history.csv")
        run.net.theta[:] = theta
        try:
            run.trainer.restore(state)
        except KeyError as exc:
            raise DataError(f"{state_path}: {exc.args[0]} is missing") from None
        run.trainer.status = status
        return run


HISTORY_BLOCK = 65536       # rows formatted per kernel call (a buffer of 4.7 MB)


def write_history(path, loss, test_loss):
    """A loss history as CSV: epoch, loss, test_loss (empty without a test set).
    The kernel formats the numbers, in half the time of Python's repr: a
    million epochs take about 0.35 s."""
    with open(path, "wb") as f:
        f.write(b"epoch,loss,test_loss\n")
        for first in range(0, len(loss), HISTORY_BLOCK):
            f.write(format_history(loss, test_loss, first, HISTORY_BLOCK))


def _read_history(path):
    """The history of history.csv: only runs saved before state.npz held it."""
    try:
        rows = path.read_text().splitlines()[1:]
        cells = [row.split(",") for row in rows]
        loss = np.array([float(c[1]) for c in cells])
        test = np.array([float(c[2]) for c in cells if c[2]]) if cells and cells[0][2] else []
    except (OSError, ValueError, IndexError) as exc:
        raise DataError(f"cannot read history {path}: {exc}") from None
    return loss, np.asarray(test, dtype=np.float64)


__all__ = ["RunSpec", "DataSpec", "ModelSpec", "InitSpec", "TrainSpec", "Run", "load_data"]
