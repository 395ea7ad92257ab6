"""Every setting of a run, once: the table the rest of tuinn is made from.

One `Setting` per row: its run-file key, type, range or choices, default,
whether it applies live (from the next epoch) or needs new weights, a line of
help, and its command-line flag.  From this table come the run file's
sections and their checks (`tuinn.runs.spec`), the command-line flags
(`tuinn.options`), the app's Settings tab (`tuinn.tui.session`) and what
`tuinn.Trainer.set` accepts; the engine maps the names of the choices to the
kernel's codes in one place (`tuinn.engine.KERNEL_CODES`).

To add a setting: add its row here; if the kernel uses it, add the field to
`tn_hyper` in csrc/tuinn.h (same name), use it in csrc/tuinn.c and in
tuinn/reference.py.  Nothing else changes.
"""

import dataclasses
import difflib
import itertools
import math
import numbers
import re

from tuinn.activations import NAMES as ACTIVATIONS
from tuinn.errors import ConfigError

OUTPUTS = ("linear", "sigmoid", "tanh", "softmax")
LOSSES = ("squared", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "rmsprop")
SCHEDULES = ("constant", "invscaling", "adaptive")
# "he-bias" draws the biases N(0, 2/fan_in) too, as some hand-written He inits do.
INITS = ("small", "glorot", "he", "he-bias", "sklearn", "zeros")
INIT_SCHEMES = INITS + ("manual",)
# Derived inputs (tuinn.data.features); every combination, in this order.
FEATURES = ("square", "product", "sin")
FEATURE_SETS = ("none",) + tuple("+".join(c) for r in range(1, len(FEATURES) + 1)
                                 for c in itertools.combinations(FEATURES, r))


# Or, as Playground's separate toggles, the net's inputs one by one, each the
# data's own input or derived from it: "x1, x2^2, x1*x2, sin(x1)".
TERM_FORMS = (("sin", re.compile(r"sin\s*\((.+)\)")),
              ("square", re.compile(r"(.+?)\s*(?:\^\s*2|²)")),
              ("product", re.compile(r"(.+?)\s*[*·]\s*(.+)")))


def feature_set(text):
    """Features typed in any order, with + or commas, as FEATURE_SETS spells
    them ("sin, square" -> "square+sin"); a list of the net's inputs as
    feature_terms reads it ("x1,sin( x2 )" -> "x1, sin(x2)").  Text it cannot
    read is returned as it is, for choose() to refuse."""
    parts = [p.strip().lower() for p in text.replace(",", "+").split("+") if p.strip()]
    if text.strip().lower() in ("", "none"):
        return "none"
    if not parts:
        return text
    if len(set(parts)) == len(parts) and set(parts) <= set(FEATURES):
        return "+".join(f for f in FEATURES if f in parts)
    terms = feature_terms(text)
    return text if terms is None else ", ".join(term_text(t) for t in terms)


def feature_terms(text):
    """A list of the net's inputs ("x1, x2^2, x1*x2, sin(x1)") as a tuple of
    ("input", name), ("square", name), ("product", a, b) or ("sin", name);
    None when `text` is not one: a "+" (the sets' spelling), an empty or a
    repeated term."""
    if "+" in text:
        return None
    terms = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            return None
        for kind, form in TERM_FORMS:
            match = form.fullmatch(part)
            if match and all(g.strip() for g in match.groups()):
                terms.append((kind, *(g.strip() for g in match.groups())))
                break
        else:
            terms.append(("input", part))
    return tuple(terms) if len(set(terms)) == len(terms) else None


def term_text(term, typed=True):
    """A term as typed ("x1^2", "x1*x2"), or as a column is named ("x1²", "x1·x2")."""
    kind, *names = term
    if kind == "input":
        return names[0]
    if kind == "sin":
        return f"sin({names[0]})"
    if kind == "square":
        return names[0] + ("^2" if typed else "²")
    return ("*" if typed else "·").join(names)


TRUE_WORDS, FALSE_WORDS = ("true", "on", "yes", "1"), ("false", "off", "no", "0")
AUTO_WORDS = ("", "none", "auto", "full")
TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
              dict: "a table", list: "a list"}


def shown(value, limit=40):
    """repr(value), cut to `limit` characters: a message never echoes a long paste."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 12]}… ({len(text):,} characters)"


def choose(label, name, choices):
    """`name` if it is one of `choices`, else a ConfigError that lists them
    (with the closest one, case aside, as a suggestion)."""
    if isinstance(name, str) and name in choices:
        return name
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(str(name).lower()[:100], list(lowered), n=1)
    hint = f" (did you mean {lowered[close[0]]!r}?)" if close else ""
    raise ConfigError(f"unknown {label} {shown(name)}{hint}; choose one of {', '.join(choices)}")


def number(label, value, low=None, high=None, low_open=False, high_open=True):
    """`value` as a finite float within its bounds, or a ConfigError that says them."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{label} must be a number, got {shown(value)}")
    value = float(value)
    bad = not math.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        raise ConfigError(f"{label} must be {_rule(low, high, low_open, high_open)}, "
                          f"got {value:g}")
    return value


def whole(label, value, low=0, high=None):
    """`value` as an int within [low, high], or a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low \
            or (high is not None and value > high):
        limit = f"in {low}..{high:,}" if high is not None else f">= {low}"
        raise ConfigError(f"{label} must be a whole number {limit}, got {shown(value)}")
    return int(value)


def _rule(low, high, low_open, high_open):
    lo = "" if low is None else ("> " if low_open else ">= ") + f"{low:g}"
    hi = "" if high is None else ("< " if high_open else "<= ") + f"{high:g}"
    return " and ".join(part for part in (lo, hi) if part) or "finite"


@dataclasses.dataclass(frozen=True)
class Setting:
    """One row of the table."""
    key: str                    # run-file key: "train.lr"
    kind: type                  # int, float, bool, str, dict or list (TOML's types)
    default: object
    help: str
    label: str = ""             # what messages call it (default: the key's last part)
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = True      # ranges read [low, high) unless said otherwise
    optional: bool = False      # None ("auto" when typed) is a value
    live: bool = False          # applies from the next epoch; otherwise new weights, epoch 0
    flag: str | None = None     # command-line flag, "--lr"
    kernel: bool = False        # a field of the kernel's tn_hyper, of the same name
    canonical: object = None    # text -> the spelling among `choices` ("sin+square" -> ...)
    beyond: object = None       # value -> whether it is accepted though not among the choices

    @property
    def section(self):
        return self.key.partition(".")[0]

    @property
    def name(self):
        return self.key.partition(".")[2]

    @property
    def what(self):
        return self.label or self.name

    def check(self, value):
        """`value` (from Python or TOML) as this setting holds it, or a ConfigError."""
        if value is None and self.optional:
            return None
        if self.canonical is not None and isinstance(value, str):
            value = self.canonical(value)
        if self.choices and not (self.beyond is not None and self.beyond(value)):
            return choose(self.what, value, self.choices)
        if self.kind is float:
            return number(self.what, value, self.low, self.high, self.low_open, self.high_open)
        if self.kind is int:
            return whole(self.what, value, 0 if self.low is None else int(self.low),
                         None if self.high is None else int(self.high))
        if self.kind is bool and isinstance(value, bool):
            return value
        if self.kind is not bool and isinstance(value, self.kind):
            return value
        raise ConfigError(f"{self.what} must be {self.type_name()}, got {shown(value)}")

    def parse(self, text):
        """Typed text (a flag, the app's Settings tab) as a checked value."""
        text = str(text).strip()
        if self.optional and text.lower() in AUTO_WORDS:
            return None
        if self.choices:
            return self.check(text)
        if self.kind is bool:
            if text.lower() in TRUE_WORDS:
                return True
            if text.lower() in FALSE_WORDS:
                return False
            raise ConfigError(f"{self.what} is true or false{' or auto' * self.optional}, "
                              f"not {shown(text)}")
        if self.kind in (int, float):
            try:
                value = int(text) if self.kind is int else float(text)
            except ValueError:
                raise ConfigError(f"{self.what} must be {self.type_name()}, "
                                  f"not {shown(text)}") from None
            return self.check(value)
        return self.check(text)

    def type_name(self):
        name = TYPE_NAMES.get(self.kind, self.kind.__name__)
        return f"{name} (or left out)" if self.optional else name

    def describe(self):
        """The range or the choices, for help texts: "> 0", "one of sgd, adam"."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.kind is int:        # whole numbers are checked inclusive (see whole)
            low = 0 if self.low is None else int(self.low)
            return f"{low}..{int(self.high):,}" if self.high is not None else f">= {low}"
        if self.kind is float and (self.low is not None or self.high is not None):
            return _rule(self.low, self.high, self.low_open, self.high_open)
        return TYPE_NAMES.get(self.kind, "")


def _row(key, kind, default, help, **more):
    return Setting(key, kind, default, help, **more)


SETTINGS = {s.key: s for s in (
    # data: where the rows come from, and how they are split and scaled
    _row("data.generator", str, None, "a generated data set (tuinn.data.GENERATORS)",
         optional=True),
    _row("data.params", dict, {}, "the generator's parameters (n, noise, ...)"),
    _row("data.csv", str, None, "a CSV file, relative to the run file", optional=True),
    _row("data.target", object, None, "the CSV's target column(s): name or 0-based index",
         optional=True),
    _row("data.header", bool, None, "whether the CSV has a header line (default: detected)",
         optional=True),
    _row("data.delimiter", str, None, "the CSV's delimiter (default: sniffed)", optional=True),
    _row("data.test_ratio", float, 0.0, "split off this share of the rows as a test set",
         low=0.0, high=1.0, flag="--test-ratio"),
    _row("data.seed", int, 0, "data_seed: generation, split and shuffling", low=0,
         flag="--data-seed"),
    _row("data.standardize_inputs", bool, False,
         "standardize the inputs (fitted on the training rows)", flag="--standardize"),
    _row("data.features", str, "none", "derived inputs added after the data's own: "
         "x² (square), x·y (product), sin x (sin); or the net's inputs one by one, as "
         "Playground's toggles: x1, x2^2, x1*x2, sin(x1)", choices=FEATURE_SETS,
         flag="--features", canonical=lambda text: feature_set(text),
         beyond=lambda value: isinstance(value, str) and feature_terms(value) is not None),
    _row("data.standardize_targets", bool, False, "standardize regression targets too",
         flag="--standardize-targets"),
    # model
    _row("model.hidden_units", int, 8, "hidden units (0: no hidden layer, a single "
         "neuron)", label="hidden_units", low=0,
         high=100_000, flag="--hidden"),
    _row("model.activation", str, "sigmoid", "hidden activation", label="hidden activation",
         choices=ACTIVATIONS, flag="--activation"),
    _row("model.output", str, "linear", "output activation", label="output activation",
         choices=OUTPUTS, flag="--output"),
    _row("model.loss", str, "squared", "loss", label="loss", choices=LOSSES, flag="--loss"),
    # initial weights
    _row("init.scheme", str, "glorot", "init scheme", label="init scheme",
         choices=INIT_SCHEMES, flag="--init"),
    _row("init.seed", int, 0, "init_seed", label="init seed", low=0, flag="--init-seed"),
    _row("init.scale", float, 0.01, "sigma of the small scheme", label="init scale", low=0.0,
         high=None, flag="--init-scale"),
    _row("init.weights", dict, None, "the weights of the manual scheme (W1, b1, W2, b2)",
         optional=True),
    # training: every one of these may change between epochs
    _row("train.optimizer", str, "sgd", "optimizer", label="optimizer", choices=OPTIMIZERS,
         live=True, flag="--optimizer", kernel=True),
    _row("train.lr", float, 0.1, "learning rate", label="lr (learning rate)", low=0.0,
         low_open=True, live=True, flag="--lr", kernel=True),
    _row("train.momentum", float, 0.9, "momentum / nesterov", low=0.0, high=1.0, live=True,
         flag="--momentum", kernel=True),
    _row("train.beta1", float, 0.9, "adam's first-moment decay", low=0.0, high=1.0,
         live=True, flag="--beta1", kernel=True),
    _row("train.beta2", float, 0.999, "adam's second-moment decay", low=0.0, high=1.0,
         live=True, flag="--beta2", kernel=True),
    _row("train.eps", float, 1e-8, "adam / rmsprop's epsilon", low=0.0, low_open=True,
         live=True, flag="--eps", kernel=True),
    _row("train.alpha", float, 0.99, "rmsprop's decay", low=0.0, high=1.0, live=True,
         flag="--alpha", kernel=True),
    _row("train.l2", float, 0.0, "L2 penalty on the weights", low=0.0, live=True,
         flag="--l2", kernel=True),
    _row("train.l1", float, 0.0, "L1 penalty on the weights (pulls small ones to zero)",
         low=0.0, live=True, flag="--l1", kernel=True),
    _row("train.batch_size", int, None, "mini-batch size (default: full batch)", low=1,
         optional=True, live=True, flag="--batch-size"),
    _row("train.shuffle", bool, None, "shuffle the rows each epoch (default: with mini-batches)",
         optional=True, live=True, flag="--shuffle"),
    _row("train.schedule", str, "constant", "learning-rate schedule", label="schedule",
         choices=SCHEDULES, live=True, flag="--schedule", kernel=True),
    _row("train.power_t", float, 0.5, "invscaling exponent", low=0.0, live=True,
         flag="--power-t", kernel=True),
    _row("train.tol", float, 1e-4, "adaptive schedule: the smallest gain that counts",
         low=0.0, live=True, flag="--tol", kernel=True),
    _row("train.epochs", int, 1000, "epoch limit", label="epochs", low=0,
         high=100_000_000, live=True, flag="--epochs"),
)}

# Set by the run's source (CSV or generator), not typed in the app.
SOURCE_KEYS = ("data.generator", "data.params", "data.csv", "data.target", "data.header",
               "data.delimiter")
# The Trainer's settings: the training section less the epoch limit, which is the run's.
TRAINER = tuple(s.name for s in SETTINGS.values() if s.section == "train" and
                s.name != "epochs")


def section(name):
    """The rows of one section, in table order."""
    return [s for s in SETTINGS.values() if s.section == name]


def get(key):
    """The row of `key` ("train.lr"), or a ConfigError naming the known keys."""
    if key in SETTINGS:
        return SETTINGS[key]
    close = difflib.get_close_matches(key, list(SETTINGS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"unknown setting {key!r}{hint}")


def trainer_defaults():
    return {name: SETTINGS[f"train.{name}"].default for name in TRAINER}
