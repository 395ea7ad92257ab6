"""Command line: the app (no command), `tuinn train`, `predict`, `sweep`, `bench`,
`presets`, `diagnose`, `learn`.

Headless commands import nothing from Textual.  A TuinnError becomes one line
on stderr and exit code 2, never a traceback.
"""

import argparse
import json
import math
import os
import signal
import sys

# numpy's BLAS threads gain nothing on tuinn's small arrays, and once woken
# they spin for a while on the cores the kernel trains on: beside them f2-h8
# trained 20 % slower on a 2-core machine.  Set before numpy loads; a user's
# own setting stands.
for _blas_threads in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas_threads, "1")

from tuinn import __version__, options  # noqa: E402  (numpy loads here)
from tuinn.errors import ConfigError, TuinnError


def _bench(args):
    from tuinn.bench import kernel as bench

    names = [w.name for w in bench.WORKLOADS]
    unknown = [n for n in args.workload if n not in names]
    if unknown:
        raise TuinnError(f"unknown workload {unknown[0]!r}; choose from {', '.join(names)}")
    compare = [c for c in args.compare.split(",") if c] if args.compare else []
    bad = [c for c in compare if c not in bench.COMPARE]
    if bad:
        raise TuinnError(f"--compare takes {', '.join(bench.COMPARE)}, not {bad[0]!r}")
    if args.repeats < 5:
        raise TuinnError("--repeats must be at least 5 (the median of fewer is not robust)")
    progress = None if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    doc = bench.run(quick=args.quick, repeats=args.repeats, compare=compare,
                    only=args.workload, progress=progress)
    report = bench.format_report(doc)
    if args.app:
        from tuinn.bench import app as measure

        if progress:
            progress("app: training inside the app, and key presses")
        doc["app"] = measure.measure_in_child()
        report += "\n" + measure.format_report(doc["app"])
    if args.sweep:
        from tuinn.bench import sweep as measure_sweep

        if progress:
            progress("sweep: 1 and 2 local workers, and Dask's overhead per task")
        doc["sweep"] = measure_sweep.measure()
        report += "\n" + measure_sweep.format_measure(doc["sweep"])
    if args.advice:
        from tuinn.bench import advice as measure_advice

        doc["advice"] = measure_advice.measure(progress)
        report += "\n" + measure_advice.format_measure(doc["advice"])
    print(json.dumps(doc, indent=2) if args.json else report)
    return 0


def _presets(args):
    import textwrap

    from tuinn import presets
    from tuinn.runs import RunSpec

    if args.name is None:
        if args.write:
            raise TuinnError("--write needs a preset name: tuinn presets NAME --write FILE")
        width = max(len(n) for n in presets.names())
        for name in presets.names():
            print(f"{name:{width}}  {presets.PRESETS[name]['title']}")
        print("\nPairs to see side by side, as tuinn --compare A B:")
        for a, b, what in presets.PAIRS:
            print(f"  tuinn --compare {a} {b}: {what}")
        return 0
    spec = RunSpec.from_preset(args.name)
    if args.write:
        if os.path.lexists(args.write):
            raise ConfigError(f"{args.write} exists; give a new file name (nothing was written)")
        try:
            spec.write(args.write)
        except OSError as exc:
            raise ConfigError(f"cannot write {args.write}: {exc.strerror or exc}") from None
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


def _app(args, spec=None, tutor=None):
    """The terminal app (the command without a subcommand), on `spec` when
    given, with a lesson beside it when `tutor` is."""
    if not 0 < args.fps <= 60:
        raise TuinnError(f"--fps must be in (0, 60], got {args.fps:g}")
    # Before anything is built: a run can take seconds to set up.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise TuinnError("the app needs a terminal; use `tuinn train` for scripts")
    os.environ.update(color_environment(args.color))
    # Textual draws a change at its next frame slot: at its default 60 a key
    # waits up to 17 ms more to show.  Frames are drawn only when something
    # changed, so more slots cost nothing.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    # The training thread keeps to one core, so the screen always has one.
    os.environ.setdefault("TUINN_THREADS", "1")
    from tuinn.runs import RunSpec
    from tuinn.runs.paths import last_run_dir
    from tuinn.tui.session import Session

    if args.compare_runs:
        return _compare(args)
    if args.app_resume:
        folder = last_run_dir()
        if not (folder / "run.toml").is_file():
            raise TuinnError(f"no run to resume in {folder}: quit a run with q first")
        session = Session(RunSpec.from_preset("exp"), paused=True)
        session.open_saved(folder)
        session.paused = args.paused
    else:
        session = Session(spec or options.spec_from_args(args), paused=args.paused)
    from tuinn.tui.app import run_app

    return run_app(session, fps=args.fps, ascii_only=args.ascii, mouse=not args.no_mouse,
                   tutor=tutor)


def _compare(args):
    """tuinn --compare A B: the two runs side by side."""
    from tuinn.runs import RunSpec
    from tuinn.tui.compare import run_compare
    from tuinn.tui.pair import Pair
    from tuinn.tui.session import Session

    chosen = [flag for flag in ("preset", "config", "data") if getattr(args, flag, None)]
    if chosen or args.app_resume:
        raise TuinnError(f"--compare names its two runs itself; leave out "
                         f"{'--resume' if args.app_resume else '--' + chosen[0]}")
    changes = options.given(args)
    sessions = []
    for what in args.compare_runs:
        session = Session(RunSpec.from_preset("exp"), paused=True)
        try:
            session.open_any(what)
        except OSError as exc:
            raise TuinnError(f"--compare {what}: {exc.strerror or exc}") from None
        except TuinnError as exc:
            raise TuinnError(f"--compare {what}: {exc}") from None
        if changes:
            spec = session.run.spec
            for key, value in changes.items():
                spec.set(key, value)
            if session.run.epoch:
                raise TuinnError(f"--compare {what}: a saved run goes on as it was saved; "
                                 "leave out the setting flags, or change it with e in the app")
            session.open(spec, session.source)
        session.paused = args.paused
        sessions.append(session)
    return run_compare(Pair(*sessions), fps=args.fps, ascii_only=args.ascii,
                       mouse=not args.no_mouse)


def _train(args):
    from tuinn import headless
    from tuinn.runs import Run, store

    # Before training: a save that would overwrite what is not a tuinn run is
    # refused now, not after an hour of training.
    for folder in (args.resume, args.save):
        if folder:
            note = store.recover(folder)
            if note:
                print(f"tuinn: {note}", file=sys.stderr)
    for flag, value in (("--save", args.save), ("--history", args.history),
                        ("--svg", args.svg)):
        if value is not None and not str(value).strip():
            raise ConfigError(f"{flag} needs a path, not an empty string")
    if args.save:
        store.check_target(args.save)
    if args.history:
        store.check_output(args.history, store.HISTORY_HEADER)
    if args.svg_size is not None and args.svg is None:
        raise ConfigError("--svg-size sizes the picture --svg FILE saves: give --svg too")
    svg_size = _picture_target(args.svg, args.svg_size) if args.svg else None
    if args.resume:
        run = Run.load(args.resume)
        changes = options.given(args)
        headless.check_resume(changes, args, run)
        for key, value in changes.items():
            if key == "train.epochs":
                run.spec.train.epochs = value
            else:
                run.set(**{key.partition(".")[2]: value})
        epochs = max(0, run.spec.train.epochs - run.epoch)
    else:
        run = Run(options.spec_from_args(args))
        epochs = run.spec.train.epochs
    code = headless.train(run, epochs, as_json=args.json, history=args.history,
                          save=args.save or args.resume, repair=args.repair,
                          experiments_seconds=0.0 if args.no_experiments else args.experiments,
                          details=args.details)
    if args.svg and code in (headless.EXIT_DONE, headless.EXIT_DIVERGED):
        from tuinn.tui.app import draw_picture

        path = draw_picture(run, args.svg, svg_size)
        print(f"tuinn: the picture is saved in {path}", file=sys.stderr)
    return code


def _picture_target(path, size):
    """The --svg picture's size (picture.DEFAULT_SIZE when not given), once
    its folder is known to exist: refused before training, not after."""
    from tuinn.tui.picture import DEFAULT_SIZE, parse_size

    folder = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(folder):
        raise ConfigError(f"--svg: the folder {folder} does not exist")
    if os.path.isdir(os.path.expanduser(path)):
        raise ConfigError(f"--svg names a folder, {path}; give a file name such as run.svg")
    return parse_size(size) if size is not None else DEFAULT_SIZE


def _diagnose(args):
    from tuinn import headless, jsondoc, model_files

    net = model_files.read(args.weights, args.activation, args.output, args.loss)
    spec = options.model_spec(net, args.data, args.target, args.weights)
    if args.open:
        args.app_resume, args.paused = False, True
        return _app(args, spec)
    from tuinn.runs import Run

    run = Run(spec)
    seconds = 0.0 if args.no_experiments else args.experiments
    doc = headless.summary(run, 0.0, 0, run.diagnose(surface="cli", experiments=seconds))
    if args.json:
        print(jsondoc.dumps(doc))
    else:
        print(headless.format_summary(doc, args.details))
    return 0


def _learn(args):
    import copy

    from tuinn import lessons
    from tuinn.lessons import progress
    from tuinn.tui.places import check_panels

    if args.lesson is None:
        if args.reset or args.check:
            raise TuinnError("--reset and --check need a lesson: tuinn learn NAME --check")
        print(lessons_table())
        return 0
    lesson = lessons.find(args.lesson)
    check_panels(lesson)
    if args.check:
        steps = len(lesson.steps)
        print(f"{lesson.path}: {lesson.title}, {steps} step{'s' * (steps != 1)} on "
              f"{lesson.spec.name}: it reads well")
        return 0
    if args.reset:
        error = progress.reset(lesson)
        if error:
            raise TuinnError(error)
    args.app_resume, args.paused = False, lesson.paused
    tutor = lessons.Tutor(lesson, progress.first_open(lesson))
    return _app(args, copy.deepcopy(lesson.spec), tutor)


def lessons_table():
    """The built-in lessons with the learner's progress, for `tuinn learn`."""
    from tuinn import lessons
    from tuinn.lessons import progress

    rows = []
    for lesson in lessons.builtin():
        done, total = len(progress.of(lesson)), len(lesson.steps)
        state = "done" if done == total else f"{done}/{total} steps" if done else \
            f"{total} steps"
        rows.append((lesson.name.partition("-")[2], lesson.title, state))
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:{width}}  {state:>11}  {title}" for name, title, state in rows]
    lines += ["", "tuinn learn NAME starts a lesson beside its run (it resumes at the first "
              "step not done);", "tuinn learn FILE.toml runs a lesson file of your own "
              "(`tuinn help lessons`)."]
    return "\n".join(lines)


def _help(args):
    from tuinn import help as docs

    print(docs.text(args.topic) if args.topic else docs.listing())
    return 0


def _predict(args):
    from tuinn import headless

    return headless.predict(args.run_dir, args.data, args.out)


def _interrupt(*_):
    raise KeyboardInterrupt


def _sweep(args):
    from tuinn import headless, sweep

    spec = options.spec_from_args(args)
    if args.grid:
        grid, seeds, vary = sweep.parse_grid(args.grid), 1, "init"
    elif spec.sweep:
        grid, seeds, vary = sweep.grid_from_table(spec.sweep)
    else:
        grid, seeds, vary = [], 1, "init"
    # `is not None`: --seeds 0 is a mistake to say, not a default to take.
    seeds = args.seeds if args.seeds is not None else seeds
    vary = args.vary or vary
    total = len(sweep.make_tasks(spec, grid, seeds, vary)[0])
    # Ctrl-C stops the sweep even when the shell that started us ignores SIGINT
    # (a background job), as `tuinn train` does; a SIGTERM (a batch system's)
    # stops it the same way: the workers stopped, what finished reported.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    progress = headless.Progress(total, what="task")
    try:
        doc = sweep.sweep(spec, grid, seeds, vary, workers=args.workers,
                          scheduler=args.scheduler, progress=progress)
    finally:
        progress.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(sweep.report(doc, "json" if args.json else "csv" if args.csv else "table"))
    return 130 if doc["interrupted"] else 0


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong, and where the options are."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (`{self.prog} -h` lists the options)\n")


def parser():
    p = Parser(
        prog="tuinn", description="Train one-hidden-layer networks and see why they learn "
        "or fail to learn.  Without a command: the terminal app.")
    p.add_argument("--version", action="version", version=f"tuinn {__version__}")
    options.add_run_arguments(p)
    # dest app_resume: `tuinn train --resume DIR` has a --resume of its own.
    p.add_argument("--resume", dest="app_resume", action="store_true",
                   help="reopen the last run where it stopped")
    p.add_argument("--paused", action="store_true", help="start paused")
    p.add_argument("--compare", dest="compare_runs", nargs=2, metavar=("A", "B"),
                   help="two runs side by side: presets, run files or saved run folders "
                   "(tuinn presets lists the pairs); the setting flags apply to both")
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
    b.add_argument("--compare", metavar="LIBS",
                   help="also time these peers, each optional (tuinn[peers]): jax,torch,sklearn")
    b.add_argument("--repeats", type=int, default=5, help="repeats per timing (median)")
    b.add_argument("--workload", action="append", default=[], metavar="NAME",
                   help="run only this workload (repeatable)")
    b.add_argument("--app", action="store_true",
                   help="also measure the app: its training speed and its answer to keys")
    b.add_argument("--sweep", action="store_true",
                   help="also measure tuinn sweep: 2 workers against 1, Dask's overhead")
    b.add_argument("--advice", action="store_true",
                   help="also measure the advice: on every preset, the share of findings "
                   "whose advice, tried on a copy, lowers the loss 2x")
    b.set_defaults(run=_bench)
    pr = sub.add_parser("presets", help="list the presets, or show one as a run file",
                        description="Without NAME: every preset with a one-line description. "
                        "With NAME: its notes and its run file.")
    pr.add_argument("name", nargs="?", metavar="NAME", help="a preset to show")
    pr.add_argument("--write", metavar="FILE", help="write the preset's run file to FILE")
    pr.set_defaults(run=_presets)

    t = sub.add_parser("train", help="train a run headless: progress, summary, JSON",
                       description="Train a preset, a run file or a CSV without the app. "
                       "Exit codes: 0 done, 2 bad input, 3 diverged, 130 interrupted.")
    options.add_run_arguments(t, argparse.SUPPRESS)
    t.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    t.add_argument("--details", action="store_true",
                   help="the details of every finding, not only of problems and warnings")
    t.add_argument("--history", metavar="FILE.csv", help="write the loss history")
    t.add_argument("--save", metavar="DIR", help="save the run folder (resumable)")
    t.add_argument("--resume", metavar="DIR", help="continue a saved run (and save it there)")
    t.add_argument("--svg", metavar="FILE.svg",
                   help="then draw the run as the app shows it and save that picture")
    t.add_argument("--svg-size", metavar="COLSxROWS",
                   help="the picture's terminal size (default 100x30)")
    t.add_argument("--repair", action="store_true",
                   help="then try each finding's advice on a copy, trained as long, and "
                   "keep (and --save) the one that halves the loss most")
    add_experiment_arguments(t)
    t.set_defaults(run=_train)

    pd = sub.add_parser("predict", help="predictions of a saved run on new rows",
                        description="Applies the saved run's scaling and label decoding.")
    pd.add_argument("run_dir", metavar="RUN_DIR", help="a folder saved by --save or the app")
    pd.add_argument("--data", required=True, metavar="FILE.csv", help="the rows to predict")
    pd.add_argument("--out", metavar="FILE.csv", help="write here instead of stdout")
    pd.set_defaults(run=_predict)

    dg = sub.add_parser("diagnose", help="diagnose a model trained elsewhere",
                        description="Reads a one-hidden-layer model (.npz, .json, .keras, "
                        ".weights.h5, .safetensors; never pickle) and diagnoses it on the "
                        "rows of a CSV, given as the model saw them. `tuinn help model-files`")
    dg.add_argument("--weights", required=True, metavar="FILE", help="the model's weights")
    dg.add_argument("--data", required=True, metavar="DATA.csv", help="rows to diagnose it on")
    dg.add_argument("--target", help="the target column, name or index (default: last)")
    dg.add_argument("--activation", help="the hidden activation, when the file has none")
    dg.add_argument("--output", help="the output activation (default: the file's, or linear)")
    dg.add_argument("--loss", help="squared or cross_entropy (default: suits the output)")
    dg.add_argument("--json", action="store_true", help="print one JSON document")
    dg.add_argument("--details", action="store_true",
                    help="the details of every finding, not only of problems and warnings")
    dg.add_argument("--open", action="store_true", help="continue the model in the app")
    _display_arguments(dg)
    add_experiment_arguments(dg)
    dg.set_defaults(run=_diagnose)

    lr = sub.add_parser("learn", help="guided lessons beside a live run, with your progress",
                        description="Without LESSON: the lessons and how far you got. With "
                        "one: the app with the lesson beside its run. A lesson is a TOML "
                        "file (`tuinn help lessons`).")
    lr.add_argument("lesson", nargs="?", metavar="LESSON", help="a lesson's name or file")
    lr.add_argument("--check", action="store_true",
                    help="only read the lesson file and say what is wrong in it")
    lr.add_argument("--reset", action="store_true", help="forget the lesson's progress first")
    _display_arguments(lr)
    lr.set_defaults(run=_learn)

    hp = sub.add_parser("help", help="the documents: the math, the diagnosis, the lessons...",
                        description="Without TOPIC: the topics. With one: its text; "
                        "TOPIC#SECTION: one section of it.")
    hp.add_argument("topic", nargs="?", metavar="TOPIC", help="a topic, or TOPIC#SECTION")
    hp.set_defaults(run=_help)

    sw = sub.add_parser("sweep", help="a grid of settings times seeds, in parallel",
                        description="Each (setting, seed) is one deterministic task, run on "
                        "local processes or a Dask cluster.")
    options.add_run_arguments(sw, argparse.SUPPRESS)
    sw.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                    help="a setting and its values (repeatable), e.g. lr=0.05,0.1")
    sw.add_argument("--seeds", type=int, help="seeds per setting (default 1)")
    sw.add_argument("--vary", choices=("init", "data", "both"),
                    help="which seed the seeds vary (default init)")
    sw.add_argument("--workers", type=int, help="local worker processes (default: cores)")
    sw.add_argument("--scheduler", metavar="ADDRESS",
                    help="run on this Dask scheduler (pip install 'tuinn[dask]')")
    out = sw.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the result as JSON")
    out.add_argument("--csv", action="store_true", help="the result table as CSV")
    sw.set_defaults(run=_sweep)
    return p


def _display_arguments(sub):
    """The app's display options, for a command that can open the app."""
    sub.add_argument("--fps", type=float, default=4.0, help=argparse.SUPPRESS)
    sub.add_argument("--color", choices=("auto", "truecolor", "256", "16", "none"),
                     default="auto", help=argparse.SUPPRESS)
    sub.add_argument("--ascii", action="store_true", help=argparse.SUPPRESS)
    sub.add_argument("--no-mouse", action="store_true", help=argparse.SUPPRESS)


# Commands that can open the app take its display options.
OPENS_APP = ("diagnose", "learn")
APP_ONLY = {"app_resume": "--resume", "paused": "--paused", "fps": "--fps", "color": "--color",
            "ascii": "--ascii", "no_mouse": "--no-mouse", "compare_runs": "--compare"}


# Arguments that name a file or folder, and what they name.
PATHS = {"preset": ("--preset", "a preset name"), "config": ("--config", "a run file"),
         "data": ("--data", "a CSV file"), "save": ("--save", "a folder"),
         "resume": ("--resume", "a saved run folder"), "history": ("--history", "a file"),
         "out": ("--out", "a file"), "run_dir": ("RUN_DIR", "a saved run folder"),
         "weights": ("--weights", "a model file"), "lesson": ("LESSON", "a lesson")}


def add_experiment_arguments(parser):
    from tuinn.runs.experiments import DEFAULT_SECONDS

    parser.add_argument("--experiments", type=float, default=DEFAULT_SECONDS,
                        metavar="SECONDS",
                        help="after training, settle the diagnosis on copies of the run (more "
                        "epochs, each finding's advice) for at most this long (default "
                        f"{DEFAULT_SECONDS:g})")
    parser.add_argument("--no-experiments", action="store_true",
                        help="the fast diagnosis alone: its claims about changes are estimates")


def check_arguments(args):
    """What argparse lets through and no command can use, refused in one line
    before anything runs: an empty name, the root folder, a number that is
    not finite."""
    for dest, value in vars(args).items():
        if isinstance(value, float) and not math.isfinite(value):
            raise TuinnError(f"--{dest.replace('_', '-')} must be a finite number, got {value}")
        if dest not in PATHS or not isinstance(value, str):
            continue
        flag, what = PATHS[dest]
        if not value.strip():
            raise TuinnError(f"{flag} needs {what}, not an empty string")
        if what.endswith("folder") and os.path.realpath(value) == os.path.realpath(os.sep):
            raise TuinnError(f"{flag} {value} is the root folder; give a folder of its own")


def one_line(text):
    """A message as one line, whatever a path inside it holds."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def main(argv=None):
    """Entry point of the `tuinn` command; returns the exit code."""
    p = parser()
    args = p.parse_args(argv)
    if args.command is not None:
        defaults = {dest: p.get_default(dest) for dest in APP_ONLY}
        display = ("fps", "color", "ascii", "no_mouse") if args.command in OPENS_APP else ()
        given = [flag for dest, flag in APP_ONLY.items()
                 if dest not in display and getattr(args, dest) != defaults[dest]]
        if given:
            p.error(f"{given[0]} is an option of the app; `tuinn {args.command}` does not "
                    "take it")
    try:
        check_arguments(args)
        return _app(args) if args.command is None else args.run(args)
    except TuinnError as exc:
        print(f"tuinn: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tuinn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_left()


def _reader_left():
    """The reader of stdout left (`tuinn presets | head -3`): say nothing more,
    and keep Python from complaining when it flushes stdout at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def run():
    """Console-script entry: exit with main()'s code."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_left()
    sys.exit(code)
