"""The app's own speed goals, measured headless in one process (`tuinn bench --app`):
training speed inside the app against the same run trained directly, and how
long a key press takes to show on screen while training runs."""

import asyncio
import json
import statistics
import subprocess
import sys
import time

from tuinn.run import Run, RunSpec
from tuinn.tui.app import TuinnApp
from tuinn.tui.session import Session

# bench's first workload: f2 of 004, N=1000, 8 sigmoid units, full-batch GD.
WORKLOAD = {"name": "f2-h8", "data": {"generator": "f2",
                                      "params": {"standard": False, "n": 1000, "n_test": 0}},
            "model": {"hidden_units": 8, "activation": "sigmoid"},
            "init": {"scheme": "small", "scale": 0.5},
            "train": {"optimizer": "sgd", "lr": 0.05, "epochs": 10 ** 9}}
SPEED_GOAL = 0.7           # app epochs/s over direct epochs/s
LATENCY_GOAL_MS = 100.0


def direct_speed(seconds):
    """Epochs per second of Run.train on the workload, median of three timings."""
    run = Run(RunSpec.from_dict(WORKLOAD))
    run.train(200)
    rates = []
    for _ in range(3):
        start, first = time.perf_counter(), run.epoch
        while time.perf_counter() - start < seconds / 3:
            run.train(2000)
        rates.append((run.epoch - first) / (time.perf_counter() - start))
    return statistics.median(rates)


async def _in_app(seconds, presses):
    session = Session(RunSpec.from_dict(WORKLOAD))
    session.speed = None
    app = TuinnApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        rates = []
        for _ in range(3):
            start, first = time.perf_counter(), session.run.epoch
            await pilot.pause(seconds / 3)
            rates.append((session.run.epoch - first) / (time.perf_counter() - start))
        rate = statistics.median(rates)
        latencies = []
        for i in range(presses):
            key = "plus" if i % 2 == 0 else "minus"
            want = "lr 0.1" if i % 2 == 0 else "lr 0.05"
            begin = time.perf_counter()
            # Not pilot.press: it also waits for every widget to go idle, which a
            # screen that redraws while training never quite does.
            app.simulate_key(key)
            # Poll what the status line holds (cheap), not a fresh render of it.
            while want not in str(app.part("#status").content):
                await asyncio.sleep(0.002)
            latencies.append(1000 * (time.perf_counter() - begin))
            await pilot.pause(0.05)
        app.stop_training()
    return rate, latencies


def measure(seconds=4.5, presses=40):
    direct = direct_speed(seconds)
    in_app, latencies = asyncio.run(_in_app(seconds, presses))
    p95 = statistics.quantiles(latencies, n=20)[-1]
    return {"workload": WORKLOAD["name"], "direct_epochs_per_s": direct,
            "app_epochs_per_s": in_app, "ratio": in_app / direct,
            "key_latency_ms_median": statistics.median(latencies),
            "key_latency_ms_p95": p95, "key_latency_ms_max": max(latencies),
            "speed_goal": SPEED_GOAL, "latency_goal_ms": LATENCY_GOAL_MS,
            "meets_goal": in_app / direct >= SPEED_GOAL and p95 <= LATENCY_GOAL_MS}


def measure_in_child():
    """measure() in a fresh interpreter: threads left spinning by earlier work in
    this process (numpy's BLAS pool after the reference runs) would steal the
    cores the app needs."""
    code = "import json; from tuinn.tui.measure import measure; print(json.dumps(measure()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def format_report(m):
    return (f"app: {m['workload']} trains at {m['app_epochs_per_s']:,.0f} epochs/s inside the app, "
            f"{m['direct_epochs_per_s']:,.0f} directly: {m['ratio']:.0%} (goal ≥ "
            f"{m['speed_goal']:.0%}); a key shows on screen in {m['key_latency_ms_median']:.1f} ms "
            f"median, {m['key_latency_ms_p95']:.1f} ms at the 95th percentile, "
            f"{m['key_latency_ms_max']:.1f} ms worst (goal: 95th percentile ≤ "
            f"{m['latency_goal_ms']:g} ms): {'ok' if m['meets_goal'] else 'MISSED'}")
