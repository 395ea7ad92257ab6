"""Command-line options that describe a run, shared by the app, `tuinn train`
and `tuinn sweep`: where the run comes from (a preset, a run file or a CSV)
and a flag for every setting of the table in tuinn.settings, which overrides
the run's own value."""

import argparse
import os

from tuinn import data as datasets
from tuinn.errors import ConfigError
from tuinn.runs import RunSpec
from tuinn.settings import SETTINGS

FLAGGED = [row for row in SETTINGS.values() if row.flag]
SOURCES = ("preset", "config", "data")


def dest(row):
    return row.flag[2:].replace("-", "_")


def _flag_type(row):
    def parse(text):
        try:
            return row.parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = row.name      # argparse names the type in its messages
    return parse


def add_run_arguments(parser, default=None):
    """Add --preset/--config/--data/--target and one flag per setting.

    A subcommand passes default=argparse.SUPPRESS: a flag given before the
    subcommand (`tuinn --lr 7 train`) then carries through instead of being
    overwritten by the subcommand's own default."""
    source = parser.add_argument_group("the run")
    source.add_argument("--preset", default=default,
                        help="a preset (tuinn presets lists them)")
    source.add_argument("--config", metavar="RUN.toml", default=default, help="a run file")
    source.add_argument("--data", metavar="FILE.csv", default=default, help="train on this CSV")
    source.add_argument("--target", default=default,
                        help="the CSV's target column, name or index (default: last)")
    group = parser.add_argument_group("settings (override the preset or run file)")
    for row in FLAGGED:
        text = f"{row.help} ({row.describe()})" if row.describe() else row.help
        if row.kind is bool:
            group.add_argument(row.flag, dest=dest(row), action=argparse.BooleanOptionalAction,
                               default=default, help=text)
        else:
            group.add_argument(row.flag, dest=dest(row), type=_flag_type(row), default=default,
                               metavar=row.name.upper(), help=text)


def spec_from_args(args, default_preset="exp"):
    """The RunSpec the options describe (a preset, a run file or a CSV, then the flags)."""
    chosen = [name for name in SOURCES if getattr(args, name, None)]
    if len(chosen) > 1:
        raise ConfigError(f"give one of --preset, --config, --data, not --{chosen[0]} and "
                          f"--{chosen[1]}")
    if getattr(args, "target", None) is not None and not getattr(args, "data", None):
        raise ConfigError("--target goes with --data FILE.csv")
    if getattr(args, "config", None):
        spec = RunSpec.read(args.config)
    elif getattr(args, "data", None):
        spec = csv_spec(args.data, args.target)
    else:
        spec = RunSpec.from_preset(getattr(args, "preset", None) or default_preset)
    for key, value in given(args).items():
        spec.set(key, value)
    return spec


def given(args):
    """{run-file key: value} of the setting flags given."""
    return {row.key: getattr(args, dest(row)) for row in FLAGGED
            if getattr(args, dest(row), None) is not None}


# How a run on a CSV trains until the user says otherwise.
FIRST_TRAIN = {"optimizer": "adam", "lr": 0.01, "epochs": 1000}


def csv_spec(path, target):
    """A sensible first run on a CSV: 8 tanh units, Adam, standardized inputs, a
    fifth of the rows as the test set, the output and loss that suit the target."""
    ds = datasets.load_csv(path, target=target)
    classify = ds.task != "regression"
    return RunSpec.from_dict({
        "name": os.path.splitext(os.path.basename(path))[0], "title": ds.summary(),
        "data": {"csv": os.path.abspath(path), "target": target,
                 "test_ratio": 0.2, "standardize_inputs": True},
        "model": {"hidden_units": 8, "activation": "tanh",
                  "output": "softmax" if ds.task == "multiclass" else
                  "sigmoid" if classify else "linear",
                  "loss": "cross_entropy" if classify else "squared"},
        "init": {"scheme": "glorot"},
        "train": dict(FIRST_TRAIN)})


def model_spec(net, path, target, weights_path):
    """A run that starts from a model trained elsewhere, on all the rows of a CSV
    as the model saw them (no scaling, no test split)."""
    ds = datasets.load_csv(path, target=target)
    if ds.X.shape[1] != net.n_in or ds.Y.shape[1] != net.n_out:
        raise ConfigError(f"the model takes {net.n_in} inputs and gives {net.n_out} outputs; "
                          f"{path} has {ds.X.shape[1]} input and {ds.Y.shape[1]} target "
                          "columns: pick the target with --target")
    return RunSpec.from_dict({
        "name": os.path.splitext(os.path.basename(weights_path))[0],
        "title": f"{os.path.basename(weights_path)} on {ds.summary()}",
        "data": {"csv": os.path.abspath(path), "target": target, "test_ratio": 0.0,
                 "standardize_inputs": False},
        "model": {"hidden_units": net.n_hidden, "activation": net.hidden,
                  "output": net.output, "loss": net.loss},
        "init": {"scheme": "manual", "weights": {k: v.tolist() for k, v in net.weights().items()}},
        "train": dict(FIRST_TRAIN)})


def grid_key(name):
    """The setting of a sweep grid key: a flag's name (lr, hidden, batch-size)
    or a run-file key (train.lr)."""
    for row in FLAGGED:
        if name in (row.flag[2:], row.key):
            return row
    raise ConfigError(f"unknown sweep setting {name!r}; use one of "
                      f"{', '.join(row.flag[2:] for row in FLAGGED)} (or a run-file key "
                      "such as train.lr)")
