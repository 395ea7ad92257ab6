"""`tuinn bench` as a user runs it: real subprocesses, checked for what each
figure means (never for a speed: these machines are shared)."""

import json
import subprocess
import sys

import pytest

from conftest import ELSEWHERE
from conftest import run_tuinn as tuinn


@pytest.fixture(scope="module")
def bench_doc():
    done = tuinn("bench", "--quick", "--json", "--workload", "f2-h8",
                 "--workload", "spiral-softmax", "--compare", "sklearn,torch")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bench_json_reports_both_engines_with_agreeing_losses(bench_doc):
    names = [w["name"] for w in bench_doc["workloads"]]
    assert names == ["f2-h8", "spiral-softmax"]
    for w in bench_doc["workloads"]:
        assert w["losses_agree"], w
        for engine in ("tuinn", "reference", "expert_numpy"):
            speed = w[engine]
            assert speed["epochs_per_s"] > 0 and speed["samples_per_s"] > 0
            # Each figure is a median, with the spread of its repeats.
            assert speed["spread"] >= 0 and speed["noisy"] == (speed["spread"] > 0.2)
        # The expert numpy baseline trains the same run: the same final loss.
        assert w["expert_numpy"]["losses_agree"], w["expert_numpy"]
        assert w["expert_numpy"]["tuinn_ratio"] > 0 and w["expert_numpy"]["goal_ratio"] == 3
        assert w["epochs"] >= 4
    assert bench_doc["repeats"] == 5 and bench_doc["quick"] is True


def test_bench_compare_reports_missing_libraries_instead_of_failing(bench_doc):
    f2, spiral = bench_doc["workloads"]
    torch = f2["torch"]
    assert ("error" in torch and "not installed" in torch["error"]) or torch["epochs_per_s"] > 0
    # scikit-learn's MLPRegressor cannot run a softmax classifier workload.
    assert "sklearn" not in spiral


def test_scikit_learn_from_the_same_weights_reaches_the_same_loss(bench_doc):
    pytest.importorskip("sklearn", reason="scikit-learn is an optional peer (tuinn[compare])")
    sklearn = bench_doc["workloads"][0]["sklearn"]
    assert sklearn["epochs_per_s"] > 0 and sklearn["tuinn_ratio"] > 0
    assert sklearn["losses_agree"], sklearn


def test_bench_measures_memory_of_a_big_full_batch_epoch(bench_doc):
    memory = bench_doc["memory"]
    assert memory["rows"] == 1_000_000 and memory["features"] == 10 and memory["hidden"] == 64
    assert memory["data_mb"] == pytest.approx(1_000_000 * 11 * 8 / 2**20)
    assert memory["extra_mb"] >= 0 and memory["epoch_seconds"] > 0


def test_bench_text_report_has_a_row_per_workload():
    done = tuinn("bench", "--quick", "--workload", "f2-h64")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[0].startswith("medians of 5 runs each; tuinn's spread over them: f2-h64 ")
    # the subprocess is the command line as a user runs it: one BLAS thread
    assert rows[1].startswith("numpy's BLAS threads (OPENBLAS_NUM_THREADS): 1,")
    assert rows[2].startswith("workload") and "ratio" in rows[2]
    assert rows[3].startswith("f2-h64") and "DIFFER" not in rows[3]
    assert rows[-6].startswith("memory:")
    assert rows[-5].startswith("csv:") and "DIFFER" not in rows[-5]
    assert rows[-4].startswith("diagnose: N=1,000, h=64:")
    assert rows[-3].startswith("save: a run with 1,000,000 epochs of history saves in")
    assert "without its CSV as on a hang-up" in rows[-3]
    assert rows[-2].startswith("threads beside a busy process: f2-h64, ")
    assert rows[-1].startswith("per call: train() of one epoch on 8 rows takes ")


def test_bench_imports_no_textual():
    code = ("import sys; from tuinn import cli; "
            "cli.main(['bench', '--quick', '--workload', 'f2-h8', '--json']); "
            "sys.exit(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ELSEWHERE)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("args, words", [
    (("bench", "--workload", "nope"), "unknown workload 'nope'"),
    (("bench", "--compare", "tensorflow"), "--compare takes"),
    (("bench", "--repeats", "1"), "--repeats must be at least 5"),
])
def test_bad_bench_arguments_give_one_line_and_exit_2(args, words):
    done = tuinn(*args)
    assert done.returncode == 2
    assert words in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_bench_times_csv_loading_against_numpy(bench_doc):
    c = bench_doc["csv"]
    assert c["same_values"] and c["rows"] == 200_000 and c["columns"] == 20
    assert c["tuinn_seconds"] > 0 and c["numpy_loadtxt_seconds"] > 0


def test_bench_app_measures_the_app_against_direct_training():
    done = tuinn("bench", "--quick", "--json", "--workload", "f2-h8", "--app")
    assert done.returncode == 0, done.stderr
    app = json.loads(done.stdout)["app"]
    assert app["workload"] == "f2-h8"
    assert app["app_epochs_per_s"] > 0 and app["direct_epochs_per_s"] > 0
    assert app["terminal"] == "120x40 pseudo-terminal"
    latency = [app[f"key_latency_ms_{q}"] for q in ("median", "p95", "max")]
    assert 0 < latency[0] <= latency[1] <= latency[2]


def test_bench_times_a_diagnosis(bench_doc):
    d = bench_doc["diagnose"]
    assert d["rows"] == 1000 and d["hidden"] == 64
    assert 0 < d["median_ms"] <= d["max_ms"]


def test_bench_times_saving_a_long_run(bench_doc):
    v = bench_doc["save"]
    assert v["epochs"] == 1_000_000 and v["same_history"]
    assert 0 < v["hang_up_seconds"] < v["seconds"] and 0 < v["load_seconds"]


@pytest.mark.parametrize("name", ["f2-h8", "f2-adam-b32", "spiral-softmax"])
def test_expert_numpy_trains_what_the_reference_trains(name):
    from tuinn import reference
    from tuinn.bench import expert_numpy
    from tuinn.bench.kernel import WORKLOADS, _initial_net

    w = next(w for w in WORKLOADS if w.name == name)
    X, Y, _, _ = w.make_data()
    X, Y = X[:300], Y[:300]
    weights = _initial_net(w, X, Y).weights()
    # the reference's history starts with the initial loss; then one per epoch
    want = reference.train(weights, X, Y, epochs=5, **w.net, **w.train)["loss"][1:]
    got = expert_numpy.train(weights, X, Y, epochs=5, **w.net, **w.train)
    assert got == pytest.approx(want, rel=1e-10)


def test_the_headroom_line_measures_this_cpus_limit_on_f2_h8(bench_doc):
    h = bench_doc["headroom"]
    assert h["workload"] == "f2-h8" and h["flops_per_unit_sample"] == 14
    assert h["sigmoid_ns"] > 0 and h["flop_ns"] > 0 and h["limit_epochs_per_s"] > 0
    assert h["share"] == pytest.approx(h["tuinn_epochs_per_s"] / h["limit_epochs_per_s"])
    # Priced by the machine, not by the kernel: the cheaper of the two sigmoids,
    # and the peak of fused multiply-adds (2 flops each).
    assert h["sigmoid_ns"] == min(h["lean_sigmoid_ns"], h["kernel_sigmoid_ns"])
    assert h["peak_gflops"] == pytest.approx(1 / h["flop_ns"])


def test_bench_measures_threads_beside_a_busy_process_and_the_cost_of_a_call(bench_doc):
    b = bench_doc["threads_under_load"]
    assert b["workload"] == "f2-h64" and b["speedup"] > 0 and b["goal"] == 1.0
    c = bench_doc["call_overhead"]
    assert c["rows"] == 8 and c["us_per_call"] > 0 and c["limit_us"] == 5.0


def test_the_probes_compute_what_the_kernel_does_and_refuse_bad_sizes():
    import numpy as np
    from tuinn.engine import Net, ffi, lib

    arch = Net(1, 1, 1).arch
    x = np.linspace(-30.0, 30.0, 2 * lib.TN_PROBE_CHAINS)
    out = np.empty_like(x)
    buf = lambda a: ffi.from_buffer("double[]", a)
    assert lib.tn_probe_sigmoid(arch, buf(x), buf(out), len(x), 1, 0) == lib.TN_OK
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-x)), rtol=1e-15, atol=1e-300)
    # The limit's own sigmoid, apart from the kernel's, is as exact.
    assert lib.tn_probe_sigmoid(arch, buf(x), buf(out), len(x), 1, 1) == lib.TN_OK
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-x)), rtol=1e-15, atol=1e-300)
    acc = np.zeros(lib.TN_PROBE_CHAINS)
    assert lib.tn_probe_fma(arch, buf(x), len(x), 2, buf(acc)) == lib.TN_OK
    want = x.reshape(-1, lib.TN_PROBE_CHAINS)
    expect = np.zeros(lib.TN_PROBE_CHAINS)
    for _ in range(2):
        for row in want:
            expect = expect * 0.999999 + row
    np.testing.assert_allclose(acc, expect, rtol=1e-12)
    assert lib.tn_probe_fma(arch, buf(x), 33, 1, buf(acc)) == lib.TN_EDATA
    assert lib.tn_probe_sigmoid(arch, buf(x), buf(out), -1, 1, 0) == lib.TN_EDATA
    assert lib.tn_probe_sigmoid(arch, ffi.NULL, buf(out), 1, 1, 0) == lib.TN_ENULL
