"""Advice that fits the run and the surface it is read on.

A finding's advice is a list of `Option`s: a plain sentence and the setting
changes (or actions) that carry it out.  `render` drops the options whose
changes are already in effect, then words the rest for the surface:

  app   keys and the Settings tab ("halve the learning rate: - (now 2)")
  cli   flags of `tuinn train` ("--lr 0.5")
  api   Python calls ("trainer.set(lr=0.5)")
"""

import dataclasses
import math

from tuinn import settings

SURFACES = ("app", "cli", "api")

# Settings that have a key of their own in the app (tuinn/tui/keys.py).
APP_KEYS = {"model.hidden_units": "h / H", "model.activation": "a", "train.optimizer": "m"}

# Actions that are not a setting: (app, cli, api) wording.
ACTIONS = {
    "restart": ("then r to start again", "run again", "then net.init(...) to start again"),
    "reinit": ("r draws new initial weights", "run again with another --init-seed",
               "net.init(scheme, seed=another)"),
    "restore-best": ("b restores the best weights", "run again with --epochs {arg}",
                     "trainer.restore_best()"),
}


@dataclasses.dataclass(frozen=True)
class Option:
    text: str                       # what to do, in plain words
    changes: tuple = ()             # (key, value) pairs of the settings table
    action: str | None = None       # one of ACTIONS, after the changes
    arg: object = None              # what the action's wording needs (an epoch)

    def to_dict(self):
        return {"text": self.text, "changes": dict(self.changes), "action": self.action,
                "arg": self.arg}


def change(key, value):
    """One (key, value) pair, checked against the settings table."""
    return key, settings.get(key).check(value)


def _value(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _flag(key, value):
    row = settings.get(key)
    if row.kind is bool:
        return row.flag if value else "--no-" + row.flag[2:]
    return f"{row.flag} {_value(value)}"


def _api(key, value):
    row = settings.get(key)
    if row.section == "train":
        return f"trainer.set({row.name}={value!r})"
    return f"spec.set({key!r}, {value!r})"


def _app(key, value):
    if key == "train.lr":
        return f"lr {_value(value)} (+ / - double and halve it)"
    hint = f" ({APP_KEYS[key]})" if key in APP_KEYS else ""
    return f"{key} = {_value(value)} in the Settings tab{hint}"


def _spell(option, surface):
    where = ACTIONS[option.action][SURFACES.index(surface)].format(arg=option.arg) \
        if option.action else ""
    if surface == "cli":
        flags = " ".join(_flag(k, v) for k, v in option.changes)
        if option.action == "restart":
            where = ""
        how = ", ".join(part for part in (flags, where) if part)
    elif surface == "api":
        how = "; ".join([_api(k, v) for k, v in option.changes] + ([where] if where else []))
    else:
        how = ", ".join([_app(k, v) for k, v in option.changes] + ([where] if where else []))
    return f"{option.text}: {how}" if how else option.text


def pending(options, current, at_best=False):
    """The options that would change something: not already in effect.
    current(key) is the setting's value in the run now (None when unknown);
    at_best: the weights are the best seen, so going back to them changes nothing."""
    return [o for o in options
            if not (at_best and o.action == "restore-best")
            and (not o.changes or any(current(k) != v for k, v in o.changes))]


def render(options, surface):
    """The advice sentence for `surface`."""
    return "; or ".join(_spell(o, surface) for o in options) + ("." if options else "")


def round_below(x):
    """The largest of 1, 2, 5 x 10^k that is at most x (a rate a person would type)."""
    if not math.isfinite(x) or x <= 0:
        return None
    k = math.floor(math.log10(x))
    m = next((m for m in (5, 2, 1) if m * 10.0 ** k <= x * (1 + 1e-9)), 1)
    return float(f"{m * 10.0 ** k:.3g}")
