"""Command line: `tuinn bench …`, `tuinn presets …` (more commands arrive with their issues).

Headless commands import nothing from Textual.  A TuinnError becomes one line
on stderr and exit code 2, never a traceback.
"""

import argparse
import json
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
    print(json.dumps(doc, indent=2) if args.json else bench.format_report(doc))
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


def parser():
    p = argparse.ArgumentParser(
        prog="tuinn", description="Train one-hidden-layer networks and see why they learn "
        "or fail to learn.")
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
    if args.command is None:
        parser().print_help()
        return 0
    try:
        return args.run(args)
    except TuinnError as exc:
        print(f"tuinn: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tuinn: interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())
