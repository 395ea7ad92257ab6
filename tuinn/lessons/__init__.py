"""Lessons: a short sequence of steps beside a live run, as docs/lessons.md
describes their files.  A step says what happens, points at a panel, asks
the learner to try one thing, checks that they did it (`did`) and that it
worked (`worked`) by reading the run and its diagnosis, and then explains
what they saw with the run's own numbers.

This module reads and checks lesson files and follows a learner through one
(`Tutor`); the app shows it (tuinn/tui/lesson.py), `tuinn learn` lists the
lessons with the progress kept by `progress`."""

import dataclasses
import math
import pathlib
import re
import string
import tomllib
import types

from tuinn import presets, settings
from tuinn.diagnose.findings import CODES
from tuinn.errors import ConfigError, DataError, TuinnError
from tuinn.inputs import read_text_tree
from tuinn.runs import RunSpec

BUILTIN = pathlib.Path(__file__).parent / "files"

# What a step can point at: the app's panels, as the learner finds them.
PANELS = {
    "loss": ("#loss", "the loss chart (top left of the Train tab)"),
    "fit": ("#fit", "the fit (top right of the Train tab)"),
    "units": ("#units", "the unit table (bottom left of the Train tab)"),
    "diagnosis": ("#diagnosis", "the diagnosis (bottom right of the Train tab)"),
    "metrics": ("#metrics", "the numbers line (second line from the top)"),
    "status": ("#status", "the status line (top line)"),
    "settings": ("#settings-table", "the Settings tab (key 2)"),
    "weights": ("#weights-table", "the weight table (Weights tab, key 3)"),
    "trajectory": ("#trajectory", "the weight trajectory (Weights tab, key 3)"),
    "network": ("#network-view", "the network drawing (Network tab, key 4)"),
}
# The readings a condition or an explanation can use besides the settings
# ("train.lr", "data.params.noise", ...), with what each is.
READINGS = {
    "epoch": "epochs trained",
    "loss": "the training loss now (with its penalties)",
    "test_loss": "the test loss now (nan without a test set)",
    "mse": "the mean squared error of the outputs on the training rows",
    "test_mse": "the same on the test rows (nan without a test set)",
    "accuracy": "the training accuracy, 0 to 1 (nan for a regression)",
    "test_accuracy": "the test accuracy (nan for a regression or without a test set)",
    "best_loss": "the lowest training loss seen (nan before training)",
    "best_epoch": "the epoch of best_loss",
    "best_test_loss": "the lowest test loss seen (nan without a test set)",
    "best_test_epoch": "the epoch of best_test_loss",
    "lr_limit": "the rate's stability limit 2/λ, as the numbers line shows it (nan "
                "until measured)",
    "dead_units": "hidden units dead (or off) on every row",
    "saturated_units": "saturated hidden units",
    "duplicate_units": "hidden units that duplicate an earlier one",
    "linear_units": "ReLU units active on every row (linear on the data)",
    "uncovered": "where no hidden unit is active, as the diagnosis says it (\"x < -3\"; "
                 "\"nowhere\" when it finds no such region)",
    "uncovered_rows": "the training rows there (0 when none)",
    "run": "a count of the runs the app has shown: grows with every new run (r, h, a, ...)",
    "state": "running, paused, done or diverged",
    "tab": "the open tab: train, settings, weights or network",
    "test_points": "true when the fit shows the test rows (v)",
    "log_scale": "true when the loss chart is on a log scale (l)",
    "pins": "how many loss curves are pinned (p)",
}
# Readings that come from the diagnosis: unknown (a condition on them does
# not hold) until the run on screen has been diagnosed.
FROM_DIAGNOSIS = {"lr_limit", "dead_units", "saturated_units", "duplicate_units",
                  "linear_units", "uncovered", "uncovered_rows"}
OPERATORS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b,
             "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
             ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_COMPARISON = re.compile(r"^\s*([\w.]+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")
# The right side: [NUMBER *] (NUMBER | WORD | NAME | start.NAME) [+|- NUMBER]
_VALUE = re.compile(r"^(?:([-+]?[\d.eE+-]+)\s*\*\s*)?([\w.+-]+?)(?:\s*([+-])\s*([\d.eE+-]+))?$")
# Keys that move a lesson on (tuinn/tui/keys.py binds them).
GO_ON, SKIP = "g", "G"


@dataclasses.dataclass(frozen=True)
class Condition:
    """One check of a step: a finding present or absent, a reading changed
    since the step began, or a reading compared with a value."""
    text: str
    kind: str               # "finding", "no finding", "changed" or "compare"
    name: str               # a finding code or a reading
    op: str = ""
    factor: float = 1.0     # value = factor * term + offset
    term: object = None     # a number, a word, ("start", reading) or ("now", reading)
    offset: float = 0.0

    def holds(self, now, start, findings):
        """Whether it holds; `findings` is None while the run is not diagnosed."""
        if self.kind in ("finding", "no finding"):
            if findings is None:
                return False
            return (self.name in findings) == (self.kind == "finding")
        current = now.get(self.name)
        if current is None:
            return False
        if self.kind == "changed":
            return current != start.get(self.name)
        value = self.term
        if isinstance(value, tuple):
            value = (start if value[0] == "start" else now).get(value[1])
            if value is None:
                return False
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not isinstance(current, (int, float)):
                return False
            value = self.factor * value + self.offset
            if isinstance(current, float) and math.isnan(current) or math.isnan(value):
                return False
        elif isinstance(current, (int, float)) and not isinstance(current, bool) \
                and self.op not in ("==", "!="):
            return False
        try:
            return OPERATORS[self.op](current, value)
        except TypeError:
            return False


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of a step's `did` or `worked` list: it holds when any of its
    " or " parts holds (and a step's list holds when every line does)."""
    alternatives: tuple     # of Condition

    def holds(self, now, start, findings):
        return any(c.holds(now, start, findings) for c in self.alternatives)


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


def _reading_names(spec):
    """Every reading a lesson on `spec` may name."""
    names = set(READINGS) | {row.key for row in settings.SETTINGS.values()}
    names |= {f"data.params.{p}" for p in _data_params(spec)}
    return names


def _data_params(spec):
    from tuinn import data as datasets

    if spec.data.csv is not None:
        return set()
    return set(datasets.generator_params(spec.data.generator)) | set(spec.data.params)


def parse_condition(text, names, where):
    """One " or " part of a check line, or a ConfigError that says what is wrong."""
    words = text.split()
    if len(words) == 2 and words[0] == "finding" or len(words) == 3 and words[:2] == \
            ["no", "finding"]:
        code = words[-1]
        if code not in CODES:
            raise ConfigError(f"{where}: {code!r} is not a finding; the codes are in "
                              "docs/diagnosis.md")
        return Condition(text, " ".join(words[:-1]), code)
    if len(words) == 2 and words[0] == "changed":
        _known(words[1], names, where)
        return Condition(text, "changed", words[1])
    match = _COMPARISON.match(text)
    if not match:
        raise ConfigError(f"{where}: cannot read {text!r}: write `finding CODE`, "
                          "`no finding CODE`, `changed NAME` or `NAME OP VALUE` "
                          "(OP one of == != < <= > >=)")
    name, op, right = match.groups()
    _known(name, names, where)
    value = _VALUE.match(right)
    if not value:
        raise ConfigError(f"{where}: cannot read the value {right!r} (a number, a word, "
                          "a reading, or start.NAME, as in 0.5 * start.loss or "
                          "start.epoch + 100)")
    factor, term, sign, offset = value.groups()
    if "*" not in right and not re.search(r"\s[+-]\s", right):
        factor, term, sign, offset = None, right, None, None
    try:
        factor = float(factor) if factor else 1.0
        offset = (-1 if sign == "-" else 1) * float(offset) if offset else 0.0
    except ValueError:
        raise ConfigError(f"{where}: {right!r} has a number that is not one") from None
    if term.startswith("start."):
        _known(term[len("start."):], names, where)
        term = ("start", term[len("start."):])
    elif term in names:
        term = ("now", term)
    else:
        term = _literal(term)
        if (factor != 1.0 or offset) and not isinstance(term, float):
            raise ConfigError(f"{where}: only numbers can be scaled or shifted: {right!r}")
        if isinstance(term, float):
            term = factor * term + offset
            factor, offset = 1.0, 0.0
    return Condition(text, "compare", name, op, factor, term, offset)


def _literal(word):
    if word in ("true", "false"):
        return word == "true"
    try:
        return float(word)
    except ValueError:
        return word


def _known(name, names, where):
    if name not in names:
        close = sorted(n for n in names if n.split(".")[-1] == name.split(".")[-1])
        hint = f" (did you mean {close[0]}?)" if close else " (docs/lessons.md lists them)"
        raise ConfigError(f"{where}: {name!r} is not a reading or a setting{hint}")


def _checks(lines, names, where):
    if isinstance(lines, str):
        lines = [lines]
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ConfigError(f"{where} must be a list of conditions (strings)")
    return tuple(Check(tuple(parse_condition(part.strip(), names, where)
                             for part in line.split(" or "))) for line in lines)


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
            _known(name, names, f"{where}: {{{field}}}")


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
    names = _reading_names(spec)
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
        panel = table.get("panel", "")
        if panel not in PANELS:
            raise ConfigError(f"{at}: panel {panel!r} is not one of {', '.join(PANELS)}")
        if "did" not in table or "worked" not in table:
            raise ConfigError(f"{at}: a step needs `did` (the learner did it) and `worked` "
                              "(it had its effect); write worked = [] when doing is enough")
        step = Step(_text(table, "title", at), _text(table, "say", at), panel,
                    _text(table, "try", at), _checks(table["did"], names, f"{at}, did"),
                    _checks(table["worked"], names, f"{at}, worked"),
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


def readings(run, metrics, findings, app):
    """What the conditions and the explanations of a step read, now.

    `metrics` is tuinn.runs.run.metrics_of of the run, `findings` the last
    diagnosis of the run on screen (None before there is one), `app` the
    app's own state (run, state, tab, test_points, log_scale, pins)."""
    history, trainer = run.trainer.history, run.trainer
    nan = math.nan
    test = history.get("test_loss")
    has_test = test is not None and len(test) > 0
    best = trainer.best
    out = {
        "epoch": run.epoch,
        "loss": metrics.get("train_loss", nan),
        "test_loss": metrics.get("test_loss", nan),
        "mse": metrics.get("train_mse", nan),
        "test_mse": metrics.get("test_mse", nan),
        "accuracy": metrics.get("train_accuracy", nan),
        "test_accuracy": metrics.get("test_accuracy", nan),
        "best_loss": best[1] if best else nan,
        "best_epoch": best[0] if best else 0,
        "best_test_loss": float(min(test)) if has_test else nan,
        "best_test_epoch": int(test.argmin()) + 1 if has_test else 0,
        **app,
    }
    for row in settings.SETTINGS.values():
        value = run.spec.get(row.key)
        if isinstance(value, (dict, list)):
            continue            # data.params by parameter below; init.weights is no reading
        out[row.key] = trainer.settings[row.name] if row.section == "train" and \
            row.name in trainer.settings else value
    if run.spec.data.csv is None:
        from tuinn import data as datasets

        params = {**datasets.generator_params(run.spec.data.generator), **run.spec.data.params}
        out.update({f"data.params.{k}": v for k, v in params.items()})
    if findings is not None:
        health = getattr(findings, "health", None) or []
        count = lambda *flags: sum(1 for u in health if set(flags) & set(u["flags"]))  # noqa: E731
        stability = getattr(findings, "stability", None)
        gap = next((f.evidence for f in findings if f.code == "uncovered-region"), {})
        out.update(dead_units=count("dead", "off"), saturated_units=count("saturated"),
                   duplicate_units=count("duplicate"), linear_units=count("linear-on-data"),
                   lr_limit=stability.limit if stability is not None else nan,
                   uncovered=gap.get("where", "nowhere"), uncovered_rows=gap.get("rows", 0))
    return out


class Namespace(types.SimpleNamespace):
    """Readings for str.format: "{train.lr:g}" and "{start.loss:.3g}" both work."""


def _namespace(values):
    root = {}
    for key, value in values.items():
        node = root
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = value
    return _to_namespace(root)


def _to_namespace(tree):
    return Namespace(**{k: _to_namespace(v) if isinstance(v, dict) else v
                        for k, v in tree.items()})


class _Missing(dict):
    def __missing__(self, key):
        return "?"


def fill(text, now, start):
    """A step's text with its {placeholders} filled from the readings; a
    reading not yet known shows as "?"."""
    fields = dict(vars(_namespace(now)))
    fields["start"] = _namespace(start)
    for name in FROM_DIAGNOSIS:
        fields.setdefault(name, math.nan)
    try:
        return string.Formatter().vformat(text, (), _Missing(fields))
    except (AttributeError, ValueError, TypeError, KeyError, IndexError):
        return text


class Tutor:
    """A learner's way through one lesson: the step they are on, whether they
    did it and whether it worked.  `update(now, findings)` reads the run;
    `go_on()` moves to the next step once this one is done."""

    def __init__(self, lesson, step=0):
        self.lesson = lesson
        self.index = min(max(step, 0), len(lesson.steps))
        self.start = {}             # the readings when the step began
        self.now = {}
        self.did = self.done = False
        self.seen = {}              # the readings when it was done: the explanation's numbers
        self.skipped = []

    @property
    def step(self):
        return self.lesson.steps[self.index] if self.index < len(self.lesson.steps) else None

    @property
    def finished(self):
        return self.index >= len(self.lesson.steps)

    def update(self, now, findings):
        """Read the run; returns True when the step has just been done."""
        if not self.start:
            self.start = dict(now)
        self.now = now
        step = self.step
        if step is None or self.done:
            return False
        codes = None if findings is None else {f.code for f in findings}
        self.did = self.did or all(c.holds(now, self.start, codes) for c in step.did)
        if self.did and all(c.holds(now, self.start, codes) for c in step.worked):
            self.done, self.seen = True, dict(now)
            return True
        return False

    def go_on(self, skip=False):
        """To the next step: returns '' or why not (the step is not done yet)."""
        if self.finished:
            return "the lesson is over: tuinn learn lists the others"
        if not self.done and not skip:
            return f"not yet: {self.step.task}"
        if not self.done:
            self.skipped.append(self.index)
        self.index += 1
        self.start = dict(self.now)
        self.did = self.done = False
        self.seen = {}
        return ""

    def text(self, panel_name):
        """(heading, body) of the lesson panel now; `panel_name` words a panel."""
        lesson, step = self.lesson, self.step
        total = len(lesson.steps)
        if step is None:
            done = total - len(self.skipped)
            return (f"{lesson.title}: done",
                    f"You have been through all {total} steps ({done} done, "
                    f"{len(self.skipped)} skipped). `tuinn learn` lists the other lessons; "
                    "q quits (the run is kept), and the app goes on as usual.")
        heading = f"{lesson.title}: step {self.index + 1}/{total}, {step.title}"
        parts = [fill(step.say, self.now, self.start),
                 f"Look at: {panel_name(step.panel)}."]
        if self.done:
            parts += ["Done.", fill(step.explain, self.seen, self.start),
                      f"{GO_ON}: next step" if self.index + 1 < total else f"{GO_ON}: finish"]
        else:
            parts.append(f"Try: {step.task}")
            if self.did and step.wait:
                parts.append(fill(step.wait, self.now, self.start))
            parts.append(f"({GO_ON} goes on once it worked; {SKIP} skips the step)")
        return heading, "\n\n".join(parts)
