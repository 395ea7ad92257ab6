"""`tuinn sweep`: the same deterministic tasks and table on local processes and
on a Dask cluster; failures reported, not lost; bad grids refused clearly."""

import json
import subprocess
import sys
import tempfile

import pytest
from tuinn import sweep
from tuinn.errors import ConfigError
from tuinn.runs import RunSpec

from conftest import TerminalStderr


def small_spec(epochs=200):
    spec = RunSpec.from_preset("exp")
    spec.train.epochs = epochs
    return spec


def without_speed(table):
    return [{k: v for k, v in row.items() if k != "epochs_per_s"} for row in table]


def test_tasks_cover_the_grid_times_the_seeds():
    grid = sweep.parse_grid(["lr=0.1,0.5", "hidden=2,3,4"])
    tasks, notes = sweep.make_tasks(small_spec(), grid, 3, "init")
    assert len(tasks) == 2 * 3 * 3
    assert {(t["setting"]["lr"], t["setting"]["hidden"], t["seed"]) for t in tasks} == {
        (lr, h, s) for lr in (0.1, 0.5) for h in (2, 3, 4) for s in range(3)}
    spec = RunSpec.from_dict(tasks[-1]["spec"])
    assert spec.model.hidden_units == 4 and spec.train.lr == 0.5 and spec.init.seed == 2
    assert spec.init.scheme == "small" and "fixed initial weights are replaced" in notes[0]


def test_local_table_has_the_statistics_per_setting():
    grid = sweep.parse_grid(["lr=0.1,5"])
    doc = sweep.sweep(small_spec(300), grid, 3, "init", workers=2)
    fine, wild = doc["table"]
    assert fine["setting"] == {"lr": 0.1} and fine["runs"] == 3 and fine["failed"] == 0
    t = fine["train_loss"]
    assert t["min"] <= t["mean"] <= t["max"] and t["spread"] >= 0
    assert fine["diverged"] == 0.0 and wild["diverged"] == 1.0
    assert wild["train_loss"]["mean"] is None, "diverged runs are counted, not averaged"
    assert fine["dead_units"] == 0.0 and fine["epochs_per_s"] > 0
    assert doc["tasks"] == 6 and doc["backend"] == "2 local workers"


def test_dead_units_share():
    spec = RunSpec.from_preset("sum-relu")
    doc = sweep.sweep(spec, sweep.parse_grid(["lr=0.02"]), 4, "init", workers=1)
    assert doc["table"][0]["dead_units"] == 1.0


def test_dask_and_local_processes_give_the_same_table():
    distributed = pytest.importorskip("distributed", reason="Dask is an optional extra")
    grid = sweep.parse_grid(["lr=0.1,0.5", "hidden=2,3"])
    local = sweep.sweep(small_spec(), grid, 2, "init", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = sweep.sweep(small_spec(), grid, 2, "init", scheduler=client)
    assert remote["backend"] == "dask"
    assert without_speed(remote["table"]) == without_speed(local["table"])


def test_a_failing_task_is_reported_and_the_rest_complete():
    # A sigmoid output cannot fit f1's targets, which reach 2.7: a task that fails.
    grid = sweep.parse_grid(["output=linear,sigmoid"])
    doc = sweep.sweep(small_spec(50), grid, 2, "init", workers=2)
    ok, bad = doc["table"]
    assert ok["failed"] == 0 and ok["runs"] == 2 and ok["train_loss"]["mean"] is not None
    assert bad["failed"] == 2
    assert len(doc["failures"]) == 2 and "sigmoid" in doc["failures"][0]["error"]
    text = sweep.report(doc, "table")
    assert "failed: {'output': 'sigmoid'} seed 0: DataError" in text


def test_sweep_table_in_a_run_file(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('preset = "exp"\n[train]\nepochs = 50\n'
                    '[sweep]\nseeds = 2\nvary = "init"\n[sweep.grid]\nlr = [0.1, 0.2]\n')
    spec = RunSpec.read(path)
    grid, seeds, vary = sweep.grid_from_table(spec.sweep)
    assert [(k, v) for k, _, v in grid] == [("lr", [0.1, 0.2])] and seeds == 2
    done = subprocess.run([sys.executable, "-m", "tuinn", "sweep", "--config", str(path),
                           "--workers", "1", "--json"], capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), timeout=120)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["tasks"] == 4 and [r["setting"] for r in doc["table"]] == [{"lr": 0.1},
                                                                         {"lr": 0.2}]


def test_command_prints_table_json_and_csv():
    args = [sys.executable, "-m", "tuinn", "sweep", "--preset", "exp", "--grid", "lr=0.1,1",
            "--seeds", "2", "--epochs", "100", "--workers", "2"]
    run = lambda *extra: subprocess.run(args + list(extra), capture_output=True, text=True,
                                        cwd=tempfile.gettempdir(), timeout=120)
    table = run()
    assert table.returncode == 0 and "train mean" in table.stdout and "1.0" in table.stdout
    assert "task 4/4" in table.stderr
    doc = json.loads(run("--json").stdout)
    assert doc["grid"] == {"lr": [0.1, 1.0]}
    csv_text = run("--csv").stdout.splitlines()
    assert csv_text[0].startswith("lr,runs,failed,train_mean") and len(csv_text) == 3


@pytest.mark.parametrize("items,message", [
    (["lr"], "write NAME=V1,V2"),
    (["lr=fast"], "lr .learning rate. must be a number, not 'fast'"),
    (["colour=1"], "unknown sweep setting 'colour'"),
    (["lr=0.1", "lr=0.2"], "given twice"),
    (["hidden=1.5"], "must be a whole number, not '1.5'"),
    (["hidden=2,-1"], "hidden_units must be a whole number in 0..100,000, got -1"),
])
def test_bad_grids_are_refused_clearly(items, message):
    with pytest.raises(ConfigError, match=message):
        sweep.parse_grid(items)


def test_bad_seeds_vary_and_workers():
    grid = sweep.parse_grid(["lr=0.1"])
    with pytest.raises(ConfigError, match="--seeds"):
        sweep.make_tasks(small_spec(), grid, 0, "init")
    with pytest.raises(ConfigError, match="--vary"):
        sweep.make_tasks(small_spec(), grid, 1, "weights")
    with pytest.raises(ConfigError, match="--workers"):
        sweep.sweep(small_spec(), grid, 1, "init", workers=-1)


def test_zero_seeds_is_an_error_not_one_seed():
    from conftest import run_tuinn

    done = run_tuinn("sweep", "--preset", "exp", "--epochs", "5", "--grid", "lr=0.1",
                     "--seeds", "0")
    assert done.returncode == 2 and "--seeds must be a whole number in 1..100,000, got 0" in done.stderr


def test_workers_default_to_the_tasks_and_more_than_the_cores_is_said():
    doc = sweep.sweep(small_spec(5), sweep.parse_grid(["lr=0.1"]), 1, "init")
    assert doc["backend"] == "1 local worker"
    doc = sweep.sweep(small_spec(5), sweep.parse_grid(["lr=0.1,0.2"]), 1, "init",
                      workers=64)
    assert any("64 workers on" in note for note in doc["notes"])


def _dies_on_seed_1(task):
    """A task whose worker process dies (as one killed or out of memory would)."""
    import os

    if task["seed"] == 1 and task["setting"].get("lr") == 0.1:
        os._exit(9)
    return _real_run_task(task)


_real_run_task = sweep.run_task


def test_a_dead_worker_costs_only_its_own_task(monkeypatch):
    # Workers are forked: they see the patched task function.
    monkeypatch.setattr(sweep, "run_task", _dies_on_seed_1)
    grid = sweep.parse_grid(["lr=0.1,0.2"])
    doc = sweep.sweep(small_spec(30), grid, 4, "init", workers=2)
    rows = {row["setting"]["lr"]: row for row in doc["table"]}
    assert rows[0.2]["failed"] == 0 and rows[0.2]["runs"] == 4
    assert rows[0.1]["failed"] == 1 and rows[0.1]["runs"] == 4
    [failure] = doc["failures"]
    assert failure["seed"] == 1 and "died twice" in failure["error"]
    assert not doc["interrupted"]


def _children(pid):
    """The processes whose parent is `pid` (from /proc)."""
    import pathlib

    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _sweep_until_signal(sig, *extra):
    """A sweep whose two quick tasks finish and whose two long ones never do
    (10^8 epochs: minutes), stopped by `sig` once the quick ones are done (its
    progress bar says so): (returncode, out, err, the pid).  It must end within
    finish()'s timeout, far less than the long tasks would take."""
    t = TerminalStderr("sweep", "--preset", "exp", "--grid", "epochs=10,100000000",
                       "--seeds", "2", *extra, cwd=tempfile.gettempdir())
    t.wait_for("task 2/4")
    t.proc.send_signal(sig)
    out, err = t.finish()
    return t.proc.returncode, out, err, t.proc.pid


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_sweep_at_once_keeps_what_finished_and_leaves_no_worker(sig):
    import signal

    code, out, err, pid = _sweep_until_signal(getattr(signal, sig), "--workers", "2")
    assert code == 130, err
    assert "interrupted: 2 of 4 tasks finished" in out and "Traceback" not in err
    assert "epochs" in out and "10" in out, "the finished tasks' row is in the table"
    assert not _children(pid)


def test_a_grid_over_a_seed_varies_the_runs_and_two_spellings_are_refused():
    grid = sweep.parse_grid(["init.seed=5,9"])
    tasks, _ = sweep.make_tasks(small_spec(), grid, 2, "init")
    assert [RunSpec.from_dict(t["spec"]).init.seed for t in tasks] == [5, 6, 9, 10]
    with pytest.raises(ConfigError, match=r"--grid train.lr is given twice \(as lr\)"):
        sweep.parse_grid(["lr=0.1", "train.lr=0.2"])


def _exits_on_seed_1(task):
    import os

    if task["seed"] == 1:
        os._exit(9)
    return _real_run_task(task)


def test_a_task_whose_dask_worker_keeps_dying_is_one_line_naming_it(monkeypatch):
    distributed = pytest.importorskip("distributed", reason="Dask is an optional extra")
    import cloudpickle
    import dask

    # The workers are spawned: the test's task function travels by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    monkeypatch.setattr(sweep, "run_task", _exits_on_seed_1)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        doc = sweep.sweep(small_spec(20), sweep.parse_grid(["lr=0.1"]), 2, "init",
                          scheduler=client)
    [failure] = doc["failures"]
    assert failure["seed"] == 1 and "KilledWorker" in failure["error"]
    assert "\n" not in failure["error"] and doc["table"][0]["runs"] == 2


def test_ctrl_c_under_dask_keeps_what_finished_and_cancels_the_rest():
    import signal
    import time

    distributed = pytest.importorskip("distributed", reason="Dask is an optional extra")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        # The sweep's own progress bar says when the quick tasks' results are
        # in: the scheduler may hold a result the sweep has not yet received.
        t = TerminalStderr("sweep", "--preset", "exp", "--grid", "epochs=10,100000000",
                           "--seeds", "2", "--scheduler", cluster.scheduler_address)
        t.wait_for("task 2/4")
        deadline = time.monotonic() + 60
        t.proc.send_signal(signal.SIGINT)
        out, err = t.finish()
        assert t.proc.returncode == 130, err
        assert "interrupted: 2 of 4 tasks finished" in out and "Traceback" not in err
        while client.processing() and any(client.processing().values()) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(client.processing().values()), "the cancelled tasks stopped"


def test_a_grid_over_a_setting_the_weights_fit_keeps_the_presets_start():
    tasks, notes = sweep.make_tasks(small_spec(), sweep.parse_grid(["activation=relu,tanh"]),
                                    1, "init")
    assert [RunSpec.from_dict(t["spec"]).init.scheme for t in tasks] == ["manual", "manual"]
    assert not notes
    tasks, notes = sweep.make_tasks(small_spec(), sweep.parse_grid(["hidden=2,3"]), 1, "init")
    assert {RunSpec.from_dict(t["spec"]).init.scheme for t in tasks} == {"small"}
    assert "fixed initial weights are replaced" in notes[0]
