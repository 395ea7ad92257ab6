"""A one-hidden-layer model saved by another tool, read as a tuinn Net (for
`tuinn diagnose --weights`).  The formats and their names are in
docs/model-files.md:

- `.npz`: arrays W1 (inputs x units), b1, W2 (units x outputs), b2, and
  optionally the strings hidden, output, loss;
- `.json`: the same keys, arrays as nested lists;
- `.keras` (Keras 3's zip: its config names the activations) and
  `.weights.h5` (weights only), when h5py is installed;
- `.safetensors` of a PyTorch nn.Sequential(Linear, act, Linear) state_dict
  (keys 0.weight, 0.bias, 2.weight, 2.bias), read here without the package.

Every reader checks what a file declares (sizes against the file, nesting,
dtypes, shapes and names) before it reads the data, so a small or hostile
file is one line, never a traceback or gigabytes of memory.

Never pickle (.pkl, .pt, .pth, .joblib): loading one runs whatever code it
holds.  The message says how to export instead.
"""

import importlib
import json
import math
import struct
import zipfile
import zlib

import numpy as np

from tuinn import convert
from tuinn.engine import MAX_PARAMS, Net
from tuinn.errors import ConfigError, DataError, TuinnError
from tuinn.inputs import parse_tree, read_npz, read_text_tree, real_array, regular_file
from tuinn.settings import ACTIVATIONS

PICKLES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt")
MAX_BYTES = 2**30
MAX_HEADER_BYTES = 2**24        # a safetensors header or a Keras config.json
WEIGHTS = ("W1", "b1", "W2", "b2")
CHOICES = ("hidden", "output", "loss")


def read(path, hidden=None, output=None, loss=None):
    """The Net saved in `path`.  hidden / output / loss name what the file does
    not say (a state_dict has no activations) or override what it says."""
    name = str(path).lower()
    if name.endswith(PICKLES):
        raise ConfigError(f"{path}: tuinn does not read pickles, since loading one runs any "
                          "code it holds; save the weights as .npz instead (numpy.savez(path, "
                          "W1=..., b1=..., W2=..., b2=...)), or a PyTorch state_dict with "
                          "safetensors.torch.save_file")
    regular_file(path, "model file", MAX_BYTES)
    if name.endswith(".npz"):
        return _with(_npz(path), hidden, output, loss)
    if name.endswith(".json"):
        return _with(_json(path), hidden, output, loss)
    if name.endswith(".safetensors"):
        return _with(_safetensors(path), hidden, output, loss)
    if name.endswith(".keras"):
        return _with(_keras_zip(path), hidden, output, loss)
    if name.endswith(".h5"):
        return _with(_keras_h5(path), hidden, output, loss)
    raise ConfigError(f"{path}: unknown model file; tuinn reads .npz, .json, .keras, "
                      ".weights.h5 and .safetensors")


def _with(d, hidden, output, loss, need="--activation"):
    for key, value in (("hidden", hidden), ("output", output), ("loss", loss)):
        if value is not None:
            d[key] = value
    if "hidden" not in d:
        raise ConfigError(f"the file holds weights but does not name the hidden activation: "
                          f"give {need} ({', '.join(ACTIVATIONS)})")
    for name in WEIGHTS:
        if name in d:
            d[name] = real_array(name, d[name], "save the weights as arrays of numbers")
    return Net.from_dict(d)


def _check_size(path, name, shape):
    if math.prod(shape) > MAX_PARAMS:
        raise DataError(f"{path}: {name} has shape {tuple(shape)}, more weights than tuinn "
                        f"holds ({MAX_PARAMS:,})")


def _npz(path):
    def check(name, shape, dtype):
        if name in CHOICES:
            if dtype.kind not in "US" or shape != ():
                raise DataError(f"{path}: {name} must be a single string, like "
                                f"{name}='relu'; it is {dtype} of shape {shape}")
        elif name not in WEIGHTS:
            raise DataError(f"{path} holds {name!r}; a model file holds only "
                            f"{', '.join(WEIGHTS + CHOICES)}")
        elif dtype.kind not in "biuf":
            raise DataError(f"{path}: {name} must hold real numbers, but it is {dtype}; save "
                            "float arrays")
        _check_size(path, name, shape)

    arrays = read_npz(path, check, "a readable .npz file of plain arrays (save one with "
                                   "numpy.savez(path, W1=..., b1=..., W2=..., b2=...))")
    return {k: (str(v) if k in CHOICES else v) for k, v in arrays.items()}


def _json(path):
    d = read_text_tree(path, "model file", json.loads, MAX_BYTES)
    if not isinstance(d, dict):
        raise DataError(f"{path}: expected an object with W1, b1, W2, b2")
    unknown = sorted(set(d) - set(WEIGHTS + CHOICES))
    if unknown:
        raise DataError(f"{path} holds {unknown[0]!r}; a model file holds only "
                        f"{', '.join(WEIGHTS + CHOICES)}")
    for name in CHOICES:
        if name in d and not isinstance(d[name], str):
            raise DataError(f"{path}: {name} must be a string, like \"{name}\": \"relu\"")
    return d


def _need(module, extra):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"reading this file needs {extra}: pip install {extra}") from None


# safetensors (https://github.com/huggingface/safetensors): 8 bytes of header
# length, a JSON header naming each tensor's dtype, shape and byte range, then
# the bytes.  Read here, checked against the file's size before any is read.
_SAFETENSOR_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "bf16"}


def _safetensors(path):
    def bad(why):
        return DataError(f"{path} is not a safetensors file tuinn can read: {why}")

    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(0)
        if size < 8:
            raise bad(f"{size} bytes, less than its 8-byte header length")
        (length,) = struct.unpack("<Q", f.read(8))
        if length > min(size - 8, MAX_HEADER_BYTES):
            raise bad(f"its header claims {length:,} bytes, but the file has {size - 8:,} after "
                      "the length")
        header = parse_tree(f.read(length), f"{path}: its header", "safetensors header",
                            json.loads)
        if not isinstance(header, dict):
            raise bad("its header is not a table of tensors")
        header.pop("__metadata__", None)
        data_size = size - 8 - length
        tensors = {}
        for name, entry in header.items():
            if not (isinstance(entry, dict) and isinstance(entry.get("shape"), list)
                    and all(type(n) is int and n >= 0 for n in entry["shape"])
                    and isinstance(entry.get("data_offsets"), list)
                    and len(entry["data_offsets"]) == 2
                    and all(type(n) is int for n in entry["data_offsets"])):
                raise bad(f"tensor {name!r} lacks a dtype, a shape or its data_offsets")
            dtype = _SAFETENSOR_DTYPES.get(entry.get("dtype"))
            if dtype is None:
                raise bad(f"tensor {name!r} is {entry.get('dtype')!r}; tuinn reads F64, F32, "
                          "F16 and BF16 weights")
            _check_size(path, name, entry["shape"])
            begin, end = entry["data_offsets"]
            itemsize = 2 if dtype == "bf16" else np.dtype(dtype).itemsize
            if not 0 <= begin <= end <= data_size or \
                    end - begin != math.prod(entry["shape"]) * itemsize:
                raise bad(f"tensor {name!r} has data_offsets {begin}..{end}, which do not fit "
                          f"its shape {entry['shape']} or the file")
            tensors[name] = (dtype, entry["shape"], 8 + length + begin, end - begin)
        linear = _state_dict_layers(path, tensors)
        out = {}
        for key, tensor in zip(WEIGHTS, (f"{linear[0]}.weight", f"{linear[0]}.bias",
                                         f"{linear[1]}.weight", f"{linear[1]}.bias")):
            dtype, shape, offset, count = tensors[tensor]
            f.seek(offset)
            raw = f.read(count)
            if dtype == "bf16":     # the upper half of a float32
                values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                values = np.frombuffer(raw, dtype)
            values = values.astype(np.float64).reshape(shape)
            out[key] = values.T if key.startswith("W") and values.ndim == 2 else values
    if not _chain(out["W1"], out["W2"]) and _chain(out["W2"], out["W1"]):
        out = {"W1": out["W2"], "b1": out["b2"], "W2": out["W1"], "b2": out["b1"]}
    return out


def _chain(W1, W2):
    """Whether a layer of weights W1 feeds one of W2 (its outputs are W2's inputs)."""
    return W1.ndim == 2 and W2.ndim == 2 and W1.shape[1] == W2.shape[0]


def _state_dict_layers(path, tensors):
    """The two Linear layers' prefixes of a state_dict, in the module's order
    (numbered parts by number, 2 before 10; the caller swaps layers that do
    not chain in that order)."""
    linear = {k.rsplit(".", 1)[0] for k in tensors if k.endswith(".weight")}
    if len(linear) != 2 or any(f"{p}.bias" not in tensors for p in linear):
        raise ConfigError(f"{path}: tuinn reads the state_dict of nn.Sequential(Linear, act, "
                          f"Linear); this one has {', '.join(sorted(tensors)) or 'no tensors'}")
    return sorted(linear, key=lambda p: [(0, int(t), "") if t.isdigit() else (1, 0, t)
                                         for t in p.split(".")])


def _h5_array(path, where, obj, h5py):
    if not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "biuf":
        raise DataError(f"{path}: {where} is not an array of numbers")
    _check_size(path, where, obj.shape)
    return np.asarray(obj[()], dtype=np.float64)


def _dense_layers(path, h5, h5py, order=None):
    """(kernel, bias) of each layer under layers/NAME/vars, in `order` or the
    file's, kept only when they chain (the first's outputs feed the second)."""
    group = h5.get("layers")
    if not isinstance(group, h5py.Group):
        raise DataError(f"{path} has no group of layers (layers/NAME/vars/0 and 1), as Keras "
                        "3 writes")
    found = []
    for name in order or list(group):
        layer = group.get(name)
        variables = layer.get("vars") if isinstance(layer, h5py.Group) else None
        if not isinstance(variables, h5py.Group) or not len(variables):
            continue
        # Keras numbers a layer's variables: 0 the kernel, 1 the bias.
        names = sorted(variables, key=lambda v: (0, int(v), "") if v.isdigit() else
                       (1, 0, {"kernel": "0", "bias": "1"}.get(v, v)))
        found.append((name, [_h5_array(path, f"layers/{name}/vars/{v}", variables[v], h5py)
                             for v in names]))
    if len(found) != 2 or any(len(v) != 2 for _, v in found):
        raise ConfigError(f"{path}: tuinn reads Sequential(Dense, Dense) with biases; the file "
                          f"has {', '.join(n for n, _ in found) or 'no Dense layers'}")
    (_, (W1, b1)), (_, (W2, b2)) = found
    if not _chain(W1, W2):
        (_, (W1, b1)), (_, (W2, b2)) = reversed(found)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def _keras_h5(path, source=None):
    h5py = _need("h5py", "h5py")
    try:
        with h5py.File(source or path, "r") as h5:
            return _dense_layers(path, h5, h5py)
    except TuinnError:
        raise
    # h5py raises RuntimeError on some damaged internals ("bad local heap signature").
    except (OSError, ValueError, KeyError, RuntimeError):
        raise DataError(f"{path}: the weights are not a readable HDF5 file") from None


def _keras_zip(path):
    h5py = _need("h5py", "h5py")
    not_keras = DataError(f"{path} is not a Keras 3 .keras file (a zip with config.json and "
                          "model.weights.h5)")
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("config.json")
            if info.file_size > MAX_HEADER_BYTES:
                raise DataError(f"{path}: its config.json has {info.file_size:,} bytes, far "
                                "more than a model's description needs")
            config = parse_tree(z.read(info), f"{path}: its config.json", "Keras config",
                                json.loads)
            layers = _keras_dense(path, config)
            # h5py reads the member where it lies in the zip: only the arrays
            # asked for are decompressed, never the whole member.
            with z.open("model.weights.h5") as weights, h5py.File(weights, "r") as h5:
                d = _dense_layers(path, h5, h5py, [layer["name"] for layer in layers])
    except TuinnError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise not_keras from None
    # A member cut short or whose compressed bytes are damaged: zipfile reads
    # it lazily, so these come from inside h5py's reads too.
    except (EOFError, zlib.error):
        raise DataError(f"{path} is damaged: a member of the zip ends early or does not "
                        "decompress; save the model again") from None
    except (OSError, RuntimeError):
        raise DataError(f"{path}: its model.weights.h5 is not a readable HDF5 file") from None
    d["hidden"], d["output"] = (convert.ACTIVATIONS.get(str(layer["activation"]).lower(),
                                                        str(layer["activation"]))
                                for layer in layers)
    compiled = config.get("compile_config")
    loss = str((compiled if isinstance(compiled, dict) else {}).get("loss") or "").lower()
    if "crossentropy" in loss:
        d["loss"] = "cross_entropy"
    elif loss in ("mse", "mean_squared_error"):
        d["loss"] = "squared"
    return d


def _keras_dense(path, config):
    """The Dense layers of a Keras config as {"name", "activation"}: exactly two."""
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        raise DataError(f"{path}: its config.json has no list of layers (config.layers)")
    dense = []
    for layer in layers:
        if isinstance(layer, dict) and layer.get("class_name") == "Dense":
            conf = layer.get("config")
            if not isinstance(conf, dict) or not isinstance(conf.get("name"), str):
                raise DataError(f"{path}: a Dense layer in config.json has no name")
            dense.append({"name": conf["name"], "activation": conf.get("activation", "linear")})
    if len(dense) != 2:
        raise ConfigError(f"{path}: tuinn reads Sequential(Dense, Dense); this model has "
                          f"{len(dense)} Dense layers")
    return dense
