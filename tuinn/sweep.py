"""`tuinn sweep`: a grid of run settings times a number of seeds.

Each (setting, seed) is one deterministic task, `run_task`, a plain function
of a plain dict, so local worker processes and a Dask cluster run the very
same tasks and give the very same table.
"""

import concurrent.futures
import copy
import csv
import io
import itertools
import math
import os
import statistics
import threading
import time

from tuinn import jsondoc
from tuinn.errors import ConfigError
from tuinn.options import grid_key
from tuinn.runs.spec import SHAPE_KEYS

VARY = ("init", "data", "both")


MAX_SEEDS = 100_000
MAX_TASKS = 1_000_000       # the task list is held in memory, a spec per task


def parse_grid(items):
    """["lr=0.1,0.5", "hidden=2,3"] -> [(name, setting row, [values])] in order."""
    grid = []
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise ConfigError(f"--grid {item!r}: write NAME=V1,V2,... (e.g. lr=0.05,0.1)")
        row = grid_key(name)
        try:
            parsed = [row.parse(text) for text in values.split(",")]
        except ConfigError as exc:
            raise ConfigError(f"--grid {name}: {exc}") from None
        twice = [key for key, known, _ in grid if known.key == row.key]
        if twice:
            same = "" if twice[0] == name else f" (as {twice[0]})"
            raise ConfigError(f"--grid {name} is given twice{same}; give each setting once")
        grid.append((name, row, parsed))
    return grid


def grid_from_table(table):
    """The [sweep] table of a run file: grid = {lr = [...], ...}, seeds, vary."""
    known = {"grid", "seeds", "vary"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"[sweep]: unknown key {unknown[0]!r}; known keys: grid, seeds, vary")
    grid = table.get("grid", {})
    if not isinstance(grid, dict):
        raise ConfigError("[sweep] grid must be a table of lists, e.g. grid = {lr = [0.1, 1]}")
    items = []
    for name, values in grid.items():
        values = values if isinstance(values, list) else [values]
        items.append(f"{name}=" + ",".join(str(v) for v in values))
    return parse_grid(items), table.get("seeds", 1), table.get("vary", "init")


def make_tasks(spec, grid, seeds, vary):
    """One task per (setting, seed): {"setting": {...}, "seed": i, "spec": dict}."""
    if vary not in VARY:
        raise ConfigError(f"--vary must be one of {', '.join(VARY)}, not {vary!r}")
    if not isinstance(seeds, int) or isinstance(seeds, bool) or not 1 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"--seeds must be a whole number in 1..{MAX_SEEDS:,}, got {seeds!r}")
    count = seeds * math.prod(len(values) for *_, values in grid)
    if count > MAX_TASKS:
        raise ConfigError(f"the sweep would run {count:,} tasks; tuinn runs at most "
                          f"{MAX_TASKS:,}: use fewer seeds or grid values")
    notes = []
    base = copy.deepcopy(spec)
    reshapes = any(row.key in SHAPE_KEYS for _, row, _ in grid)
    if (reshapes or (seeds > 1 and vary != "data")) and base.drop_manual_weights():
        notes.append(f"the preset's fixed initial weights are replaced by init scheme small "
                     f"(scale {base.init.scale:g}), drawn from each task's init seed")
    if seeds > 1 and vary in ("data", "both") and base.data.generator in ("f1", "f2") \
            and base.data.params.get("standard", True):
        notes.append("the hidden-units study's standard data does not depend on the data "
                     "seed; set data.params.standard = false to vary it")
    tasks = []
    for values in itertools.product(*[v for *_, v in grid]) if grid else [()]:
        setting = {key: value for (key, *_), value in zip(grid, values)}
        for seed in range(seeds):
            task_spec = copy.deepcopy(base)
            for (_, row, _), value in zip(grid, values):
                task_spec.set(row.key, value)
            # Added to the task's own seed, so that a grid over a seed still
            # varies what it names.
            if vary in ("init", "both"):
                task_spec.init.seed += seed
            if vary in ("data", "both"):
                task_spec.data.seed += seed
            tasks.append({"setting": setting, "seed": seed, "spec": task_spec.to_dict()})
    return tasks, notes


def run_task(task):
    """Train one task's run; never raises (a failure is part of the result)."""
    from tuinn.diagnose import unit_health
    from tuinn.runs import Run, RunSpec

    # A worker process per core already: its kernel keeps to one thread.
    os.environ["TUINN_THREADS"] = "1"
    result = {"setting": task["setting"], "seed": task["seed"]}
    try:
        run = Run(RunSpec.from_dict(task["spec"]))
        start = time.perf_counter()
        status = run.train()
        seconds = time.perf_counter() - start
        history = run.trainer.history
        result.update(
            status=status, epochs=run.epoch, seconds=seconds,
            train_loss=float(history["loss"][-1]),
            test_loss=float(history["test_loss"][-1]) if len(history["test_loss"]) else None,
            diverged=status.diverged,
            dead_units=sum("dead" in u["flags"] or "off" in u["flags"]
                           for u in unit_health(run.net, run.dataset.X)))
    except Exception as exc:     # noqa: BLE001  (a sweep reports failures, it does not stop)
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result


class Interrupted(Exception):
    """Ctrl-C during a sweep: `results` holds the tasks that finished (None for the
    others)."""

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results


def _kill(pool):
    """Stop a pool now: queued tasks dropped, running workers killed (a task can
    take minutes, and Ctrl-C must not wait for it)."""
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


class _Local:
    """The tasks of one sweep on local worker processes (see run_local)."""

    def __init__(self, tasks, workers, progress):
        self.tasks, self.workers, self.progress = tasks, workers, progress
        self.results, self.done = [None] * len(tasks), 0
        self.pools = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def finished(self, i, result):
        with self.lock:
            self.results[i] = result
            self.done += 1
            if self.progress:
                self.progress.update(self.done)

    def round(self, indices, workers):
        """Run the tasks on one pool; returns those whose worker died (a dead
        worker breaks the pool for every task still in it)."""
        with self.lock:
            if self.stopping.is_set():
                return []
            pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(workers, len(indices)))
            self.pools.append(pool)
        broken = []
        futures = {pool.submit(run_task, self.tasks[i]): i for i in indices}
        pending = set(futures)
        # In short waits: a killed pool (Ctrl-C) never completes its futures.
        while pending and not self.stopping.is_set():
            done, pending = concurrent.futures.wait(
                pending, timeout=0.1, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                try:
                    self.finished(futures[future], future.result())
                except concurrent.futures.process.BrokenProcessPool:
                    broken.append(futures[future])
                except concurrent.futures.CancelledError:
                    pass
        if not self.stopping.is_set():
            pool.shutdown(wait=True)
        return broken

    def alone(self, i):
        """A task whose pool broke, again in a pool of its own: it fails alone."""
        if self.round([i], 1):
            task = self.tasks[i]
            self.finished(i, {"setting": task["setting"], "seed": task["seed"],
                              "error": "its worker process died twice (killed, or out of "
                                       "memory); the other tasks are unaffected"})

    def run(self):
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as first:
            try:
                broken = _wait(first.submit(self.round, range(len(self.tasks)), self.workers))
                if broken:
                    with concurrent.futures.ThreadPoolExecutor(self.workers) as threads:
                        _wait(*[threads.submit(self.alone, i) for i in sorted(broken)])
            except KeyboardInterrupt:
                with self.lock:
                    self.stopping.set()
                    pools = list(self.pools)
                for pool in pools:
                    _kill(pool)
                raise Interrupted(self.results) from None
        return self.results


def _wait(*futures):
    """The result of the first future, after all of them; the main thread waits in
    short steps so that Ctrl-C reaches it at once."""
    pending = set(futures)
    while pending:
        _, pending = concurrent.futures.wait(pending, timeout=0.1)
    for future in futures:
        future.result()
    return futures[0].result()


def run_local(tasks, workers, progress=None):
    """Tasks on `workers` local processes; results in task order.

    A worker that dies (killed, out of memory) breaks the pool for every task
    in it: those run again, each alone in a pool of its own (`workers` at a
    time), so that one task cannot take the others down; a task whose worker
    dies again is reported failed, and every other result is kept.  Ctrl-C
    raises Interrupted with the results so far, at once: running workers are
    killed."""
    return _Local(tasks, workers, progress).run()


def run_dask(tasks, address, progress=None):
    """The same tasks on a Dask distributed cluster (a Client object or an address)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'tuinn[dask]'") from None
    if isinstance(address, Client):
        client = address
    else:
        try:
            client = Client(address, timeout="10s")
        except (OSError, ValueError, TypeError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"--scheduler {address!r}: no Dask scheduler there ({reason}); "
                              "give its address, like tcp://host:8786") from None
    futures, results = [], [None] * len(tasks)
    try:
        futures = client.map(run_task, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        # with_results fetches finished results in batches, not one round trip each;
        # a task that failed on the cluster's side (its worker kept dying) is
        # one line of the result, as a task's own error is.
        for done, (future, result) in enumerate(
                as_completed(futures, with_results=True, raise_errors=False), 1):
            i = index[future.key]
            if future.status != "finished":
                error = future.exception()
                reason = (str(error).splitlines() or [""])[0]
                result = {"setting": tasks[i]["setting"], "seed": tasks[i]["seed"],
                          "error": f"the cluster gave up on it: {type(error).__name__}"
                                   + (f" ({reason})" if reason else "")}
            results[i] = result
            if progress:
                progress.update(done)
        return results
    except KeyboardInterrupt:
        # What finished is kept, fetched or not yet; the rest is cancelled on
        # the cluster too (force: even those already running).
        running = [f for f in futures if f.status != "finished"]
        client.cancel(running, force=True)
        finished = [(i, f) for i, f in enumerate(futures)
                    if f.status == "finished" and results[i] is None]
        for (i, _), result in zip(finished, client.gather([f for _, f in finished])):
            results[i] = result
        raise Interrupted(results) from None
    finally:
        if not isinstance(address, Client):
            client.close()


def _stats(values):
    if not values:
        return {"mean": None, "spread": None, "min": None, "max": None}
    return {"mean": statistics.fmean(values),
            "spread": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values)}


def table(grid, results):
    """One row per setting: loss statistics over its seeds, shares, speed, failures."""
    rows = []
    settings = []
    for r in results:
        if r["setting"] not in settings:
            settings.append(r["setting"])
    for setting in settings:
        mine = [r for r in results if r["setting"] == setting]
        ok = [r for r in mine if "error" not in r]
        finished = [r for r in ok if not r["diverged"]]
        rows.append({
            "setting": setting, "runs": len(mine), "failed": len(mine) - len(ok),
            "train_loss": _stats([r["train_loss"] for r in finished]),
            "test_loss": _stats([r["test_loss"] for r in finished
                                 if r["test_loss"] is not None]),
            "diverged": sum(r["diverged"] for r in ok) / len(ok) if ok else None,
            "dead_units": sum(r["dead_units"] > 0 for r in ok) / len(ok) if ok else None,
            "epochs_per_s": statistics.fmean(r["epochs"] / r["seconds"] for r in ok
                                             if r["seconds"] > 0) if ok else None,
        })
    return rows


def _num(v):
    return "-" if v is None else f"{v:.4g}"


def format_table(rows):
    keys = list(rows[0]["setting"]) if rows else []
    head = [*keys, "runs", "train mean", "± spread", "min", "max", "test mean", "diverged",
            "dead", "epochs/s", "failed"]
    body = []
    for r in rows:
        t, s = r["train_loss"], r["test_loss"]
        body.append([*(str(r["setting"][k]) for k in keys), str(r["runs"]), _num(t["mean"]),
                     _num(t["spread"]), _num(t["min"]), _num(t["max"]), _num(s["mean"]),
                     "-" if r["diverged"] is None else f"{r['diverged']:.0%}",
                     "-" if r["dead_units"] is None else f"{r['dead_units']:.0%}",
                     "-" if r["epochs_per_s"] is None else f"{r['epochs_per_s']:,.0f}",
                     str(r["failed"])])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([line(head), *map(line, body)])


def format_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    keys = list(rows[0]["setting"]) if rows else []
    stats = ["mean", "spread", "min", "max"]
    writer.writerow([*keys, "runs", "failed", *[f"train_{s}" for s in stats],
                     *[f"test_{s}" for s in stats], "diverged", "dead_units", "epochs_per_s"])
    for r in rows:
        writer.writerow([*(r["setting"][k] for k in keys), r["runs"], r["failed"],
                         *(r["train_loss"][s] for s in stats),
                         *(r["test_loss"][s] for s in stats),
                         r["diverged"], r["dead_units"], r["epochs_per_s"]])
    return out.getvalue()


def sweep(spec, grid, seeds, vary, *, workers=None, scheduler=None, progress=None):
    """The whole sweep: tasks, a backend, the table.  Returns a JSON-ready document."""
    tasks, notes = make_tasks(spec, grid, seeds, vary)
    start = time.perf_counter()
    if scheduler is not None:
        try:
            results = run_dask(tasks, scheduler, progress)
        except Interrupted as exc:
            results = exc.results
        backend = "dask"
    else:
        cores = os.cpu_count() or 1
        if workers is None:
            workers = max(1, min(len(tasks), cores))
        elif workers < 1:
            raise ConfigError(f"--workers must be >= 1, got {workers}")
        elif workers > cores:
            notes.append(f"{workers} workers on {cores} cores: they take turns, and "
                         f"each runs slower; --workers {cores} is as fast")
        try:
            results = run_local(tasks, workers, progress)
        except Interrupted as exc:
            results = exc.results
        backend = f"{workers} local worker{'s' if workers > 1 else ''}"
    seconds = time.perf_counter() - start
    finished = sum(r is not None for r in results)
    if finished < len(tasks):
        notes.append(f"interrupted: {finished} of {len(tasks)} tasks finished; the table "
                     "holds those")
    results = [r for r in results if r is not None]
    failures = [{"setting": r["setting"], "seed": r["seed"], "error": r["error"]}
                for r in results if "error" in r]
    return {"run": spec.name, "backend": backend, "tasks": len(tasks), "seconds": seconds,
            "tasks_per_s": len(tasks) / seconds if seconds > 0 else None,
            "seeds": seeds, "vary": vary, "notes": notes,
            "grid": {key: values for key, _, values in grid},
            "table": table(grid, results), "failures": failures,
            "interrupted": finished < len(tasks)}


def report(doc, fmt):
    if fmt == "json":
        return jsondoc.dumps(doc)
    if fmt == "csv":
        return format_csv(doc["table"]).rstrip("\n")
    lines = [f"{doc['run']}: {doc['tasks']} tasks on {doc['backend']} in {doc['seconds']:.1f} s "
             f"({doc['tasks_per_s']:.2f} tasks/s)"]
    lines += [f"note: {n}" for n in doc["notes"]]
    lines.append(format_table(doc["table"]))
    lines += [f"failed: {f['setting']} seed {f['seed']}: {f['error']}" for f in doc["failures"]]
    return "\n".join(lines)
