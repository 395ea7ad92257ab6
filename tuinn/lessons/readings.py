"""What a lesson reads of the app: the readings (epoch, loss, lr_limit, the
settings, ...) that its conditions compare and its texts show, and the
filling of a text's {placeholders} with them (docs/lessons.md)."""

import math
import string
import types

from tuinn import settings

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

def names(spec):
    """Every reading a lesson on `spec` may name."""
    names = set(READINGS) | {row.key for row in settings.SETTINGS.values()}
    names |= {f"data.params.{p}" for p in _data_params(spec)}
    return names


def _data_params(spec):
    from tuinn import data as datasets

    if spec.data.csv is not None:
        return set()
    return set(datasets.generator_params(spec.data.generator)) | set(spec.data.params)


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
