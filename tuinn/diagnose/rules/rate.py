"""The learning rate against the loss's curvature: divergence, a loss that
explodes, a rate past its stability limit, and ups and downs."""

import math

import numpy as np

from tuinn.diagnose.advice import Option, change
from tuinn.diagnose.rules.words import g

WINDOW = 100               # recent epochs looked at for ups and downs
RISE_SHARE = 0.2           # share of epochs that rise, from which the loss oscillates
AT_LIMIT = 0.05            # lr within this share of its stability limit sits at it
UNSTABLE_RATIO = 0.95      # lr / limit from which a loss that stays up is the rate's doing
OVERSHOOT_RATIO = 0.9      # lr / limit from which ups and downs are the steps overshooting
HEAVY_MOMENTUM = 0.9       # momentum above this overshoots on its own


def _stability(sharp):
    """lr against its limit in words, or "" when the curvature is unknown."""
    if sharp is None or not math.isfinite(sharp.limit):
        return ""
    where = f" of {sharp.direction}" if sharp.direction else ""
    if abs(sharp.ratio - 1) <= AT_LIMIT:
        against = f"sits at the stability limit {g(sharp.limit)}"
    elif sharp.ratio > 1:
        against = f"is {g(sharp.ratio)} times the stability limit {g(sharp.limit)}"
    else:
        against = f"is {g(sharp.ratio)} of the stability limit {g(sharp.limit)}"
    return f"lr {g(sharp.lr)} {against}{where} (its curvature {g(sharp.lam)})"


def _at_best(case):
    """The stability sentence at the best weights, for a run that blew up."""
    text = _stability(case.sharp_at_best)
    best = case.trainer.best
    return f"At the best weights (epoch {best[0]}) {text}." if text and best else ""


def _rate_options(case):
    return [Option("Lower the learning rate and start again",
                   [change("train.lr", case.lower_rate())], "restart")]


def rate(case):
    """the learning rate against the loss's curvature"""
    loss = case.loss
    if case.status.diverged:
        epoch = case.status.epoch
        tail = loss[-10:]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            growth = float((tail[-1] / tail[0]) ** (1 / max(len(tail) - 1, 1))) \
                if len(tail) > 1 and tail[0] > 0 else math.inf
        return [case.finding(
            "diverged", "problem",
            f"Training diverged at epoch {epoch}: the loss overflowed, and the weights after "
            f"epoch {epoch - 1} (loss {g(float(loss[-1]))}) were kept. " + _at_best(case),
            _rate_options(case),
            {"epoch": epoch, "last_finite_loss": float(loss[-1]), "growth_per_epoch": growth,
             "stability": _dict(case.sharp_at_best)})]
    if len(loss) < 3 or not np.all(np.isfinite(loss)):
        return []
    best = float(np.min(loss))
    if case.exploding:
        return [case.finding(
            "exploding", "problem",
            f"The loss is {g(float(loss[-1]) / best)} times its best ({g(best)} at epoch "
            f"{int(np.argmin(loss))}) and still rising: each step overshoots. "
            + _at_best(case), _rate_options(case),
            {"loss": float(loss[-1]), "best": best, "best_epoch": int(np.argmin(loss)),
             "stability": _dict(case.sharp_at_best)})]
    span = case.span
    if span is not None and span[1] is None:
        return [_oscillating(case, *span)]
    if loss[-1] > 2 * best and loss[-1] > 1e-12 * loss[0]:
        sharp = case.sharp
        if sharp is not None and sharp.ratio >= UNSTABLE_RATIO:
            flips = ("and the weight flips sign every step instead of settling"
                     if sharp.direction else "and the weights bounce across the valley "
                     "instead of settling")
            return [case.finding(
                "unstable-rate", "problem",
                f"The loss stays at {g(float(loss[-1]))}, {g(float(loss[-1]) / best)} times "
                f"its best: {_stability(sharp)}, so a step along that direction overshoots "
                f"by as much as it moves, {flips}.", _rate_options(case),
                {"loss": float(loss[-1]), "best": best, "stability": sharp.to_dict()})]
    if span is not None:
        return [_oscillating(case, *span)]
    return _blows_up_later(case) or _above_the_limit(case)


def _blows_up_later(case):
    """More epochs, measured on a copy, overflow: whatever the loss shows now,
    the rate cannot go on."""
    copy = case.continuation
    if copy is None or not copy.status.diverged:
        return []
    return [case.finding(
        "unstable-rate", "warning",
        f"More epochs blow up: measured on a copy, the loss overflowed at epoch "
        f"{copy.status.epoch:,}, {copy.status.epoch - copy.start:,} epochs after this one, "
        "though it looks calm now." + (f" Now {_stability(case.sharp)}." if _stability(case.sharp)
                                       else ""),
        [Option("Lower the learning rate", [change("train.lr", case.lower_rate())])],
        {"diverged_at": copy.status.epoch, "stability": _dict(case.sharp)}, basis="measured")]


def _above_the_limit(case):
    """The rate against its limit at every diagnosis, before the trouble shows in
    the loss (a rate just raised, say): above it, two copies say what the next
    WINDOW epochs do as it is and with a lower rate."""
    sharp = case.sharp
    if sharp is None or not math.isfinite(sharp.limit) or sharp.ratio < 1 + AT_LIMIT \
            or case.settings["optimizer"] in ("adam", "rmsprop"):
        return []       # an adaptive step's limit moves with its moments: the loss tells
    lower = case.lower_rate()
    copies = case.switch(epochs=WINDOW, lr=lower)
    evidence = {"stability": sharp.to_dict()}
    if copies is None:
        what, basis, severity = ("a step along that direction overshoots by more than it "
                                 "moves, so the loss will soon go up and down or blow up "
                                 "(an estimate: not measured)"), "estimated", "warning"
    else:
        as_is, lowered = (copy.history["loss"] for copy in copies)
        now, after, after_lower = float(case.loss[-1]), float(as_is[-1]), float(lowered[-1])
        rose = float(np.mean(np.diff(as_is[-WINDOW - 1:]) > _floor(as_is[-WINDOW - 1:],
                                                                    case.loss[0])))
        worse = not math.isfinite(after) or after > now or rose >= RISE_SHARE
        if not worse:
            return []   # measured: the weights find a flatter region on their own
        what = (f"measured on copies, the next {WINDOW} epochs take the loss from {g(now)} to "
                f"{g(after)} (up in {rose:.0%} of them) as it is, and to {g(after_lower)} with "
                f"lr {g(lower)}")
        basis, severity = "measured", "warning"
        evidence |= {"loss_now": now, "loss_as_is": after, "loss_lowered": after_lower,
                     "share_up": rose}
    return [case.finding(
        "unstable-rate", severity,
        f"The rate is above its stability limit before the loss shows it: {_stability(sharp)}; "
        f"{what}.", [Option("Lower the learning rate", [change("train.lr", lower)])], evidence,
        basis=basis)]


def _dict(sharp):
    return sharp.to_dict() if sharp is not None else None


def _oscillating(case, start, end):
    loss = case.loss
    settled = end is not None
    window = loss[start:end + 1] if settled else loss[-WINDOW - 1:]
    share = float(np.mean(np.diff(window) > _floor(window, loss[0])))
    best_epoch, best_loss = case.trainer.best or (int(np.argmin(loss)), float(np.min(loss)))
    sharp = None if settled else case.sharp
    text = _stability(sharp)
    batch = case.settings["batch_size"]
    minibatch = batch is not None and batch < len(case.X)
    unstable = bool(text) and sharp.ratio >= OVERSHOOT_RATIO
    if unstable:
        cause = f" Now {text}: the steps overshoot along that direction."
    elif minibatch:
        cause = (f" The steps follow mini-batches of {batch} rows, each a noisy estimate of "
                 "the whole set's gradient: some noise is normal.")
    else:
        cause = ""
    smooth = ", after falling smoothly" if start > 10 else ""
    if settled:
        return case.finding(
            "oscillating", "info",
            f"The loss went up and down from epoch {start} to epoch {end}{smooth} (up in "
            f"{share:.0%} of those "
            f"epochs), then settled: the rate was too large for the start, where the surface "
            "is sharper, and the weights found a flatter region.",
            [Option("A lower rate would learn without the detour",
                    [change("train.lr", case.lower_rate())], "restart")],
            {"start_epoch": start, "end_epoch": end, "share_up": share,
             "best_loss": float(best_loss), "best_epoch": int(best_epoch)})
    lower = Option("Lower the learning rate", [change("train.lr", case.lower_rate())])
    options = [lower]
    momentum, optimizer = case.settings["momentum"], case.settings["optimizer"]
    if optimizer in ("momentum", "nesterov") and momentum > HEAVY_MOMENTUM:
        options.insert(0, Option(f"Lower the momentum {momentum:g}, whose steps overshoot",
                                 [change("train.momentum", HEAVY_MOMENTUM)]))
    tried = _lower_rate_tried(case) if optimizer != "sgd" else None
    basis, over = "observed", False
    if tried is not None:
        rate, as_is, lowered = tried
        basis = "measured"
        what = (f" Measured on copies over the next {WINDOW} epochs: with lr {g(rate)} the "
                f"loss rose in {lowered:.0%} of them, against {as_is:.0%} as it is")
        if as_is < RISE_SHARE:
            # They die out by themselves: nothing to change.
            over = True
            options = [o for o in options if o.action == "restore-best"]
            cause += what + ": they die out by themselves."
        elif lowered < min(RISE_SHARE, as_is / 2):
            cause += what + ": the rate causes them."
        else:
            # The rate is not the cause: the optimizer's own overshoot, or its noise.
            options.remove(lower)
            cause += what + (f": not the rate, but {optimizer}'s own steps" +
                             (" and the mini-batches' noise" if minibatch else "") + ".")
            if optimizer in ("momentum", "nesterov") and momentum <= HEAVY_MOMENTUM:
                options.insert(0, Option(f"Lower the momentum {momentum:g}",
                                         [change("train.momentum", round(momentum / 2, 2))]))
    if minibatch and not unstable and not over:
        options.append(Option("Use larger batches", [change("train.batch_size", batch * 4)]))
    if best_epoch < case.epochs:
        options.append(Option("Go back to the best weights", action="restore-best",
                              arg=int(best_epoch)))
    return case.finding(
        # Ups and downs that hold nothing back (the net fits as well as a flexible
        # model) or that die out are worth knowing, not a warning.
        "oscillating", "info" if (minibatch and not unstable) or over or not case.underfits()
        else "warning",
        f"The loss has gone up and down since epoch {start}{smooth} (up in {share:.0%} of the last "
        f"{len(window) - 1} epochs); its best was {g(float(best_loss))} at epoch "
        f"{best_epoch}." + cause, options,
        {"start_epoch": start, "share_up": share, "best_loss": float(best_loss),
         "best_epoch": int(best_epoch), "stability": _dict(sharp),
         "lower_rate_tried": None if tried is None else
         {"lr": tried[0], "share_up_as_is": tried[1], "share_up_lowered": tried[2]}},
        basis=basis)


def _lower_rate_tried(case):
    """(the lower rate, the share of epochs that rose as it is, with it) on two
    copies trained WINDOW more epochs from here; None without the time."""
    rate = case.lower_rate()
    copies = case.switch(epochs=WINDOW, lr=rate)
    if copies is None:
        return None
    shares = []
    for copy in copies:
        tail = np.asarray(copy.history["loss"][-WINDOW - 1:], dtype=float)
        shares.append(float(np.mean(np.diff(tail) > _floor(tail, case.loss[0]))))
    return rate, shares[0], shares[1]


def _floor(loss, start):
    """Rises smaller than this are rounding, not oscillation: relative to the loss
    itself and to the starting loss, whose scale sets float64's noise."""
    return 1e-9 * np.abs(loss[1:]) + 1e-13 * abs(float(start))


def oscillation(loss):
    """(start, end) of the stretch in which the loss rose in at least RISE_SHARE of
    the epochs; end is None while it goes on (the recent epochs rise that often
    too).  None when the loss never oscillated."""
    if len(loss) < 6:
        return None
    ups = np.flatnonzero(np.diff(loss) > _floor(loss, loss[0])) + 1   # epochs that rose
    if len(ups) < 3:
        return None
    last = len(loss) - 1
    tail = min(WINDOW, last)
    recent = loss[-tail - 1:]
    if np.count_nonzero(ups > last - tail) >= RISE_SHARE * tail:
        # Ups and downs too small to matter (an adaptive optimizer's jitter at its
        # minimum) are not an oscillation: the recent range must be 1 % of the loss.
        if np.ptp(recent) <= 0.01 * np.min(np.abs(recent)):
            return None
        share = (len(ups) - np.arange(len(ups))) / (last - ups + 1)   # from each rise on
        i = int(np.argmax(share >= RISE_SHARE))
        return (int(ups[i]) - 1, None) if share[i] >= RISE_SHARE else None
    # Calm now: did it oscillate before?  The first rise to the last, densely enough.
    first, end = int(ups[0]), int(ups[-1])
    if len(ups) >= 8 and len(ups) >= RISE_SHARE * (end - first + 1):
        return first - 1, end
    return None
