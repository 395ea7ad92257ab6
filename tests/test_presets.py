"""The presets: each builds, trains and round-trips as a run file, and each shows
the numbers its situation (docs/situations.md) quotes."""

import re

import numpy as np
import pytest
from tuinn import presets
from tuinn.errors import ConfigError
from tuinn.runs import Run, RunSpec

ALL = presets.names()


def finished(name):
    run = Run(RunSpec.from_preset(name))
    run.train()
    return run


def mse(run, X=None, Y=None):
    ds = run.dataset
    X, Y = (ds.X, ds.Y) if X is None else (X, Y)
    return float(np.mean((run.net.predict(X) - Y) ** 2))


def test_the_issue_lists_at_least_these_presets():
    required = {"sum-relu", "sum-relu-optimal", "sum-relu-random", "coverage-good",
                "coverage-bad", "linear-hidden", "sigmoid-hidden", "body-metrics",
                "body-metrics-scaled", "or-tanh", "xor-tanh", "and-squared",
                "and-cross-entropy", "linear-rule", "backprop-2-2-2", "exp", "sinpoly",
                "circle", "xor2d", "gauss", "spiral", "plane", "gaussians"}
    assert required <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_preset_loads_trains_and_round_trips_as_a_run_file(name, tmp_path):
    spec = RunSpec.from_preset(name)
    assert spec.title and len(spec.notes) > 80, "every preset explains itself"
    path = tmp_path / "run.toml"
    spec.write(path)
    again = RunSpec.read(path)
    assert again == spec
    epochs = min(spec.train.epochs, 20)
    a, b = Run(spec), Run(again)
    a.train(epochs)
    b.train(epochs)
    assert a.epoch == epochs and a.status == "done"
    np.testing.assert_array_equal(a.net.theta, b.net.theta)
    np.testing.assert_array_equal(a.trainer.history["loss"], b.trainer.history["loss"])
    assert np.all(np.isfinite(a.trainer.history["loss"]))


def test_study_presets_count_the_bias_unit_as_the_study_does():
    for name, h in (("exp", 3), ("exp-h1", 2), ("exp-h4", 5), ("exp-h7", 8),
                    ("sinpoly", 8), ("sinpoly-h11", 12)):
        spec = RunSpec.from_preset(name)
        units = h - 1
        assert spec.model.hidden_units == units
        assert f", {units} sigmoid unit{'' if units == 1 else 's'}," in spec.title
        assert f"h = {h}" in spec.notes and "counts a bias unit" in spec.notes


# ------------------------------------------------------------------ the ReLU sum question

def test_sum_relu_starts_from_the_questions_recipe():
    """The ReLU sum question's code: every weight and bias N(0, 2/fan_in), drawn W1, b1,
    W2, b2."""
    rng = np.random.default_rng(13)
    want = [rng.normal(0, np.sqrt(2 / 5), (5, 2)), rng.normal(0, np.sqrt(2 / 5), 2),
            rng.normal(0, 1.0, (2, 1)), rng.normal(0, 1.0, 1)]
    net = Run(RunSpec.from_preset("sum-relu")).net
    for got, expected in zip((net.W1, net.b1, net.W2, net.b2), want):
        np.testing.assert_array_equal(got, expected)


def test_sum_relu_kills_both_units_and_learns_the_mean():
    run = finished("sum-relu")
    stats = run.net.unit_stats(run.dataset.X)
    assert np.all(stats["active"] == 0.0)
    assert run.net.b2[0] == pytest.approx(15.5, abs=1e-3)
    assert run.trainer.history["loss"][-1] == pytest.approx(0.125, abs=1e-5)
    start = Run(RunSpec.from_preset("sum-relu"))
    assert np.all(start.net.unit_stats(start.dataset.X)["active"] > 0), \
        "the units die in training, they do not start dead"


def test_sum_relu_optimal_has_loss_zero_and_does_not_move():
    run = Run(RunSpec.from_preset("sum-relu-optimal"))
    before = run.net.theta.copy()
    run.train()
    assert np.all(run.trainer.history["loss"] == 0.0)
    np.testing.assert_array_equal(run.net.theta, before)


def test_sum_relu_random_learns_the_sum():
    run = finished("sum-relu-random")
    assert run.trainer.history["loss"][-1] < 1e-4
    assert np.all(run.net.unit_stats(run.dataset.X)["active"] > 0.3)


# ------------------------------------------------------------------ the coverage question

def test_coverage_bad_is_clearly_worse_and_leaves_x_below_minus_3_uncovered():
    good, bad = finished("coverage-good"), finished("coverage-bad")
    good_loss, bad_loss = good.trainer.history["loss"][-1], bad.trainer.history["loss"][-1]
    assert bad_loss > 10 * good_loss
    X = bad.dataset.X
    left = X[X[:, 0] < -3]
    assert len(left) > 1000
    assert np.any(bad.net.unit_stats(left)["active"] == 0.0), "a unit is off on all of x < -3"
    start = Run(RunSpec.from_preset("coverage-bad"))
    assert np.all(start.net.unit_stats(left)["active"] == 0.0), "uncovered from the start"
    # Good coverage: some unit is active on nearly all of the left (the V's bottom aside).
    _, A = good.net.predict(good.dataset.X[good.dataset.X[:, 0] < -3], hidden=True)
    assert np.mean(np.any(A > 0, axis=1)) > 0.9


# ------------------------------------------------------------------ the three-point question

def test_linear_hidden_settles_at_the_least_squares_mse():
    run = finished("linear-hidden")
    X, Y = run.dataset.X, run.dataset.Y
    A = np.column_stack([X[:, 0], np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
    least_squares = float(np.mean((A @ coef - Y) ** 2))
    assert least_squares == pytest.approx(0.0057, abs=1e-4)
    got = mse(run)
    assert got == pytest.approx(0.0057, abs=1e-4)
    assert got == pytest.approx(least_squares, abs=1e-9)
    # Settled: the last hundred epochs do not move it.
    loss = run.trainer.history["loss"]
    assert abs(loss[-100] - loss[-1]) < 1e-9


def test_sigmoid_hidden_goes_below_the_linear_floor():
    run = finished("sigmoid-hidden")
    assert mse(run) < 0.0057 / 100


# ------------------------------------------------------------------ the scaling questions

def test_body_metrics_saturates_and_scaling_fixes_it():
    raw, scaled = finished("body-metrics"), finished("body-metrics-scaled")
    floor = 0.01 * 0.25      # saturated: under 1 % of the top slope (docs/math.md#unit-health)
    raw_deriv = raw.net.unit_stats(raw.dataset.X)["mean_deriv"]
    scaled_deriv = scaled.net.unit_stats(scaled.dataset.X)["mean_deriv"]
    assert np.sum(raw_deriv < floor) >= 2
    assert np.all(scaled_deriv > floor)
    assert scaled.trainer.history["loss"][-1] < raw.trainer.history["loss"][-1]
    assert raw.dataset.X_test.shape == (2, 3)


@pytest.mark.parametrize("name", ["or-tanh", "xor-tanh"])
def test_tanh_truth_tables_learn_online(name):
    run = finished(name)
    assert run.spec.train.batch_size == 1 and run.spec.train.shuffle
    assert run.metrics()["train_accuracy"] == 1.0
    assert mse(run) < 1e-2


def test_and_cross_entropy_learns_faster_than_squared():
    sq, ce = finished("and-squared"), finished("and-cross-entropy")
    assert sq.epoch == ce.epoch
    assert mse(ce) < mse(sq) / 100


@pytest.mark.parametrize("name,want", [
    ("and-delta", [0.8446651307271656, 0.004030424878725242, 0.129178264332045,
                   0.129178264332045]),
    ("and-delta-cross-entropy", [0.9666565909058419, 2.05087653022386e-5,
                                 0.023803593411627456, 0.023803593411627456])])
def test_and_delta_rule_gives_the_questions_outputs(name, want):
    run = finished(name)
    assert run.net.n_hidden == 0 and run.epoch == 10000
    rows = np.array([[1, 1], [0, 0], [0, 1], [1, 0]], dtype=float)
    np.testing.assert_allclose(run.net.predict(rows).ravel(), want, rtol=1e-9)


def test_linear_rule_scaled_inputs_fit_better():
    raw, scaled = finished("linear-rule"), finished("linear-rule-scaled")
    assert scaled.trainer.history["loss"][-1] < raw.trainer.history["loss"][-1] / 50


def test_backprop_2_2_2_gives_the_classic_numbers():
    run = Run(RunSpec.from_preset("backprop-2-2-2"))
    run.train(1)
    loss = run.trainer.history["loss"]
    assert loss[0] == pytest.approx(0.298371109, abs=1e-9)
    assert run.net.W2[0, 0] == pytest.approx(0.35891648, abs=1e-8)      # w5 after one step
    assert run.net.W1[0, 0] == pytest.approx(0.149780716, abs=1e-9)     # w1 after one step


# ------------------------------------------------------------------ the hidden-units study

@pytest.mark.parametrize("name,want", [("exp", 0.0068), ("exp-h1", 0.0051), ("exp-h4", 0.0100),
                                       ("exp-h7", 0.0121), ("sinpoly", 1.0156)])
def test_study_final_test_losses(name, want):
    run = finished(name)
    assert run.status == "done"
    assert round(run.trainer.history["test_loss"][-1], 4) == want


def test_exp_lr2_grows_to_about_2_7e4():
    run = finished("exp-lr2")
    assert run.status == "done"
    assert 2.6e4 < run.trainer.history["test_loss"][-1] < 2.8e4


def test_exp_lr5_diverges_at_epoch_193():
    run = finished("exp-lr5")
    assert run.status == "diverged at epoch 193"
    assert np.all(np.isfinite(run.net.theta))


def test_exp_lr1_is_stable_then_oscillates():
    # The study sees the oscillation start after epoch 755; here the training loss first
    # rises at epoch 750.
    loss = finished("exp-lr1").trainer.history["loss"]
    assert np.all(np.diff(loss[:750]) <= 0), "falls smoothly for 749 epochs"
    assert np.sum(np.diff(loss[749:]) > 0) > 50, "then rises again and again"
    assert loss[-1] > 5 * loss[749]


def test_exp_long_is_smooth_and_better():
    long, fast = finished("exp-long"), finished("exp-lr1")
    assert long.trainer.history["test_loss"][-1] < fast.trainer.history["test_loss"][-1] / 5
    assert np.all(np.diff(long.trainer.history["loss"]) <= 1e-12)


def test_sinpoly_h11_about_halves_the_error():
    ratio = (finished("sinpoly-h11").trainer.history["test_loss"][-1]
             / finished("sinpoly").trainer.history["test_loss"][-1])
    assert 0.4 < ratio < 0.6


def test_sinpoly_lr_1_5_diverges_and_lr_1_does_not():
    assert finished("sinpoly-lr1.5").status.startswith("diverged at epoch")
    assert finished("sinpoly-lr1").status == "done"


def test_sinpoly_more_units_fit_better():
    losses = [finished(n).trainer.history["test_loss"][-1]
              for n in ("sinpoly-h2", "sinpoly-h5", "sinpoly-h7")]
    assert losses[0] > losses[1] > losses[2]


# ------------------------------------------------------------------ Playground

@pytest.mark.parametrize("name", ["circle", "xor2d", "gauss", "spiral"])
def test_playground_classifiers_learn(name):
    m = finished(name).metrics()
    assert m["test_accuracy"] >= 0.95, m


def test_playground_plane_regression_learns():
    run = finished("plane")
    assert run.metrics()["test_mse"] < 1e-2 * np.var(run.dataset.Y)


def test_playground_multi_gaussian_learns_its_bumps():
    run = finished("gaussians")
    assert run.metrics()["test_mse"] < 0.25 * np.var(run.dataset.Y)


def test_a_presets_h_number_is_its_hidden_units_and_an_old_name_says_the_new_one():
    """exp-h2 had one hidden unit while --hidden 3 means three."""
    numbered = [n for n in presets.names() if re.search(r"-h\d+$", n)]
    assert len(numbered) >= 7
    for name in numbered:
        units = int(name.rsplit("-h", 1)[1])
        assert RunSpec.from_preset(name).model.hidden_units == units, name
    for old, new in presets.RENAMED.items():
        assert old not in presets.names() and new in presets.names()
        with pytest.raises(ConfigError, match=f"is now '{new}'"):
            presets.get(old)
