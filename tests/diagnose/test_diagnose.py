"""tuinn.diagnose: each seed preset shows the finding it is about, with its
numbers in the sentence; healthy runs raise no problem; findings do not flicker."""

import subprocess
import sys

import numpy as np
import pytest
import tuinn
from tuinn.diagnose import Finding, Monitor, unit_health
from tuinn.runs import Run, RunSpec


def finished(name, **changes):
    spec = RunSpec.from_preset(name)
    for key, value in changes.items():
        section, field = key.split("__")
        setattr(getattr(spec, section), field, value)
    run = Run(spec)
    run.train()
    return run


def codes(findings):
    return [f.code for f in findings]


def one(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, codes(findings)
    return found[0]


def test_healthy_exp_raises_no_problem_and_says_how_much_more_epochs_would_gain():
    run = finished("exp")
    findings = run.diagnose()
    assert not [f for f in findings if f.severity == "problem"], codes(findings)
    f = one(findings, "still-improving")
    at_limit = run.trainer.history["loss"][-1]
    run.train(9000)                 # the truth: what 10x the epochs really gives
    truth = at_limit / np.min(run.trainer.history["loss"])
    assert truth > 5 and truth / 2 < f.evidence["gain_of_10x_epochs"] < truth * 2
    assert "converged" not in codes(findings)
    for f in findings:
        assert f.severity in ("problem", "warning", "info") and f.message
        assert isinstance(f.to_dict()["evidence"], dict)


# ------------------------------------------------------------------ a ReLU net that learns a constant

def test_sum_relu_all_dead_means_b2_is_the_mean_target_over_seeds_0_to_19():
    dead_runs = 0
    for seed in range(20):
        run = finished("sum-relu", init__seed=seed)
        health = unit_health(run.net, run.dataset.X)
        findings = run.diagnose()
        if all("dead" in u["flags"] for u in health):
            dead_runs += 1
            f = one(findings, "all-units-dead")
            assert f.severity == "problem"
            assert run.net.b2[0] == pytest.approx(15.5, abs=1e-3)
            assert "b2 = 15.5" in f.message and "mean target 15.5" in f.message
            assert "cannot come back" in f.message and "leaky_relu" in f.advice
            assert f.evidence["mean_target"] == [15.5]
        else:
            assert "all-units-dead" not in codes(findings)
    assert dead_runs >= 10     # every seed dies at this rate (presets notes)


def test_some_dead_units_are_named():
    run = finished("sum-relu", train__lr=0.01, init__seed=1)
    health = unit_health(run.net, run.dataset.X)
    dead = [u["index"] for u in health if "dead" in u["flags"]]
    assert len(dead) == 1
    f = one(run.diagnose(), "dead-units")
    assert f"Unit {dead[0]} is dead" in f.message and f.units == tuple(dead)


# ------------------------------------------------------------------ a region left uncovered

def test_coverage_bad_reports_x_below_minus_3_from_the_start_and_after():
    run = Run(RunSpec.from_preset("coverage-bad"))
    run.train(1)
    f = one(run.diagnose(), "uncovered-region")
    assert "No hidden unit is active for x < -3 (" in f.message
    assert f.evidence["regions"][0][0] == pytest.approx(-10, abs=0.01)
    rows = int(np.sum(run.dataset.X[:, 0] < f.evidence["regions"][0][1]))
    assert f"({rows} of 10000 training rows)" in f.message
    run.train()
    f = one(run.diagnose(), "uncovered-region")
    lo, hi = f.evidence["regions"][0]
    assert lo == pytest.approx(-10, abs=0.01) and hi > -3, "x < -3 stays uncovered"


def test_coverage_good_has_no_uncovered_region():
    run = Run(RunSpec.from_preset("coverage-good"))
    run.train(1)
    assert "uncovered-region" not in codes(run.diagnose())
    run.train()
    assert "uncovered-region" not in codes(run.diagnose())


# ------------------------------------------------------------------ a linear hidden layer

def test_linear_hidden_collapses_to_the_least_squares_line():
    f = one(finished("linear-hidden").diagnose(), "linear-collapse")
    assert f.severity == "problem"
    assert f.evidence["best_linear_mse"] == pytest.approx(0.0057, abs=1e-4)
    assert "the best linear model reaches 0.005676" in f.message
    assert "mse 0.005676;" in f.message and "nonlinear hidden activation" in f.advice


def test_sigmoid_hidden_does_not_collapse():
    assert "linear-collapse" not in codes(finished("sigmoid-hidden").diagnose())


@pytest.mark.parametrize("preset,collapses", [("and-cross-entropy", False),
                                              ("xor-tanh", True)])
def test_linear_units_collapse_only_where_a_bend_is_needed(preset, collapses):
    """AND is linearly separable: a linear net is the right answer.  XOR is not."""
    spec = RunSpec.from_preset(preset)
    spec.model.activation = "linear"
    run = Run(spec)
    run.train(300)
    assert ("linear-collapse" in codes(run.diagnose())) == collapses


# ------------------------------------------------------------------ learning rates, units

def test_exp_lr1_oscillates_from_about_epoch_750_with_its_best_reported():
    run = finished("exp-lr1")
    f = one(run.diagnose(), "oscillating")
    start = f.evidence["start_epoch"]
    assert 700 <= start <= 800
    best_epoch, best = run.trainer.best
    assert f.evidence["best_epoch"] == best_epoch and 700 <= best_epoch <= 800
    assert f"since epoch {start}" in f.message
    assert f"its best was {best:.3g} at epoch {best_epoch}" in f.message
    assert "b restores the best weights" in one(run.diagnose(surface="app"), "oscillating").advice
    assert f"--epochs {best_epoch}" in one(run.diagnose(surface="cli"), "oscillating").advice
    assert "trainer.restore_best()" in f.advice


def test_exp_lr5_divergence_says_when_and_how_far_to_lower_the_rate():
    run = finished("exp-lr5")
    f = one(run.diagnose(surface="cli"), "diverged")
    assert f.severity == "problem" and f.evidence["epoch"] == 193
    assert "diverged at epoch 193" in f.message and "after epoch 192" in f.message
    limit = f.evidence["stability"]["limit"]
    # ½·mse with a linear output: the output bias alone has curvature 1, limit 2.
    assert 1.0 < limit <= 2.0 and "times the stability limit" in f.message
    advised = f.options[0]["changes"]["train.lr"]
    assert advised <= limit / 2 and f"--lr {advised:g}" in f.advice


def test_exploding_loss_is_caught_before_it_overflows():
    run = Run(RunSpec.from_preset("exp-lr5"))
    run.train(150)
    f = one(run.diagnose(), "exploding")
    assert f.evidence["loss"] >= 10 * f.evidence["best"]
    assert "times its best" in f.message and "still rising" in f.message


# ------------------------------------------------------------------ scaling and saturation

def test_body_metrics_unscaled_inputs_saturate_units_and_scaling_fixes_it():
    raw = finished("body-metrics").diagnose()
    f = one(raw, "unscaled-inputs")
    assert f.severity == "problem"
    assert "input 0 (mean 172, spread 10.5)" in f.message
    assert "they saturate 2 of 3 hidden units" in f.message
    s = one(raw, "saturated-units")
    assert "Units 0, 1 of 3 are saturated" in s.message
    scaled = codes(finished("body-metrics-scaled").diagnose())
    assert "unscaled-inputs" not in scaled and "saturated-units" not in scaled


def test_max_epochs_while_improving_says_raise_the_limit_per_surface():
    run = finished("body-metrics-scaled")
    f = one(run.diagnose(surface="cli"), "still-improving")
    assert "epoch limit 1,000" in f.message and "--epochs 10000" in f.advice
    assert "trainer.set(epochs=10000)" in one(run.diagnose(), "still-improving").advice


def test_tanh_output_out_of_reach_of_the_targets():
    spec = RunSpec.from_preset("exp")
    spec.model.output = "tanh"
    spec.data.generator, spec.data.params = "sums", {"variant": "positive"}
    spec.init.scheme, spec.init.weights = "glorot", None
    spec.model.hidden_units = 3
    run = Run(spec)
    run.train(5)
    f = one(run.diagnose(), "targets-out-of-range")
    assert "targets span [15, 16]" in f.message


def test_ordered_data_with_unshuffled_minibatches():
    spec = RunSpec.from_preset("exp")
    spec.train.batch_size, spec.train.shuffle = 10, False
    run = Run(spec)
    order = np.argsort(run.dataset.Y[:, 0])
    run.dataset.X[:] = run.dataset.X[order]
    run.dataset.Y[:] = run.dataset.Y[order]
    run.train(3)
    f = one(run.diagnose(), "ordered-data")
    assert "Mini-batches of 10" in f.message and "100% in order" in f.message
    run.set(shuffle=True)
    assert "ordered-data" not in codes(run.diagnose())


# ------------------------------------------------------------------ symmetry, rate

def test_zeros_init_gives_the_symmetry_finding():
    spec = RunSpec.from_preset("exp-h4")
    spec.init.scheme, spec.init.weights = "zeros", None
    run = Run(spec)
    run.train(200)
    f = one(run.diagnose(), "symmetry")
    assert f.severity == "problem" and "All 4 hidden units are identical" in f.message
    assert not np.all(run.net.W2 == 0), "the units did train, identically"


@pytest.mark.parametrize("optimizer,lr", [("sgd", 1e-7), ("adam", 1e-5)])
def test_a_far_too_small_rate_is_measured_against_the_stability_limit(optimizer, lr):
    spec = RunSpec.from_preset("exp")
    spec.train.optimizer, spec.train.lr = optimizer, lr
    run = Run(spec)
    run.train(300)
    findings = run.diagnose()
    f = one(findings, "lr-too-small")
    assert "converged" not in codes(findings)
    # An epoch gains a tiny part of what one step of 1/λmax would gain.
    assert f.evidence["loss_per_epoch"] < 2e-3 * f.evidence["one_good_step"]
    advised = f.options[0]["changes"]["train.lr"]
    assert lr * 10 <= advised < f.evidence["stability"]["limit"]
    assert f"--lr {advised:g}" in run.diagnose(surface="cli")[0].advice


def test_duplicates_and_linear_on_data_units():
    run = finished("exp-h7")
    f = one(run.diagnose(), "duplicate-units")
    assert "6 of 7 units repeat another" in f.message
    net = tuinn.Net(1, 2, 1, hidden="relu")
    net.set_weights(W1=[[1.0, -1.0]], b1=[20.0, 0.0], W2=[[1.0], [1.0]], b2=[0.0])
    X = np.linspace(-5, 5, 50)[:, None]
    health = unit_health(net, X)
    assert health[0]["flags"] == ["linear-on-data"] and health[0]["active"] == 1.0
    assert health[1]["active"] == pytest.approx(0.5, abs=0.03)


def test_a_unit_that_hardly_varies_is_constant_not_a_duplicate():
    # Two tanh units with weights of 0.001: both nearly straight, so they
    # correlate perfectly, but each varies by 0.005 on the data: biases, not copies.
    net = tuinn.Net(1, 3, 1, hidden="tanh")
    net.set_weights(W1=[[0.001, 0.001, 1.0]], b1=[0.3, -0.2, 0.0], W2=[[1.0], [1.0], [1.0]],
                    b2=[0.0])
    X = np.linspace(-5, 5, 50)[:, None]
    health = unit_health(net, X)
    assert [u["flags"] for u in health] == [["constant"], ["constant"], []]
    net.set_weights(W1=[[0.05, 0.05, 1.0]], b1=[0.0, 0.0, 0.0])     # sd 0.14: a real copy
    assert [u["flags"] for u in unit_health(net, X)] == [[], ["duplicate"], []]


# ------------------------------------------------------------------ robustness

@pytest.mark.parametrize("name", ["exp", "spiral", "body-metrics", "backprop-2-2-2", "sum-relu"])
def test_diagnose_before_training_and_odd_shapes_never_raises(name):
    run = Run(RunSpec.from_preset(name))
    assert isinstance(run.diagnose(), list)
    run.train(1)
    for f in run.diagnose():
        assert isinstance(f, Finding)


def test_findings_are_sorted_problems_first():
    findings = finished("body-metrics").diagnose()
    order = [("problem", "warning", "info").index(f.severity) for f in findings]
    assert order == sorted(order)


def test_monitor_keeps_a_finding_for_a_while_then_drops_it():
    now = [0.0]
    monitor = Monitor(linger=2.0, clock=lambda: now[0])
    f = Finding("stalled", "warning", "m", "a", {})
    assert monitor.update([f]) == [f]
    now[0] = 1.0
    assert monitor.update([]) == [f], "still shown within the linger time"
    now[0] = 3.5
    assert monitor.update([]) == []
    g = Finding("diverged", "problem", "m", "a", {})
    now[0] = 4.0
    assert monitor.update([f, g]) == [g, f]


def test_diagnose_imports_no_textual():
    code = "import sys, tuinn.diagnose, tuinn.runs; sys.exit('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("preset,lr,epochs", [("sum-relu-random", 0.05, 1000),
                                              ("sinpoly", 1e10, 100)])
def test_a_loss_that_grows_astronomically_is_diagnosed_not_a_crash(preset, lr, epochs):
    spec = RunSpec.from_preset(preset)
    spec.train.lr, spec.train.epochs = lr, epochs
    run = Run(spec)
    run.train()
    findings = run.diagnose()
    assert any(f.code in ("diverged", "exploding") for f in findings), findings
    assert all(f.message for f in findings)


def test_exp_lr2_is_the_output_bias_at_its_stability_limit():
    """004's lr = 2: not unscaled inputs (they are in [-5, 5]) but the rate, exactly at
    the limit 2 of the output bias, whose curvature under ½·mse is 1."""
    run = finished("exp-lr2")
    findings = run.diagnose(surface="cli")
    f = one(findings, "unstable-rate")
    assert f.severity == "problem"
    assert f.evidence["stability"]["direction"] == "b2[0]"
    assert f.evidence["stability"]["lam"] == pytest.approx(1.0, rel=1e-3)
    assert "sits at the stability limit 2 of b2[0]" in f.message and "flips sign" in f.message
    assert f.options[0]["changes"]["train.lr"] <= 1.0
    assert "unscaled-inputs" not in codes(findings)
    s = one(findings, "saturated-units")
    assert "learning rate blew the first-layer weights up" in s.message
    assert "Standardize" not in s.advice


def test_an_oscillation_from_the_first_epochs_is_dated_from_them():
    f = one(finished("sinpoly-lr1").diagnose(), "oscillating")
    start = f.evidence["start_epoch"]
    assert start <= 5 and (f"since epoch {start}" in f.message
                           or f"from epoch {start}" in f.message)


def test_collapsed_copies_in_an_underfitting_net_are_told_to_break_symmetry():
    f = one(finished("sinpoly-h2").diagnose(surface="cli"), "duplicate-units")
    assert f.severity == "warning" and f.evidence["underfits"]
    assert ("--init glorot" in f.advice or "--init-seed" in f.advice) and "--hidden" not in f.advice
    assert "Fewer units" not in f.message + f.advice


def test_a_net_that_learned_no_class_because_its_units_died_is_not_told_to_train_longer():
    run = finished("spiral", model__hidden_units=3, model__activation="relu",
                   train__optimizer="momentum", train__lr=0.3)
    findings = run.diagnose(surface="cli")
    assert "all-units-dead" in codes(findings)
    f = one(findings, "majority-class")
    assert "Act on the findings above" in f.advice and "longer" not in f.advice
    # Without such a cause (a rate far too small, 10 epochs), the advice stays.
    slow = finished("spiral", train__optimizer="sgd", train__lr=1e-5, train__epochs=10)
    assert "Train longer" in one(slow.diagnose(surface="cli"), "majority-class").advice
