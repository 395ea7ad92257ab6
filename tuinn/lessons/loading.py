"""Lesson files: read and checked through, so that any mistake is one line
that names the step and what to change; the built-in lessons and finding a
lesson by name or path (docs/lessons.md)."""

import dataclasses
import pathlib
import string
import tomllib

from tuinn import presets
from tuinn.errors import ConfigError, DataError, TuinnError
from tuinn.inputs import read_text_tree
from tuinn.lessons import readings
from tuinn.lessons.conditions import checks, known
from tuinn.runs import RunSpec

BUILTIN = pathlib.Path(__file__).parent / "files"


@dataclasses.dataclass(frozen=True)
class Step:
    title: str
    say: str
    panel: str
    task: str
    did: tuple              # of Check: the learner did what the step asks
    worked: tuple           # of Check: and it had the effect the step is about
    wait: str               # shown once `did` holds while `worked` does not yet
    explain: str


@dataclasses.dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    about: str
    spec: RunSpec
    paused: bool
    steps: tuple
    path: pathlib.Path


def _text(table, key, where, required=True):
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be text")
    if required and not value.strip():
        raise ConfigError(f"{where}: {key} is missing: every step has one")
    return " ".join(value.split()) if "\n\n" not in value else \
        "\n\n".join(" ".join(p.split()) for p in value.split("\n\n"))


def _check_fields(text, names, where):
    """The {placeholders} of a text name readings, start readings or settings."""
    for _, field, _, _ in string.Formatter().parse(text):
        if field is None:
            continue
        name = field[len("start."):] if field.startswith("start.") else field
        if name not in names:
            known(name, names, f"{where}: {{{field}}}")


STEP_KEYS = {"title", "say", "panel", "try", "did", "worked", "wait", "explain"}
LESSON_KEYS = {"title", "about", "preset", "run", "settings", "paused", "steps"}


def load(path):
    """The lesson in a file, checked through: any mistake is a ConfigError that
    names the step and what to change."""
    path = pathlib.Path(path)
    try:
        doc = read_text_tree(path, "lesson", tomllib.loads)
    except DataError as exc:
        raise ConfigError(str(exc)) from None
    name = path.stem
    where = f"lesson {path.name}"
    unknown = set(doc) - LESSON_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}; a lesson has "
                          f"{', '.join(sorted(LESSON_KEYS))}")
    title = _text(doc, "title", where)
    spec = _spec(doc, path, where)
    names = readings.names(spec)
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, dict) for s in steps):
        raise ConfigError(f"{where}: no steps: add [[steps]] tables")
    out = []
    for i, table in enumerate(steps, 1):
        at = f"{where}, step {i}"
        unknown = set(table) - STEP_KEYS
        if unknown:
            raise ConfigError(f"{at}: unknown key {sorted(unknown)[0]!r}; a step has "
                              f"{', '.join(sorted(STEP_KEYS))}")
        # Which panels there are is the app's to say (tuinn.tui.places).
        panel = table.get("panel", "")
        if not isinstance(panel, str) or not panel.strip():
            raise ConfigError(f"{at}: panel is missing: name the panel the step points at")
        if "did" not in table or "worked" not in table:
            raise ConfigError(f"{at}: a step needs `did` (the learner did it) and `worked` "
                              "(it had its effect); write worked = [] when doing is enough")
        step = Step(_text(table, "title", at), _text(table, "say", at), panel,
                    _text(table, "try", at), checks(table["did"], names, f"{at}, did"),
                    checks(table["worked"], names, f"{at}, worked"),
                    _text(table, "wait", at, required=False), _text(table, "explain", at))
        if not step.did:
            raise ConfigError(f"{at}, did: say how to see that the learner did it")
        for key in ("say", "explain", "wait"):
            _check_fields(getattr(step, key), names, f"{at}, {key}")
        out.append(step)
    paused = doc.get("paused", True)
    if not isinstance(paused, bool):
        raise ConfigError(f"{where}: paused must be true or false")
    return Lesson(name, title, _text(doc, "about", where, required=False), spec, paused,
                  tuple(out), path)


def _spec(doc, path, where):
    """The lesson's run: a preset or a run file (beside the lesson), with its
    [settings] changed."""
    preset, run = doc.get("preset"), doc.get("run")
    if (preset is None) == (run is None):
        raise ConfigError(f"{where}: give the run to start from: preset = \"NAME\" or "
                          "run = \"FILE.toml\" (one of them)")
    try:
        if preset is not None:
            if preset not in presets.PRESETS:
                raise ConfigError(f"unknown preset {preset!r} (tuinn presets lists them)")
            spec = RunSpec.from_preset(preset)
        else:
            spec = RunSpec.read(path.parent / run)
        changes = doc.get("settings", {})
        if not isinstance(changes, dict):
            raise ConfigError("[settings] must be a table of setting = value")
        for key, value in _flat(changes):
            if key.startswith("data.params."):
                spec.data.params = {**spec.data.params, key[len("data.params."):]: value}
            else:
                spec.set(key, value)
        if changes:
            # The preset's own title and notes no longer describe this run.
            spec.name, spec.title = path.stem.partition("-")[2] or path.stem, doc.get("title", "")
            spec.notes = doc.get("about", "")
    except TuinnError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return spec


def _flat(table, prefix=""):
    """("train.lr", 0.5) pairs of a [settings] table, written flat or nested."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def builtin():
    """The lessons that come with tuinn, in their order."""
    return [load(p) for p in sorted(BUILTIN.glob("*.toml"))]


def find(what):
    """A lesson by its name (of a built-in one, with or without its number) or
    by the path of a lesson file."""
    path = pathlib.Path(what).expanduser()
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(f"no lesson file {what}")
        return load(path)
    for p in sorted(BUILTIN.glob("*.toml")):
        if what in (p.stem, p.stem.partition("-")[2]):
            return load(p)
    names = ", ".join(p.stem.partition("-")[2] for p in sorted(BUILTIN.glob("*.toml")))
    raise ConfigError(f"no lesson {what!r}; the lessons are {names} (or give a lesson "
                      "file's path)")
