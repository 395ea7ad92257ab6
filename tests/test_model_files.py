"""Hostile model files (tuinn.model_files): every one is a single line naming
the problem, never a traceback, never memory the file could not hold, and a
good file reads the same weights in every format."""

import io
import json
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tuinn import model_files
from tuinn.errors import TuinnError

W = {"W1": np.arange(6.0).reshape(2, 3) / 10, "b1": np.array([0.1, -0.2, 0.3]),
     "W2": np.array([[1.0], [-1.0], [0.5]]), "b2": np.array([0.25])}


def one_line(path, **choices):
    with pytest.raises(TuinnError) as info:
        model_files.read(path, **choices)
    message = str(info.value)
    assert "\n" not in message and message
    return message


def safetensors_bytes(tensors, header=None):
    """A safetensors file as the format says (8-byte length, JSON, data)."""
    table, data = {}, b""
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, "<f8").tobytes()
        table[name] = {"dtype": "F64", "shape": list(arr.shape),
                       "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(table if header is None else header).encode()
    return struct.pack("<Q", len(text)) + text + data


def torch_state(W, first="0", second="2"):
    return {f"{first}.weight": W["W1"].T, f"{first}.bias": W["b1"],
            f"{second}.weight": W["W2"].T, f"{second}.bias": W["b2"]}


def test_safetensors_are_read_without_the_package(tmp_path):
    path = tmp_path / "m.safetensors"
    for first, second in (("0", "2"), ("2", "10"), ("x", "10")):
        path.write_bytes(safetensors_bytes(torch_state(W, first, second)))
        net = model_files.read(path, hidden="tanh")
        assert np.array_equal(net.W1, W["W1"]) and np.array_equal(net.b2, W["b2"])


@pytest.mark.parametrize("content, words", [
    (struct.pack("<Q", 10**12) + b"{}", "header claims 1,000,000,000,000 bytes"),
    (struct.pack("<Q", 2**64 - 1) + b"{}", "header claims"),
    (struct.pack("<Q", 5) + b"{}", "header claims 5 bytes"),
    (b"\x01\x02\x03\x04\x05", "less than its 8-byte header length"),
    (safetensors_bytes({}, header=[1, 2]), "not a table of tensors"),
    (safetensors_bytes({}, header={"a": {"dtype": "F64", "shape": [2],
                                         "data_offsets": [0, 99]}}), "do not fit"),
    (safetensors_bytes({}, header={"a": {"dtype": "F64", "shape": [-2],
                                         "data_offsets": [0, 0]}}), "lacks a dtype"),
    (safetensors_bytes({}, header={"a": {"dtype": "F64", "shape": [10**6, 10**6],
                                         "data_offsets": [0, 8]}}), "more weights than"),
    (safetensors_bytes({}, header={"a": {"dtype": "C64", "shape": [1],
                                         "data_offsets": [0, 8]}}), "tuinn reads F64"),
    (safetensors_bytes({"0.weight": np.ones((3, 2))}), "nn.Sequential(Linear, act, Linear)"),
    (struct.pack("<Q", 3) + b"[[[" + b"x", "not valid JSON"),
])
def test_hostile_safetensors_are_one_line(tmp_path, content, words):
    path = tmp_path / "m.safetensors"
    path.write_bytes(content)
    assert words in one_line(path, hidden="relu")


def test_a_safetensors_header_nested_deep_is_one_line(tmp_path):
    path = tmp_path / "m.safetensors"
    text = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(struct.pack("<Q", len(text)) + text)
    assert "nested too deeply" in one_line(path, hidden="relu")


@pytest.mark.parametrize("arrays, words", [
    ({**W, "W1": np.array("1.0"), "hidden": "relu"}, "must hold real numbers"),
    ({**W, "W1": W["W1"] * 1j, "hidden": "relu"}, "must hold real numbers"),
    ({**W, "hidden": np.array([1, 2])}, "must be a single string"),
    ({**W, "hidden": "relu", "extra": np.ones(1)}, "holds 'extra'"),
    (W, "does not name the hidden activation"),
])
def test_hostile_npz_files_are_one_line(tmp_path, arrays, words):
    path = tmp_path / "m.npz"
    np.savez(path, **arrays)
    assert words in one_line(path)


@pytest.mark.parametrize("shape, words", [(b"(100000, 100000)", "more weights than tuinn"),
                                          (b"(5000, 5000)", "more than the file holds")])
def test_an_npz_declaring_a_huge_array_is_refused_before_any_allocation(tmp_path, shape, words):
    """A 1 KB file that declares a (10^5, 10^5) W1 asked for 74.5 GiB."""
    path = tmp_path / "m.npz"
    np.savez(path, **W, hidden="relu")
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(buf, "w") as out:
        for info in z.infolist():
            out.writestr(info.filename, z.read(info).replace(b"(2, 3), }", shape + b", }"))
    path.write_bytes(buf.getvalue())
    assert words in one_line(path)


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"W1": [[' + "9" * 5000 + "]]}", "is not valid JSON"),
    (json.dumps({**{k: v.tolist() for k, v in W.items()}, "hidden": "relu",
                 "W1": [[1.0, [2.0]]]}), "not a rectangular array"),
    (json.dumps({**{k: v.tolist() for k, v in W.items()}, "hidden": "relu",
                 "W1": [[10**400]]}), "an integer of 1,329 bits"),
    (json.dumps({**{k: v.tolist() for k, v in W.items()}, "hidden": 3}), "must be a string"),
    (json.dumps([1, 2]), "expected an object"),
])
def test_hostile_json_files_are_one_line(tmp_path, text, words):
    path = tmp_path / "m.json"
    path.write_text(text)
    assert words in one_line(path)


def _keras(path, config, weights=None):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", config if isinstance(config, str) else json.dumps(config))
        z.writestr("model.weights.h5", weights if weights is not None else b"not hdf5")


def _dense(name, activation="relu"):
    return {"class_name": "Dense", "config": {"name": name, "activation": activation}}


@pytest.mark.parametrize("config, words", [
    ([1, 2], "no list of layers"),
    ({"config": {"layers": [{"class_name": "Dense", "config": {}}, _dense("b")]}}, "has no name"),
    ({"config": {"layers": [_dense("a"), _dense("b")]}}, "not a readable HDF5 file"),
    ({"config": {"layers": [_dense("a"), _dense("b"), _dense("c")]}}, "3 Dense layers"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_hostile_keras_files_are_one_line(tmp_path, config, words):
    pytest.importorskip("h5py")
    path = tmp_path / "m.keras"
    _keras(path, config)
    assert words in one_line(path)


def _h5(build):
    h5py = pytest.importorskip("h5py")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h5:
        build(h5)
    return buf.getvalue()


def _layers(h5, names=("kernel", "bias"), strings=False):
    for layer, (K, b) in (("dense", (W["W1"], W["b1"])), ("dense_1", (W["W2"], W["b2"]))):
        for name, arr in zip(names, (K, b)):
            h5[f"layers/{layer}/vars/{name}"] = (arr.astype(str).astype("S") if strings
                                                 else arr)


def test_weights_h5_with_named_variables_read(tmp_path):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(_h5(_layers))
    net = model_files.read(path, hidden="relu")
    assert np.array_equal(net.W1, W["W1"]) and np.array_equal(net.W2, W["W2"])


@pytest.mark.parametrize("build, words", [
    (lambda h5: _layers(h5, strings=True), "is not an array of numbers"),
    (lambda h5: h5.create_dataset("layers", data=np.ones(3)), "no group of layers"),
    (lambda h5: h5.create_group("other"), "no group of layers"),
])
def test_hostile_weights_h5_files_are_one_line(tmp_path, build, words):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(_h5(build))
    assert words in one_line(path, hidden="relu")


def test_a_keras_zip_reads_its_weights_in_place(tmp_path):
    path = tmp_path / "m.keras"
    _keras(path, {"config": {"layers": [_dense("dense", "tanh"), _dense("dense_1", "linear")]}},
           _h5(_layers))
    net = model_files.read(path)
    assert net.hidden == "tanh" and np.array_equal(net.W1, W["W1"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".npz", ".json", ".safetensors", ".keras", ".weights.h5"]),
       cut=st.integers(0, 2000), flips=st.lists(st.tuples(st.integers(0, 4000),
                                                          st.integers(1, 255)), max_size=4))
# A .keras whose weights member ends early: zipfile's EOFError, from inside h5py.
@example(suffix=".keras", cut=0, flips=[(250, 1)])
def test_damaged_model_files_are_one_line_or_read(tmp_path, suffix, cut, flips):
    """A good file of each format, cut short and with bytes flipped."""
    path = tmp_path / f"m{suffix}"
    if suffix == ".npz":
        np.savez(path, **W, hidden="relu")
    elif suffix == ".json":
        path.write_text(json.dumps({**{k: v.tolist() for k, v in W.items()}, "hidden": "relu"}))
    elif suffix == ".safetensors":
        path.write_bytes(safetensors_bytes(torch_state(W)))
    elif suffix == ".keras":
        pytest.importorskip("h5py")
        _keras(path, {"config": {"layers": [_dense("dense"), _dense("dense_1", "linear")]}},
               _h5(_layers))
    else:
        path.write_bytes(_h5(_layers))
    data = bytearray(path.read_bytes())
    for at, mask in flips:
        if at < len(data):
            data[at] ^= mask
    path.write_bytes(bytes(data[:len(data) - cut]) if cut < len(data) else b"")
    try:
        net = model_files.read(path, hidden="relu")
    except TuinnError as exc:
        assert "\n" not in str(exc)
    else:
        assert np.isfinite(net.theta).all()
