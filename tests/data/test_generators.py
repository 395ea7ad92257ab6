"""The generated data sets (tuinn.data.generators): each situation's numbers."""

import math

import numpy as np
import pytest
from tuinn import data
from tuinn.data import Dataset
from tuinn.errors import ConfigError

from conftest import one_line_error

RANDOM_GENERATORS = {
    "f1": {"standard": False}, "f2": {"standard": False}, "quadratic": {}, "xsinx": {},
    "circle": {"noise": 20}, "xor": {"noise": 20}, "gauss": {"noise": 20},
    "spiral": {"noise": 20}, "plane": {"noise": 20}, "sums": {"variant": "random"},
}




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


def test_study_standard_data_reproduces_the_known_values():
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


def test_study_functions_and_non_standard_draws():
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


def test_quadratic_of_the_coverage_question():
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
    bumps = data.generate("gaussians", test_ratio=0.0)
    assert bumps.n_train == 1200 and bumps.task == "regression"
    assert bumps.Y.min() >= -1 and bumps.Y.max() <= 1 and np.abs(bumps.X).max() <= 6
    # at a bump's centre its sign, at distance 1 half of it, far from all of them 0
    from tuinn.data.generators import GAUSSIAN_BUMPS
    for cx, cy, sign in GAUSSIAN_BUMPS:
        near = np.hypot(bumps.X[:, 0] - cx, bumps.X[:, 1] - cy)
        closest = np.argmin(near)
        assert np.sign(bumps.Y[closest, 0]) == sign
        assert bumps.Y[closest, 0] == pytest.approx(sign * (1 - near[closest] / 2))
    far = np.min([np.hypot(bumps.X[:, 0] - cx, bumps.X[:, 1] - cy)
                  for cx, cy, _ in GAUSSIAN_BUMPS], axis=0) > 2
    assert far.any() and np.all(bumps.Y[far, 0] == 0)
    assert data.generate("gaussians", noise=30).X.shape == (600, 2)
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


def test_sums_of_the_relu_sum_question():
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


def test_three_points_of_the_three_point_question():
    ds = data.generate("three-points")
    np.testing.assert_array_equal(ds.X[:, 0], [-1, 0, 1])
    np.testing.assert_array_equal(ds.Y[:, 0], [-0.2445248, 0.1232554, 0.1713998])
    # The least-squares line leaves an mse of 0.0057.
    A = np.column_stack([ds.X[:, 0], np.ones(3)])
    coef = np.linalg.lstsq(A, ds.Y[:, 0], rcond=None)[0]
    assert round(float(np.mean((A @ coef - ds.Y[:, 0]) ** 2)), 4) == 0.0057


def test_body_metrics_of_the_body_metrics_question():
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


def test_truth_tables_and_rules_of_the_scaling_questions():
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
