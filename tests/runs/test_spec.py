"""Run files (tuinn.runs.spec): presets as a base, the README's example, and
one clear message for each way a run file can be wrong."""

import numpy as np
import pytest
from tuinn.errors import ConfigError, TuinnError
from tuinn.runs import Run, RunSpec

from conftest import one_long_run

# ------------------------------------------------------------------ run files

def test_a_preset_key_starts_from_that_preset(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('preset = "exp"\n[train]\nlr = 1.0\n')
    spec = RunSpec.read(path)
    want = RunSpec.from_preset("exp-lr1")
    assert spec.train == want.train and spec.init == want.init and spec.model == want.model
    a, b = one_long_run(spec, 50), one_long_run(want, 50)
    np.testing.assert_array_equal(a.net.theta, b.net.theta)


def test_a_new_data_source_or_init_scheme_replaces_the_presets(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('preset = "sum-relu"\n[data]\ngenerator = "f1"\n'
                    '[model]\nhidden_units = 3\n[init]\nscheme = "he"\nseed = 4\n')
    spec = RunSpec.read(path)
    assert spec.data.params == {} and spec.init.weights is None
    run = one_long_run(spec, 5)
    assert run.net.describe().startswith("1")


def test_the_readme_run_file_example_runs(tmp_path):
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "run.toml"
    path.write_text(example)
    spec = RunSpec.read(path)
    assert spec.name == "exp" and spec.model.hidden_units == 2 and spec.train.lr == 1.0
    assert spec.init.scheme == "glorot" and spec.init.weights is None
    run = Run(spec)
    run.train(5)
    assert run.epoch == 5 and run.dataset.X_test is not None


def test_a_csv_run_file_finds_its_data_next_to_it(tmp_path):
    rows = ["height,weight,label"] + [f"{150 + i},{50 + i % 7},{'ab'[i % 2]}"
                                      for i in range(40)]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    path = tmp_path / "run.toml"
    path.write_text('[data]\ncsv = "people.csv"\ntarget = "label"\ntest_ratio = 0.25\n'
                    'standardize_inputs = true\n'
                    '[model]\nhidden_units = 3\nactivation = "tanh"\noutput = "sigmoid"\n'
                    'loss = "cross_entropy"\n[train]\noptimizer = "adam"\nlr = 0.01\n'
                    'epochs = 50\n')
    run = Run(RunSpec.read(path))
    assert run.dataset.classes == ["a", "b"] and len(run.dataset.X_test) == 10
    run.train()
    assert run.epoch == 50 and "test_accuracy" in run.metrics()
    run.save(tmp_path / "saved")
    assert Run.load(tmp_path / "saved").epoch == 50


BAD_FILES = [
    ("colour = 1\n", "unknown key 'colour'"),
    ("[train]\nlearning_rate = 0.1\n", "unknown key [train] 'learning_rate'"),
    ("[train]\nlr = \"fast\"\n", "train.lr must be a number, got 'fast'"),
    ("[train]\nepochs = 1.5\n", "train.epochs must be a whole number"),
    ("[model]\nhidden_units = true\n", "model.hidden_units must be a whole number"),
    ("model = 3\n", "[model] must be a table"),
    ("[train\nlr = 1\n", "not valid TOML"),
    ('preset = "nope"\n', "unknown preset 'nope'"),
    ("preset = 3\n", "preset must be a string"),
]


@pytest.mark.parametrize("text,message", BAD_FILES)
def test_bad_run_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        RunSpec.read(path)
    assert message in str(info.value)
    assert str(path) in str(info.value), "names the file"


BAD_RUNS = [
    ('[data]\ncsv = "missing.csv"\n', "missing.csv"),
    ('[data]\ngenerator = "f1"\ncsv = "x.csv"\n', "either a generator or a csv"),
    ("[model]\nhidden_units = 2\n", "either a generator or a csv"),
    ('[data]\ngenerator = "f9"\n', "unknown data set 'f9'"),
    ('[data]\ngenerator = "f1"\nparams = {seed = 3}\n', "data.seed"),
    ('[data]\ngenerator = "f1"\nparams = {width = 3}\n', "unknown parameter 'width'"),
    ('[data]\ngenerator = "f1"\ntest_ratio = 0.2\n', "already has a test set"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "manual"\n', "needs [init.weights]"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "manual"\n[init.weights]\nW1 = [[1.0]]\n',
     "init.weights: b1 is missing"),
    ('[data]\ngenerator = "f1"\n[model]\nhidden_units = 2\n[init]\nscheme = "manual"\n'
     '[init.weights]\nW1 = [[1.0, 2.0, 3.0]]\nb1 = [0.0, 0.0]\nW2 = [[1.0], [1.0]]\n'
     'b2 = [0.0]\n', "W1"),
    ('[data]\ngenerator = "f1"\n[init]\nscheme = "lecun"\n', "unknown init.scheme 'lecun'"),
    ('[data]\ngenerator = "f1"\n[model]\nactivation = "ReLU"\n', "did you mean 'relu'"),
    ('[data]\ngenerator = "f1"\n[train]\nlr = -1.0\n', "lr"),
]


@pytest.mark.parametrize("text,message", BAD_RUNS)
def test_bad_runs_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(TuinnError) as info:
        Run(RunSpec.read(path))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_each_bad_case_has_its_own_message(tmp_path):
    seen = set()
    for i, (text, _) in enumerate(BAD_FILES + BAD_RUNS):
        path = tmp_path / f"r{i}.toml"
        path.write_text(text)
        with pytest.raises(TuinnError) as info:
            Run(RunSpec.read(path))
        seen.add(str(info.value).replace(str(path), "FILE"))
    assert len(seen) == len(BAD_FILES) + len(BAD_RUNS) - 1   # two cases share one cause


@pytest.mark.parametrize("key, value", [("model.hidden_units", 3), ("data.features", "square"),
                                        ("data.generator", "f2"), ("data.target", "y"),
                                        ("model.activation", "tanh"), ("train.lr", 0.5),
                                        ("model.output", "tanh")])
def test_manual_weights_go_only_when_the_shape_they_fit_changes(key, value):
    """One rule, RunSpec.set's: a setting that changes the shape of the weights
    (spec.SHAPE_KEYS) draws new ones; any other keeps the manual start, which
    then builds the same net."""
    from tuinn.runs.spec import SHAPE_KEYS

    spec = RunSpec.from_preset("exp")
    start = Run(RunSpec.from_preset("exp")).net.theta
    spec.set(key, value)
    reshaped = key in SHAPE_KEYS
    assert (spec.init.scheme, spec.init.weights is None) == (
        ("small", True) if reshaped else ("manual", False))
    if not reshaped:
        np.testing.assert_array_equal(Run(spec).net.theta, start)
