"""Command line: the app (no command), `tuinn bench …`, `tuinn presets …`.

Headless commands import nothing from Textual.  A TuinnError becomes one line
on stderr and exit code 2, never a traceback.
"""

import argparse
import json
import os
import sys

from tuinn.errors import TuinnError


def _bench(args):
    from tuinn import bench

    names = [w.name for w in bench.WORKLOADS]
    unknown = [n for n in args.workload if n not in names]
    if unknown:
        raise TuinnError(f"unknown workload {unknown[0]!r}; choose from {', '.join(names)}")
    compare = [c for c in args.compare.split(",") if c] if args.compare else []
    bad = [c for c in compare if c not in bench.COMPARE]
    if bad:
        raise TuinnError(f"--compare takes {', '.join(bench.COMPARE)}, not {bad[0]!r}")
    if args.repeats < 3:
        raise TuinnError("--repeats must be at least 3 (the median of fewer is not robust)")
    progress = None if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    doc = bench.run(quick=args.quick, repeats=args.repeats, compare=compare,
                    only=args.workload, progress=progress)
    report = bench.format_report(doc)
    if args.app:
        from tuinn.tui import measure

        if progress:
            progress("app: training inside the app, and key presses")
        doc["app"] = measure.measure()
        report += "\n" + measure.format_report(doc["app"])
    print(json.dumps(doc, indent=2) if args.json else report)
    return 0


def _presets(args):
    import textwrap

    from tuinn import presets
    from tuinn.run import RunSpec

    if args.name is None:
        if args.write:
            raise TuinnError("--write needs a preset name: tuinn presets NAME --write FILE")
        width = max(len(n) for n in presets.names())
        for name in presets.names():
            print(f"{name:{width}}  {presets.PRESETS[name]['title']}")
        return 0
    spec = RunSpec.from_preset(args.name)
    if args.write:
        spec.write(args.write)
        print(f"wrote {args.write}", file=sys.stderr)
        return 0
    print(f"{spec.name}: {spec.title}\n")
    print(textwrap.fill(spec.notes, 80) + "\n")
    print(spec.to_toml(), end="")
    return 0


COLOR_SYSTEMS = {"truecolor": "truecolor", "256": "256", "16": "standard"}


def color_environment(choice):
    """The environment settings that give Textual the colours of --color."""
    if choice == "none":
        return {"NO_COLOR": "1"}
    if choice == "auto":
        return {}
    return {"TEXTUAL_COLOR_SYSTEM": COLOR_SYSTEMS[choice]}


def _app(args):
    """The terminal app (the command without a subcommand)."""
    os.environ.update(color_environment(args.color))
    if args.fps <= 0 or args.fps > 60:
        raise TuinnError(f"--fps must be in (0, 60], got {args.fps:g}")
    from tuinn.run import RunSpec
    from tuinn.tui.session import Session, last_run_dir

    if args.resume:
        folder = last_run_dir()
        if not (folder / "run.toml").is_file():
            raise TuinnError(f"no run to resume in {folder}: quit a run with q first")
        session = Session(RunSpec.from_preset("exp"), paused=True)
        session.open_saved(folder)
        session.paused = args.paused
    else:
        session = Session(_start_spec(args), paused=args.paused)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise TuinnError("the app needs a terminal; use `tuinn train` for scripts")
    from tuinn.tui.app import run_app

    return run_app(session, fps=args.fps, ascii_only=args.ascii, mouse=not args.no_mouse)


def _start_spec(args):
    from tuinn import data as datasets
    from tuinn.run import DataSpec, RunSpec

    chosen = [name for name in ("preset", "config", "data") if getattr(args, name)]
    if len(chosen) > 1:
        raise TuinnError(f"give one of --preset, --config, --data, not --{chosen[0]} and "
                         f"--{chosen[1]}")
    if args.config:
        return RunSpec.read(args.config)
    if args.data:
        ds = datasets.load_csv(args.data, target=args.target)
        classify = ds.task != "regression"
        output = "softmax" if ds.task == "multiclass" else "sigmoid" if classify else "linear"
        return RunSpec.from_dict({
            "name": os.path.basename(args.data), "title": ds.summary(),
            "data": {"csv": os.path.abspath(args.data), "target": args.target,
                     "test_ratio": 0.2, "standardize_inputs": True},
            "model": {"hidden_units": 8, "activation": "tanh", "output": output,
                      "loss": "cross_entropy" if classify else "squared"},
            "train": {"optimizer": "adam", "lr": 0.01, "epochs": 1000}})
    return RunSpec.from_preset(args.preset or "exp")


def parser():
    p = argparse.ArgumentParser(
        prog="tuinn", description="Train one-hidden-layer networks and see why they learn "
        "or fail to learn.  Without a command: the terminal app.")
    p.add_argument("--preset", help="start with this preset (tuinn presets lists them)")
    p.add_argument("--config", metavar="RUN.toml", help="start with this run file")
    p.add_argument("--data", metavar="FILE.csv", help="train on this CSV")
    p.add_argument("--target", help="the CSV's target column, by name or index (default: last)")
    p.add_argument("--resume", action="store_true", help="reopen the last run where it stopped")
    p.add_argument("--paused", action="store_true", help="start paused")
    p.add_argument("--fps", type=float, default=4.0, help="plot redraws per second (default 4)")
    p.add_argument("--color", choices=("auto", "truecolor", "256", "16", "none"),
                   default="auto", help="colours (default: what the terminal says)")
    p.add_argument("--ascii", action="store_true",
                   help="no box-drawing, block or braille characters")
    p.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    b = sub.add_parser("bench", help="time the C kernel against the numpy reference",
                       description="Times the C kernel and the numpy reference on the same "
                       "workloads, same process, same initial weights.")
    b.add_argument("--quick", action="store_true", help="fewer epochs (finishes in < 30 s)")
    b.add_argument("--json", action="store_true", help="print one JSON document")
    b.add_argument("--compare", metavar="LIBS", help="also time these: torch,sklearn")
    b.add_argument("--repeats", type=int, default=3, help="repeats per timing (median)")
    b.add_argument("--workload", action="append", default=[], metavar="NAME",
                   help="run only this workload (repeatable)")
    b.add_argument("--app", action="store_true",
                   help="also measure the app: its training speed and its answer to keys")
    b.set_defaults(run=_bench)
    pr = sub.add_parser("presets", help="list the presets, or show one as a run file",
                        description="Without NAME: every preset with a one-line description. "
                        "With NAME: its notes and its run file.")
    pr.add_argument("name", nargs="?", metavar="NAME", help="a preset to show")
    pr.add_argument("--write", metavar="FILE", help="write the preset's run file to FILE")
    pr.set_defaults(run=_presets)
    return p


def main(argv=None):
    """Entry point of the `tuinn` command; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        return _app(args) if args.command is None else args.run(args)
    except TuinnError as exc:
        print(f"tuinn: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tuinn: interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())
