"""The same bits on every code path and thread count (docs/math.md#reproducibility).

The kernel's layers are built once per instruction set (csrc/layers_*.c).  Each
path this CPU runs trains the same set of runs: every activation, output, loss
and optimizer, each schedule, full batch and shuffled mini-batch, with and
without a hidden layer, L2 and L1, a test set.  Histories, weights, optimizer
state, predictions and unit statistics must equal the base path's byte for
byte.  Paths the CPU cannot run are skipped, and the skip says which.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from tuinn import reference as ref
from tuinn.engine import CODE_PATHS, Net, Trainer, code_paths, ffi, lib
from tuinn.settings import OPTIMIZERS, OUTPUTS, SCHEDULES

from conftest import make_problem

PATHS = [name for name in CODE_PATHS if name not in ("auto", "base")]
PAIRS = [("linear", "squared", 1), ("sigmoid", "squared", 2), ("tanh", "squared", 1),
         ("softmax", "squared", 3), ("sigmoid", "cross_entropy", 2),
         ("softmax", "cross_entropy", 3)]
RATES = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adam": 0.01, "rmsprop": 0.005}


def runs():
    """(name, net arguments, trainer settings, problem arguments) of every run."""
    out = []
    for i, hidden in enumerate(ref.HIDDEN):
        for j, (output, loss, k) in enumerate(PAIRS):
            optimizer = OPTIMIZERS[(i + j) % len(OPTIMIZERS)]
            schedule = SCHEDULES[(i + 2 * j) % len(SCHEDULES)]
            for batch in (0, 17):
                out.append((f"{hidden}-{output}-{loss}-{optimizer}-{schedule}-b{batch}",
                            {"hidden": hidden, "output": output, "loss": loss, "h": 6},
                            {"optimizer": optimizer, "lr": RATES[optimizer],
                             "schedule": schedule, "batch_size": batch or None, "shuffle": batch > 0,
                             "l2": 0.001 * (i % 2), "l1": 0.001 * (j % 2)},
                            {"output": output, "loss": loss, "k": k, "seed": 10 * i + j}))
    for optimizer in OPTIMIZERS:
        out.append((f"no-hidden-{optimizer}",
                    {"hidden": "linear", "output": "sigmoid", "loss": "cross_entropy", "h": 0},
                    {"optimizer": optimizer, "lr": RATES[optimizer], "batch_size": 32,
                     "shuffle": True},
                    {"output": "sigmoid", "loss": "cross_entropy", "k": 1, "seed": 99}))
    return out


def fingerprint(path, net_args, settings, problem, threads=1, N=300, epochs=40):
    """Every number a run leaves behind, as bytes."""
    params, X, Y = make_problem(problem["output"], problem["loss"], N=N + 60, d=3,
                                h=net_args["h"] or 1, k=problem["k"], seed=problem["seed"])
    net = Net(3, net_args["h"], problem["k"], hidden=net_args["hidden"],
              output=net_args["output"], loss=net_args["loss"], path=path, threads=threads)
    net.theta[:] = np.random.default_rng(problem["seed"]).normal(0.0, 0.7, net.theta.size)
    trainer = Trainer(net, seed=3, **settings)
    trainer.train(X[:N], Y[:N], epochs, X[N:], Y[N:])
    out, act = net.predict(X, hidden=True)
    parts = [trainer.history["loss"], trainer.history["test_loss"], net.theta,
             trainer.opt_state, trainer.best_theta, out, act,
             np.array([getattr(trainer.state, f) for f in Trainer.STATE_FIELDS], dtype=object)]
    if net.n_hidden:
        parts += list(net.unit_stats(X).values())
    parts += [np.array([net.objective(X, Y, 0.01, 0.01)]),
              *net.gradients(X, Y, 0.01, 0.01).values()]
    return [p.tobytes() if p.dtype != object else repr(p.tolist()).encode() for p in parts]


RUNS = runs()


def test_the_runs_cover_every_activation_output_loss_optimizer_and_schedule():
    names = " ".join(name for name, *_ in RUNS)
    for word in (*ref.HIDDEN, *OUTPUTS, "squared", "cross_entropy", *OPTIMIZERS,
                 *SCHEDULES, "b0", "b17", "no-hidden"):
        assert f"{word}" in names, word


@pytest.mark.parametrize("path", PATHS)
def test_every_code_path_gives_the_base_paths_bytes(path):
    if path not in code_paths():
        pytest.skip(f"this CPU cannot run the {path} code path (it runs "
                    f"{', '.join(code_paths())}): not checked here")
    for name, net_args, settings, problem in RUNS:
        want = fingerprint("base", net_args, settings, problem)
        got = fingerprint(path, net_args, settings, problem)
        assert len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{name}: part {i} differs between {path} and base"


@pytest.mark.parametrize("threads", [2, 3, 16])
def test_a_large_pass_gives_the_same_bytes_on_any_number_of_threads(threads):
    N = lib.TN_PARALLEL_ROWS + 1234
    for name, net_args, settings, problem in (RUNS[2], RUNS[13], RUNS[-1]):
        want = fingerprint("auto", net_args, settings, problem, threads=1, N=N, epochs=2)
        got = fingerprint("auto", net_args, settings, problem, threads=threads, N=N, epochs=2)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{name}: part {i} differs between {threads} threads and 1"


@pytest.mark.parametrize("threads", [2, 5])
def test_a_pass_split_for_its_many_units_gives_the_same_bytes_on_any_number_of_threads(threads):
    # 1,000 rows x 64 units: work enough (TN_PARALLEL_WORK) to split a full batch.
    assert 1000 * 64 >= lib.TN_PARALLEL_WORK
    for name, net_args, settings, problem in (RUNS[4], RUNS[21]):
        wide = dict(net_args, h=64)
        want = fingerprint("auto", wide, settings, problem, threads=1, N=1000, epochs=5)
        got = fingerprint("auto", wide, settings, problem, threads=threads, N=1000, epochs=5)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, f"{name}: part {i} differs between {threads} threads and 1"


def test_a_net_whose_workers_are_in_another_process_trains_alone_to_the_same_bytes():
    """A forked process (a sweep worker) inherits the net but not its worker
    threads: its split passes run on its own thread, and give the same bits."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(1000, 2))
    Y = np.sin(X[:, :1])
    net = Net(2, 64, 1, "sigmoid", threads=2).init("glorot", seed=3)
    assert lib.tn_part_count(net.arch, len(X)) > 1
    Trainer(net.copy(), lr=0.1).train(X, Y, 1)      # starts the workers of that net
    net.objective(X, Y)                              # and of this one

    def train():
        trainer = Trainer(net, lr=0.1)
        trainer.train(X, Y, 5)
        return net.theta.tobytes() + trainer.history["loss"].tobytes()

    here = train()
    net.init("glorot", seed=3)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:                                   # the forked process: no workers
        try:
            os.write(write, train())
        finally:
            os._exit(0)
    os.close(write)
    there = b""
    while chunk := os.read(read, 1 << 16):
        there += chunk
    os.close(read)
    os.waitpid(child, 0)
    assert there == here


def test_the_widest_path_on_all_threads_equals_the_base_path_on_one():
    N = lib.TN_PARALLEL_ROWS + 1
    name, net_args, settings, problem = RUNS[7]
    assert fingerprint("auto", net_args, settings, problem, threads=2, N=N, epochs=2) == \
        fingerprint("base", net_args, settings, problem, threads=1, N=N, epochs=2)


def test_threads_and_paths_are_checked_before_the_kernel():
    with pytest.raises(Exception, match="threads must be a whole number"):
        Net(1, 2, 1, threads=0)
    with pytest.raises(Exception, match="not a code path of the kernel: use one of auto"):
        Net(1, 2, 1, path="avx9")
    net = Net(1, 2, 1, threads=5)
    assert net.threads == 5 and net.path in code_paths()
    # The kernel checks again: an unknown path code is refused, not guessed.
    arch = ffi.new("tn_arch *", {"n_in": 1, "n_hidden": 1, "n_out": 1, "path": 99})
    assert lib.tn_check_arch(arch) == lib.TN_EARCH
    assert lib.tn_path_supported(99) == 0 and lib.tn_path_chosen(arch) == -1


def _numpy_baseline_env():
    """numpy held to its baseline instructions, as on an older CPU."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:
        return {}
    return {"NPY_DISABLE_CPU_FEATURES": " ".join(__cpu_dispatch__)}


SCRIPT = """
import hashlib, sys
import numpy as np
from tuinn import presets
from tuinn.runs import Run, RunSpec
for name in sys.argv[1:]:
    run = Run(RunSpec.from_dict(presets.get(name)))
    run.train()
    print(name, hashlib.sha256(run.net.theta.tobytes()
          + np.asarray(run.trainer.history["loss"]).tobytes()).hexdigest())
"""


def test_presets_give_the_same_bytes_with_numpy_and_the_kernel_held_to_an_old_cpu(tmp_path):
    """The whole way from generated data to the last weight: numpy's own CPU
    dispatch (its vectorized exp differs between machines) must not reach the
    data either."""
    names = ["exp", "exp-lr5", "sinpoly", "circle", "spiral", "coverage-bad",
             "body-metrics-scaled", "and-cross-entropy", "xor2d"]
    env = dict(os.environ, TUINN_THREADS="2")
    old = dict(env, TUINN_PATH="base", TUINN_THREADS="1", **_numpy_baseline_env())
    outs = [subprocess.run([sys.executable, "-c", SCRIPT, *names], env=e, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300) for e in (env, old)]
    for done in outs:
        assert done.returncode == 0, done.stderr
    assert outs[0].stdout.split("\n") == outs[1].stdout.split("\n")
    assert len(outs[0].stdout.split("\n")) == len(names) + 1


@pytest.mark.parametrize("env,message", [
    ({"TUINN_PATH": "avx9"}, "TUINN_PATH=avx9 is not a code path of the kernel: set it to one "
                             "of auto, base, avx2, avx512, or unset it"),
    ({"TUINN_THREADS": "0"}, "TUINN_THREADS=0 is not a thread count: set it to a whole number "
                             "from 1 to 1,024, or unset it"),
    ({"TUINN_THREADS": "many"}, "TUINN_THREADS=many is not a thread count")])
def test_a_bad_path_or_thread_count_is_one_line_that_says_what_to_set(env, message, tmp_path):
    done = subprocess.run([sys.executable, "-m", "tuinn", "train", "--preset", "exp",
                           "--epochs", "5"], env=dict(os.environ, **env), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and message in lines[0], done.stderr
