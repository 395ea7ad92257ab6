"""`tuinn bench`: the C kernel against the numpy reference, in one process.

Both run the same workload from the same initial weights for the same number
of epochs; the best of the repeats is noisy on a shared machine, so the median
is reported.  Speed is quoted as a ratio (same machine, same run); absolute
times mean little on shared hardware.  Imports nothing from Textual.
"""

import dataclasses
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from tuinn import __version__, data, reference
from tuinn.bench import expert_numpy
from tuinn.engine import Net, Trainer, code_paths, default_threads, lib


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    summary: str
    make_data: object          # () -> (X, Y, X_test, Y_test)
    net: dict                  # Net(...) keyword arguments besides the sizes
    hidden: int
    train: dict                # Trainer(...) keyword arguments
    epochs: int                # full run; --quick uses a quarter
    goal: float                # minimum speed ratio tuinn / numpy reference

    def epochs_for(self, quick):
        return max(4, self.epochs // 4) if quick else self.epochs


def _arrays(ds):
    return ds.X, ds.Y, ds.X_test, ds.Y_test


def _f2(n):
    return lambda: _arrays(data.generate("f2", standard=False, n=n, n_test=0, seed=0))


SIGMOID_REGRESSION = {"hidden": "sigmoid", "output": "linear", "loss": "squared"}
GD = {"optimizer": "sgd", "lr": 0.05}

WORKLOADS = (
    Workload("f2-h8", "f2, N=1000, 8 sigmoid units, full-batch GD, lr 0.05",
             _f2(1000), SIGMOID_REGRESSION, 8, GD, 2000, 10),
    Workload("f2-h64", "the same with 64 hidden units", _f2(1000), SIGMOID_REGRESSION, 64,
             GD, 300, 10),
    Workload("f2-h256", "the same with 256 hidden units", _f2(1000), SIGMOID_REGRESSION, 256,
             GD, 100, 10),
    Workload("f2-100k", "f2, N=100,000, 64 sigmoid units, full batch", _f2(100_000),
             SIGMOID_REGRESSION, 64, GD, 8, 15),
    Workload("f2-adam-b32", "f2, N=1000, 8 sigmoid units, mini-batch 32 shuffled, adam",
             _f2(1000), SIGMOID_REGRESSION, 8,
             {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "shuffle": True}, 200, 40),
    Workload("spiral-softmax", "3-arm spiral, 32 tanh units, softmax + cross_entropy, adam, "
             "batch 16", lambda: _arrays(data.generate(
                 "spiral", n=600, arms=3, noise=10, test_ratio=0.2, seed=0)),
             {"hidden": "tanh", "output": "softmax", "loss": "cross_entropy"}, 32,
             {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "shuffle": True}, 100, 10),
)

# The kernel's goal against numpy written by an expert (tuinn.bench.expert_numpy),
# on every workload.
EXPERT_NUMPY_GOAL = 3.0
# Repeats whose slowest and fastest differ by more than this share of their
# median are flagged: the machine was busy.
SPREAD_WARNING = 0.20
# Every core against one, on workloads of at least the kernel's TN_PARALLEL_ROWS rows
# (the N >= 50,000).
THREADS_GOAL = 1.8

MEMORY_ROWS, MEMORY_FEATURES, MEMORY_HIDDEN, MEMORY_LIMIT_MB = 1_000_000, 10, 64, 100
# The data issue's goal: 1,000,000 rows x 20 columns load "in a few seconds".
CSV_ROWS, CSV_QUICK_ROWS, CSV_COLUMNS, CSV_LIMIT_S = 1_000_000, 200_000, 20, 5.0


def _initial_net(w, X, Y):
    net = Net(X.shape[1], w.hidden, Y.shape[1], **w.net)
    return net.init("glorot", seed=0)


def _median_run(repeats, run):
    """Runs `run()` -> (seconds, loss) `repeats` times: (median seconds, the
    spread of the seconds over their median, the last loss)."""
    times, loss = [], None
    for _ in range(repeats):
        seconds, loss = run()
        times.append(seconds)
    median = statistics.median(times)
    return median, (max(times) - min(times)) / median, loss


def _time_tuinn(w, X, Y, weights, epochs, threads=None):
    net = _initial_net(w, X, Y)
    net.set_weights(**weights)
    if threads is not None:
        net.threads = threads
    trainer = Trainer(net, **w.train)
    start = time.perf_counter()
    trainer.train(X, Y, epochs)
    return time.perf_counter() - start, float(trainer.history["loss"][-1])


def _time_reference(w, X, Y, weights, epochs):
    start = time.perf_counter()
    result = reference.train(weights, X, Y, epochs=epochs, **w.net, **w.train)
    return time.perf_counter() - start, float(result["loss"][-1])


def _time_expert_numpy(w, X, Y, weights, epochs):
    start = time.perf_counter()
    loss = expert_numpy.train(weights, X, Y, epochs=epochs, **w.net, **w.train)[-1]
    return time.perf_counter() - start, loss


def _time_torch(w, X, Y, weights, epochs):
    import torch

    torch.set_num_threads(1)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}[w.net["hidden"]]
    opt_cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[w.train["optimizer"]]
    opt = opt_cls(list(p.values()), lr=w.train["lr"])
    n = len(X)
    batch = w.train.get("batch_size") or n
    generator = torch.Generator().manual_seed(0)

    def objective(xb, yb):
        s = act(xb @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        if w.net["loss"] == "cross_entropy":
            return -(yb * torch.log_softmax(s, dim=1)).sum() / len(xb)
        return 0.5 * ((s - yb) ** 2).sum() / len(xb)

    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator) if batch < n else None
        for b0 in range(0, n, batch):
            rows = order[b0:b0 + batch] if order is not None else slice(b0, b0 + batch)
            opt.zero_grad()
            objective(Xt[rows], Yt[rows]).backward()
            opt.step()
        with torch.no_grad():
            loss = float(objective(Xt, Yt))
    return time.perf_counter() - start, loss


def _time_sklearn(w, X, Y, weights, epochs):
    """MLPRegressor with the same architecture, solver, batches and rate, started
    from the same weights: a one-epoch fit builds its state, then the weights
    are put in and a warm start trains `epochs` more (timed)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    t = w.train
    model = MLPRegressor(
        hidden_layer_sizes=(w.hidden,), activation="logistic", solver=t["optimizer"],
        learning_rate_init=t["lr"], batch_size=t.get("batch_size") or len(X),
        shuffle=bool(t.get("shuffle")), momentum=0.0, nesterovs_momentum=False, alpha=0.0,
        max_iter=1, tol=0.0, n_iter_no_change=epochs + 1, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y.ravel())
        model.coefs_ = [weights["W1"].copy(), weights["W2"].copy()]
        model.intercepts_ = [weights["b1"].copy(), weights["b2"].copy()]
        model.max_iter, model.n_iter_, model.t_ = epochs, 0, 0
        model.loss_curve_, model.best_loss_, model._no_improvement_count = [], np.inf, 0
        start = time.perf_counter()
        model.fit(X, Y.ravel())
        seconds = time.perf_counter() - start
    # Its loss, ½·mse, of the final weights (loss_curve_ holds each epoch's start).
    return seconds, float(0.5 * np.mean((model.predict(X) - Y.ravel()) ** 2))


def _time_jax(w, X, Y, weights, epochs):
    """The whole training as one jit-compiled function (a fori_loop over epochs,
    and over the batches of an epoch), in float64 on the CPU, in the kernel's
    row order; compiled before the clock starts.  Like tuinn it records each
    epoch's training loss: in full batch from the step's own forward pass
    (value_and_grad), after a mini-batch epoch from a pass over the whole set."""
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp

    t, net = w.train, w.net
    n = len(X)
    batch = t.get("batch_size") or n
    batch = min(batch, n)
    whole, rest = divmod(n, batch)
    act = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh}[net["hidden"]]
    lr, adam = t["lr"], t["optimizer"] == "adam"
    b1, b2, eps = 0.9, 0.999, 1e-8
    state, orders = 0, []
    shuffle = batch < n and t.get("shuffle", True)
    for _ in range(epochs if shuffle else 0):
        order, state = reference.permutation(state, n)
        orders.append(order)
    orders = jnp.asarray(np.array(orders) if orders else np.zeros((1, n), dtype=np.int64))

    def objective(p, xb, yb):
        s = act(xb @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        if net["loss"] == "cross_entropy":
            return -(yb * jax.nn.log_softmax(s, axis=1)).sum() / xb.shape[0]
        return 0.5 * ((s - yb) ** 2).sum() / xb.shape[0]

    value_and_grad = jax.value_and_grad(objective)

    def step(carry, xb, yb):
        """The carry after one step, and the loss before it."""
        p, m, v, k = carry
        before, g = value_and_grad(p, xb, yb)
        k = k + 1
        if not adam:
            return (jax.tree_util.tree_map(lambda a, b: a - lr * b, p, g), m, v, k), before
        m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        c1, c2 = 1 - b1 ** k, 1 - b2 ** k
        p = jax.tree_util.tree_map(lambda a, mm, vv: a - lr * (mm / c1) /
                                   (jnp.sqrt(vv / c2) + eps), p, m, v)
        return (p, m, v, k), before

    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def epoch(e, carry):
        carry, losses = carry
        if batch == n:
            # the loss before this epoch's step is the last epoch's
            carry, before = step(carry, Xj, Yj)
            return carry, losses.at[e - 1].set(before)
        rows_x, rows_y = (Xj[orders[e]], Yj[orders[e]]) if shuffle else (Xj, Yj)

        def one(b, c):
            xb = jax.lax.dynamic_slice_in_dim(rows_x, b * batch, batch)
            yb = jax.lax.dynamic_slice_in_dim(rows_y, b * batch, batch)
            return step(c, xb, yb)[0]
        carry = jax.lax.fori_loop(0, whole, one, carry)
        if rest:
            carry = step(carry, rows_x[whole * batch:], rows_y[whole * batch:])[0]
        return carry, losses.at[e].set(objective(carry[0], Xj, Yj))

    @jax.jit
    def run(p):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, p)
        (p, _, _, _), losses = jax.lax.fori_loop(
            0, epochs, epoch, ((p, zeros, zeros, 0.0), jnp.zeros(epochs)))
        return losses.at[-1].set(objective(p, Xj, Yj))

    p0 = {k: jnp.asarray(v) for k, v in weights.items()}
    run.lower(p0).compile()
    start = time.perf_counter()
    losses = run(p0).block_until_ready()
    return time.perf_counter() - start, float(losses[-1])


COMPARE = {"jax": _time_jax, "torch": _time_torch, "sklearn": _time_sklearn}


def _version(name):
    """The peer's version, printed beside its figures."""
    module = {"sklearn": "sklearn"}.get(name, name)
    return getattr(__import__(module), "__version__", "?")


def _can_compare(name, w):
    if name == "sklearn":
        return w.net["loss"] == "squared" and w.net["hidden"] == "sigmoid"
    return True


def _speed(seconds, spread, epochs, rows, loss):
    return {"seconds": seconds, "epochs_per_s": epochs / seconds,
            "samples_per_s": epochs * rows / seconds, "final_loss": loss, "spread": spread,
            "noisy": spread > SPREAD_WARNING}


def run_workload(w, quick=False, repeats=5, compare=()):
    X, Y, _, _ = w.make_data()
    weights = _initial_net(w, X, Y).weights()
    epochs = w.epochs_for(quick)
    out = {"name": w.name, "summary": w.summary, "rows": len(X), "hidden": w.hidden,
           "epochs": epochs, "goal_ratio": w.goal}
    for label, timer in (("tuinn", _time_tuinn), ("reference", _time_reference),
                         ("expert_numpy", _time_expert_numpy)):
        seconds, spread, loss = _median_run(repeats, lambda: timer(w, X, Y, weights, epochs))
        out[label] = _speed(seconds, spread, epochs, len(X), loss)
    out["ratio"] = out["reference"]["seconds"] / out["tuinn"]["seconds"]
    out["meets_goal"] = out["ratio"] >= w.goal
    if len(X) >= lib.TN_PARALLEL_ROWS:
        out["threads"] = _thread_speedup(w, X, Y, weights, epochs, repeats, out["tuinn"])
    out["losses_agree"] = _agree(out["tuinn"]["final_loss"], out["reference"]["final_loss"])
    expert = out["expert_numpy"]
    expert["tuinn_ratio"] = expert["seconds"] / out["tuinn"]["seconds"]
    expert["losses_agree"] = _agree(out["tuinn"]["final_loss"], expert["final_loss"])
    expert["goal_ratio"] = EXPERT_NUMPY_GOAL
    expert["meets_goal"] = expert["tuinn_ratio"] >= EXPERT_NUMPY_GOAL
    for name in compare:
        if not _can_compare(name, w):
            continue
        try:
            seconds, spread, loss = _median_run(
                repeats, lambda: COMPARE[name](w, X, Y, weights, epochs))
        except ImportError:
            out[name] = {"error": f"{name} is not installed"}
            continue
        out[name] = _speed(seconds, spread, epochs, len(X), loss) | {"version": _version(name)}
        out[name]["tuinn_ratio"] = seconds / out["tuinn"]["seconds"]
        # Only a run in the same row order can end at the same loss: the others
        # shuffle with generators of their own.
        if not w.train.get("shuffle"):
            out[name]["losses_agree"] = _agree(out["tuinn"]["final_loss"], loss)
    return out


def _thread_speedup(w, X, Y, weights, epochs, repeats, timed):
    """The same run on one thread: its speed against every core's, and its loss,
    which must be the same bits."""
    seconds, _, loss = _median_run(repeats, lambda: _time_tuinn(w, X, Y, weights, epochs, 1))
    threads = default_threads()
    speedup = seconds / timed["seconds"]
    return {"threads": threads, "single_thread_epochs_per_s": epochs / seconds,
            "speedup": speedup, "goal": THREADS_GOAL,
            "meets_goal": speedup >= THREADS_GOAL if threads > 1 else None,
            "same_bits": loss == timed["final_loss"]}


def _agree(a, b):
    return bool(abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12))


def _memory_probe():
    """Child process body: extra peak memory (MB) of one full-batch epoch on big data."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((MEMORY_ROWS, MEMORY_FEATURES))
    Y = X[:, :1].copy()
    net = Net(MEMORY_FEATURES, MEMORY_HIDDEN, 1, hidden="sigmoid").init("glorot", seed=0)
    trainer = Trainer(net, lr=0.01)
    before = _memory_kb("VmRSS")
    # Reset the peak (VmHWM) to the current size, so the peak read after the
    # epoch is the epoch's own and not the data generation's.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = time.perf_counter()
    trainer.train(X, Y, 1)
    seconds = time.perf_counter() - start
    print(json.dumps({"extra_mb": (_memory_kb("VmHWM") - before) / 1024.0,
                      "epoch_seconds": seconds, "data_mb": (X.nbytes + Y.nbytes) / 2**20}))


def _memory_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def run_memory():
    """Runs the probe in a fresh interpreter, so nothing else counts in its peak."""
    code = "from tuinn.bench.kernel import _memory_probe; _memory_probe()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    out = json.loads(done.stdout)
    out.update(rows=MEMORY_ROWS, features=MEMORY_FEATURES, hidden=MEMORY_HIDDEN,
               limit_mb=MEMORY_LIMIT_MB, meets_goal=out["extra_mb"] < MEMORY_LIMIT_MB)
    return out


DIAGNOSE_ROWS, DIAGNOSE_HIDDEN, DIAGNOSE_LIMIT_MS = 1000, 64, 5.0


def run_diagnose(repeats=50):
    """Time of one full diagnosis (tuinn.diagnose) of a trained f2 run, N=1000, h=64,
    with the curvature estimate (the stability limit) always computed.  The
    yardstick fits are made once per data set and kept, as in the app: the first
    call is reported apart."""
    from tuinn.runs import Run, RunSpec

    run = Run(RunSpec.from_dict({
        "data": {"generator": "f2", "params": {"standard": False, "n": DIAGNOSE_ROWS,
                                               "n_test": 0}},
        "model": {"hidden_units": DIAGNOSE_HIDDEN},
        "train": {"lr": 0.05, "epochs": 300}}))
    from tuinn.diagnose import reach

    run.train()
    X, Y = run.dataset.X, run.dataset.Y
    start = time.perf_counter()
    run.diagnose(curvature_always=True)
    reach.linear(X, Y, False)
    reach.flexible(X, Y, False)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        findings = run.diagnose(curvature_always=True)
        times.append(time.perf_counter() - start)
    ms = 1000 * statistics.median(times)
    return {"rows": DIAGNOSE_ROWS, "hidden": DIAGNOSE_HIDDEN, "median_ms": ms,
            "first_ms": 1000 * first,
            "stability_limit": findings.stability.limit if findings.stability else None,
            "max_ms": 1000 * max(times), "findings": [f.code for f in findings],
            "limit_ms": DIAGNOSE_LIMIT_MS, "meets_goal": ms < DIAGNOSE_LIMIT_MS}


def run_csv(quick=False):
    """Loads a numeric CSV with tuinn.data.load_csv and with numpy.loadtxt."""
    rows = CSV_QUICK_ROWS if quick else CSV_ROWS
    block = np.random.default_rng(0).standard_normal((10_000, CSV_COLUMNS))
    lines = "\n".join(",".join(f"{v:.6g}" for v in row) for row in block) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.csv")
        with open(path, "w") as f:
            f.write(",".join(f"c{j}" for j in range(CSV_COLUMNS)) + "\n")
            for _ in range(rows // len(block)):
                f.write(lines)
        size_mb = os.path.getsize(path) / 2**20
        start = time.perf_counter()
        ds = data.load_csv(path)
        tuinn_s = time.perf_counter() - start
        start = time.perf_counter()
        values = np.loadtxt(path, delimiter=",", skiprows=1)
        numpy_s = time.perf_counter() - start
    same = np.array_equal(values[:, :-1], ds.X) and np.array_equal(values[:, -1:], ds.Y)
    return {"rows": rows, "columns": CSV_COLUMNS, "file_mb": size_mb, "tuinn_seconds": tuinn_s,
            "numpy_loadtxt_seconds": numpy_s, "ratio": numpy_s / tuinn_s, "same_values": same,
            "limit_s": CSV_LIMIT_S * rows / CSV_ROWS,
            "meets_goal": same and tuinn_s < CSV_LIMIT_S * rows / CSV_ROWS}


HEADROOM_GOAL = 0.70        # of the machine's own limit, on f2-h8


def unit_sample_flops(d, k):
    """Flops per hidden unit and training row of a full-batch step: z = x·w + b
    (2d), the output (2k), back through W2 (2k), W2's gradient (2k), g'(z) and
    dZ (3), W1's gradient (2d) and b1's (1).  Plus one sigmoid."""
    return 4 * d + 6 * k + 4


def _probe_seconds(call, count, repeats):
    """Seconds per item of the fastest of 5 runs of `call(repeats)`."""
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        call(repeats)
        seconds.append(time.perf_counter() - start)
    return min(seconds) / (count * repeats)


def run_headroom(workload_result, d=1, k=1):
    """How close the kernel comes to this CPU's own limit on f2-h8, priced by
    microbenchmarks of the machine, not of the kernel: its peak of fused
    multiply-adds (2 flops each) and the cheapest full-precision sigmoid known
    (tn_probe_fma, tn_probe_sigmoid's lean one), against the work an epoch needs.
    The kernel's own sigmoid is measured beside it."""
    from tuinn.engine import ffi

    x = np.linspace(-5.0, 5.0, 2 * lib.TN_PROBE_CHAINS)
    out, acc = np.empty_like(x), np.zeros(lib.TN_PROBE_CHAINS)
    xs, outs = ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", out)
    accs = ffi.from_buffer("double[]", acc)
    # The machine's best on any width: on some CPUs two 256-bit FMA ports at a
    # higher clock beat one 512-bit port.
    lean_s = flop_s = math.inf
    for path in code_paths():
        arch = Net(1, 1, 1, path=path).arch
        lean_s = min(lean_s, _probe_seconds(
            lambda r: lib.tn_probe_sigmoid(arch, xs, outs, len(x), r, 1), len(x), 20_000))
        flop_s = min(flop_s, _probe_seconds(
            lambda r: lib.tn_probe_fma(arch, xs, len(x), r, accs), 2 * len(x), 200_000))
    kernel = Net(1, 1, 1).arch
    kernel_s = _probe_seconds(lambda r: lib.tn_probe_sigmoid(kernel, xs, outs, len(x), r, 0),
                              len(x), 20_000)
    sigmoid_s = min(lean_s, kernel_s)
    rows, hidden = workload_result["rows"], workload_result["hidden"]
    flops = unit_sample_flops(d, k)
    epoch_s = rows * (hidden * (sigmoid_s + flops * flop_s) + 6 * k * flop_s)
    limit = 1.0 / epoch_s
    share = workload_result["tuinn"]["epochs_per_s"] / limit
    return {"workload": workload_result["name"], "flops_per_unit_sample": flops,
            "sigmoids_per_unit_sample": 1, "sigmoid_ns": 1e9 * sigmoid_s,
            "kernel_sigmoid_ns": 1e9 * kernel_s, "lean_sigmoid_ns": 1e9 * lean_s,
            "flop_ns": 1e9 * flop_s, "peak_gflops": 1e-9 / flop_s,
            "limit_epochs_per_s": limit,
            "tuinn_epochs_per_s": workload_result["tuinn"]["epochs_per_s"], "share": share,
            "goal": HEADROOM_GOAL, "meets_goal": share >= HEADROOM_GOAL}


BUSY_WORKLOAD, BUSY_GOAL = "f2-h64", 1.0     # beside a busy process: never slower


def run_threads_under_load(quick=False, repeats=5):
    """Every core against one with another busy process beside them, as on a
    shared server: interleaved runs of f2-h64 (whose passes are split), each
    figure the median.  Threads must never lose."""
    w = next(w for w in WORKLOADS if w.name == BUSY_WORKLOAD)
    X, Y, _, _ = w.make_data()
    weights = _initial_net(w, X, Y).weights()
    epochs = w.epochs_for(quick)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    times = {1: [], default_threads(): []}
    try:
        for _ in range(repeats):
            for threads in times:
                times[threads].append(_time_tuinn(w, X, Y, weights, epochs, threads)[0])
    finally:
        busy.kill()
        busy.wait()
    one, every = (statistics.median(times[k]) for k in times)
    speedup = one / every
    return {"workload": w.name, "threads": default_threads(), "speedup": speedup,
            "goal": BUSY_GOAL,
            "meets_goal": speedup >= BUSY_GOAL if default_threads() > 1 else None}


CALL_ROWS, CALL_LIMIT_US = 8, 5.0


def run_call_overhead(calls=2000):
    """Microseconds per train() call of one epoch on a tiny net (1-2-1, 8 rows):
    what the app's chunks and the diagnosis's copies pay per call."""
    X = np.linspace(-1.0, 1.0, CALL_ROWS)[:, None]
    Y = X * X
    trainer = Trainer(Net(1, 2, 1, "tanh").init("glorot", seed=0), lr=0.1)
    trainer.train(X, Y, 1)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            trainer.train(X, Y, 1)
        runs.append((time.perf_counter() - start) / calls)
    micro = 1e6 * statistics.median(runs)
    return {"rows": CALL_ROWS, "us_per_call": micro, "limit_us": CALL_LIMIT_US,
            "meets_goal": micro <= CALL_LIMIT_US}


SAVE_EPOCHS, SAVE_LIMIT_S = 1_000_000, 1.0


def run_save():
    """Time to save a run with a million epochs of history (train and test):
    what a hang-up (SIGHUP) must finish within a second after long training."""
    from tuinn.runs import Run, RunSpec

    run = Run(RunSpec.from_dict({
        "name": "save",
        "data": {"generator": "f1", "params": {"standard": False, "n": 8, "n_test": 8}},
        "model": {"hidden_units": 2}, "train": {"lr": 0.01, "epochs": SAVE_EPOCHS}}))
    run.train(SAVE_EPOCHS)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run.save(os.path.join(tmp, "run"))
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        run.save(os.path.join(tmp, "hang-up"), history_csv=False)
        hang_up_seconds = time.perf_counter() - start
        start = time.perf_counter()
        back = Run.load(os.path.join(tmp, "run"))
        load_seconds = time.perf_counter() - start
        quick = Run.load(os.path.join(tmp, "hang-up"))
    same = all(np.array_equal(run.trainer.history[k], other.trainer.history[k])
               for other in (back, quick) for k in ("loss", "test_loss"))
    return {"epochs": SAVE_EPOCHS, "seconds": seconds, "hang_up_seconds": hang_up_seconds,
            "load_seconds": load_seconds, "same_history": same, "limit_s": SAVE_LIMIT_S,
            "meets_goal": same and hang_up_seconds < SAVE_LIMIT_S}


def run(quick=False, repeats=5, compare=(), only=None, progress=None):
    chosen = [w for w in WORKLOADS if not only or w.name in only]
    results = []
    for w in chosen:
        if progress:
            progress(f"{w.name}: {w.summary}")
        results.append(run_workload(w, quick, repeats, compare))
    return {
        "tuinn_version": __version__,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or
                    platform.machine(), "cores": os.cpu_count(),
                    "code_path": Net(1, 1, 1).path, "code_paths": code_paths(),
                    "threads": default_threads(),
                    "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")},
        "quick": quick, "repeats": repeats, "workloads": results,
        "memory": run_memory(),
        "csv": run_csv(quick),
        "diagnose": run_diagnose(),
        "save": run_save(),
        "headroom": next((run_headroom(r) for r in results if r["name"] == "f2-h8"), None),
        "threads_under_load": run_threads_under_load(quick, repeats),
        "call_overhead": run_call_overhead(),
    }


def _threads_goal(figure):
    if figure["meets_goal"] is None:
        return "no second core to use"
    return f"goal ≥ {figure['goal']:g}x: {'ok' if figure['meets_goal'] else 'LOW'}"


def format_report(doc):
    lines = [f"medians of {doc['repeats']} runs each; tuinn's spread over them: "
             + ", ".join(f"{w['name']} {w['tuinn']['spread']:.0%}" for w in doc["workloads"]),
             f"numpy's BLAS threads (OPENBLAS_NUM_THREADS): {doc['machine']['blas_threads']}, "
             "as tuinn sets them: the peers run in this process too",
             f"{'workload':<16}{'epochs':>7}{'tuinn ep/s':>12}{'numpy ep/s':>12}{'ratio':>8}"
             f"{'goal':>6}  {'tuinn samples/s':>15}  final loss (tuinn / numpy)"]
    for w in doc["workloads"]:
        mark = "ok" if w["meets_goal"] else "LOW"
        agree = "" if w["losses_agree"] else "  DIFFER"
        lines.append(
            f"{w['name']:<16}{w['epochs']:>7}{w['tuinn']['epochs_per_s']:>12,.0f}"
            f"{w['reference']['epochs_per_s']:>12,.1f}{w['ratio']:>7.1f}x{w['goal_ratio']:>4.0f}x "
            f"{mark:<3}{w['tuinn']['samples_per_s']:>14.3g}  "
            f"{w['tuinn']['final_loss']:.6g} / {w['reference']['final_loss']:.6g}{agree}")
        t = w.get("threads")
        if t:
            lines.append(f"{'':<16}threads: {t['threads']} against 1: {t['speedup']:.2f}x "
                         f"({_threads_goal(t)}), "
                         f"{'the same bits' if t['same_bits'] else 'BITS DIFFER'}")
        f = w["expert_numpy"]
        lines.append(f"{'':<16}expert numpy: {f['epochs_per_s']:,.1f} ep/s, tuinn is "
                     f"{f['tuinn_ratio']:.1f}x faster (goal ≥ {f['goal_ratio']:g}x: "
                     f"{'ok' if f['meets_goal'] else 'LOW'}), final loss {f['final_loss']:.6g}"
                     f"{'' if f['losses_agree'] else '  DIFFER'}")
        for name in COMPARE:
            if name in w:
                c = w[name]
                lines.append(f"{'':<16}{name}: " + (c["error"] if "error" in c else
                             f"{c['version']}: {c['epochs_per_s']:,.1f} ep/s "
                             f"(spread {c['spread']:.0%}), tuinn is {c['tuinn_ratio']:.2f}x "
                             f"faster, final loss {c['final_loss']:.6g}"
                             + {True: " (agrees)", False: "  DIFFERS",
                                None: " (its own shuffle)"}[c.get("losses_agree")]))
        noisy = [name for name, figure in w.items()
                 if isinstance(figure, dict) and figure.get("noisy")]
        if noisy:
            lines.append(f"{'':<16}WARNING: the repeats of {', '.join(noisy)} spread over more "
                         f"than {SPREAD_WARNING:.0%} of their median: the machine was busy")
    m = doc["memory"]
    lines.append(f"memory: one full-batch epoch of {m['rows']:,} x {m['features']} rows, "
                 f"{m['hidden']} hidden units: {m['extra_mb']:.1f} MB beyond the "
                 f"{m['data_mb']:.0f} MB of data (goal < {m['limit_mb']} MB: "
                 f"{'ok' if m['meets_goal'] else 'OVER'})")
    c = doc["csv"]
    lines.append(f"csv: {c['rows']:,} rows x {c['columns']} columns ({c['file_mb']:.0f} MB) "
                 f"load in {c['tuinn_seconds']:.2f} s, numpy.loadtxt {c['numpy_loadtxt_seconds']:.2f} "
                 f"s: {c['ratio']:.1f}x (goal < {c['limit_s']:g} s: "
                 f"{'ok' if c['meets_goal'] else 'SLOW'}"
                 f"{'' if c['same_values'] else ', VALUES DIFFER'})")
    d = doc["diagnose"]
    lines.append(f"diagnose: N={d['rows']:,}, h={d['hidden']}: {d['median_ms']:.2f} ms per "
                 f"diagnosis with the curvature estimate (median), {d['max_ms']:.2f} ms worst "
                 f"(goal < {d['limit_ms']:g} ms: {'ok' if d['meets_goal'] else 'SLOW'}); the "
                 f"first, with the yardstick fits it then keeps, {d['first_ms']:.1f} ms")
    v = doc["save"]
    lines.append(f"save: a run with {v['epochs']:,} epochs of history saves in "
                 f"{v['seconds']:.2f} s, {v['hang_up_seconds']:.2f} s without its CSV as on a "
                 f"hang-up (goal < {v['limit_s']:g} s: {'ok' if v['meets_goal'] else 'SLOW'}"
                 f"{'' if v['same_history'] else ', HISTORY DIFFERS'}), and loads in "
                 f"{v['load_seconds']:.2f} s")
    h = doc.get("headroom")
    if h:
        lines.append(
            f"headroom: {h['workload']} at {h['tuinn_epochs_per_s']:,.0f} epochs/s is "
            f"{h['share']:.0%} of this CPU's limit, {h['limit_epochs_per_s']:,.0f} epochs/s "
            f"({h['flops_per_unit_sample']} flops and 1 sigmoid per unit and row, priced at "
            f"this CPU's measured peak of {h['peak_gflops']:.0f} GFLOP/s in fused multiply-adds "
            f"and the cheapest full-precision sigmoid, {h['sigmoid_ns']:.2f} ns; the kernel's "
            f"own takes {h['kernel_sigmoid_ns']:.2f} ns) "
            f"(goal ≥ {h['goal']:.0%}: {'ok' if h['meets_goal'] else 'LOW'})")
    b = doc["threads_under_load"]
    lines.append(f"threads beside a busy process: {b['workload']}, {b['threads']} against 1: "
                 f"{b['speedup']:.2f}x ({_threads_goal(b)})")
    c = doc["call_overhead"]
    lines.append(f"per call: train() of one epoch on {c['rows']} rows takes "
                 f"{c['us_per_call']:.1f} µs (goal ≤ {c['limit_us']:g} µs: "
                 f"{'ok' if c['meets_goal'] else 'SLOW'})")
    return "\n".join(lines)
