"""Two runs side by side, without the screen: one pace for both, keys that act
on both or on one, and the lines that say what differs (tuinn --compare)."""

import threading
import time

import pytest
from tuinn import presets
from tuinn.diagnose.compare import differences, first_sentence, loss_line
from tuinn.diagnose.findings import Finding
from tuinn.engine import penalties
from tuinn.errors import TuinnError
from tuinn.runs import Run, RunSpec
from tuinn.runs.run import metrics_of
from tuinn.tui.pair import Pair
from tuinn.tui.session import Session


def pair_of(a, b, **changes):
    sessions = []
    for name in (a, b):
        spec = RunSpec.from_preset(name)
        for key, value in changes.items():
            spec.set(key, value)
        sessions.append(Session(spec, paused=True))
    return Pair(*sessions)


def side(run):
    return (run.spec, metrics_of(run.net, run.dataset, penalties(run.trainer.settings)),
            run.diagnose("app"))


def trained(name, epochs=None):
    run = Run(RunSpec.from_preset(name))
    run.train(epochs or run.spec.train.epochs)
    return run


def test_at_full_speed_neither_run_gets_ahead_however_different_their_cost():
    # sinpoly-h11 costs several times more per epoch than exp (12 units, not 3).
    pair = pair_of("exp", "sinpoly-h11", **{"train.epochs": 100_000})
    pair.set_speed(None)
    cheap, dear = pair.sessions
    stop = threading.Event()
    worker = threading.Thread(target=pair.play, args=(stop.is_set,))
    pair.toggle_pause()
    worker.start()
    gaps = []
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with cheap.lock, dear.lock:
            gaps.append((cheap.run.epoch, dear.run.epoch))
    stop.set()
    pair.wake.set()
    worker.join(5)
    assert gaps[-1][1] > 100, "both trained"
    most = max(abs(a - b) for a, b in gaps)
    assert most <= max(cheap.per_call(), dear.per_call()) + 1, gaps[-5:]


def test_one_pace_the_slower_default_and_f_changes_both():
    pair = pair_of("exp", "exp-long")          # 1,000 and 10,000 epochs
    a, b = pair.sessions
    assert a.speed == b.speed and a.speed >= 1000, "the longer run plays out in time"
    pair.change_speed(1)
    assert a.speed == b.speed and a.speed > 1000


def test_keys_act_on_both_runs_or_on_the_one_picked():
    pair = pair_of("exp", "exp")
    a, b = pair.sessions
    pair.apply(lambda s: s.scale_lr(2.0))
    assert a.run.trainer.settings["lr"] == b.run.trainer.settings["lr"] == 0.2
    pair.next_target()
    assert pair.target == "A" and "keys now change run A" in a.notice
    pair.apply(lambda s: s.hidden_units(1))
    assert (a.run.spec.model.hidden_units, b.run.spec.model.hidden_units) == (3, 2)
    pair.next_target()
    pair.apply(lambda s: s.set_field("model.activation", "tanh"))
    assert (a.run.spec.model.activation, b.run.spec.model.activation) == ("sigmoid", "tanh")
    pair.next_target()
    assert pair.target == "both"
    with pytest.raises(TuinnError) as refused:
        pair.apply(lambda s: s.set_field("train.lr", "-1"))
    error = str(refused.value)
    assert error.startswith("A: ") and "; B: " in error, "each refusal names its run"


def test_space_runs_both_when_one_is_paused_and_pauses_both_when_both_run():
    pair = pair_of("exp", "exp")
    a, b = pair.sessions
    pair.next_target()                          # A only
    pair.toggle_pause()
    assert (a.state, b.state) == ("running", "paused")
    pair.target = "both"
    pair.toggle_pause()
    assert (a.state, b.state) == ("running", "running")
    pair.toggle_pause()
    assert (a.state, b.state) == ("paused", "paused")


def test_every_pair_of_presets_differs_in_what_the_situation_is_about():
    names = set(presets.names())
    for a, b, what in presets.PAIRS:
        assert {a, b} <= names and what
    lines = differences(side(trained("linear-hidden")), side(trained("sigmoid-hidden")))
    assert "settings (A / B): model.activation linear / sigmoid" in lines
    assert any(line.startswith("only A: As the hidden layer is linear") for line in lines)
    assert any(line.startswith("loss: A 0.00") and "(B's is" in line for line in lines)


def test_the_lines_name_the_region_one_init_leaves_uncovered():
    lines = differences(side(trained("coverage-good")), side(trained("coverage-bad")))
    assert lines[0].startswith("only B: No hidden unit is active for x <"), lines
    assert "settings (A / B): init.weights W1 [1 -1] b1 [3 3] / W1 [1 1] b1 [3 -3]" in lines


def test_the_same_run_twice_is_said_to_be_the_same():
    run = trained("exp", 50)
    lines = differences(side(run), side(run))
    assert lines[0] == "diagnosis: the same findings for both runs"
    assert any("(alike)" in line for line in lines)
    assert lines[-1].startswith("settings: the same")
    spec, metrics, _ = side(run)
    assert differences((spec, metrics, None), (spec, metrics, []))[0] == \
        "diagnosis: not yet made for both runs"


@pytest.mark.parametrize("a, b, says", [
    (0.5, 0.005, "(B's is 100x lower)"),
    (1.0, 1.1, "(alike)"),
    (float("inf"), 0.2, "(A's has blown up)"),
    (0.0, 0.3, "(A's is far lower)"),
])
def test_loss_line_says_which_is_lower_and_by_how_much(a, b, says):
    line = loss_line({"train_loss": a}, {"train_loss": b})
    assert line.startswith("loss: A ") and line.endswith(says)
    assert loss_line({}, {"train_loss": b}) is None


def test_findings_of_one_run_only_come_problems_first():
    def finding(code, severity, message):
        return Finding(code, severity, message, "", {})
    a = [finding("stalled", "warning", "Stalled. More."), finding("same", "info", "x")]
    b = [finding("same", "info", "x"), finding("dead", "problem", "Dead units. Why.")]
    assert differences((RunSpec(), {}, a), (RunSpec(), {}, b))[:2] == [
        "only B: Dead units.", "only A: Stalled."]
    assert first_sentence("word " * 40).endswith(" …")


def test_space_pauses_the_run_that_can_run_when_the_other_has_diverged():
    pair = pair_of("exp", "exp-lr5")
    a, b = pair.sessions
    b.step(400)                                 # exp-lr5 overflows at epoch 193
    assert b.state == "diverged"
    pair.toggle_pause()
    assert a.state == "running"
    pair.toggle_pause()
    assert a.state == "paused", "the diverged run does not keep the other running"


def test_losses_in_different_units_are_not_set_against_each_other():
    lines = differences(side(trained("and-squared", 200)), side(trained("and-cross-entropy", 200)))
    loss = next(line for line in lines if line.startswith("loss: "))
    assert loss.endswith("(not comparable: the losses differ)") and "lower" not in loss


def test_large_hand_set_weights_name_the_arrays_that_differ():
    from tuinn.diagnose.compare import _pair

    a = {"W1": [[1.0] * 5], "b1": [0.0] * 5, "W2": [[1.0]] * 5, "b2": [0.0]}
    b = {**a, "b1": [1.0] * 5}
    assert _pair("init.weights", a, b) == "set by hand, b1 differ"
    assert _pair("init.weights", None, b) == "none / set by hand"
