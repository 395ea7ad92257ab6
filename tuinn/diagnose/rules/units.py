"""The hidden units' health (dead, saturated, linear, duplicated), their
symmetry, and a sigmoid or tanh output stuck flat where it is wrong."""

import numpy as np

from tuinn.activations import HIDDEN
from tuinn.data import accuracy
from tuinn.diagnose.advice import Option, change
from tuinn.diagnose.health import DUPLICATE, SATURATED, health_from_stats
from tuinn.diagnose.rules.data import inputs_scaled
from tuinn.diagnose.rules.progress import FLAT_GAIN, too_slow
from tuinn.diagnose.rules.words import g, is_are, named_units

# An output row is wrong when it misses its target by more than this share of
# the output's range.
WRONG_SHARE = 0.25
# A loss that rose above this multiple of its start blew up.
BLOW_UP = 2.0


def symmetry(case):
    """the symmetry of the hidden units: identical units stay identical"""
    net = case.net
    if net.n_hidden < 2:
        return []
    cols = np.vstack([net.W1, net.b1[None, :], net.W2.T])
    if not np.all(cols == cols[:, :1]):
        return []
    return [case.finding(
        "symmetry", "problem",
        f"All {net.n_hidden} hidden units are identical (the same weights in and out). They "
        "started identical (zeros or a constant init), and identical units get identical "
        "gradients from every batch: they never become different, and the net has the "
        "power of one unit.",
        [Option("Start from random weights", [change("init.scheme", "glorot")], "restart")],
        {"hidden_units": net.n_hidden}, range(net.n_hidden))]


def units(case):
    """the hidden units' health: dead, saturated, linear or duplicated units"""
    if case.has("symmetry"):
        return []
    return _dead(case) + _saturated(case) + _linear_units(case) + _duplicates(case)


def _dead(case):
    net, health = case.net, case.health
    dead = [u["index"] for u in health if {"dead", "off"} & set(u["flags"])]
    if not dead:
        return []
    leaky = Option("Use leaky_relu, whose units never stop learning",
                   [change("model.activation", "leaky_relu")])
    born = _dead_at_start(case, dead)
    lower = Option("Lower the learning rate and start again",
                   [change("train.lr", case.lower_rate())], "restart")
    if born:
        # No rate revives a unit its start put off on every row: a smaller one
        # only slows the others, unless others died in training.
        fixes = [case.reinit("Start from other initial weights"), leaky] + (
            [lower] if len(born) < len(dead) else [])
        one = len(born) == 1
        who = ("It was" if one else "They were") if born == dead else \
            f"{named_units(born)} {'was' if one else 'were'}"
        since = (f" {who} dead from the start: the initial weights put "
                 f"{'it' if one else 'them'} off on every row, so no learning rate revives "
                 f"{'it' if one else 'them'}.")
    else:
        fixes = [lower, leaky]
        since = ""
    if HIDDEN[net.hidden].dies and len(dead) == net.n_hidden:
        b2, mean, constant = net.b2, case.Y.mean(axis=0), case.O[0]
        shown = ", ".join(g(v) for v in b2)
        what = f"b2 = {shown}" if net.output == "linear" else \
            f"{', '.join(g(v) for v in constant)} ({net.output} of b2 = {shown})"
        at_mean = bool(np.allclose(constant, mean, rtol=1e-3, atol=1e-3))
        where = ("gradient descent set it to the mean target "
                 f"{', '.join(g(v) for v in mean)}, the best a constant can do" if at_mean else
                 f"the best constant would be the mean target {', '.join(g(v) for v in mean)}")
        return [case.finding(
            "all-units-dead", "problem",
            f"All {net.n_hidden} hidden units are dead, so the network outputs the constant "
            f"{what} for every input; {where}. A dead ReLU gets no gradient from any row and "
            "cannot come back." + since,
            fixes, {"b2": b2.tolist(), "output": constant.tolist(), "mean_target": mean.tolist(),
                    "dead_at_start": born}, dead)]
    return [case.finding(
        "dead-units", "warning",
        f"{named_units(dead)} {is_are(len(dead))} dead: off on every training row, so a dead ReLU "
        "gets no gradient from any row and cannot come back." + since,
        fixes, {"dead": dead, "active": [u["active"] for u in health], "dead_at_start": born},
        dead)]


def _dead_at_start(case, dead):
    """Of the dead units, those already dead under the run's initial weights:
    the trainer's own record of them, else the run's settings (its scheme and
    seed, or its weights by hand); [] when neither tells."""
    start = getattr(case.trainer, "start_theta", None)
    if start is not None and start.shape == case.net.theta.shape:
        net = case.net.copy()
        net.theta[:] = start
    elif case.spec is not None:
        net = case.fresh_net()
    else:
        return []
    at_start = health_from_stats(net, net.unit_stats(case.X, covariance=False))
    return [j for j in dead if {"dead", "off"} & set(at_start[j]["flags"])]


def _saturated(case):
    net, health = case.net, case.health
    saturated = [u["index"] for u in health if "saturated" in u["flags"]]
    if not saturated:
        return []
    limit = SATURATED * HIDDEN[net.hidden].peak_slope
    worst = max(health[j]["mean_deriv"] for j in saturated)
    big = float(np.max(np.abs(net.W1)))
    loss = case.loss
    blew_up = len(loss) > 1 and float(np.max(loss)) > BLOW_UP * float(loss[0])
    if not inputs_scaled(case.X):
        why = "the inputs are far from order 1, so the weighted sums are large"
        options = [Option("Standardize the inputs", [change("data.standardize_inputs", True)])]
    elif blew_up:
        why = (f"the inputs are of order 1, but the learning rate blew the first-layer weights "
               f"up (largest |W1| = {g(big)}) while the loss rose to {g(float(np.max(loss)))}")
        options = [Option("Lower the learning rate and start again",
                          [change("train.lr", case.lower_rate())], "restart")]
    else:
        why = f"the first-layer weights are large (largest |W1| = {g(big)})"
        options = [Option("Start from smaller weights", [change("init.scheme", "glorot")],
                          "restart"),
                   Option("Lower the learning rate",
                          [change("train.lr", case.lower_rate())], "restart")]
    solved = case.classify and accuracy(case.O, case.Y) == 1.0
    if solved:
        options = []
    return [case.finding(
        "saturated-units", "info" if solved else "warning",
        f"{named_units(saturated)} of {net.n_hidden} {is_are(len(saturated))} saturated: the "
        f"{net.hidden} sits flat (mean derivative at most {g(worst)}, under {g(limit)}), "
        f"so almost no gradient passes through. Why: {why}."
        + (" The net already classifies every training row, so this only slows further "
           "learning." if solved else ""),
        options, {"saturated": saturated, "mean_deriv": [u["mean_deriv"] for u in health],
                  "limit": limit, "largest_w1": big, "loss_blew_up": blew_up}, saturated)]


def _linear_units(case):
    net, health = case.net, case.health
    linear = [u["index"] for u in health if "linear-on-data" in u["flags"]]
    if not linear or len(linear) == net.n_hidden:     # all of them: linear-collapse says it
        return []
    return [case.finding(
        "linear-on-data", "info",
        f"{named_units(linear)} {is_are(len(linear))} active on every row: never bending inside the "
        "data, such a unit adds nothing a linear model could not.",
        [Option("Nothing to do unless the fit needs more bends; new initial weights move "
                "the bends", action="reinit")],
        {"linear_on_data": linear}, linear)]


def _duplicates(case):
    net, health = case.net, case.health
    dupes = [u for u in health if u["duplicate_of"] is not None]
    if not dupes or net.hidden == "linear":     # linear units: linear-collapse says more
        return []
    pairs = ", ".join(f"{u['index']} repeats {u['duplicate_of']}" for u in dupes[:6])
    distinct = net.n_hidden - len(dupes)
    message = (f"{len(dupes)} of {net.n_hidden} units repeat another ({pairs}): their "
               f"activations move together (correlation {DUPLICATE} or more), so the net "
               f"has the power of {distinct} distinct unit{'s' if distinct != 1 else ''}.")
    span = case.span
    unsettled = span is not None and span[1] is None      # oscillating now: not settled
    if (case.gain >= FLAT_GAIN and not case.status.startswith("diverged")) or unsettled \
            or too_slow(case):
        return [case.finding(
            "duplicate-units", "info", message + " The loss is still falling, so they may "
            "yet part.", [], {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes},
                              "still_improving": True}, [u["index"] for u in dupes])]
    if case.underfits():
        scale = case.current("init.scale")
        return [case.finding(
            "duplicate-units", "warning",
            message + " It also fits worse than a flexible model could: the copies are "
            "capacity it needs. Break the symmetry rather than remove units.",
            [case.reinit(),
             Option("Start from larger, more varied weights",
                    [change("init.scheme", "small"),
                     change("init.scale", max(0.5, 4 * (scale or 0.1)))], "restart")],
            {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes},
             "underfits": True}, [u["index"] for u in dupes])]
    return [case.finding(
        "duplicate-units", "info", message + " The fit is as good as a flexible model's, so "
        "fewer units would learn as well and faster.",
        [Option("Use fewer units", [change("model.hidden_units", max(1, distinct))],
                "restart")],
        {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes}, "underfits": False},
        [u["index"] for u in dupes])]


def saturated_output(case):
    """the output units: a sigmoid or tanh output stuck flat where it is wrong"""
    net = case.net
    if net.output not in ("sigmoid", "tanh") or net.loss != "squared" or (
            net.output == "tanh" and float(np.max(np.abs(case.Y))) > 1):
        return []       # out of a tanh's reach: targets-out-of-range says it
    O, Y = case.O, case.Y
    slope = O * (1 - O) / 0.25 if net.output == "sigmoid" else 1 - O * O
    wrong = np.abs(O - Y) > WRONG_SHARE * (1.0 if net.output == "sigmoid" else 2.0)
    stuck = wrong & (slope < SATURATED)
    rows = int(np.count_nonzero(stuck.any(axis=1)))
    if rows == 0:
        return []
    options = [Option("Lower the learning rate and start again",
                      [change("train.lr", case.lower_rate())], "restart")]
    evidence = {"rows": rows, "slope": float(np.min(slope[stuck]))}
    cross = None
    if net.output == "sigmoid":
        options.insert(0, Option("Use cross-entropy, whose gradient o - y never vanishes",
                                 [change("model.loss", "cross_entropy")], "restart"))
        cross = case.restart("cross-entropy", model={"loss": "cross_entropy"})
    # What more epochs do, measured on a copy: a plateau that ends later only
    # slows the run; one that 10x the epochs do not end keeps those rows wrong.
    copy, ends, severity, basis = case.continuation, None, "problem", "observed"
    later = " and those rows stay wrong"
    if case.measured and not copy.status.diverged:
        ends, basis = copy.plateau_end(), "measured"
        if ends is None:
            later = (f", and those rows stay wrong: measured on a copy, {copy.factor:.0f}x the "
                     f"epochs ({copy.start + copy.epochs:,}) do not halve the loss")
        else:
            severity = "warning"
            later = (f": learning crawls there until the weights move it off the flat part; "
                     f"measured on a copy, the plateau ends near epoch {ends:,}, where the loss "
                     "falls under half its level now")
    if cross is not None:
        basis = "measured"
        later += (f". Cross-entropy's gradient never vanishes: {cross.words()}")
        evidence["cross_entropy"] = cross.to_dict()
    evidence["plateau_ends"] = ends
    return [case.finding(
        "saturated-output", severity,
        f"The {net.output} output sits flat on {rows} of {len(O)} training rows where it is "
        f"wrong (it says {g(float(O[stuck][0]))} where the target is "
        f"{g(float(Y[stuck][0]))}): there its derivative is about 0, so squared loss sends "
        f"almost no gradient back{later}.",
        options, evidence, basis=basis)]
