"""A one-hidden-layer model saved by another tool, read as a tuinn Net (for
`tuinn diagnose --weights`).  The formats and their names are in
docs/model-files.md:

- `.npz`: arrays W1 (inputs x units), b1, W2 (units x outputs), b2, and
  optionally the strings hidden, output, loss;
- `.json`: the same keys, arrays as nested lists;
- `.keras` (Keras 3's zip: its config names the activations) and
  `.weights.h5` (weights only), when h5py is installed;
- `.safetensors` of a PyTorch nn.Sequential(Linear, act, Linear) state_dict
  (keys 0.weight, 0.bias, 2.weight, 2.bias), when safetensors is installed.

Never pickle (.pkl, .pt, .pth, .joblib): loading one runs whatever code it
holds.  The message says how to export instead.
"""

import io
import json
import zipfile

import numpy as np

from tuinn import convert
from tuinn.errors import ConfigError, DataError
from tuinn.inputs import regular_file

PICKLES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt")
MAX_BYTES = 2**30


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
        return _with(_safetensors(path), hidden, output, loss, need="--activation")
    if name.endswith(".keras"):
        return _with(_keras_zip(path), hidden, output, loss)
    if name.endswith(".h5"):
        return _with(_keras_h5(path), hidden, output, loss, need="--activation")
    raise ConfigError(f"{path}: unknown model file; tuinn reads .npz, .json, .keras, "
                      ".weights.h5 and .safetensors")


def _with(d, hidden, output, loss, need=None):
    for key, value in (("hidden", hidden), ("output", output), ("loss", loss)):
        if value is not None:
            d[key] = value
    if need and "hidden" not in d:
        raise ConfigError(f"the file holds weights but not the hidden activation: give "
                          f"{need} (sigmoid, tanh, relu, leaky_relu or linear)")
    return convert.from_dict(d)


def _npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: (str(f[k]) if f[k].dtype.kind in "US" else f[k]) for k in f.files}
    except (ValueError, OSError, zipfile.BadZipFile):
        # numpy takes a file that is not a zip for a pickle, and says so.
        raise DataError(f"{path} is not a readable .npz file of plain arrays; save one with "
                        "numpy.savez(path, W1=..., b1=..., W2=..., b2=...)") from None


def _json(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(d, dict):
        raise DataError(f"{path}: expected an object with W1, b1, W2, b2")
    try:
        return {k: (np.asarray(v, dtype=np.float64) if k in ("W1", "b1", "W2", "b2") else v)
                for k, v in d.items()}
    except (ValueError, TypeError):
        raise DataError(f"{path}: W1, b1, W2 and b2 must be arrays of numbers") from None


def _need(module, extra):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise ConfigError(f"reading this file needs {extra}: pip install {extra}") from None


def _safetensors(path):
    tensors = _need("safetensors.numpy", "safetensors").load_file(path)
    linear = sorted({k.rsplit(".", 1)[0] for k in tensors if k.endswith(".weight")})
    if len(linear) != 2 or any(f"{p}.bias" not in tensors for p in linear):
        raise ConfigError(f"{path}: tuinn reads the state_dict of nn.Sequential(Linear, act, "
                          f"Linear); this one has {', '.join(sorted(tensors))}")
    first, second = sorted(linear, key=lambda p: [int(t) if t.isdigit() else t
                                                  for t in p.split(".")])
    return {"W1": tensors[f"{first}.weight"].T, "b1": tensors[f"{first}.bias"],
            "W2": tensors[f"{second}.weight"].T, "b2": tensors[f"{second}.bias"]}


def _dense_layers(h5, order=None):
    """(kernel, bias) of each layer under layers/NAME/vars, in `order` or the
    file's, kept only when they chain (the first's outputs feed the second)."""
    group = h5.get("layers")
    names = order or (list(group) if group is not None else [])
    found = [(n, [np.asarray(group[n]["vars"][v]) for v in sorted(group[n]["vars"], key=int)])
             for n in names if group is not None and n in group and "vars" in group[n]
             and len(group[n]["vars"])]
    if len(found) != 2 or any(len(v) != 2 for _, v in found):
        raise ConfigError(f"tuinn reads Sequential(Dense, Dense) with biases; the file has "
                          f"{', '.join(n for n, _ in found) or 'no Dense layers'}")
    (_, (W1, b1)), (_, (W2, b2)) = found
    if W1.ndim != 2 or W2.ndim != 2 or W1.shape[1] != W2.shape[0]:
        (_, (W1, b1)), (_, (W2, b2)) = reversed(found)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def _keras_h5(path):
    h5py = _need("h5py", "h5py")
    try:
        with h5py.File(path, "r") as h5:
            return _dense_layers(h5)
    except OSError:
        raise DataError(f"{path} is not a readable HDF5 file") from None


def _keras_zip(path):
    h5py = _need("h5py", "h5py")
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
            weights = io.BytesIO(z.read("model.weights.h5"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError):
        raise DataError(f"{path} is not a Keras 3 .keras file (a zip with config.json and "
                        "model.weights.h5)") from None
    layers = [layer for layer in config.get("config", {}).get("layers", [])
              if layer.get("class_name") == "Dense"]
    with h5py.File(weights, "r") as h5:
        d = _dense_layers(h5, [layer["config"]["name"] for layer in layers])
    acts = [layer["config"].get("activation", "linear") for layer in layers]
    d["hidden"], d["output"] = (convert.ACTIVATIONS.get(str(a).lower(), str(a)) for a in acts)
    loss = str((config.get("compile_config") or {}).get("loss") or "").lower()
    if "crossentropy" in loss:
        d["loss"] = "cross_entropy"
    elif loss in ("mse", "mean_squared_error"):
        d["loss"] = "squared"
    return d
