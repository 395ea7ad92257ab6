"""`tuinn train --repair`: each finding's advice tried on a copy, with the proof
(tuinn.experiments)."""

import json
import subprocess
import sys

import pytest
from tuinn import presets
from tuinn.runs import Run, RunSpec, experiments


def trained(name):
    run = Run(RunSpec.from_dict(presets.get(name)))
    run.train(run.spec.train.epochs)
    return run


def test_a_linear_hidden_layer_is_repaired_by_a_nonlinear_one_and_the_copy_is_saved(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tuinn", "train", "--preset", "linear-hidden",
                           "--repair", "--json", "--save", str(tmp_path / "kept")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["repair"]
    fix = next(r for r in rows if r["finding"] == "linear-collapse")
    assert fix["adopted"] and "--activation" in fix["flags"]
    assert fix["loss_after"] * experiments.PROVEN <= fix["loss_before"]
    assert sum(r["adopted"] for r in rows) == 1
    saved = Run.load(tmp_path / "kept")
    assert saved.net.hidden != "linear"
    assert saved.trainer.history["loss"][-1] == pytest.approx(fix["loss_after"], rel=1e-12)


def test_standardized_targets_are_judged_in_the_targets_own_units():
    run = trained("coverage-bad")
    rows = experiments.attempts(run, run.diagnose(surface="cli"), run.epoch)
    fix = next(r for r in rows if r.finding == "unscaled-targets")
    copy = fix.run
    assert copy.dataset.y_scaler is not None
    # Its own history is in standardized units, far below; the judged loss is not.
    assert copy.trainer.history["loss"][-1] < fix.after / 100
    raw = copy.net.predict(copy.dataset.X) * copy.dataset.y_scaler.scale \
        + copy.dataset.y_scaler.mean
    target = run.dataset.Y
    assert fix.after == pytest.approx(0.5 * ((raw - target) ** 2).mean(), rel=1e-9)


def test_the_table_says_what_was_tried_and_what_cannot_be():
    run = trained("body-metrics")
    rows = experiments.attempts(run, run.diagnose(surface="cli"), run.epoch)
    table = experiments.format_table(rows)
    assert table.splitlines()[0].split() == ["finding", "fix", "tried", "before", "after",
                                             "adopted"]
    assert "--standardize" in table
    for row in rows:
        assert row.after is not None or row.note, row
    assert experiments.format_table([]) == "repair: no finding had advice to try"


def test_a_proven_restore_best_puts_the_best_weights_back():
    from tuinn.diagnose import Finding
    run = trained("exp-lr2")            # its loss climbed far above its best
    epoch, best = run.trainer.best
    back = Finding("oscillating", "warning", "", "", {}, options=(
        {"text": "Go back to the best weights", "changes": {}, "action": "restore-best",
         "arg": epoch},))
    rows = experiments.attempts(run, [back], run.epoch)
    assert rows[0].after == best and rows[0].gain >= experiments.PROVEN and rows[0].adopted
    assert experiments.adopt(run, rows) is run
    assert run.net.objective(run.dataset.X, run.dataset.Y) == pytest.approx(best, rel=1e-12)


def test_a_copy_of_a_run_goes_on_alone_and_bit_identically():
    run = trained("exp")
    twin = run.copy()
    twin.train(200)
    assert run.epoch == 1000 and twin.epoch == 1200, "the original does not move"
    run.train(200)
    assert (run.net.theta == twin.net.theta).all()
    assert (run.trainer.history["loss"] == twin.trainer.history["loss"]).all()


def test_the_proof_says_the_fix_and_its_numbers_and_a_cancel_stops_the_tries():
    run = trained("exp-lr2")
    rows = experiments.attempts(run, run.diagnose(surface="app"), run.epoch)
    chosen = next(a for a in rows if a.adopted)
    assert chosen.proof() == (f"lr 0.5: loss {chosen.after:.3g} after 1,000 epochs, "
                              f"against {chosen.before:.3g} now")
    assert chosen.before > 1e4 and chosen.after < 0.01
    assert experiments.attempts(run, run.diagnose(surface="app"), run.epoch,
                           cancelled=lambda: True) == []


def test_a_fix_that_changes_no_setting_is_named_by_what_it_does():
    """A proof read "Tried on a copy, Nothing to do unless the fit needs more
    bends; ...: loss ..." (the option's advice in place of the fix)."""
    attempt = experiments.Attempt("linear-on-data", "Nothing to do unless the fit needs more "
                                  "bends", "", 10.0, 11.0, "train", action="reinit", epochs=400)
    assert attempt.proof() == "new initial weights: loss 11 after 400 epochs, against 10 now"


def test_weights_not_trained_here_are_judged_against_a_copy_trained_as_long():
    """At epoch 0 (weights from elsewhere, or a preset's start) each fix is
    trained the epoch limit and compared with the weights trained as long,
    never with the untrained weights."""
    run = Run(RunSpec.from_preset("coverage-bad"))
    found = experiments.measure(run, "cli", seconds=60)
    tried = [a for a in found.attempts if a.after is not None and a.action != "restore-best"]
    assert tried and run.epoch == 0
    trained = Run(RunSpec.from_preset("coverage-bad"))
    trained.train()
    for attempt in tried:
        assert attempt.epochs == trained.epoch
        assert attempt.before == pytest.approx(trained.metrics()["train_loss"], rel=1e-12)
