"""Derived inputs (x², x·y, sin x), as Playground's feature toggles add them."""

import json

import numpy as np
import pytest
from tuinn.data import features
from tuinn.runs import RunSpec, Run
from tuinn.settings import FEATURE_SETS

from conftest import run_tuinn


def test_every_combination_derives_its_columns_in_order_with_names():
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    full = features.derive(X, "square+product+sin")
    np.testing.assert_array_equal(full[:, :3], X)
    np.testing.assert_array_equal(full[:, 3:6], X * X)
    np.testing.assert_array_equal(full[:, 6:9], np.column_stack(
        [X[:, 0] * X[:, 1], X[:, 0] * X[:, 2], X[:, 1] * X[:, 2]]))
    np.testing.assert_array_equal(full[:, 9:], np.sin(X))
    assert features.names(["a", "b", "c"], "square+product+sin") == [
        "a", "b", "c", "a²", "b²", "c²", "a·b", "a·c", "b·c", "sin(a)", "sin(b)", "sin(c)"]
    assert features.derive(X, "none") is X
    for chosen in FEATURE_SETS:
        assert features.derive(X, chosen).shape[1] == 3 + features.count(3, chosen)
    assert features.count(1, "product") == 0        # one input has no pairs


def test_a_run_derives_from_standardized_inputs_for_train_and_test_rows():
    spec = RunSpec.from_preset("circle")
    spec.data.standardize_inputs, spec.data.features = True, "square"
    ds = Run(spec).dataset
    assert ds.base_inputs == 2 and ds.n_inputs == 4
    assert ds.feature_names[2:] == [f"{n}²" for n in ds.base_names]
    np.testing.assert_allclose(ds.X[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(ds.X[:, 2:], ds.X[:, :2] ** 2)
    np.testing.assert_array_equal(ds.X_test[:, 2:], ds.X_test[:, :2] ** 2)
    assert any("derived inputs (square)" in line for line in Run(spec).data_summary())


def test_squares_let_a_net_without_hidden_layer_separate_the_circle(tmp_path):
    # Playground's lesson: with x² and y², a circle is a straight cut.
    common = ("train", "--preset", "circle", "--hidden", "0", "--epochs", "300",
              "--init", "zeros", "--lr", "0.5", "--json")
    plain = json.loads(run_tuinn(*common).stdout)
    squared = json.loads(run_tuinn(*common, "--features", "square").stdout)
    assert plain["metrics"]["test_accuracy"] < 0.75
    assert squared["metrics"]["test_accuracy"] > 0.95


def test_predict_reads_the_datas_own_columns_and_derives_the_rest(tmp_path):
    saved = tmp_path / "run"
    done = run_tuinn("train", "--preset", "exp", "--epochs", "50", "--features", "sin+square",
                     "--init", "glorot", "--save", saved)
    assert done.returncode == 0, done.stderr
    csv = tmp_path / "x.csv"
    csv.write_text("x\n0.5\n-2\n")
    done = run_tuinn("predict", saved, "--data", csv)
    assert done.returncode == 0, done.stderr
    run = Run.load(saved)
    X = np.array([[0.5], [-2.0]])
    want = run.net.predict(np.column_stack([X, X ** 2, np.sin(X)]))
    got = np.array([float(line) for line in done.stdout.split()[1:]])
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-12)


@pytest.mark.parametrize("bad", ["cube", "sin+sin", "square+cos", ",", "x1,,x2"])
def test_an_unknown_feature_set_is_one_line_that_lists_the_choices(bad):
    done = run_tuinn("train", "--preset", "exp", "--epochs", "1", "--features", bad)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "square+product+sin" in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("typed,meant", [("sin+square", "square+sin"),
                                         ("sin, product", "product+sin"), ("NONE", "none")])
def test_features_may_be_typed_in_any_order(typed, meant):
    from tuinn.settings import SETTINGS
    assert SETTINGS["data.features"].parse(typed) == meant


def test_the_pairs_of_a_wide_table_are_refused_before_they_fill_the_memory():
    from tuinn.data import Dataset
    from tuinn.errors import ConfigError
    wide = Dataset(np.zeros((3, 200)), np.zeros((3, 1)))
    assert features.add(wide, "square").n_inputs == 400
    with pytest.raises(ConfigError, match="adds 19,900 columns"):
        features.add(wide, "product")


def test_products_of_a_single_input_are_refused_not_ignored():
    done = run_tuinn("train", "--preset", "exp", "--epochs", "1", "--features", "product",
                     "--init", "glorot")
    assert done.returncode == 2 and "product needs two inputs or more" in done.stderr


def test_a_list_gives_the_net_exactly_those_inputs_and_keeps_the_datas_own_for_the_plots():
    """Playground's separate toggles: x1 and x2 themselves may be left out."""
    spec = RunSpec.from_preset("circle")
    spec.data.features = "x1^2, x2^2"
    ds = Run(spec).dataset
    assert ds.feature_names == ["x1²", "x2²"] and ds.base_names == ["x1", "x2"]
    assert ds.base_inputs == 2 and ds.n_inputs == 2
    np.testing.assert_array_equal(ds.X, ds.base_X ** 2)
    np.testing.assert_array_equal(ds.X_test, ds.base_X_test ** 2)
    grid = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(ds.inputs(grid), grid ** 2)
    assert any("chosen one by one: x1², x2²" in line for line in Run(spec).data_summary())


@pytest.mark.parametrize("typed,meant,columns", [
    ("x1,x2^2, x1 * x2 ,sin( x1 )", "x1, x2^2, x1*x2, sin(x1)", ["x1", "x2²", "x1·x2", "sin(x1)"]),
    ("x2², x1·x2", "x2^2, x1*x2", ["x2²", "x1·x2"]),
    ("x2", "x2", ["x2"])])
def test_a_list_may_be_typed_in_playgrounds_or_plain_spelling(typed, meant, columns):
    from tuinn.settings import SETTINGS
    assert SETTINGS["data.features"].parse(typed) == meant
    assert features.names(["x1", "x2"], meant) == columns
    X = np.array([[2.0, 3.0]])
    want = {"x1": 2.0, "x2²": 9.0, "x1·x2": 6.0, "sin(x1)": np.sin(2.0), "x2": 3.0}
    np.testing.assert_allclose(features.derive(X, meant, ["x1", "x2"])[0],
                               [want[c] for c in columns], rtol=1e-15)


def test_a_list_naming_an_input_the_data_lacks_is_one_line_with_its_inputs():
    done = run_tuinn("train", "--preset", "circle", "--epochs", "1", "--features", "x1, x3^2")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no input named 'x3'" in done.stderr and "x1, x2" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_toggles_are_playgrounds_seven_and_a_full_set_is_spelt_as_its_kinds():
    toggles = features.toggles(["x1", "x2"])
    assert [features.label(t, ["x1", "x2"]) for t in toggles] == [
        "x1", "x2", "x1²", "x2²", "x1·x2", "sin(x1)", "sin(x2)"]
    assert features.value_of(toggles[:4], ["x1", "x2"]) == "square"
    assert features.value_of(toggles[:2], ["x1", "x2"]) == "none"
    assert features.value_of(toggles[2:4], ["x1", "x2"]) == "x1^2, x2^2"


def test_squares_alone_let_a_net_without_hidden_layer_cut_the_circle_headless():
    common = ("train", "--preset", "circle", "--hidden", "0", "--epochs", "300",
              "--init", "zeros", "--lr", "0.5", "--json")
    squared = json.loads(run_tuinn(*common, "--features", "x1^2, x2^2").stdout)
    assert squared["metrics"]["test_accuracy"] > 0.95


def test_inputs_named_alike_keep_their_own_columns_and_a_list_cannot_name_them():
    """A CSV may name two columns alike: derived by name, both became the second."""
    from tuinn.data import Dataset
    from tuinn.errors import ConfigError
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    ds = features.add(Dataset(X, np.zeros((2, 1)), feature_names=["a", "a"]), "square")
    np.testing.assert_array_equal(ds.X, np.column_stack([X, X * X]))
    with pytest.raises(ConfigError, match="2 inputs are named 'a'"):
        features.add(Dataset(X, np.zeros((2, 1)), feature_names=["a", "a"]), "a^2")
