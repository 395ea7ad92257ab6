"""Command-line options that describe a run, shared by the app, `tuinn train`
and `tuinn sweep`: where the run comes from (a preset, a run file or a CSV)
and a flag for every setting of the run file, which overrides it."""

import copy
import os

from tuinn import data as datasets
from tuinn.errors import ConfigError
from tuinn.run import RunSpec

# flag -> (section, field, type, help); the flag's dest is the flag without "--".
OVERRIDES = {
    "--hidden": ("model", "hidden_units", int, "hidden units"),
    "--activation": ("model", "activation", str, "hidden activation"),
    "--output": ("model", "output", str, "output activation"),
    "--loss": ("model", "loss", str, "squared or cross_entropy"),
    "--init": ("init", "scheme", str, "init scheme (small, glorot, he, he-bias, sklearn, zeros)"),
    "--init-scale": ("init", "scale", float, "sigma of the small scheme"),
    "--init-seed": ("init", "seed", int, "init_seed"),
    "--data-seed": ("data", "seed", int, "data_seed (generation, split, shuffling)"),
    "--test-ratio": ("data", "test_ratio", float, "split off this share as a test set"),
    "--optimizer": ("train", "optimizer", str, "sgd, momentum, nesterov, adam, rmsprop"),
    "--lr": ("train", "lr", float, "learning rate"),
    "--momentum": ("train", "momentum", float, "momentum / nesterov"),
    "--beta1": ("train", "beta1", float, "adam"),
    "--beta2": ("train", "beta2", float, "adam"),
    "--eps": ("train", "eps", float, "adam / rmsprop"),
    "--alpha": ("train", "alpha", float, "rmsprop"),
    "--l2": ("train", "l2", float, "L2 penalty"),
    "--batch-size": ("train", "batch_size", int, "mini-batch size (default: full batch)"),
    "--schedule": ("train", "schedule", str, "constant, invscaling, adaptive"),
    "--power-t": ("train", "power_t", float, "invscaling exponent"),
    "--tol": ("train", "tol", float, "adaptive schedule / convergence tolerance"),
    "--epochs": ("train", "epochs", int, "epoch limit"),
}

# Short names a sweep grid may use besides the dotted run-file keys.
GRID_NAMES = {flag[2:]: (section, field, kind) for flag, (section, field, kind, _)
              in OVERRIDES.items()}


def add_run_arguments(parser):
    """Add --preset/--config/--data/--target and one flag per setting."""
    source = parser.add_argument_group("the run")
    source.add_argument("--preset", help="a preset (tuinn presets lists them)")
    source.add_argument("--config", metavar="RUN.toml", help="a run file")
    source.add_argument("--data", metavar="FILE.csv", help="train on this CSV")
    source.add_argument("--target", help="the CSV's target column, name or index (default: last)")
    settings = parser.add_argument_group("settings (override the preset or run file)")
    for flag, (_, _, kind, text) in OVERRIDES.items():
        settings.add_argument(flag, type=kind, help=text)
    settings.add_argument("--shuffle", action="store_true", default=None,
                          help="shuffle the rows for mini-batches")
    settings.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                          help="take mini-batches in row order")
    settings.add_argument("--standardize", action="store_true", default=None,
                          help="standardize the inputs (fitted on the training rows)")
    settings.add_argument("--standardize-targets", action="store_true", default=None,
                          help="standardize regression targets too")


def spec_from_args(args, default_preset="exp"):
    """The RunSpec the options describe (a preset, a run file or a CSV, then the flags)."""
    chosen = [name for name in ("preset", "config", "data") if getattr(args, name, None)]
    if len(chosen) > 1:
        raise ConfigError(f"give one of --preset, --config, --data, not --{chosen[0]} and "
                          f"--{chosen[1]}")
    if args.target is not None and not args.data:
        raise ConfigError("--target goes with --data FILE.csv")
    if args.config:
        spec = RunSpec.read(args.config)
    elif args.data:
        spec = csv_spec(args.data, args.target)
    else:
        spec = RunSpec.from_preset(args.preset or default_preset)
    return apply_overrides(spec, args)


def csv_spec(path, target):
    """A sensible first run on a CSV: 8 tanh units, Adam, standardized inputs, a
    fifth of the rows as the test set, the output and loss that suit the target."""
    ds = datasets.load_csv(path, target=target)
    classify = ds.task != "regression"
    return RunSpec.from_dict({
        "name": os.path.splitext(os.path.basename(path))[0], "title": ds.summary(),
        "data": {"generator": None, "csv": os.path.abspath(path), "target": target,
                 "test_ratio": 0.2, "standardize_inputs": True},
        "model": {"hidden_units": 8, "activation": "tanh",
                  "output": "softmax" if ds.task == "multiclass" else
                  "sigmoid" if classify else "linear",
                  "loss": "cross_entropy" if classify else "squared"},
        "init": {"scheme": "glorot"},
        "train": {"optimizer": "adam", "lr": 0.01, "epochs": 1000}})


def apply_overrides(spec, args):
    spec = copy.deepcopy(spec)
    for flag, (section, field, _, _) in OVERRIDES.items():
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if value is not None:
            set_setting(spec, section, field, value)
    if getattr(args, "shuffle", None) is not None:
        spec.train.shuffle = args.shuffle
    if getattr(args, "standardize", None):
        spec.data.standardize_inputs = True
    if getattr(args, "standardize_targets", None):
        spec.data.standardize_targets = True
    return spec


def set_setting(spec, section, field, value):
    """Set one setting; a model change drops manual weights that no longer fit."""
    setattr(getattr(spec, section), field, value)
    if section == "init" and field == "scheme" and value != "manual":
        spec.init.weights = None
    if section == "model" and field == "hidden_units" and spec.init.scheme == "manual":
        spec.init.scheme, spec.init.weights = "small", None


def grid_key(name):
    """(section, field, type) of a grid key: a flag name (lr, hidden, batch-size)
    or a dotted run-file key (train.lr)."""
    if name in GRID_NAMES:
        return GRID_NAMES[name]
    if "." in name:
        section, field = name.split(".", 1)
        for s, f, kind in GRID_NAMES.values():
            if (s, f) == (section, field):
                return s, f, kind
    raise ConfigError(f"unknown sweep setting {name!r}; use one of "
                      f"{', '.join(GRID_NAMES)} (or a run-file key such as train.lr)")


def changed_sections(args):
    """{section: {(section, field): value}} of the setting flags given."""
    out = {}
    for flag, (section, field, _, _) in OVERRIDES.items():
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if value is not None:
            out.setdefault(section, {})[(section, field)] = value
    if getattr(args, "shuffle", None) is not None:
        out.setdefault("train", {})[("train", "shuffle")] = args.shuffle
    for name, field in (("standardize", "standardize_inputs"),
                        ("standardize_targets", "standardize_targets")):
        if getattr(args, name, None):
            out.setdefault("data", {})[("data", field)] = True
    for name in ("preset", "config", "data"):
        if getattr(args, name, None):
            out.setdefault("data", {})[("source", name)] = getattr(args, name)
    return out
