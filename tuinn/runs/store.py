"""Run folders: what `Run.save` writes and `Run.load` reads.

    run.toml      the spec, with the settings in force when saved
    state.npz     weights, trainer state and loss history (allow_pickle=False)
    history.csv   epoch, loss, test_loss (for people; a hang-up's save skips it)

Training on after loading gives the same bits as never having stopped.
"""

import contextlib
import errno
import fcntl
import glob
import hashlib
import os
import pathlib
import shutil
import tempfile

import numpy as np

from tuinn.errors import ConfigError, DataError
from tuinn.inputs import MAX_STATE_BYTES, read_npz, regular_file
from tuinn.runs.spec import RunSpec, atomic_write, umask
from tuinn.status import Status

RUN_FILES = ("run.toml", "state.npz")
HISTORY_HEADER = "epoch,loss,test_loss"


def is_run_folder(folder):
    """Whether `folder` holds a saved tuinn run (run.toml and state.npz)."""
    folder = pathlib.Path(folder)
    return folder.is_dir() and all((folder / name).is_file() for name in RUN_FILES)


def real_path(folder):
    """The folder a run name stands for: absolute ("." has no name and no
    parent to write the temporary folder in), and a symlink followed to the
    run it names, so that a save replaces the run and not the link."""
    text = os.fspath(folder)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if not text.strip():
        raise ConfigError("the run folder's name is empty; give a folder name")
    path = pathlib.Path(os.path.realpath(text))
    if path.parent == path:
        raise ConfigError(f"{text} is the root folder; give a folder of its own for the run")
    return path


@contextlib.contextmanager
def locked(folder):
    """Hold the lock of the folder that holds `folder` (an flock, so a process
    that dies lets go): two processes never save, recover or load one run at
    once.  Saves are short, so one lock per parent folder is enough."""
    parent = pathlib.Path(folder).parent
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        yield           # nothing there to race for yet
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def check_target(folder, fresh=False):
    """A ConfigError unless a save may go to `folder`: a new path, or (unless
    `fresh`) a folder that is already a tuinn run.  Anything else is the
    user's, and is left alone.  Returns the folder's real path."""
    path = real_path(folder)
    with locked(path):
        return _check_target(path, folder, fresh)


def _check_target(folder, given, fresh):
    _recover(folder)
    if not os.path.lexists(folder) or (is_run_folder(folder) and not fresh):
        return folder
    if fresh:
        raise FileExistsError(errno.EEXIST, "a run of that name exists", str(folder))
    what = "a folder that is not a tuinn run" if folder.is_dir() else "a file"
    raise ConfigError(f"{given} is {what}; save to a new folder or to an earlier save "
                      "(nothing was written)")


def check_output(path, header, numeric_from=0):
    """A ConfigError unless `path` may receive a CSV of tuinn's whose first line is
    `header`: a new file, or one that tuinn wrote before (that header, then rows
    of as many cells, numbers from column `numeric_from` on).  Anything else is
    the user's, and is left alone."""
    path = pathlib.Path(path)
    if not os.path.lexists(path):
        return path
    if path.is_file() and not path.is_symlink():
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = [f.readline(1 << 16).rstrip("\r\n") for _ in range(6)]
        except OSError:
            lines = [""]
        width = len(header.split(","))

        def ours(line):
            cells = line.split(",")
            try:
                return len(cells) == width and all(float(c) == float(c) or c == "nan"
                                                   for c in cells[numeric_from:])
            except ValueError:
                return False
        if lines[0] == header and all(ours(line) for line in lines[1:] if line):
            return path
        what = "a file tuinn did not write"
    else:
        what = "a folder" if path.is_dir() else "not a regular file"
    raise ConfigError(f"{path} is {what}; give a new file name (nothing was written)")


# A save's own folders beside its target carry this file, so that nothing the
# user made is ever taken for one of them and removed.
MARK = ".tuinn-save"


def _old(folder):
    return folder.with_name(f".{folder.name}.tuinn-old")


def _ours(path):
    return path.is_dir() and not path.is_symlink() and (path / MARK).is_file()


def _maker_alive(tmp):
    """Whether the process that made the temporary folder `tmp` still runs
    (its name holds the pid): only that process may remove it."""
    pid = tmp.name.rpartition(".tuinn-tmp-")[2].partition("-")[0]
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:         # alive, and someone else's
        return True
    return True


def recover(folder):
    """Put back a save that a crash left half replaced (only `.NAME.tuinn-old`
    left), and remove the temporary folders of saves whose process died: only
    folders tuinn made (they hold its mark).  Returns what it did, in a line, or ''."""
    folder = real_path(folder)
    with locked(folder):
        return _recover(folder)


def _recover(folder):
    parent = folder.parent
    if not parent.is_dir():
        return ""
    for stale in parent.glob(glob.escape(f".{folder.name}.tuinn-tmp-") + "*"):
        if _ours(stale) and not _maker_alive(stale):
            shutil.rmtree(stale, ignore_errors=True)
    old = _old(folder)
    if not os.path.lexists(folder) and _ours(old) and is_run_folder(old):
        old.rename(folder)
        return f"put back {folder} from {old.name}, which an interrupted save left"
    return ""


def _carry(old, new):
    """Files of the user's in an earlier save (notes, a data file) go on into the
    new one: hard links where the filesystem allows, else copies, so that the
    old folder keeps them until the new one is in place."""
    for path in old.iterdir():
        if path.name in RUN_FILES + ("history.csv", MARK) or os.path.lexists(new / path.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.copytree(path, new / path.name, symlinks=True,
                            copy_function=_link_or_copy)
        else:
            _link_or_copy(path, new / path.name)


def _link_or_copy(source, target):
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _fsync_tree(folder):
    for path in folder.iterdir():
        if path.is_symlink() or not path.is_file():
            continue
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(run, folder, history_csv=True, fresh=False):
    """Write the run folder; a save never destroys anything.

    It goes only to a new path or over an earlier save (check_target).  It
    writes a sibling temporary folder, flushes it to disk, then swaps it in: a
    crash at any moment leaves either the old save, or the new one, or the old
    one as `.NAME.tuinn-old`, which the next load or save puts back (recover).

    state.npz holds everything a resume needs, the loss history included
    (binary: exact, and written in milliseconds).  history.csv is the same
    history for people and other tools; `history_csv=False` leaves it out,
    for a save that must be quick (a hang-up), and the next save writes it.

    Saves to one name from several processes take turns (`locked`); `fresh`
    refuses a name that is taken (FileExistsError) rather than replace it."""
    folder = real_path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        _check_target(folder, folder, fresh)
        return _save(run, folder, history_csv)


def save_new(run, folder):
    """Save to `folder`, or when that name is taken to `folder-2`, `folder-3`, …:
    a rescue never replaces another rescue."""
    folder = real_path(folder)
    for count in range(1, 10_000):
        try:
            return save(run, folder if count == 1 else
                        folder.with_name(f"{folder.name}-{count}"), fresh=True)
        except FileExistsError:
            continue
    raise ConfigError(f"{folder}: ten thousand runs of that name exist; clear some away")


def _save(run, folder, history_csv):
    old = _old(folder)
    if os.path.lexists(old) and not _ours(old):
        raise ConfigError(f"{old} is in the way of the save and is not tuinn's; move it "
                          "(nothing was written)")
    # The pid in the name: only the process that made it may remove it (recover).
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{folder.name}.tuinn-tmp-{os.getpid()}-",
                                        dir=folder.parent))
    # The run folder a plain mkdir would make, not mkdtemp's private one.
    tmp.chmod(0o777 & ~umask())
    try:
        (tmp / MARK).write_text("a folder of a tuinn save in progress\n")
        run.spec.write(tmp / "run.toml")
        snap = run.trainer.snapshot()
        np.savez(tmp / "state.npz", theta=run.net.theta, status=np.array(run.status),
                 model=np.array(run.net.describe()), data=np.array(fingerprint(run.dataset)),
                 **snap)
        if history_csv:
            write_history(tmp / "history.csv", snap["loss"], snap["test_loss"])
        if os.path.lexists(folder):
            _carry(folder, tmp)
        _fsync_tree(tmp)
        if os.path.lexists(folder):
            shutil.rmtree(old, ignore_errors=True)
            (folder / MARK).write_text("a tuinn save being replaced\n")
            folder.rename(old)
        tmp.rename(folder)
        (folder / MARK).unlink()
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def fingerprint(dataset):
    """A digest of a run's data as it trains on it (inputs, targets, test set):
    a saved run refuses to go on, or predict, on data that changed under it."""
    digest = hashlib.sha256()
    for arr in (dataset.X, dataset.Y, dataset.X_test, dataset.Y_test):
        if arr is not None:
            digest.update(repr(arr.shape).encode())
            digest.update(np.ascontiguousarray(arr, dtype=np.float64).data)
    return digest.hexdigest()


def load(run_class, folder):
    """The run saved in `folder` (a `run_class` built from its run.toml, then
    given the saved weights and trainer state)."""
    given = folder
    folder = real_path(folder)
    with locked(folder):
        _recover(folder)
        if not (folder / "run.toml").is_file():
            raise ConfigError(f"{given} is not a saved run (no run.toml in it)")
        run = run_class(RunSpec.read(folder / "run.toml"))
        state_path = folder / "state.npz"
        regular_file(state_path, "saved state", MAX_STATE_BYTES)
        state = read_state(state_path, run.net.theta.size, run.trainer.STATE_FIELDS)
    theta = state.pop("theta", None)
    try:
        status = Status.parse(state.pop("status", "done"))
    except ValueError:
        raise DataError(f"{state_path}: its status is none of new, done or diverged at epoch "
                        "N; this save is damaged, start the run again") from None
    # Saves before these were kept have neither: they load as before.
    model, data = str(state.pop("model", run.net.describe())), state.pop("data", None)
    if model != run.net.describe():
        raise ConfigError(f"{given}: run.toml describes a {run.net.describe()} net, but its "
                          f"weights were trained as {model}; put run.toml's model back, or "
                          "start a new run with the new settings")
    if data is not None and str(data) != fingerprint(run.dataset):
        raise DataError(f"{given}: the data of run.toml ({run.dataset.name}) is not what the "
                        "run was trained on: its file changed since the save; put the "
                        "training file back, or train a new run on the new one")
    if theta is None or theta.shape != run.net.theta.shape or theta.dtype.kind != "f":
        raise DataError(f"{state_path}: weights do not fit the net of run.toml "
                        f"({run.net.describe()})")
    if not np.isfinite(theta).all():
        raise DataError(f"{state_path}: the weights hold NaN or Inf; this save is damaged, "
                        "start the run again")
    if "loss" not in state:         # saved before state.npz held the history
        state["loss"], state["test_loss"] = read_history(folder / "history.csv")
    run.net.theta[:] = theta
    try:
        run.trainer.restore(state)
    except DataError as exc:
        raise DataError(f"{state_path}: {exc}") from None
    run.trainer.status = status
    return run


def _expected(name, params, scalars):
    """(dtype kinds, shape) a member of state.npz must have; shape None: any 1-D
    length up to the epoch limit (a loss history)."""
    if name in ("theta", "best_theta"):
        return "f", (params,)
    if name == "opt_state":
        return "f", (2 * params,)
    if name in ("loss", "test_loss"):
        return "f", None
    if name in ("status", "model", "data"):
        return "U", ()
    if name in scalars:
        return "fiu", ()
    return None


def read_state(path, params, scalars):
    """The members of a state.npz, each checked before it is read: a known name,
    the dtype and shape this run needs, and never a pickle (read_npz)."""
    from tuinn.engine import MAX_EPOCHS

    def check(name, shape, dtype):
        want = _expected(name, params, scalars)
        if want is None:
            raise DataError(f"{path} holds {name!r}, which no tuinn save has: it is not a "
                            "tuinn state file")
        kinds, wanted = want
        fits = shape == wanted if wanted is not None else (
            len(shape) == 1 and shape[0] <= MAX_EPOCHS + 1)
        if dtype.kind not in kinds or not fits or dtype.itemsize > 1024:
            raise DataError(f"{path}: {name} is {dtype} of shape {shape}, but this run needs "
                            f"{'numbers' if kinds != 'U' else 'text'} of shape "
                            f"{wanted if wanted is not None else '(epochs + 1,)'}; the save "
                            "does not belong to its run.toml")

    try:
        return read_npz(path, check, "a tuinn state file")
    except DataError as exc:
        raise DataError(f"{exc}; start the run again or save it anew") from None


def write_history(path, loss, test_loss):
    """A loss history as CSV: epoch, loss, test_loss (empty without a test set).
    Each loss is Python's repr, the shortest text that reads back as the same
    double; a million epochs take about a second."""
    loss = np.asarray(loss, dtype=np.float64).tolist()
    if len(test_loss):
        rows = map("{},{!r},{!r}\n".format, range(len(loss)), loss,
                   np.asarray(test_loss, dtype=np.float64).tolist())
    else:
        rows = map("{},{!r},\n".format, range(len(loss)), loss)
    # Whole or not at all: a full disk never leaves half a history.
    atomic_write(pathlib.Path(path), HISTORY_HEADER + "\n" + "".join(rows))


def read_history(path):
    """The history of history.csv: only runs saved before state.npz held it."""
    try:
        rows = path.read_text().splitlines()[1:]
        cells = [row.split(",") for row in rows]
        loss = np.array([float(c[1]) for c in cells])
        test = np.array([float(c[2]) for c in cells if c[2]]) if cells and cells[0][2] else []
    except (OSError, ValueError, IndexError) as exc:
        raise DataError(f"cannot read history {path}: {exc}") from None
    return loss, np.asarray(test, dtype=np.float64)
