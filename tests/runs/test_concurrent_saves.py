"""Saves that cannot lose: several processes saving and resuming one run name at
once, killed at random moments, and a symlink standing for a run.  After every
round the run loads and every file the user put inside it is there, unchanged."""

import multiprocessing
import os
import signal
import time

import numpy as np
import pytest
from tuinn.runs import Run, RunSpec, store

ROUNDS = 200
NOTES = 100


def _resume_and_save(folder, epochs, go):
    go.wait()
    run = Run.load(folder)
    run.train(epochs)
    run.save(folder)
    os._exit(0)


def _notes(folder):
    return {p.name: p.read_text() for p in folder.glob("note-*.txt")}


def test_concurrent_saves_and_kills_never_lose_the_run_or_the_users_files(tmp_path,
                                                                           monkeypatch):
    # A fork server: a child forked from pytest's own process (which has threads)
    # can inherit a lock held by one of them and hang.  It starts in the current
    # folder, first on its path: not a checkout's tuinn/, which has no kernel
    # built when tuinn is installed from it (as CI does).
    monkeypatch.chdir(tmp_path)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tuinn.runs"])
    rng = np.random.default_rng(27)
    folder = tmp_path / "same"
    run = Run(RunSpec.from_preset("exp"))
    run.train(3)
    run.save(folder)
    for i in range(NOTES):
        (folder / f"note-{i:03}.txt").write_text(f"the user's note {i}\n")
    notes = _notes(folder)
    killed = 0
    for _ in range(ROUNDS):
        go = ctx.Event()
        workers = [ctx.Process(target=_resume_and_save, args=(folder, int(e), go))
                   for e in rng.integers(1, 40, 3)]
        for w in workers:
            w.start()
        go.set()
        victim = workers[rng.integers(0, len(workers))]
        time.sleep(rng.uniform(0, 0.03))
        if victim.is_alive():
            os.kill(victim.pid, signal.SIGKILL)
            killed += 1
        for w in workers:
            w.join(30)
            assert w.exitcode in (0, -signal.SIGKILL), f"a save failed: exit {w.exitcode}"
        loaded = Run.load(folder)
        assert loaded.epoch >= 3
        assert _notes(folder) == notes, "a note of the user's was lost or changed"
        assert not [p for p in tmp_path.iterdir() if p.name != "same"
                    and not p.name.startswith(".same.tuinn-")], "a stray file beside the run"
    assert killed >= ROUNDS // 4, "the kills should land while saves are under way"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"], "nothing stale is left"


def test_a_temporary_folder_of_a_live_save_is_never_removed(tmp_path):
    run = Run(RunSpec.from_preset("exp"))
    run.save(tmp_path / "r")
    live = tmp_path / f".r.tuinn-tmp-{os.getppid()}-x"      # a process that is running
    dead = tmp_path / ".r.tuinn-tmp-999999999-y"           # no such process
    for tmp in (live, dead):
        tmp.mkdir()
        (tmp / store.MARK).write_text("")
    store.recover(tmp_path / "r")
    assert live.is_dir() and not dead.exists()


def test_a_symlink_to_a_run_is_followed_on_resume_and_save(tmp_path):
    run = Run(RunSpec.from_preset("exp"))
    run.train(5)
    run.save(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real")
    for epochs in (10, 15):
        again = Run.load(link)
        again.train(5)
        again.save(link)
        assert link.is_symlink() and Run.load(tmp_path / "real").epoch == epochs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
    assert not (tmp_path / "real" / store.MARK).exists()


def test_rescues_in_the_same_second_take_names_of_their_own(tmp_path):
    runs = [Run(RunSpec.from_preset("exp")) for _ in range(3)]
    for i, run in enumerate(runs):
        run.train(i + 1)
    saved = [store.save_new(run, tmp_path / "rescued") for run in runs]
    assert [p.name for p in saved] == ["rescued", "rescued-2", "rescued-3"]
    assert [Run.load(p).epoch for p in saved] == [1, 2, 3]


@pytest.mark.parametrize("name", ["", " ", "/"])
def test_an_empty_or_root_run_name_is_refused(name):
    from tuinn.errors import ConfigError

    run = Run(RunSpec.from_preset("exp"))
    with pytest.raises(ConfigError, match="empty|root"):
        run.save(name)
    with pytest.raises(ConfigError, match="empty|root"):
        Run.load(name)


def test_a_saved_run_and_its_files_have_the_permissions_of_a_plain_folder(tmp_path):
    import stat

    run = Run(RunSpec.from_preset("exp"))
    folder = run.save(tmp_path / "r")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((folder / "run.toml").stat().st_mode) == 0o666 & ~mask
