"""`RunSpec`: the complete description of a run (data, model, initial weights,
training settings, seeds), as it reads and writes in a TOML run file.

Its four sections are made from the settings table (`tuinn.settings`): a
section has one field per row, and a run file's values are checked by the
row's own rules, so a run file, a flag and the app refuse a value alike.
"""

import copy
import dataclasses
import os
import pathlib
import tempfile
import tomllib

import tomli_w

from tuinn import presets, settings
from tuinn.errors import ConfigError, DataError
from tuinn.inputs import parse_tree, read_text_tree


def _section_class(name):
    """The dataclass of one section: a field per row, with the row's default."""
    fields = [(row.name, object, dataclasses.field(
        default_factory=lambda default=row.default: copy.deepcopy(default)))
        for row in settings.section(name)]
    return dataclasses.make_dataclass(f"{name.title()}Spec", fields)


# Settings that change the shape of the net's weights (inputs, units, outputs).
SHAPE_KEYS = ("model.hidden_units", "data.features", "data.generator", "data.csv",
              "data.target")

DataSpec = _section_class("data")
ModelSpec = _section_class("model")
InitSpec = _section_class("init")
TrainSpec = _section_class("train")
SECTION_CLASSES = {"data": DataSpec, "model": ModelSpec, "init": InitSpec, "train": TrainSpec}


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

    def get(self, key):
        """The value of a setting by its key ("train.lr")."""
        row = settings.get(key)
        return getattr(getattr(self, row.section), row.name)

    def set(self, key, value):
        """Set one setting (checked).  A new init scheme drops manual weights, and
        so does a setting that changes the shape they were made for
        (`drop_manual_weights`); a new generator starts from its own parameters."""
        row = settings.get(key)
        setattr(getattr(self, row.section), row.name, row.check(value))
        if key == "init.scheme" and value != "manual":
            self.init.weights = None
        if key in SHAPE_KEYS:
            self.drop_manual_weights()
        if key == "data.generator":
            self.data.params = {}

    def drop_manual_weights(self):
        """Manual weights belong to one shape of net and cannot vary with a seed:
        when the shape changes, or a seed must draw new weights, the small
        scheme (at the run's init scale) draws them instead.  Returns whether
        there were any."""
        if self.init.scheme != "manual":
            return False
        self.init.scheme, self.init.weights = "small", None
        return True

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
                for key in settings.SOURCE_KEYS:
                    base["data"].pop(key.partition(".")[2], None)
            if "scheme" in (doc.get("init") or {}):
                base["init"].pop("weights", None)
            doc = _merge(base, doc)
        return _build(doc, where)

    @classmethod
    def from_preset(cls, name):
        return cls.from_dict(presets.get(name), f"preset {name}")

    @classmethod
    def from_toml(cls, text, where="run file"):
        try:
            doc = parse_tree(text, where, "run file", tomllib.loads)
        except DataError as exc:
            raise ConfigError(str(exc)) from None
        return cls.from_dict(doc, where)

    @classmethod
    def read(cls, path):
        path = pathlib.Path(path)
        try:
            doc = read_text_tree(path, "run file", tomllib.loads)
        except DataError as exc:
            raise ConfigError(str(exc)) from None
        spec = cls.from_dict(doc, str(path))
        if spec.data.csv is not None:
            spec.data.csv = str((path.parent / spec.data.csv).resolve())
        return spec

    def write(self, path):
        atomic_write(pathlib.Path(path), self.to_toml())


TOP_LEVEL = {"name": str, "title": str, "notes": str, "sweep": dict}


def _build(doc, where):
    """A RunSpec from a dict, naming the exact key of any unknown key or bad value."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: a run file is a table of sections")
    known = list(TOP_LEVEL) + list(SECTION_CLASSES)
    for key in sorted(set(doc) - set(known)):
        try:
            settings.choose("key", key, sorted(known))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    values = {}
    for key, kind in TOP_LEVEL.items():
        if key in doc:
            if not isinstance(doc[key], kind):
                raise ConfigError(f"{where}: {key} must be {settings.TYPE_NAMES[kind]}, got "
                                  f"{doc[key]!r}")
            values[key] = doc[key]
    for name, section_class in SECTION_CLASSES.items():
        if name in doc:
            values[name] = _build_section(name, section_class, doc[name], where)
    return RunSpec(**values)


def _build_section(name, section_class, table, where):
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    rows = {row.name: row for row in settings.section(name)}
    for key in sorted(set(table) - set(rows)):
        try:
            settings.choose(f"key [{name}]", key, sorted(rows))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    values = {}
    for key, value in table.items():
        row = rows[key]
        try:
            values[key] = dataclasses.replace(row, label=row.key).check(value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return section_class(**values)


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


def umask():
    """The process's umask (reading it means setting it, and back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, text):
    """Write next to the target, then rename: a crash or a full disk never
    leaves half a file (or an empty one).  The file gets the permissions a
    plain open() would give it, not mkstemp's private ones."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
