"""tuinn.data: generators, the source documents' tables, CSV files, splits, scaling."""

import json
import math

import numpy as np
import pytest

from tuinn import data
from tuinn.data import Dataset, Standardizer
from tuinn.errors import ConfigError, DataError

RANDOM_GENERATORS = {
    "f1": {"standard": False}, "f2": {"standard": False}, "quadratic": {}, "xsinx": {},
    "circle": {"noise": 20}, "xor": {"noise": 20}, "gauss": {"noise": 20},
    "spiral": {"noise": 20}, "plane": {"noise": 20}, "sums": {"variant": "random"},
}


def one_line_error(cls, fn, *args, **kwargs):
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message
    return message


# ------------------------------------------------------------------ generators

@pytest.mark.parametrize("name", list(data.GENERATORS))
def test_every_generator_builds_a_consistent_dataset(name):
    fn = data.GENERATORS[name]
    assert fn.__doc__ and fn.__doc__.strip()
    assert "seed" in data.generator_params(name)
    ds = data.generate(name)
    assert isinstance(ds, Dataset) and ds.name == name and ds.description
    assert ds.X.dtype == np.float64 and ds.Y.dtype == np.float64
    assert ds.X.ndim == ds.Y.ndim == 2 and len(ds.X) == len(ds.Y) > 0
    assert len(ds.feature_names) == ds.X.shape[1] and len(ds.target_names) == ds.Y.shape[1]
    if ds.X_test is not None:
        assert ds.X_test.shape[1] == ds.X.shape[1] and ds.Y_test.shape[1] == ds.Y.shape[1]
        assert len(ds.X_test) == len(ds.Y_test)
    if ds.task == "regression":
        assert ds.classes is None
    else:
        assert set(np.unique(ds.Y)) <= {0.0, 1.0}
        assert ds.Y.shape[1] == (1 if ds.task == "binary" else len(ds.classes))
    assert name in ds.summary()


@pytest.mark.parametrize("name", sorted(RANDOM_GENERATORS))
def test_random_generators_are_deterministic_by_seed(name):
    params = RANDOM_GENERATORS[name]
    a = data.generate(name, seed=3, **params)
    b = data.generate(name, seed=3, **params)
    c = data.generate(name, seed=4, **params)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    if a.X_test is not None:
        np.testing.assert_array_equal(a.X_test, b.X_test)
    assert a.X.shape == c.X.shape
    assert not np.array_equal(a.X, c.X)


def test_004_standard_data_reproduces_the_known_values():
    ds = data.generate("f1")
    assert ds.X.shape == (1000, 1) and ds.X_test.shape == (100, 1)
    np.testing.assert_allclose(ds.X[:3, 0], [0.2746088671237268, -2.3961755206950097,
                                             -4.153626013757145], rtol=1e-15)
    np.testing.assert_allclose(ds.X[-1, 0], -3.1075184773314746, rtol=1e-15)
    np.testing.assert_allclose(ds.X_test[:2, 0], [-3.1205063688558443, 3.036133690148027],
                               rtol=1e-15)
    np.testing.assert_allclose(ds.X_test[-1, 0], -3.131089248326917, rtol=1e-15)
    np.testing.assert_allclose(ds.Y[:2, 0], [1.0564579683542024, 0.6192568777220113], rtol=1e-14)
    f2 = data.generate("f2")
    np.testing.assert_array_equal(f2.X, ds.X)
    np.testing.assert_allclose(f2.Y[:2, 0], [6.758813027456746, -13.062517621636287], rtol=1e-13)
    # The recipe itself, and the seed does not matter for the standard data.
    rng = np.random.default_rng(222337497072607291153223098371913928704)
    np.testing.assert_array_equal(ds.X[:, 0], (rng.random(1000) - 0.5) * 10)
    np.testing.assert_array_equal(ds.X_test[:, 0], (rng.random(100) - 0.5) * 10)
    np.testing.assert_array_equal(data.generate("f1", seed=7).X, ds.X)


def test_004_functions_and_non_standard_draws():
    for name, f in (("f1", lambda x: np.exp(x / 5)), ("f2", lambda x: np.sin(x) * (25 - x * x))):
        ds = data.generate(name, standard=False, n=300, n_test=30, seed=1)
        assert ds.X.shape == (300, 1) and ds.X_test.shape == (30, 1)
        np.testing.assert_allclose(ds.Y, f(ds.X))
        np.testing.assert_allclose(ds.Y_test, f(ds.X_test))
        assert ds.X.min() >= -5 and ds.X.max() <= 5
        rng = np.random.default_rng(1)
        np.testing.assert_array_equal(ds.X[:, 0], rng.uniform(-5, 5, 300))
    assert data.generate("f2", standard=False, n_test=0).X_test is None
    msg = one_line_error(ConfigError, data.generate, "f1", n=500)
    assert "standard" in msg


def test_quadratic_of_001():
    ds = data.generate("quadratic")
    assert ds.X.shape == (10000, 1) and ds.X_test is None
    x, y = ds.X[:, 0], ds.Y[:, 0]
    assert -10 <= x.min() and x.max() <= 10 and x.min() < -9.9 and x.max() > 9.9
    residual = y - (x * x - 10)
    assert abs(residual.mean()) < 0.05 and abs(residual.std() - 1) < 0.05
    split = data.generate("quadratic", test_ratio=0.25, seed=2)
    assert (split.n_train, split.n_test) == (7500, 2500)
    clean = data.generate("quadratic", noise=0)
    np.testing.assert_allclose(clean.Y[:, 0], clean.X[:, 0] ** 2 - 10)


def test_xsinx():
    ds = data.generate("xsinx", n=500, test_ratio=0.2)
    assert (ds.n_train, ds.n_test) == (400, 100)
    np.testing.assert_allclose(ds.Y, ds.X * np.sin(ds.X))
    assert np.abs(ds.X).max() <= 10


def test_playground_sets_have_both_classes_and_sensible_ranges():
    for name in ("circle", "xor", "gauss", "spiral"):
        for noise in (0, 50):
            ds = data.generate(name, noise=noise, seed=5)
            assert (ds.n_train, ds.n_test) == (250, 250)
            assert ds.task == "binary" and ds.classes == [0, 1]
            assert ds.feature_names == ["x1", "x2"]
            for Y in (ds.Y, ds.Y_test):
                assert set(np.unique(Y)) == {0.0, 1.0}
    circle = data.generate("circle", n=400, test_ratio=0.0)
    r = np.hypot(circle.X[:, 0], circle.X[:, 1])
    assert r.max() <= 5 and not ((r > 2.5) & (r < 3.5)).any()
    np.testing.assert_array_equal(circle.Y[:, 0], r < 2.5)      # noise 0: labels exact
    assert circle.Y.sum() == 200
    xor = data.generate("xor", test_ratio=0.0)
    x, y = xor.X.T
    assert np.abs(xor.X).min() >= 0.3 and np.abs(xor.X).max() <= 5.3
    np.testing.assert_array_equal(xor.Y[:, 0], x * y >= 0)
    gauss = data.generate("gauss", test_ratio=0.0, seed=1)
    pos = gauss.X[gauss.Y[:, 0] == 1]
    neg = gauss.X[gauss.Y[:, 0] == 0]
    assert np.allclose(pos.mean(axis=0), 2, atol=0.2) and np.allclose(neg.mean(axis=0), -2, atol=0.2)
    assert data.generate("gauss", noise=50, seed=1).X.std() > gauss.X.std()
    plane = data.generate("plane")
    assert plane.n_train + plane.n_test == 1200 and plane.task == "regression"
    np.testing.assert_allclose(plane.Y[:, 0], plane.X.sum(axis=1) / 10)
    assert np.abs(plane.X).max() <= 6
    odd = data.generate("circle", n=501, test_ratio=0.3)
    assert odd.n_train + odd.n_test == 501 and odd.n_test == round(501 * 0.3)


def test_spiral_arms():
    two = data.generate("spiral", noise=0, test_ratio=0.0)
    assert two.task == "binary" and two.Y.shape == (500, 1) and two.Y.sum() == 250
    assert np.hypot(*two.X.T).max() < 5
    three = data.generate("spiral", n=600, arms=3, test_ratio=0.2, noise=10)
    assert three.task == "multiclass" and three.classes == [0, 1, 2]
    assert (three.n_train, three.n_test) == (480, 120)
    np.testing.assert_array_equal(three.Y.sum(axis=1), 1)
    counts = np.concatenate([three.Y, three.Y_test]).sum(axis=0)
    np.testing.assert_array_equal(counts, [200, 200, 200])
    assert np.hypot(*three.X.T).max() < 5 + 0.1 * math.sqrt(2)
    assert data.generate("spiral", n=10, arms=4, test_ratio=0.0).Y.sum(axis=0).tolist() == \
        [3, 3, 2, 2]


def test_spiral_arms_are_rotations_of_playgrounds_first_arm():
    for arms in (2, 3):
        ds = data.generate("spiral", n=300, arms=arms, noise=0, test_ratio=0.0)
        labels = ds.Y[:, 0] if arms == 2 else ds.Y.argmax(axis=1)
        arm = [ds.X[labels == k] for k in range(arms)]
        arm = [a[np.argsort(np.hypot(*a.T))] for a in arm]
        m = len(arm[0])
        i = np.arange(m)
        r, t = i / m * 5, 1.75 * i / m * 2 * np.pi          # Playground: r = 5 i/n, t = 1.75 2pi i/n
        np.testing.assert_allclose(arm[0], np.column_stack([r * np.sin(t), r * np.cos(t)]),
                                   atol=1e-12)
        for k in range(1, arms):
            tk = t + 2 * np.pi * k / arms
            np.testing.assert_allclose(arm[k], np.column_stack([r * np.sin(tk), r * np.cos(tk)]),
                                       atol=1e-12)


def test_sums_of_000():
    ds = data.generate("sums")
    np.testing.assert_array_equal(ds.X, [[1, 2, 3, 4, 5], [1, 2, 3, 4, 6]])
    np.testing.assert_array_equal(ds.Y, [[15], [16]])
    assert ds.X_test is None
    neg = data.generate("sums", variant="negated")
    np.testing.assert_array_equal(neg.X, [[1, 2, 3, 4, 5], [-1, -2, -3, -4, -6]])
    np.testing.assert_array_equal(neg.Y, [[15], [-16]])
    np.testing.assert_array_equal(neg.X_test, [[1, 2, 3, 4, 6]])
    np.testing.assert_array_equal(neg.Y_test, [[16]])
    rnd = data.generate("sums", variant="random", seed=1)
    assert rnd.X.shape == (1000, 5)
    np.testing.assert_allclose(rnd.Y[:, 0], rnd.X.sum(axis=1))
    assert data.generate("sums", variant="random", n=50, test_ratio=0.2).n_test == 10
    assert "variant" in one_line_error(ConfigError, data.generate, "sums", variant="nope")
    assert "random" in one_line_error(ConfigError, data.generate, "sums", n=5)


def test_three_points_of_002():
    ds = data.generate("three-points")
    np.testing.assert_array_equal(ds.X[:, 0], [-1, 0, 1])
    np.testing.assert_array_equal(ds.Y[:, 0], [-0.2445248, 0.1232554, 0.1713998])
    # 002: the least-squares line leaves an mse of 0.0057.
    A = np.column_stack([ds.X[:, 0], np.ones(3)])
    coef = np.linalg.lstsq(A, ds.Y[:, 0], rcond=None)[0]
    assert round(float(np.mean((A @ coef - ds.Y[:, 0]) ** 2)), 4) == 0.0057


def test_body_metrics_of_003():
    ds = data.generate("body-metrics")
    assert ds.task == "binary" and ds.classes == ["female", "male"]
    assert ds.X.shape == (11, 3) and ds.X_test.shape == (2, 3)
    np.testing.assert_array_equal(ds.X[0], [181, 80, 44])
    np.testing.assert_array_equal(ds.X[6], [175, 64, 39])
    np.testing.assert_array_equal(ds.X[-1], [181, 85, 43])
    assert data.decode_labels(ds, ds.Y) == ["male", "male", "female", "female", "male", "male",
                                            "female", "female", "female", "male", "male"]
    np.testing.assert_array_equal(ds.X_test, [[179, 69, 40], [175, 72, 45]])
    assert data.decode_labels(ds, ds.Y_test) == ["female", "male"]


def test_truth_tables_and_rules_of_003():
    expected = {"or": [0, 1, 1, 1], "and": [0, 0, 0, 1], "xor-table": [0, 1, 1, 0]}
    for name, ys in expected.items():
        ds = data.generate(name)
        assert ds.task == "binary" and ds.X.shape == (4, 2) and ds.X_test is None
        np.testing.assert_array_equal(ds.Y[:, 0], ys)
        x1, x2 = ds.X.T.astype(bool)
        op = {"or": x1 | x2, "and": x1 & x2, "xor-table": x1 ^ x2}[name]
        np.testing.assert_array_equal(ds.Y[:, 0], op)
    np.testing.assert_array_equal(data.generate("or").X, [[0, 0], [1, 0], [0, 1], [1, 1]])
    rule = data.generate("linear-rule")
    np.testing.assert_array_equal(rule.X[:, 0], np.arange(1, 10))
    np.testing.assert_allclose(rule.Y[[0, 8], 0], [0.22, 1.18])
    np.testing.assert_allclose(data.generate("linear-rule", divisor=100).Y[0, 0], 0.022)
    scaled = data.generate("linear-rule", scaled_inputs=True)
    np.testing.assert_allclose(scaled.X[:, 0], np.arange(1, 10) / 10)
    np.testing.assert_array_equal(scaled.Y, rule.Y)
    bp = data.generate("backprop-2-2-2")
    np.testing.assert_array_equal(bp.X, [[0.05, 0.10]])
    np.testing.assert_array_equal(bp.Y, [[0.01, 0.99]])


def test_generate_rejects_unknown_names_and_bad_parameters():
    msg = one_line_error(ConfigError, data.generate, "circles")
    assert "'circles'" in msg and "circle" in msg and "body-metrics" in msg
    msg = one_line_error(ConfigError, data.generate, "circle", radius=3)
    assert "'radius'" in msg and "noise" in msg and "test_ratio" in msg
    for bad in ({"n": "many"}, {"n": True}, {"n": -5}, {"n": 2.5}, {"noise": 60},
                {"noise": -1}, {"test_ratio": 1.0}, {"seed": -1}, {"arms": 1}):
        msg = one_line_error(ConfigError, data.generate, "spiral", **bad)
        assert msg.startswith("spiral: ") and next(iter(bad)) in msg
    assert "standard" in one_line_error(ConfigError, data.generate, "f1", standard="yes")
    assert data.generate("circle", n=100.0).n_train == 50        # a whole float is fine


# ------------------------------------------------------------------ CSV

def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_csv_header_detection_and_forcing(tmp_path):
    with_header = write(tmp_path, "h.csv", "height,weight,y\n1,2,3\n4,5,6\n")
    ds = data.load_csv(with_header)
    assert ds.name == "h.csv" and ds.X_test is None and ds.task == "regression"
    assert ds.feature_names == ["height", "weight"] and ds.target_names == ["y"]
    np.testing.assert_array_equal(ds.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(ds.Y, [[3], [6]])
    plain = write(tmp_path, "p.csv", "1,2,3\n4,5,6\n7,8,9\n")
    ds = data.load_csv(plain)
    assert ds.feature_names == ["column 1", "column 2"] and len(ds.X) == 3
    assert len(data.load_csv(plain, header=True).X) == 2
    assert data.load_csv(plain, header=True).feature_names == ["1", "2"]
    msg = one_line_error(DataError, data.load_csv, with_header, header=False)
    assert "line 1, column 1 (index 0): 'height' is not a number" in msg


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_are_sniffed(tmp_path, delimiter):
    rows = [["a", "b", "c"], ["1.5", "2", "3"], ["4", "-5e-1", "6"]]
    path = write(tmp_path, "d.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    ds = data.load_csv(path)
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [4, -0.5]])
    np.testing.assert_array_equal(ds.Y, [[3], [6]])
    forced = data.load_csv(path, delimiter={",": "comma", ";": "semicolon", "\t": "tab"}[delimiter])
    np.testing.assert_array_equal(forced.X, ds.X)


def test_csv_semicolon_file_with_decimal_commas_names_the_problem(tmp_path):
    path = write(tmp_path, "eu.csv", "a;b;y\n1,5;2;3\n4;5;6\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "eu.csv line 2, column 'a': '1,5' is not a number" in msg and "decimal" in msg


def test_csv_quotes_bom_crlf_and_blank_lines(tmp_path):
    path = write(tmp_path, "q.csv", b'\xef\xbb\xbf"size (cm)","y"\r\n"1",2\r\n\r\n3 , 4\r\n   \r\n')
    ds = data.load_csv(path)
    assert ds.feature_names == ["size (cm)"]
    np.testing.assert_array_equal(ds.X, [[1], [3]])
    np.testing.assert_array_equal(ds.Y, [[2], [4]])


def test_csv_target_by_name_index_negative_index_and_list(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    by_name = data.load_csv(path, target="b")
    assert by_name.feature_names == ["a", "c", "d"] and by_name.target_names == ["b"]
    np.testing.assert_array_equal(by_name.Y, [[2], [6]])
    np.testing.assert_array_equal(data.load_csv(path, target=0).Y, [[1], [5]])
    np.testing.assert_array_equal(data.load_csv(path, target=-2).Y, [[3], [7]])
    np.testing.assert_array_equal(data.load_csv(path, target="-2").Y, [[3], [7]])
    both = data.load_csv(path, target=["d", 0])
    assert both.target_names == ["d", "a"] and both.feature_names == ["b", "c"]
    np.testing.assert_array_equal(both.Y, [[4, 1], [8, 5]])
    np.testing.assert_array_equal(both.X, [[2, 3], [6, 7]])


def test_csv_string_labels_binary_and_multiclass(tmp_path):
    path = write(tmp_path, "b.csv", "h,w,sex\n181,80,male\n160,60,female\n177,70,\"male\"\n")
    ds = data.load_csv(path)
    assert ds.task == "binary" and ds.classes == ["female", "male"]
    assert ds.target_names == ["sex=male"]
    np.testing.assert_array_equal(ds.Y, [[1], [0], [1]])
    assert data.decode_labels(ds, [[0.9], [0.1], [0.5]]) == ["male", "female", "male"]
    path = write(tmp_path, "m.csv", "x,species,z\n1,virginica,2\n3,setosa,4\n5,versicolor,6\n"
                                    "7,setosa,8\n")
    ds = data.load_csv(path, target="species")
    assert ds.task == "multiclass" and ds.classes == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(ds.Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert data.decode_labels(ds, ds.Y) == ["virginica", "setosa", "versicolor", "setosa"]
    numeric_labels = write(tmp_path, "n.csv", "a,y\n1,0\n2,1\n3,1\n")
    assert data.load_csv(numeric_labels).task == "regression"     # numbers stay numbers


@pytest.mark.parametrize("text, expected", [
    ("h,w,y\n1,2,3\n4,abc,6\n", "bad.csv line 3, column 'w': 'abc' is not a number"),
    ("h,w,y\n1,2,3\n4,,6\n", "bad.csv line 3, column 'w': the cell is empty"),
    ("h,w,y\n1,2,3\n4,5,\n", "bad.csv line 3, column 'y': the cell is empty"),
    ("1,2,3\n4,x,6\n", "bad.csv line 2, column 2 (index 1): 'x' is not a number"),
    ("h,w,y\n1,2,3\n4,5\n", "bad.csv line 3: 2 cells, but the header has 3"),
    ("h,w,y\n1,2,3\n\n4,5,6,7\n", "bad.csv line 4: 4 cells, but the header has 3"),
    ("h,w,y\n1,2,3\n4,nan,6\n", "bad.csv line 3, column 'w': 'nan' is not a finite number"),
    ("h,w,y\n1,2,inf\n", "bad.csv line 2, column 'y': 'inf' is not a finite number"),
    ("", "bad.csv is empty"),
    ("\n  \n\n", "bad.csv is empty"),
    ("h,w,y\n", "bad.csv has a header line but no data rows"),
    ("h,w,y\n\n\n", "bad.csv has a header line but no data rows"),
    ("y\n1\n2\n", "bad.csv has only one column"),
    ("h,w,y\n1,2,cat\n3,4,cat\n", "the target 'y' holds only one class ('cat')"),
    ("h,w,y\n1,2,1.5\n3,4,2.5\n5,6,abc\n", "line 4, column 'y': 'abc' is not a number, but most"),
    ("h,w,y\n1,2,cat\n3,4,dog\n5,6,7\n", "line 4, column 'y': '7' is a number, but the other"),
    ("1,2,3\nh,4,5\n", "line 2, column 1 (index 0): 'h' is not a number"),
    ("height,weight\n1,2\n3,4\n", None),
])
def test_csv_errors_name_the_file_line_and_column(tmp_path, text, expected):
    path = write(tmp_path, "bad.csv", text)
    if expected is None:                     # control: the same layout without a problem loads
        assert len(data.load_csv(path).X) == 2
        return
    msg = one_line_error(DataError, data.load_csv, path)
    assert expected in msg
    assert "bad.csv" in msg


def test_csv_first_line_hint_when_no_header_was_detected(tmp_path):
    # A first row mixing numbers and text is data with a typo, not a header.
    path = write(tmp_path, "h.csv", "1,abc,3\n4,5,6\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "line 1, column 2 (index 1): 'abc' is not a number" in msg and "header" in msg
    # Text over text is not evidence of a header either.
    path = write(tmp_path, "t.csv", "a,b,c\nx,1,2\ny,3,4\n")
    msg = one_line_error(DataError, data.load_csv, path)
    assert "line 2, column 'a': 'x' is not a number" in msg


def test_csv_target_errors(tmp_path):
    path = write(tmp_path, "t.csv", "height,weight,sex\n1,2,3\n")
    msg = one_line_error(DataError, data.load_csv, path, target="age")
    assert "no column 'age'" in msg and "'height', 'weight', 'sex'" in msg
    msg = one_line_error(DataError, data.load_csv, path, target=3)
    assert "index 3 is out of range" in msg and "3 columns" in msg
    assert "out of range" in one_line_error(DataError, data.load_csv, path, target=-4)
    assert "twice" in one_line_error(DataError, data.load_csv, path, target=[0, "height"])
    assert "input column" in one_line_error(DataError, data.load_csv, path, target=[0, 1, 2])
    assert "empty" in one_line_error(ConfigError, data.load_csv, path, target=[])
    assert "column name" in one_line_error(ConfigError, data.load_csv, path, target=1.5)
    plain = write(tmp_path, "p.csv", "1,2,3\n")
    assert "no header line" in one_line_error(DataError, data.load_csv, plain, target="y")
    labels = write(tmp_path, "l.csv", "a,b,sex\n1,2,m\n3,4,f\n")
    msg = one_line_error(DataError, data.load_csv, labels, target=["sex", "a"])
    assert "'sex' holds class names" in msg and "only target" in msg


def test_csv_missing_file_folder_and_bad_settings(tmp_path):
    msg = one_line_error(DataError, data.load_csv, tmp_path / "nope.csv")
    assert "nope.csv: no such file" in msg
    assert "folder" in one_line_error(DataError, data.load_csv, tmp_path)
    path = write(tmp_path, "ok.csv", "1,2\n")
    assert "delimiter" in one_line_error(ConfigError, data.load_csv, path, delimiter="::")
    assert "header" in one_line_error(ConfigError, data.load_csv, path, header="yes")
    bin_path = write(tmp_path, "bin.csv", b"\xff\xfe\x00\x01garbage\n")
    assert "UTF-8" in one_line_error(DataError, data.load_csv, bin_path)


def test_csv_fallback_finds_errors_and_keeps_data_beyond_the_first_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(data._CsvReader, "CHUNK", 4)
    rows = [f"{i},{2 * i},{'a' if i % 3 else 'b'}" for i in range(20)]
    good = write(tmp_path, "good.csv", "x,z,y\n" + "\n".join(rows) + "\n")
    reference = data.load_csv(good)
    assert reference.classes == ["a", "b"] and len(reference.X) == 20
    # A whitespace-only line stops numpy's parser; the chunked path reads past it.
    spaced = write(tmp_path, "spaced.csv", "x,z,y\n" + "\n".join(rows[:13]) + "\n   \n"
                   + "\n".join(rows[13:]) + "\n")
    ds = data.load_csv(spaced)
    np.testing.assert_array_equal(ds.X, reference.X)
    np.testing.assert_array_equal(ds.Y, reference.Y)
    assert ds.classes == reference.classes
    bad_rows = list(rows)
    bad_rows[15] = "15,oops,a"
    bad = write(tmp_path, "bad.csv", "x,z,y\n" + "\n".join(bad_rows[:13]) + "\n\n"
                + "\n".join(bad_rows[13:]) + "\n")
    msg = one_line_error(DataError, data.load_csv, bad)
    assert "bad.csv line 18, column 'z': 'oops' is not a number" in msg   # blank line counted


def test_csv_large_numeric_file_loads_through_numpy(tmp_path):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20000, 6))
    path = tmp_path / "big.csv"
    with open(path, "w") as f:
        f.write("a,b,c,d,e,y\n")
        np.savetxt(f, A, delimiter=",", fmt="%.17g")
    ds = data.load_csv(path)
    np.testing.assert_array_equal(ds.X, A[:, :5])
    np.testing.assert_array_equal(ds.Y, A[:, 5:])


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
