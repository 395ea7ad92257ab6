"""Saved runs (tuinn.runs.store): exact round trips, bit-identical resumes,
history files, and one clear message for each way a saved run can be wrong."""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tuinn.errors import ConfigError, DataError
from tuinn.runs import Run, RunSpec, store

from conftest import ELSEWHERE, assert_same_run, one_long_run

# ------------------------------------------------------------------ resuming

@pytest.mark.parametrize("name", ["exp", "body-metrics-scaled", "or-tanh", "spiral"])
def test_saved_run_resumes_bit_identically(name, tmp_path):
    """Shuffled mini-batches, Adam moments, standardization and a test set all survive."""
    whole = one_long_run(RunSpec.from_preset(name), 60)
    part = Run(RunSpec.from_preset(name))
    part.train(25)
    part.save(tmp_path / "saved")
    resumed = Run.load(tmp_path / "saved")
    assert resumed.epoch == 25
    resumed.train(35)
    assert_same_run(whole, resumed)


def test_resume_after_live_changes_and_a_second_save(tmp_path):
    spec = RunSpec.from_preset("exp")
    whole = Run(spec)
    whole.train(10)
    whole.set(lr=0.3, optimizer="momentum", momentum=0.5)
    whole.train(20)

    part = Run(RunSpec.from_preset("exp"))
    part.train(10)
    part.set(lr=0.3, optimizer="momentum", momentum=0.5)
    part.train(5)
    part.save(tmp_path / "r")
    again = Run.load(tmp_path / "r")
    assert again.spec.train.lr == 0.3 and again.spec.train.optimizer == "momentum"
    again.train(5)
    again.save(tmp_path / "r")                       # overwrite the earlier save
    last = Run.load(tmp_path / "r")
    last.train(10)
    assert_same_run(whole, last)


def test_saved_folder_holds_the_run_file_state_and_history(tmp_path):
    run = Run(RunSpec.from_preset("exp"))
    run.train(3)
    folder = run.save(tmp_path / "exp-run")
    assert sorted(p.name for p in folder.iterdir()) == ["history.csv", "run.toml", "state.npz"]
    lines = (folder / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == 1 + 4
    epoch, loss, test = lines[-1].split(",")
    assert int(epoch) == 3 and float(loss) == run.trainer.history["loss"][-1]
    assert float(test) == run.trainer.history["test_loss"][-1]
    with np.load(folder / "state.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["theta"], run.net.theta)
    assert RunSpec.read(folder / "run.toml") == run.spec


def test_a_diverged_run_stays_diverged_when_loaded(tmp_path):
    run = Run(RunSpec.from_preset("exp-lr5"))
    run.train()
    run.save(tmp_path / "d")
    again = Run.load(tmp_path / "d")
    assert again.status == "diverged at epoch 193" and again.epoch == 192
    np.testing.assert_array_equal(again.net.theta, run.net.theta)


def test_a_failed_save_keeps_the_previous_one(tmp_path, monkeypatch):
    run = Run(RunSpec.from_preset("exp"))
    run.train(5)
    folder = run.save(tmp_path / "keep")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    run.train(5)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.np, "savez", broken)
    with pytest.raises(OSError):
        run.save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep"], "no temporary folder left"
    monkeypatch.undo()
    assert Run.load(folder).epoch == 5



def test_bad_saved_runs_are_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not a saved run"):
        Run.load(tmp_path)
    run = Run(RunSpec.from_preset("exp"))
    run.train(2)
    folder = run.save(tmp_path / "s")

    np.savez(folder / "state.npz", theta=np.zeros(3))
    with pytest.raises(DataError, match="does not belong to its run.toml"):
        Run.load(folder)

    (folder / "state.npz").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="state.npz is not a tuinn state file"):
        Run.load(folder)

    np.savez(folder / "state.npz", theta=run.net.theta, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="state.npz is not a tuinn state file"):
        Run.load(folder)                              # pickled objects are refused

    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"], snap["opt_state"]
    np.savez(folder / "state.npz", theta=run.net.theta, **snap)
    with pytest.raises(DataError, match="opt_state is missing"):
        Run.load(folder)

    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"]                # as saved before state.npz had them
    np.savez(folder / "state.npz", theta=run.net.theta, **snap)
    (folder / "history.csv").write_text("epoch,loss,test_loss\n0,abc,\n")
    with pytest.raises(DataError, match="cannot read history"):
        Run.load(folder)



def _with_member(folder, run, **members):
    snap = run.trainer.snapshot()
    np.savez(folder / "state.npz", **({"theta": run.net.theta} | snap | members))


@pytest.mark.parametrize("members,message", [
    ({"theta": np.array(["1"] * 7)}, "theta is <U1 of shape"),
    ({"epoch": np.arange(3)}, "epoch is int64 of shape .3,."),
    ({"opt_state": np.zeros(5)}, "opt_state is float64 of shape .5,."),
    ({"extra": np.zeros(2)}, "holds 'extra', which no tuinn save has"),
    ({"loss": np.zeros((2, 2))}, "loss is float64 of shape .2, 2."),
])
def test_each_member_of_state_npz_is_checked_against_run_toml(tmp_path, members, message):
    run = Run(RunSpec.from_preset("exp"))
    run.train(2)
    folder = run.save(tmp_path / "s")
    _with_member(folder, run, **members)
    with pytest.raises(DataError, match=message):
        Run.load(folder)


@pytest.mark.parametrize("name,value", [("rng", -5), ("rng", 2.0 ** 70), ("step", 1e300),
                                        ("misses", np.nan), ("lr_scale", -1.0),
                                        ("min_epoch", 10 ** 12), ("epoch", 7), ("step", "x"),
                                        ("status", "stuck"), ("status", "done at epoch 3")])
def test_each_trainer_field_of_state_npz_is_checked(tmp_path, name, value):
    run = Run(RunSpec.from_preset("exp"))
    run.train(2)
    folder = run.save(tmp_path / "s")
    _with_member(folder, run, **{name: np.array(value)})
    with pytest.raises(DataError, match=f"{name}|losses for"):
        Run.load(folder)


def test_a_member_declaring_a_huge_array_is_refused_before_any_allocation(tmp_path):
    """A small file whose npy header declares 18.6 GiB: the header is read, the
    size compared with what run.toml needs, and nothing is allocated."""
    run = Run(RunSpec.from_preset("exp"))
    run.train(2)
    folder = run.save(tmp_path / "s")
    header = {"descr": "<f8", "fortran_order": False, "shape": (2_500_000_000,)}
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    member.write(b"\0" * 1024)
    with zipfile.ZipFile(folder / "state.npz", "w") as archive:
        archive.writestr("loss.npy", member.getvalue())
    with pytest.raises(DataError, match=r"loss is float64 of shape \(2500000000,\)"):
        Run.load(folder)


# ------------------------------------------------------------------ history files

EXTREMES = np.array([0.0, -0.0, 0.1, 1 / 3, 5e-324, 2.2250738585072014e-308,
                     1.7976931348623157e308, -9.87654321e-300, 123456789012345.67, np.inf, -np.inf])


@pytest.mark.parametrize("with_test", [True, False])
def test_history_files_read_back_the_same_doubles(tmp_path, with_test):
    rng = np.random.default_rng(7)
    scales = 10.0 ** rng.integers(-300, 300, 150_000)
    loss = np.concatenate([EXTREMES, rng.random(150_000) * scales])
    test = rng.standard_normal(len(loss)) if with_test else np.empty(0)
    store.write_history(tmp_path / "h.csv", loss, test)
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == 1 + len(loss)
    first = lines[1].split(",")
    assert first[:2] == ["0", "0.0"] and (float(first[2]) == test[0] if with_test else not first[2])
    back_loss, back_test = store.read_history(tmp_path / "h.csv")
    np.testing.assert_array_equal(back_loss, loss)
    np.testing.assert_array_equal(back_test, test)
    assert [float(v) for v in lines[-1].split(",")[1:] if v] == \
        [loss[-1]] + ([test[-1]] if with_test else [])


def test_a_history_with_missing_test_losses_reads_back_too(tmp_path):
    loss, test = np.array([3.0, 2.0, 1.0]), np.array([np.nan, 2.5, 1.5])
    store.write_history(tmp_path / "h.csv", loss, test)
    assert (tmp_path / "h.csv").read_text().splitlines()[1] == "0,3.0,nan"
    back_loss, back_test = store.read_history(tmp_path / "h.csv")
    np.testing.assert_array_equal(back_loss, loss)
    np.testing.assert_array_equal(back_test, test)


def test_a_quick_save_leaves_out_the_csv_and_resumes_the_same(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 300)
    run.save(tmp_path / "quick", history_csv=False)
    assert sorted(p.name for p in (tmp_path / "quick").iterdir()) == ["run.toml", "state.npz"]
    assert_same_run(Run.load(tmp_path / "quick"), run)


def test_runs_saved_with_the_history_only_in_the_csv_still_load(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 40)
    folder = run.save(tmp_path / "old")
    snap = run.trainer.snapshot()
    del snap["loss"], snap["test_loss"]
    np.savez(folder / "state.npz", theta=run.net.theta, status=np.array(run.status), **snap)
    assert_same_run(Run.load(folder), run)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(), min_size=1, max_size=40), st.booleans())
def test_history_rows_read_back_as_the_same_doubles(tmp_path_factory, values, with_test):
    path = tmp_path_factory.mktemp("history") / "history.csv"
    loss = np.array(values)
    test = -loss[::-1].copy() if with_test else np.empty(0)
    store.write_history(path, loss, test)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,test_loss" and len(lines) == len(loss) + 1
    for e, line in enumerate(lines[1:]):
        cells = line.split(",")
        assert int(cells[0]) == e and len(cells) == 3
        assert cells[2] == "" if not with_test else True
    back_loss, back_test = store.read_history(path)
    np.testing.assert_array_equal(back_loss, loss)
    np.testing.assert_array_equal(back_test, test)


# ------------------------------------------------------------------ saves that destroy nothing

def test_a_save_never_replaces_what_is_not_a_tuinn_run(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "t.tex").write_text("my thesis")
    (tmp_path / "notes.txt").write_text("mine")
    for target, what in ((folder, "a folder that is not a tuinn run"),
                         (tmp_path / "notes.txt", "a file")):
        with pytest.raises(ConfigError, match=f"is {what}; save to a new folder"):
            run.save(target)
    assert (folder / "t.tex").read_text() == "my thesis"
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "thesis"]


def test_a_save_over_an_earlier_save_leaves_nothing_behind(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    run.train(5)
    run.save(tmp_path / "r")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert Run.load(tmp_path / "r").epoch == 10


def test_a_save_never_removes_what_the_user_put_beside_or_inside_it(tmp_path):
    """Folders named like a save's own, a glob in the name, the user's files in
    the run folder: all kept."""
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    for name in (".r.tmp-backup", ".r.tuinn-tmp-mine", ".x.tuinn-tmp-1"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("mine")
    run.save(tmp_path / "r")
    (tmp_path / "r" / "notes.txt").write_text("my notes")
    (tmp_path / "r" / "data").mkdir()
    (tmp_path / "r" / "data" / "d.csv").write_text("x,y\n1,2\n")
    run.train(5)
    run.save(tmp_path / "r")
    run.save(tmp_path / "*")
    for name in (".r.tmp-backup", ".r.tuinn-tmp-mine", ".x.tuinn-tmp-1"):
        assert (tmp_path / name / "keep.txt").read_text() == "mine"
    assert (tmp_path / "r" / "notes.txt").read_text() == "my notes"
    assert (tmp_path / "r" / "data" / "d.csv").read_text() == "x,y\n1,2\n"
    assert Run.load(tmp_path / "r").epoch == 10
    (tmp_path / ".r.tuinn-old").mkdir()
    (tmp_path / ".r.tuinn-old" / "mine.txt").write_text("mine")
    with pytest.raises(ConfigError, match="is in the way of the save and is not tuinn's"):
        run.save(tmp_path / "r")
    assert (tmp_path / ".r.tuinn-old" / "mine.txt").read_text() == "mine"


def test_a_save_into_the_current_folder_when_it_is_a_run(tmp_path, monkeypatch):
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    monkeypatch.chdir(tmp_path / "r")
    run.train(5)
    run.save(".")
    assert Run.load(tmp_path / "r").epoch == 10


def test_a_save_cut_between_its_two_renames_is_put_back(tmp_path):
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    # What a kill right after the first rename leaves: only the old save, hidden
    # and marked as tuinn's, and a marked temporary folder.
    (tmp_path / "r" / store.MARK).write_text("")
    (tmp_path / "r").rename(tmp_path / ".r.tuinn-old")
    (tmp_path / ".r.tuinn-tmp-abc").mkdir()
    (tmp_path / ".r.tuinn-tmp-abc" / store.MARK).write_text("")
    assert "put back" in store.recover(tmp_path / "r")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    (tmp_path / "r").rename(tmp_path / ".r.tuinn-old")
    assert Run.load(tmp_path / "r").epoch == 5, "a load puts it back too"
    assert store.recover(tmp_path / "r") == ""


@pytest.mark.parametrize("cut", sorted(np.random.default_rng(1).integers(0, 300, 20)))
def test_a_save_killed_at_any_moment_keeps_a_loadable_run(tmp_path, cut):
    """A save run in a child killed after `cut` ms: the earlier save, or the new
    one, is always there to load afterwards."""
    import subprocess
    import sys
    import time

    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    code = ("import sys; from tuinn.runs import Run\n"
            "run = Run.load(sys.argv[1]); run.train(100_000); print('go', flush=True)\n"
            "run.save(sys.argv[1])\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "r")],
                             stdout=subprocess.PIPE, text=True, cwd=ELSEWHERE)
    assert child.stdout.readline() == "go\n"
    time.sleep(cut / 1000)
    child.kill()
    child.wait()
    assert Run.load(tmp_path / "r").epoch in (5, 100_005)
    assert not list(tmp_path.glob(".r.tuinn-tmp-*")), "stale temporary folders are gone"


@pytest.mark.parametrize("member, value, message", [
    ("theta", np.nan, "the weights hold NaN or Inf"),
    ("best_theta", np.inf, "would never be restored"),
    ("opt_state", np.nan, "would never be restored")])
def test_a_save_with_weights_that_are_not_finite_is_refused(tmp_path, member, value, message):
    """Weights that are not finite are never loaded, nor restored as the best."""
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    with np.load(tmp_path / "r" / "state.npz") as npz:
        state = {k: npz[k] for k in npz.files}
    state[member][0] = value
    np.savez(tmp_path / "r" / "state.npz", **state)
    with pytest.raises(DataError, match=message):
        Run.load(tmp_path / "r")


@pytest.mark.parametrize("damage", ["empty", "cut", "pickle", "crc"])
def test_a_damaged_or_foreign_state_is_one_line_never_a_traceback(tmp_path, damage):
    run = one_long_run(RunSpec.from_preset("exp"), 5)
    run.save(tmp_path / "r")
    state = tmp_path / "r" / "state.npz"
    data = state.read_bytes()
    if damage == "empty":
        state.write_bytes(b"")
    elif damage == "cut":
        state.write_bytes(data[:len(data) // 2])
    elif damage == "pickle":
        np.savez(state, theta=np.array([object()], dtype=object))
    else:
        # Flip a byte inside the first member's data: its CRC no longer matches.
        state.write_bytes(data[:200] + bytes([data[200] ^ 0xFF]) + data[201:])
    with pytest.raises(DataError) as info:
        Run.load(tmp_path / "r")
    message = str(info.value)
    assert "\n" not in message and "allow_pickle" not in message
    if damage == "pickle":
        assert "never loads" in message and "not a tuinn state file" in message
