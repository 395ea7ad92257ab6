"""Hostile input, as a user's files would bring it: CSV bytes, run files and
saved states drawn by Hypothesis and fed to `tuinn train`, `tuinn predict`
and `tuinn train --resume` as subprocesses.  Each must exit 0, 2 or 3, print
no traceback, say what is wrong in a line, and finish in bounded time and
memory."""

import io
import math
import resource
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ELSEWHERE

MEMORY = 4 * 2**30
FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def tuinn(*args, cwd=ELSEWHERE):
    done = subprocess.run([sys.executable, "-m", "tuinn", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, preexec_fn=_limits,
                          errors="replace")
    assert done.returncode in (0, 2, 3), (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if done.returncode == 2:
        said = [line for line in done.stderr.splitlines() if line.strip()]
        assert said and said[-1].startswith("tuinn"), done.stderr
        assert len(said[-1]) < 600, said[-1]
    return done


CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-10**30, 10**30).map(str),
                  st.sampled_from(["", " ", "nan", "inf", "-", "abc", '"1"', '"a,b"', "1,5",
                                   "1e400", "0x10", "٣", "\x00", "é", "TRUE"]))
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=0, max_size=8)
DELIMITERS = st.sampled_from([",", ";", "\t", " ", "|"])


@st.composite
def csv_bytes(draw):
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    delimiter = draw(DELIMITERS)
    header = draw(st.sampled_from(["", "x,y\n", "a;b;y\n", "x\ty\n", "\ufeffx,y\n"]))
    rows = draw(ROWS)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = header + newline.join(delimiter.join(row) for row in rows)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), "replace")


@FUZZ
@given(data=csv_bytes(), target=st.sampled_from(["y", "0", "-1", "x", "nope"]))
def test_train_on_hostile_csv_bytes(tmp_path_factory, data, target):
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_bytes(data)
    tuinn("train", "--data", path, "--target", target, "--epochs", "3")


KEYS = ["data.csv", "data.generator", "data.params", "data.seed", "data.test_ratio",
        "data.standardize_inputs", "model.hidden_units", "model.activation", "model.output",
        "model.loss", "init.scheme", "init.seed", "init.scale", "init.weights", "train.lr",
        "train.epochs", "train.batch_size", "train.optimizer", "train.momentum",
        "train.shuffle", "preset", "sweep.grid", "data.nonsense"]
VALUES = st.one_of(st.integers(-10**20, 10**20).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(
                       lambda v: {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(v),
                                                                               repr(v))),
                   st.sampled_from(['"exp"', '"circle"', '"f2"', '"relu"', '"softmax"',
                                    '"cross_entropy"', '"manual"', "true", "false", "[]",
                                    "[1, 2]", '{ n = 5 }', "{ n = 1000000000000 }",
                                    '"/dev/zero"', '"missing.csv"', "[[1.0], [2.0]]",
                                    '"' + "x" * 5000 + '"', "{}", '""']))


@st.composite
def toml_text(draw):
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=200))
    preset = draw(st.sampled_from(['"exp"', '"spiral"', '"and-delta"', "3"]))
    lines = [f"preset = {preset}"]
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=6, unique=True)):
        section, _, name = key.partition(".")
        value = draw(VALUES)
        lines.append(f"{key} = {value}" if name else f"{section} = {value}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=toml_text())
def test_train_on_hostile_run_files(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("toml")
    (folder / "run.toml").write_text(text, errors="replace")
    tuinn("train", "--config", folder / "run.toml", "--epochs", "2", cwd=folder)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved") / "run"
    done = tuinn("train", "--preset", "exp", "--epochs", "5", "--save", folder)
    assert done.returncode == 0
    return folder


@st.composite
def member_arrays(draw):
    if draw(st.booleans()):         # a scalar field far out of its range
        return np.array(draw(st.sampled_from([-5, 2.0 ** 70, 1e300, np.nan, -1.0, 10 ** 12,
                                              True, "x", 0])))
    kind = draw(st.sampled_from(["f8", "f4", "i8", "u1", "U3", "c16", "?"]))
    shape = tuple(draw(st.lists(st.integers(0, 9), max_size=2)))
    values = np.random.default_rng(draw(st.integers(0, 9))).normal(size=shape)
    if draw(st.booleans()):
        values[...] = draw(st.sampled_from([np.nan, np.inf, -1.0, 1e308, 0.0]))
    with np.errstate(invalid="ignore"):     # NaN into an int is what this draw wants
        return values.astype(kind)


@FUZZ
@given(member=st.sampled_from(["theta", "best_theta", "opt_state", "loss", "test_loss",
                               "epoch", "step", "rng", "status", "misses", "extra"]),
       array=member_arrays(), how=st.sampled_from(["replace", "drop", "cut", "flip"]),
       where=st.floats(0, 1))
def test_resume_from_a_hostile_state_file(saved, tmp_path_factory, member, array, how, where):
    folder = tmp_path_factory.mktemp("state") / "run"
    shutil.copytree(saved, folder)
    state = folder / "state.npz"
    if how in ("replace", "drop"):
        with np.load(state, allow_pickle=False) as npz:
            members = {name: npz[name] for name in npz.files}
        members.pop(member, None)
        if how == "replace":
            members[member] = array
        buffer = io.BytesIO()
        np.savez(buffer, **members)
        state.write_bytes(buffer.getvalue())
    else:
        data = bytearray(state.read_bytes())
        at = int(where * (len(data) - 1))
        if how == "cut":
            del data[at:]
        else:
            data[at] ^= 0xFF
        state.write_bytes(bytes(data))
    tuinn("train", "--resume", folder, "--epochs", "2")
    assert zipfile.is_zipfile(saved / "state.npz"), "the original is untouched"


@FUZZ
@given(data=csv_bytes())
def test_predict_on_hostile_csv_bytes(saved, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("predict") / "new.csv"
    path.write_bytes(data)
    tuinn("predict", saved, "--data", path)


# ---------------------------------------------------------------- in process
# Fast enough for many examples, and run again under the sanitizer build in
# .ci/run: anything that crosses into C with a wrong size, stride or offset is
# an AddressSanitizer error there, not a quiet wrong answer.

IN_PROCESS = settings(max_examples=150, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow,
                                             HealthCheck.function_scoped_fixture])
NUMBERS = ["f8", "f4", "i8", "u1", "?", ">f8"]
DTYPES = NUMBERS + ["c16", "U3", "O"]


@st.composite
def hostile_arrays(draw, cols, rows):
    """An array of a random dtype, shape, order, stride and offset into a
    larger buffer, around what a call with `cols` columns of `rows` rows
    expects: half of them of the right shape and a number dtype, so that the
    accepted calls are checked too."""
    right = draw(st.booleans())
    shape = (rows, cols) if right else draw(st.sampled_from(
        [(rows, cols + 1), (rows,), (rows, cols, 1), (), (cols, rows), (0, cols)]))
    dtype = draw(st.sampled_from(NUMBERS if right else DTYPES))
    base = np.random.default_rng(draw(st.integers(0, 99))).normal(
        size=(2 * max(1, math.prod(shape)) + 5,))
    if draw(st.booleans()):
        base[draw(st.integers(0, len(base) - 1))] = draw(st.sampled_from([np.nan, np.inf, 1e308]))
    step, offset = draw(st.integers(1, 2)), draw(st.integers(0, 3))
    flat = base[offset::step][:math.prod(shape)]
    arr = flat.reshape(shape) if flat.size == math.prod(shape) else flat
    if draw(st.booleans()) and arr.ndim == 2:
        arr = np.asfortranarray(arr)
    if dtype == "O":
        return arr.astype(object)
    with np.errstate(invalid="ignore", over="ignore"):
        return arr.astype(dtype)


@IN_PROCESS
@given(data=st.data(), call=st.sampled_from(["predict", "hidden", "objective", "gradients",
                                             "unit_stats", "train", "test_set"]),
       h=st.integers(0, 4), threads=st.integers(1, 5))
def test_in_process_api_calls_with_hostile_arrays_are_right_or_refused(data, call, h, threads):
    import tuinn
    from tuinn.errors import TuinnError

    net = tuinn.Net(3, h, 2, hidden="tanh", threads=threads)
    net.init(seed=1)
    rows = data.draw(st.integers(1, 7))
    X, Y = data.draw(hostile_arrays(3, rows)), data.draw(hostile_arrays(2, rows))
    before = net.theta.copy()
    try:
        if call == "predict":
            out = net.predict(X)
        elif call == "hidden":
            out = net.predict(X, hidden=True)[1]
        elif call == "objective":
            out = np.array(net.objective(X, Y))
        elif call == "gradients":
            out = np.concatenate([g.ravel() for g in net.gradients(X, Y).values()])
        elif call == "unit_stats":
            out = np.concatenate([v.ravel() for v in net.unit_stats(X).values()])
        elif call == "train":
            tuinn.Trainer(net).train(X, Y, epochs=3)
            out = net.theta
        else:
            tuinn.Trainer(net).train(np.ones((4, 3)), np.ones((4, 2)), epochs=2, X_test=X,
                                     Y_test=Y)
            out = net.theta
    except TuinnError as exc:
        assert "\n" not in str(exc)
        if call not in ("train", "test_set"):
            assert np.array_equal(net.theta, before), "a refused call changed nothing"
        return
    # Accepted: then it is the same answer as on a clean float64 copy.
    # Any thread count gives the same bits, so the copy runs on one.
    X64, Y64 = (np.ascontiguousarray(a, dtype=np.float64) for a in (X, Y))
    clean = tuinn.Net(3, h, 2, hidden="tanh", threads=1)
    clean.init(seed=1)
    if call == "predict":
        want = clean.predict(X64)
    elif call == "hidden":
        want = clean.predict(X64, hidden=True)[1]
    elif call == "objective":
        want = np.array(clean.objective(X64, Y64))
    elif call == "gradients":
        want = np.concatenate([g.ravel() for g in clean.gradients(X64, Y64).values()])
    elif call == "unit_stats":
        want = np.concatenate([v.ravel() for v in clean.unit_stats(X64).values()])
    elif call == "train":
        tuinn.Trainer(clean).train(X64, Y64, epochs=3)
        want = clean.theta
    else:
        tuinn.Trainer(clean).train(np.ones((4, 3)), np.ones((4, 2)), epochs=2, X_test=X64,
                                   Y_test=Y64)
        want = clean.theta
    assert np.array_equal(out, want, equal_nan=True)


@IN_PROCESS
@given(rows=st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64),
                              min_size=2, max_size=2), min_size=1, max_size=12),
       ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=12, max_size=12),
       blanks=st.lists(st.booleans(), min_size=12, max_size=12),
       header=st.sampled_from(["", "a,b"]), bom=st.booleans())
def test_in_process_every_line_ending_reads_every_value_exactly(tmp_path_factory, rows, ends,
                                                                  blanks, header, bom):
    from tuinn.data.csv import load_csv

    lines = ([header] if header else []) + [",".join(map(repr, row)) for row in rows]
    text = ""
    for i, line in enumerate(lines):
        text += line + ends[i % 12] + (ends[(i + 1) % 12] if blanks[i % 12] else "")
    path = tmp_path_factory.mktemp("ends") / "d.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    ds = load_csv(path, header=bool(header))
    assert np.column_stack([ds.X, ds.Y]).tolist() == rows


@IN_PROCESS
@given(text=st.binary(max_size=300), n_cols=st.integers(-2, 6), start=st.integers(-5, 320),
       delimiter=st.sampled_from([",", ";", "\t", " ", "\n", "ab", ""]),
       kind=st.sampled_from(["bytes", "bytearray", "memoryview", "uint8", "slice"]))
def test_in_process_parse_numbers_on_any_buffer_and_offset(text, n_cols, start, delimiter,
                                                            kind):
    from tuinn.data.csv import parse_numbers
    from tuinn.errors import ConfigError

    buffer = {"bytes": text, "bytearray": bytearray(text), "memoryview": memoryview(text),
              "uint8": np.frombuffer(text, np.uint8), "slice": memoryview(b"#" + text)[1:]}[kind]
    try:
        out = parse_numbers(buffer, delimiter, n_cols, start)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        assert not (0 <= start <= len(text) and n_cols >= 1 and len(delimiter) == 1
                    and delimiter != "\n")
        return
    assert out is None or (out.shape[1] == n_cols and np.isfinite(out).all())


@IN_PROCESS
@given(depth=st.integers(1, 5000), digits=st.integers(1, 6000), base=st.sampled_from(["", "0x"]),
       where=st.sampled_from(["init.seed", "train.epochs", "data.params.n", "init.weights.W1"]))
def test_in_process_run_files_with_deep_nesting_and_long_integers(depth, digits, base, where):
    from tuinn.errors import ConfigError
    from tuinn.runs import RunSpec

    number = base + ("f" if base else "9") * digits
    value = "[" * depth + number + "]" * depth if depth > 1 else number
    key, _, name = where.rpartition(".")
    text = f'preset = "exp"\n[{key}]\n{name} = {value}\n'
    try:
        RunSpec.from_toml(text)
    except ConfigError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 600
