"""The conditions of a lesson's steps: "finding CODE", "no finding CODE",
"changed NAME" and "NAME OP VALUE", read from a lesson file's text and
checked against the readings (tuinn.lessons.readings), joined by " or " in
one line of a step's `did` or `worked` list (docs/lessons.md)."""

import dataclasses
import math
import re

from tuinn.diagnose.findings import CODES
from tuinn.errors import ConfigError

OPERATORS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b,
             "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
             ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_COMPARISON = re.compile(r"^\s*([\w.]+)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")
# The right side: [NUMBER *] (NUMBER | WORD | NAME | start.NAME) [+|- NUMBER]
_VALUE = re.compile(r"^(?:([-+]?[\d.eE+-]+)\s*\*\s*)?([\w.+-]+?)(?:\s*([+-])\s*([\d.eE+-]+))?$")


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


def parse_condition(text, names, where):
    """One " or " part of a check line, or a ConfigError that says what is wrong."""
    words = text.split()
    if len(words) == 2 and words[0] == "finding" or len(words) == 3 and words[:2] == \
            ["no", "finding"]:
        code = words[-1]
        if code not in CODES:
            raise ConfigError(f"{where}: {code!r} is not a finding; the codes are in "
                              "`tuinn help diagnosis#the-rules`")
        return Condition(text, " ".join(words[:-1]), code)
    if len(words) == 2 and words[0] == "changed":
        known(words[1], names, where)
        return Condition(text, "changed", words[1])
    match = _COMPARISON.match(text)
    if not match:
        raise ConfigError(f"{where}: cannot read {text!r}: write `finding CODE`, "
                          "`no finding CODE`, `changed NAME` or `NAME OP VALUE` "
                          "(OP one of == != < <= > >=)")
    name, op, right = match.groups()
    known(name, names, where)
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
        known(term[len("start."):], names, where)
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


def known(name, names, where):
    if name not in names:
        close = sorted(n for n in names if n.split(".")[-1] == name.split(".")[-1])
        hint = f" (did you mean {close[0]}?)" if close else " (`tuinn help lessons#conditions` lists them)"
        raise ConfigError(f"{where}: {name!r} is not a reading or a setting{hint}")


def checks(lines, names, where):
    if isinstance(lines, str):
        lines = [lines]
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ConfigError(f"{where} must be a list of conditions (strings)")
    return tuple(Check(tuple(parse_condition(part.strip(), names, where)
                             for part in line.split(" or "))) for line in lines)
