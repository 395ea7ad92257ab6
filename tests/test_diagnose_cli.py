"""`tuinn diagnose --weights`: a model trained elsewhere, read from each file
format (docs/model-files.md) and diagnosed on a CSV, as a subprocess."""

import io
import json
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn.neural_network")


@pytest.fixture
def model(tmp_path):
    """A scikit-learn tanh regressor, its CSV and its weights."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = np.tanh(X[:, 0]) - 0.5 * X[:, 1]
    csv = tmp_path / "rows.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,y", comments="")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = sklearn.MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", max_iter=300,
                                   random_state=0).fit(X, y)
    W = {"W1": est.coefs_[0], "b1": est.intercepts_[0], "W2": est.coefs_[1],
         "b2": est.intercepts_[1]}
    return tmp_path, csv, W, 0.5 * np.mean((est.predict(X) - y) ** 2)


def diagnose(cwd, *args):
    done = subprocess.run([sys.executable, "-m", "tuinn", "diagnose", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=120)
    return done


def check_doc(done, loss):
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["architecture"] == "2→3→1 tanh→linear, squared"
    assert doc["metrics"]["train_loss"] == pytest.approx(loss, rel=1e-10)
    assert isinstance(doc["findings"], list) and len(doc["units"]) == 3
    return doc


def test_npz_and_json(model):
    folder, csv, W, loss = model
    np.savez(folder / "m.npz", **W, hidden="tanh")
    check_doc(diagnose(folder, "--weights", "m.npz", "--data", csv, "--json"), loss)
    (folder / "m.json").write_text(json.dumps({**{k: v.tolist() for k, v in W.items()},
                                               "hidden": "tanh"}))
    check_doc(diagnose(folder, "--weights", "m.json", "--data", csv, "--json"), loss)
    text = diagnose(folder, "--weights", "m.json", "--data", csv)
    assert text.returncode == 0 and "2→3→1 tanh→linear" in text.stdout
    assert "diagnosis" in text.stdout


def test_a_torch_state_dict_in_safetensors_needs_its_activation(model):
    st = pytest.importorskip("safetensors.numpy")
    folder, csv, W, loss = model
    st.save_file({"0.weight": np.ascontiguousarray(W["W1"].T), "0.bias": W["b1"],
                  "2.weight": np.ascontiguousarray(W["W2"].T), "2.bias": W["b2"]},
                 str(folder / "m.safetensors"))
    done = diagnose(folder, "--weights", "m.safetensors", "--data", csv)
    assert done.returncode == 2 and "give --activation" in done.stderr
    check_doc(diagnose(folder, "--weights", "m.safetensors", "--data", csv,
                       "--activation", "tanh", "--json"), loss)


def _keras_weights(h5py, target, W, names=("dense", "dense_1")):
    with h5py.File(target, "w") as h5:
        for name, (k, b) in zip(names, ((W["W1"], W["b1"]), (W["W2"], W["b2"]))):
            group = h5.create_group(f"layers/{name}/vars")
            group["0"], group["1"] = k, b


def test_keras_files_with_and_without_their_config(model):
    h5py = pytest.importorskip("h5py")
    folder, csv, W, loss = model
    _keras_weights(h5py, folder / "m.weights.h5", W, names=("out", "hidden"))
    done = diagnose(folder, "--weights", "m.weights.h5", "--data", csv, "--activation", "tanh",
                    "--json")
    check_doc(done, loss)          # the layers chain by shape, whatever their names
    buf = io.BytesIO()
    _keras_weights(h5py, buf, W)
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {"name": "input"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "tanh"}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 1,
                                           "activation": "linear"}}]},
        "compile_config": {"loss": "mean_squared_error"}}
    with zipfile.ZipFile(folder / "m.keras", "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())
    check_doc(diagnose(folder, "--weights", "m.keras", "--data", csv, "--json"), loss)


@pytest.mark.parametrize("name,content,message", [
    ("m.pkl", b"\x80\x04", "does not read pickles"),
    ("m.pt", b"\x80\x04", "safetensors.torch.save_file"),
    ("m.json", b"{", "is not valid JSON"),
    ("m.npz", b"PK", "is not a readable .npz file"),
    ("m.onnx", b"x", "unknown model file"),
])
def test_bad_files_are_one_line_that_says_what_to_do(model, name, content, message):
    folder, csv, _, _ = model
    (folder / name).write_bytes(content)
    done = diagnose(folder, "--weights", name, "--data", csv)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and message in lines[0], done.stderr


def test_a_model_of_another_shape_than_the_rows_is_told_to_pick_the_target(model):
    folder, csv, W, _ = model
    np.savez(folder / "m.npz", **W, hidden="tanh")
    done = diagnose(folder, "--weights", "m.npz", "--data", csv, "--target", "a")
    assert done.returncode == 0, done.stderr          # b, y as inputs: still 2 columns
    np.savez(folder / "wide.npz", W1=np.zeros((3, 3)), b1=np.zeros(3), W2=W["W2"], b2=W["b2"],
             hidden="tanh")
    done = diagnose(folder, "--weights", "wide.npz", "--data", csv)
    assert done.returncode == 2 and "the model takes 3 inputs" in done.stderr



def test_diagnose_takes_the_experiment_flags(model):
    folder, csv, W, loss = model
    np.savez(folder / "m.npz", **W, hidden="tanh")
    for flags in (("--experiments", "1"), ("--no-experiments",)):
        doc = check_doc(diagnose(folder, "--weights", "m.npz", "--data", csv, "--json", *flags),
                        loss)
        assert isinstance(doc["experiments"], list)
