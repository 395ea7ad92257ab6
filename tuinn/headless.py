"""`tuinn train` and `tuinn predict`: runs for scripts, CI and servers.

Training goes in chunks of about CHUNK_SECONDS so the progress line moves and
Ctrl-C is answered between chunks (chunks are bit-identical to one long call).
Nothing here imports Textual.
"""

import csv
import io
import math
import pathlib
import signal
import sys
import time


from tuinn import data as datasets
from tuinn import jsondoc
from tuinn.activations import HIDDEN
from tuinn.errors import ConfigError, TuinnError
from tuinn.runs import Run, experiments
from tuinn.runs.paths import saved_runs_dir
from tuinn.runs.spec import atomic_write
from tuinn.runs.store import check_output, save_new, write_history

CHUNK_SECONDS = 0.2
PLAIN_EVERY = 5.0          # seconds between progress lines when stderr is not a terminal
EXIT_DONE, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130


class Progress:
    """Progress on stderr: Rich's progress bar on a terminal, a plain line
    every PLAIN_EVERY seconds otherwise (a log, CI), which a bar redrawn in
    place would fill with control characters."""

    def __init__(self, total, stream=None, what="epoch"):
        self.stream = stream or sys.stderr
        self.total, self.what = total, what
        self.start = self.last = time.perf_counter()
        self._bar = self._task = None
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn
            from rich.progress import Progress as Bar
            from rich.progress import TextColumn, TimeRemainingColumn

            self._bar = Bar(BarColumn(bar_width=24), TextColumn(what), MofNCompleteColumn(),
                            TextColumn("{task.fields[note]}"),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=Console(file=self.stream))
            self._task = self._bar.add_task(what, total=total, note="", rate="")

    def update(self, done, note=""):
        now = time.perf_counter()
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        if self._bar:
            # Drawn from the first update on: a bar on screen means work has begun.
            if not self._bar.live.is_started:
                self._bar.start()
            self._bar.update(self._task, completed=done, note=note, rate=f"{rate:,.0f}/s")
            return
        if now - self.last < PLAIN_EVERY and done < self.total:
            return
        self.last = now
        left = (self.total - done) / rate if rate > 0 else float("inf")
        eta = f"{left:,.0f} s left" if math.isfinite(left) else "…"
        self.stream.write(f"{self.what} {done:,}/{self.total:,}  {note}  {rate:,.0f}/s  "
                          f"{eta}\n")
        self.stream.flush()

    def close(self):
        if self._bar:
            self._bar.stop()


def train_run(run, epochs, progress=None, stop=()):
    """Train `epochs` more epochs in chunks, until done or `stop` is non-empty;
    returns the seconds spent training."""
    goal = run.epoch + epochs
    spent, per_chunk = 0.0, 1
    while run.epoch < goal and not stop:
        chunk = min(per_chunk, goal - run.epoch)
        start = time.perf_counter()
        status = run.train(chunk)
        seconds = time.perf_counter() - start
        spent += seconds
        if progress:
            progress.update(run.epoch - (goal - epochs),
                            f"loss {run.trainer.history['loss'][-1]:.4g}")
        if status.diverged:
            break
        # Aim each chunk at CHUNK_SECONDS of work, from the speed seen so far.
        per_chunk = max(1, int(chunk * CHUNK_SECONDS / max(seconds, 1e-6)))
    return spent


def summary(run, seconds, epochs_trained, findings=None):
    """Everything a script wants to know about the run, JSON-ready; `findings`
    when the run was diagnosed already (with its experiments)."""
    from tuinn.diagnose import unit_health

    metrics = run.metrics()
    if findings is None:
        findings = run.diagnose(surface="cli")
    health = findings.health if findings.health is not None else unit_health(run.net,
                                                                             run.dataset.X)
    return {
        "run": run.spec.name, "architecture": run.net.describe(),
        "activation": run.net.hidden,
        "data": run.data_summary(),
        "status": run.status, "epoch": run.epoch, "epochs_trained": epochs_trained,
        "seconds": seconds,
        "epochs_per_s": epochs_trained / seconds if seconds > 0 else None,
        "metrics": {k: v for k, v in metrics.items() if k not in ("epoch", "status")},
        "best": None if run.trainer.best is None else
        {"epoch": run.trainer.best[0], "loss": run.trainer.best[1]},
        "units": health,
        "findings": [f.to_dict() | {"headline": f.headline} for f in findings],
        "experiments": experiments.experiments_done(findings),
        "dropped_findings": [f.to_dict() for f in getattr(findings, "dropped", ())],
    }


def format_summary(doc, details=False):
    """The run in words: its numbers, then each finding's headline (problems
    first), then the details of the problems and warnings; of every finding
    with `details`."""
    m = doc["metrics"]
    # A diverged status names its epoch; the weights kept are the epoch before's.
    when = (f", weights of epoch {doc['epoch']:,} kept" if doc["status"].diverged
            else f" at epoch {doc['epoch']:,}")
    lines = [f"{doc['run']}: {doc['architecture']} — {doc['status']}{when}"
             + (f" ({doc['epochs_per_s']:,.0f} epochs/s)" if doc["epochs_per_s"] else "")]
    lines += [f"  {line}" for line in doc["data"]]
    for split in ("train", "test"):
        if f"{split}_loss" in m:
            acc = f", accuracy {m[split + '_accuracy']:.1%}" if f"{split}_accuracy" in m else ""
            lines.append(f"  {split}: loss {m[split + '_loss']:.6g}, mse "
                         f"{m[split + '_mse']:.6g}{acc}")
    states = []
    # The share of rows where z > 0 tells something only of a unit with a kink
    # at 0 (off below it); a sigmoid's or tanh's is never off.
    kinked = doc["activation"] in HIDDEN and HIDDEN[doc["activation"]].left_slope is not None
    for u in doc["units"]:
        flags = ", ".join(u["flags"]) or "alive"
        states.append(f"{u['index']}: {flags}" + (f" ({u['active']:.0%} active)" if kinked
                                                   else ""))
    lines.append("  units: " + ("; ".join(states) or "none (no hidden layer)"))
    if doc["findings"]:
        lines.append("  diagnosis:")
        lines += [f"    [{f['severity']}] {f['headline']}" for f in doc["findings"]]
        shown = [f for f in doc["findings"] if details or f["severity"] != "info"]
        if shown:
            lines.append("  details:" if details or len(shown) == len(doc["findings"]) else
                         "  details (--details for every finding's):")
        for f in shown:
            lines.append(f"    [{f['severity']}] {f['message']}")
            if f["advice"]:
                lines.append(f"      → {f['advice']}")
    else:
        lines.append("  diagnosis: no problem found")
    for f in doc["dropped_findings"]:
        tried = "; ".join(t["fix"].lower() for t in f["evidence"]["tried"])
        lines.append(f"  dropped, as its experiments contradicted it: {f['code']} "
                     f"({tried}: tried, did not help)")
    done = doc["experiments"]
    if done:
        lines.append(f"  experiments on copies: {len(done)}, "
                     f"{sum(e['seconds'] for e in done):.2g} s")
    return "\n".join(lines)


def train(run, epochs, *, as_json=False, history=None, save=None, quiet=False,
          stream=sys.stdout, repair=False, experiments_seconds=experiments.DEFAULT_SECONDS,
          details=False):
    """Train, report, save; returns the exit code.  The diagnosis then settles
    its findings on copies of the run for up to `experiments_seconds`
    (tuinn.runs.experiments).  repair: try each finding's advice however long
    it takes, and save the adopted copy."""
    start_epoch, code = run.epoch, EXIT_DONE
    # Ctrl-C (and a SIGTERM, as a batch system sends) only raises a flag, checked
    # between chunks: an interrupt in the middle of Trainer.train would leave the
    # weights and the history apart.  The flag holds until the run is saved, so
    # a signal during the repairs or the save ends them early but saves first.
    stop = []
    previous = {sig: signal.signal(sig, lambda *_: stop.append(True))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    # The bar once the signals are caught: what it shows is a run a signal saves.
    progress = None if quiet else Progress(epochs)
    try:
        try:
            seconds = train_run(run, epochs, progress, stop)
        finally:
            if progress:
                progress.close()
        budget = math.inf if repair else 0.0 if stop else experiments_seconds
        if budget > 0 and not quiet:
            print("tuinn: settling the diagnosis on copies of the run"
                  + (f" (up to {budget:g} s)" if math.isfinite(budget) else ""), file=sys.stderr)
        findings = run.diagnose(surface="cli", experiments=budget, cancelled=lambda: bool(stop))
        # The experiments' copies are kept only when asked to repair.
        tried = getattr(findings, "attempts", []) if repair else []
        if stop:
            code = EXIT_INTERRUPTED
        if code == EXIT_DONE and run.status.diverged:
            code = EXIT_DIVERGED
        doc = summary(run, seconds, run.epoch - start_epoch, findings)
        if save:
            code = _save_or_rescue(experiments.adopt(run, tried), save, code)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop and code == EXIT_DONE:
        code = EXIT_INTERRUPTED         # a signal in the summary or the save: it was kept
    if history:
        losses = run.trainer.history
        try:
            write_history(history, losses["loss"], losses["test_loss"])
        except OSError as exc:
            print(f"tuinn: could not write the history to {history}: {exc.strerror or exc}",
                  file=sys.stderr)
            code = code or EXIT_BAD_INPUT
    doc["exit_code"] = code
    if repair:
        doc["repair"] = [a.to_dict() for a in tried]
    text = format_summary(doc, details) + (
        "\n" + experiments.format_table(tried) if repair else "")
    print(jsondoc.dumps(doc) if as_json else text, file=stream)
    if code == EXIT_INTERRUPTED:
        print("tuinn: interrupted", file=sys.stderr)
    return code


def _save_or_rescue(run, folder, code):
    """Save the trained run to `folder`; when that fails, keep it in the state
    folder instead and say where.  Returns the exit code."""
    try:
        saved = run.save(folder)
        print(f"tuinn: saved the run to {saved}", file=sys.stderr)
        return code
    except (OSError, TuinnError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            kept = save_new(run, saved_runs_dir() / f"rescued-{run.spec.name}-{stamp}")
        except (OSError, TuinnError) as again:
            print(f"tuinn: could not save the run to {folder} ({reason}), nor to the state "
                  f"folder ({again}); it is lost", file=sys.stderr)
            return code or EXIT_BAD_INPUT
        print(f"tuinn: could not save the run to {folder} ({reason}); it is kept in {kept} "
              f"(tuinn train --resume {kept})", file=sys.stderr)
        return code or EXIT_BAD_INPUT


def check_resume(changes, args, run):
    """Training settings may change on --resume; the data, model and init may not."""
    fixed = sorted(key for key in changes if not key.startswith("train."))
    fixed += [f"--{name}" for name in ("preset", "config", "data") if getattr(args, name, None)]
    if fixed:
        raise ConfigError(f"--resume continues a saved run: {', '.join(fixed)} cannot change; "
                          "start a new run instead")


def predict(folder, csv_path, out=None, stream=sys.stdout):
    """Predictions of a saved run on the rows of a CSV (same scaling and labels)."""
    run = Run.load(folder)
    ds = run.dataset
    X = _feature_rows(csv_path, ds)
    if run.x_scaler is not None:
        X = run.x_scaler.apply(X)
    O = run.net.predict(ds.inputs(X))
    if run.y_scaler is not None:
        O = run.y_scaler.invert(O)
    if ds.task == "regression":
        header = list(ds.target_names)
        values = [[repr(float(v)) for v in row] for row in O]
    else:
        labels = datasets.decode_labels(ds.classes, O)
        header = ["label"] + [f"p({c})" for c in (ds.classes if O.shape[1] > 1 else
                                                   ds.classes[1:])]
        values = [[str(label)] + [f"{p:.6g}" for p in row] for label, row in zip(labels, O)]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    if out:
        check_output(out, text.getvalue().rstrip("\r\n"),
                     numeric_from=0 if ds.task == "regression" else 1)
    writer.writerows(values)
    if not out:
        stream.write(text.getvalue())
        return EXIT_DONE
    try:
        atomic_write(pathlib.Path(out), text.getvalue())
    except OSError as exc:
        raise ConfigError(f"cannot write the predictions to {out}: {exc.strerror or exc}; "
                          "nothing was written (give --out a file on a disk with room)"
                          ) from None
    print(f"tuinn: wrote {len(values)} predictions to {out}", file=sys.stderr)
    return EXIT_DONE


def _feature_rows(path, ds):
    """The input columns of a CSV for a saved run, read as `tuinn train` reads."""
    return datasets.load_inputs(path, ds.base_names, len(ds.target_names))
