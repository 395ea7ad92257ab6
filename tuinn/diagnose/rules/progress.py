"""Progress, judged relative to the loss for every optimizer: converged,
still improving, too slow, stalled, or underfitting."""

import math

import numpy as np

from tuinn.data import accuracy
from tuinn.diagnose import prognosis
from tuinn.diagnose.advice import Option, change, round_below
from tuinn.diagnose.rules.words import g

SLOW_PRODUCT = 1e-3        # lr * λmax below this: steps far smaller than the surface allows
FLAT_GAIN = 1.1            # 10x more epochs lowering the loss by less than this: flat
CAPACITY_GAIN = 1.5        # a change that lowers the mse this much from a fresh start helps
HALF_LIMIT = 0.5           # lr / its stability limit from which the rate is not too small


def gain_of_more_epochs(best, share=0.25):
    """By what factor 10x more epochs would lower the best loss, extrapolating the
    best-so-far curve's slope (on log-log axes) over the last `share` of the
    run: by default its last quarter, recent enough to see a loss that has
    levelled off."""
    end = len(best) - 1
    start = max(int(end * (1 - share)), 1)
    if end < 4 or best[end] <= 0 or start >= end:
        return 1.0
    slope = math.log(best[start] / best[end]) / math.log(end / start)
    return float(10 ** min(slope, 30.0))


def progress(case):
    """progress, judged relative to the loss for every optimizer"""
    loss = case.loss
    if case.has("diverged", "exploding") or case.epochs < 5 or not np.all(np.isfinite(loss)):
        return []
    if case.continuation is not None and case.continuation.status.diverged:
        return []       # more epochs blow up: the rate's finding says so, measured
    gain = case.gain
    basis = "measured" if case.measured else "estimated"
    evidence = {"gain_of_10x_epochs": gain, "epochs": case.epochs, "prognosis": basis,
                "continuation": case.continuation.to_dict() if case.continuation else None}
    how = case.prognosis_words()
    exact = loss[-1] <= 1e-12 * max(float(loss[0]), 1e-300) or (
        case.net.loss == "squared" and case.mse <= 1e-10 * max(case.variance, 1e-300))
    if exact:
        return [case.finding(
            "converged", "info",
            f"Converged: the loss is {g(float(loss[-1]))}, the net fits its training rows "
            "almost exactly.", [] if case.warned() else
            [Option("Nothing more to gain from these rows; judge the net on rows it has not "
                    "seen")], evidence)]
    at_limit = case.max_epochs is not None and case.epochs >= case.max_epochs
    slow = _slow(case, gain)
    if gain >= FLAT_GAIN:
        out = slow + _crawling(case, evidence)
        rising = any(f.code == "overfitting" and f.evidence.get("rising") for f in case.read())
        copy = case.continuation
        if at_limit and copy is not None and case.measured and copy.test_rises:
            # The training loss would fall, the test loss rises: the rows' noise is
            # what more epochs would learn.
            out.append(case.finding(
                "still-improving", "info",
                f"Stopped at the epoch limit {case.epochs:,} while the training loss was still "
                f"falling, but more epochs would not help: {how}, while the test loss rose "
                f"from {g(copy.test_before)} to {g(copy.test_after)}. What is left to learn "
                "is the noise of the training rows.",
                [Option("Keep the epoch limit; more rows or a penalty lower the test loss")],
                evidence | {"test_rises": True}, basis=basis))
        elif at_limit and not rising:     # more epochs would only overfit further
            out.append(case.finding(
                "still-improving", "info",
                f"Stopped at the epoch limit {case.epochs:,} while the loss was still falling: "
                f"10x more epochs would lower it by {_times(gain)}, {how}.",
                [Option("Raise the epoch limit", [change("train.epochs",
                                                         min(10 * case.epochs, 10 ** 8))])],
                evidence, basis=basis))
        return out
    if slow:
        return slow
    if case.troubled():
        return [case.finding(
            "stalled", "warning",
            f"Stalled: 10x more epochs would lower the loss by under {FLAT_GAIN - 1:.0%}, "
            f"{how}; the findings above say why.",
            [Option("Act on the findings above")], evidence, basis=basis)]
    best = float(np.min(loss))
    if case.has("oscillating") and loss[-1] > 1.5 * best:
        # The steps' noise, not the model, sets the level the loss bounces at.
        return [case.finding(
            "stalled", "warning",
            f"Stalled at the level of the steps' noise: the loss bounces at "
            f"{g(float(loss[-1]))}, {g(float(loss[-1]) / best)} times its best {g(best)}.",
            [Option("Lower the learning rate", [change("train.lr", case.lower_rate())])]
            + ([Option("Go back to the best weights", action="restore-best",
                       arg=int(np.argmin(loss)))] if np.argmin(loss) < case.epochs else []),
            evidence)]
    if case.underfits():
        return [_underfitting(case, evidence)]
    return [case.finding(
        "converged", "info",
        f"Converged: 10x more epochs would lower the loss by under {FLAT_GAIN - 1:.0%}, {how}, "
        "and a flexible model fits these rows no better.", [] if case.warned() else
        [Option("Nothing more to gain from training; a lower loss needs other inputs or a "
                "different model")], evidence, basis=basis)]


def _times(gain):
    if gain < FLAT_GAIN:
        return "hardly at all"
    return "more than 100x" if gain > 100 else f"about {g(gain)}x"


def _speeds(case):
    """(per epoch now, one plain step at the rate the surface allows): how much the
    loss falls in an epoch now, against |g|²/(2λmax), what one gradient step of
    1/λmax would gain on a quadratic with that curvature."""
    if case.epochs < 5:
        return None
    plain = case.plain_sharp
    if plain is None or plain.lam <= 0:
        return None
    g = case.gradient
    available = float(g @ g) / (2 * plain.lam)
    best = case.best_curve
    k = max(1, case.epochs // 10)
    return max(float(best[-k - 1] - best[-1]) / k, 0.0), available


def too_slow(case):
    """Learning too slowly: an epoch gains a tiny part of what one well-sized step
    could (for plain gradient descent: lr·λmax < SLOW_PRODUCT).  Read from the
    run alone (a loss that blew up or goes up and down is not slow), so that
    rules before the rate's may ask too."""
    speeds = _speeds(case)
    if speeds is None or case.blown_up or case.span is not None or case.sharp is None \
            or case.sharp.ratio >= HALF_LIMIT:
        return False
    now, available = speeds
    return available > 1e-3 * float(case.loss[-1]) and now < 2 * SLOW_PRODUCT * available


def _slow(case, gain):
    # Flat units or outputs, dead units, copies: the surface is flat for a reason
    # that a larger rate does not cure, and the rules for those say so.
    if case.troubled() or not too_slow(case):
        return []
    now, available = _speeds(case)
    base, lr, plain = case.settings["lr"], case.trainer.lr_now, case.plain_sharp
    if case.settings["optimizer"] in ("adam", "rmsprop"):
        advised = round_below(min(100 * lr, 1e-2))
    else:
        advised = round_below(case.sharp.limit / 4)
    scheduled = case.settings["schedule"] != "constant" and lr < base / 10
    if scheduled:
        why = (f"the {case.settings['schedule']} schedule has brought the rate down from "
               f"{g(base)} to {g(lr)}")
        options = [Option("Keep the rate constant", [change("train.schedule", "constant")])]
    else:
        why = f"lr {g(lr)} is far too small"
        options = [Option("Raise the learning rate", [change("train.lr", advised)])]
    return [case.finding(
        "lr-too-small", "warning",
        f"Learning too slowly: an epoch now lowers the loss by {g(now)}, while one plain "
        f"gradient step of the size this surface allows (1/λmax = {g(1 / plain.lam)}) would "
        f"lower it by about {g(available)}; {why} (10x more epochs would lower the loss by "
        f"{_times(gain)}, {case.prognosis_words()}).", options,
        {"stability": plain.to_dict(), "gain_of_10x_epochs": gain, "loss_per_epoch": now,
         "one_good_step": available})]


def _what_flexible_reaches(case):
    """(the net's score against a flexible model's, in words; the flexible score)."""
    flex = case.flexible
    if case.classify:
        theirs = flex.train_accuracy if case.small else flex.held_out_accuracy
        what = (f"training accuracy {accuracy(case.O, case.Y):.1%}, while a flexible "
                f"model reaches {theirs:.1%}")
    else:
        theirs = flex.train_mse if case.small else flex.held_out_mse
        what = f"mse {case.mse:.4g}, while a flexible model reaches {theirs:.4g}"
    return what + ("" if case.small else " on rows it did not see"), theirs


def _more_units(case):
    h = case.net.n_hidden
    return max(2 * h, h + 4)


def _crawling(case, evidence):
    """Too few units while the loss still falls: measured, more units reach a
    clearly lower mse in the same epochs from a fresh start."""
    if case.troubled() or not case.underfits() or case.net.n_hidden == 0:
        return []
    wider = _more_units(case)
    tried = case.restart(f"{wider} hidden units", model={"units": wider})
    # Capacity, not time, holds it back: more units in the same epochs must do
    # more than ten times the epochs do with these units.
    if tried is None or tried.gain < max(CAPACITY_GAIN, case.gain):
        return []
    what, theirs = _what_flexible_reaches(case)
    return [case.finding(
        "underfitting", "warning",
        f"Too few units: the loss still falls, but slowly, at {what}; {tried.words()}, "
        f"while 10x the epochs would lower the loss {_times(case.gain)} "
        f"({case.prognosis_words()}).",
        [Option("Use more hidden units", [change("model.hidden_units", wider)], "restart")],
        evidence | {"flexible": theirs, "more_units": tried.to_dict()}, basis="measured")]


def _underfitting(case, evidence):
    """Stopped short of what a flexible model reaches: more units and another
    start are each tried from a fresh start when there is time, and only what
    helped is advised."""
    h = case.net.n_hidden
    what, theirs = _what_flexible_reaches(case)
    wider = _more_units(case)
    more = case.restart(f"{wider} hidden units", model={"units": wider}) if h else None
    start = case.reinit()
    seed = dict(start.changes).get("init.seed", case.init_drawn[1] + 1)
    other = case.restart("another initial draw", model={"seed": seed})
    evidence = evidence | {"flexible": theirs,
                           "more_units": more.to_dict() if more else None,
                           "other_start": other.to_dict() if other else None}
    more_option = Option("Use more hidden units", [change("model.hidden_units", wider)],
                         "restart")
    if more is None and other is None:
        why = (f"{h} hidden unit{'s' if h != 1 else ''} may be too few for this data, or this "
               "start found a poor minimum (not measured)")
        options = [more_option, start]
    else:
        helped = [(tried, option) for tried, option in ((more, more_option), (other, start))
                  if tried is not None and tried.gain >= CAPACITY_GAIN]
        said = prognosis.together([tried for tried in (more, other) if tried is not None])
        why = (f"{said}" if helped else f"neither helps: {said}") + "."
        options = [option for _, option in helped]
        if not helped:
            options = [Option("Give the net other inputs (features), or accept this level")]
    return case.finding(
        "underfitting", "warning",
        f"Underfitting: the loss has stopped falling ({case.prognosis_words()}) at {what}. "
        + why[0].upper() + why[1:], options, evidence,
        basis="measured" if (more or other) and case.measured else evidence["prognosis"])
