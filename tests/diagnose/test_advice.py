"""Advice fits the run and the surface: keys in the app, flags in `tuinn train`,
calls in the API; never what is already set; plain words."""

import re

import pytest
from tuinn import presets
from tuinn.diagnose.advice import Option, change, pending, render, round_below
from tuinn.runs import Run, RunSpec

JARGON = ("|r|", "affine", "ConvergenceWarning")


def test_each_surface_words_a_change_its_own_way():
    option = [Option("Lower the learning rate", [change("train.lr", 0.5)], "restart")]
    assert render(option, "cli") == "Lower the learning rate: --lr 0.5."
    assert "trainer.set(lr=0.5)" in render(option, "api")
    app = render(option, "app")
    assert "lr 0.5" in app and "r to start again" in app and "--" not in app


def test_booleans_become_on_and_off_flags():
    on = [Option("Standardize the inputs", [change("data.standardize_inputs", True)])]
    off = [Option("Keep the order", [change("train.shuffle", False)])]
    assert render(on, "cli").endswith("--standardize.")
    assert render(off, "cli").endswith("--no-shuffle.")


def test_what_is_already_set_is_never_proposed():
    options = [Option("Try adam", [change("train.optimizer", "adam")]),
               Option("Try tanh", [change("model.activation", "tanh")])]
    current = {"train.optimizer": "adam", "model.activation": "relu"}.get
    text = render(pending(options, current), "cli")
    assert "adam" not in text and "--activation tanh" in text
    assert render(pending(options[:1], current), "cli") == ""


@pytest.mark.parametrize("x,want", [(0.7, 0.5), (2.0, 2.0), (1.999, 1.0), (3e-5, 2e-5),
                                    (0.0, None), (float("inf"), None)])
def test_round_below_gives_a_rate_a_person_would_type(x, want):
    assert round_below(x) == want


PRESETS = ["exp-lr2", "exp-lr5", "exp-lr1", "sum-relu", "coverage-bad", "body-metrics",
           "spiral", "linear-hidden", "sinpoly-h2", "and-delta"]


@pytest.fixture(scope="module")
def trained():
    runs = {}
    for name in PRESETS:
        run = Run(RunSpec.from_preset(name))
        run.train()
        runs[name] = run
    return runs


@pytest.mark.parametrize("name", PRESETS)
def test_preset_advice_speaks_the_surface_and_never_repeats_the_run(name, trained):
    run = trained[name]
    for f in run.diagnose(surface="cli"):
        assert not re.search(r"\((r|b|a|m|h|\+|-)\)|Settings tab|press ", f.advice), f.advice
        for option in f.options:
            for key, value in option["changes"].items():
                assert run.spec.get(key) != value or len(option["changes"]) > 1, (f.code, key)
        assert not any(word in f.message + f.advice for word in JARGON)
    for f in run.diagnose(surface="app"):
        assert not re.search(r"(^|\s)--[a-z]", f.advice), f.advice
    for f in run.diagnose(surface="api"):
        assert "--" not in f.advice and "Settings tab" not in f.advice


def test_no_preset_is_told_converged_beside_a_problem(trained):
    for name, run in trained.items():
        findings = run.diagnose()
        if any(f.severity == "problem" for f in findings):
            assert "converged" not in [f.code for f in findings], name


def test_every_preset_gets_a_diagnosis_without_failure():
    for name in presets.names():
        run = Run(RunSpec.from_preset(name))
        run.train(min(run.spec.train.epochs, 300))
        assert "diagnosis-incomplete" not in [f.code for f in run.diagnose()], name
