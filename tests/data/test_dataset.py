"""Datasets, splits, standardization and labels (tuinn.data.dataset)."""

import json

import numpy as np
from tuinn import data
from tuinn.data import Dataset, Standardizer
from tuinn.errors import ConfigError, DataError

from conftest import one_line_error

# ------------------------------------------------------------------ split

def test_split_is_deterministic_with_the_asked_ratio():
    ds = data.generate("sums", variant="random", n=100)
    a = data.split(ds, 0.25, seed=1)
    b = data.split(ds, 0.25, seed=1)
    c = data.split(ds, 0.25, seed=2)
    assert (a.n_train, a.n_test) == (75, 25)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, c.X_test)
    both = np.vstack([a.X, a.X_test])
    np.testing.assert_array_equal(np.sort(both, axis=0), np.sort(ds.X, axis=0))
    np.testing.assert_allclose(a.Y[:, 0], a.X.sum(axis=1))       # rows stay paired
    none = data.split(ds, 0.0, seed=1)
    assert none.X_test is None and none.n_train == 100
    assert data.split(ds, 0.001, seed=1).n_test == 1               # at least one test row
    assert data.split(ds, 0.999, seed=1).n_train == 1              # and one training row


def test_split_keeps_names_and_classes_and_pools_an_existing_test_set():
    ds = data.generate("body-metrics")
    s = data.split(ds, 0.5, seed=0)
    assert s.classes == ds.classes and s.feature_names == ds.feature_names
    assert s.task == "binary" and s.target_names == ds.target_names
    assert s.n_train + s.n_test == 13 and s.n_test == round(13 * 0.5)
    assert "test_ratio" in one_line_error(ConfigError, data.split, ds, 1.0, 0)
    one = data.generate("backprop-2-2-2")
    assert "cannot split" in one_line_error(DataError, data.split, one, 0.5, 0)


# ------------------------------------------------------------------ scaling

def test_standardizer_is_fitted_on_the_training_rows_only():
    X = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0]])
    Xt = np.array([[100.0, 0.0, 7.0]])
    ds = Dataset(X=X, Y=X[:, :1] * 2, X_test=Xt, Y_test=Xt[:, :1] * 2, name="t")
    out, xs, ys = data.standardize(ds)
    assert ys is None
    np.testing.assert_allclose(xs.mean, X.mean(axis=0))
    np.testing.assert_allclose(xs.scale, [X[:, 0].std(), X[:, 1].std(), 1.0])   # constant -> 1
    np.testing.assert_allclose(out.X.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(out.X[:, :2].std(axis=0), 1)
    np.testing.assert_array_equal(out.X[:, 2], 0)
    np.testing.assert_allclose(out.X_test, (Xt - X.mean(axis=0)) / xs.scale)   # train statistics
    np.testing.assert_allclose(xs.invert(out.X_test), Xt)
    np.testing.assert_allclose(xs.invert(xs.apply(X)), X)
    np.testing.assert_array_equal(out.Y, ds.Y)          # targets untouched by default
    np.testing.assert_array_equal(ds.X, X)             # the input dataset is not modified


def test_standardize_targets_for_regression_only():
    ds = data.generate("f2", standard=False, n=200, n_test=50)
    out, xs, ys = data.standardize(ds, inputs=False, targets=True)
    assert xs is None
    np.testing.assert_array_equal(out.X, ds.X)
    np.testing.assert_allclose(out.Y.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(ys.invert(out.Y_test), ds.Y_test)
    msg = one_line_error(ConfigError, data.standardize, data.generate("circle"), targets=True)
    assert "only for regression" in msg


def test_standardizer_dict_round_trip_and_checks():
    xs = Standardizer.fit(np.array([[1.0, 2.0], [3.0, 2.0]]))
    d = xs.to_dict()
    assert json.loads(json.dumps(d)) == d and d == {"mean": [2.0, 2.0], "scale": [1.0, 1.0]}
    back = Standardizer.from_dict(d)
    np.testing.assert_array_equal(back.mean, xs.mean)
    np.testing.assert_array_equal(back.scale, xs.scale)
    assert "scale" in one_line_error(ConfigError, Standardizer.from_dict, {"mean": [0.0]})
    assert "positive" in one_line_error(ConfigError, Standardizer.from_dict,
                                        {"mean": [0.0], "scale": [0.0]})
    assert "2 columns" in one_line_error(DataError, xs.apply, np.zeros((3, 3)))


# ------------------------------------------------------------------ labels, Dataset

def test_decode_labels():
    assert data.decode_labels(["no", "yes"], [0.2, 0.5, 0.7]) == ["no", "yes", "yes"]
    assert data.decode_labels(["a", "b", "c"], [[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]) == ["b", "a"]
    assert data.decode_labels([0, 1], [[0.9, 0.1], [0.2, 0.8]]) == [0, 1]      # 2-column softmax
    assert "regression" in one_line_error(DataError, data.decode_labels, data.generate("f1"),
                                          [[0.1]])
    assert "3 classes" in one_line_error(DataError, data.decode_labels, ["a", "b", "c"],
                                         [[0.1, 0.2]])


def test_encode_labels_sorts_classes():
    Y, classes, task, names = data.encode_labels(["b", "a", "c", "a"], "kind")
    assert classes == ["a", "b", "c"] and task == "multiclass"
    assert names == ["kind=a", "kind=b", "kind=c"]
    np.testing.assert_array_equal(Y.argmax(axis=1), [1, 0, 2, 0])
    Y, classes, task, _ = data.encode_labels([3, 1, 3])
    assert classes == [1, 3] and task == "binary"
    np.testing.assert_array_equal(Y[:, 0], [1, 0, 1])


def test_dataset_validates_its_arrays():
    assert "rows" in one_line_error(DataError, Dataset, X=np.zeros((3, 2)), Y=np.zeros((2, 1)))
    assert "finite" in one_line_error(DataError, Dataset, X=[[np.nan]], Y=[[1.0]])
    assert "both" in one_line_error(DataError, Dataset, X=[[1.0]], Y=[[1.0]], X_test=[[1.0]])
    assert "classes" in one_line_error(DataError, Dataset, X=[[1.0]], Y=[[1.0]], task="binary")
    ds = Dataset(X=[1.0, 2.0], Y=[3.0, 4.0])
    assert ds.X.shape == (2, 1) and ds.feature_names == ["x1"] and ds.target_names == ["y"]
    assert "numbers" in one_line_error(DataError, Dataset, X=[["a"]], Y=[[1.0]])


def test_a_column_whose_spread_overflows_is_refused_not_zeroed():
    X = np.array([[1e300, 1.0], [-1e300, 2.0], [1e300, 3.0]])
    message = one_line_error(DataError, Standardizer.fit, X)
    assert "column 0 spans" in message and "divide it by a power of ten" in message
