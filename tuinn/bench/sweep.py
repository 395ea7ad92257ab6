"""`tuinn bench --sweep`: how tuinn sweep scales over local workers, and
Dask's overhead per task."""

import statistics
import time

from tuinn.runs import Run, RunSpec
from tuinn.sweep import parse_grid, run_dask, run_task, sweep


def measure(task_seconds=0.15, tasks=16):
    """`tuinn bench --sweep`: throughput of 2 local workers against 1 on tasks of
    about `task_seconds`, and Dask's overhead per task on a local cluster."""
    spec = RunSpec.from_preset("exp")
    probe = Run(spec)
    start = time.perf_counter()
    probe.train(2000)
    rate = 2000 / (time.perf_counter() - start)
    spec.train.epochs = max(1, int(rate * task_seconds))
    grid = parse_grid(["lr=0.1,0.2"])
    seeds = tasks // 2
    one = sweep(spec, grid, seeds, "init", workers=1)
    two = sweep(spec, grid, seeds, "init", workers=2)
    out = {"tasks": one["tasks"], "epochs_per_task": spec.train.epochs,
           "task_seconds": one["seconds"] / one["tasks"],
           "one_worker_tasks_per_s": one["tasks_per_s"],
           "two_workers_tasks_per_s": two["tasks_per_s"],
           "speedup": two["tasks_per_s"] / one["tasks_per_s"], "speedup_goal": 1.8}
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        out["dask"] = "not installed (pip install 'tuinn[dask]')"
        return out
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        spec.train.epochs = 1
        tiny = [{"setting": {}, "seed": i, "spec": spec.to_dict()} for i in range(200)]
        run_dask(tiny[:10], client)                          # warm the workers up
        compute = statistics.fmean(run_task(t)["seconds"] for t in tiny[:20])
        start = time.perf_counter()
        run_dask(tiny, client)
        per_task = (time.perf_counter() - start) / len(tiny)
    # Two workers share the tasks, so the wall time per task is half a task's cost.
    out["dask_overhead_ms_per_task"] = 1000 * max(0.0, 2 * per_task - compute)
    out["dask_overhead_goal_ms"] = 10.0
    return out


def format_measure(m):
    dask = m.get("dask") or (f"Dask overhead {m['dask_overhead_ms_per_task']:.2f} ms per task "
                             f"(goal < {m['dask_overhead_goal_ms']:g} ms)")
    return (f"sweep: {m['tasks']} tasks of {m['task_seconds']:.2f} s: 1 worker "
            f"{m['one_worker_tasks_per_s']:.2f} tasks/s, 2 workers "
            f"{m['two_workers_tasks_per_s']:.2f} tasks/s: {m['speedup']:.2f}x (goal >= "
            f"{m['speedup_goal']:g}x); {dask}")
