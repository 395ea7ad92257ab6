"""Why a network is not learning, in plain words, with the evidence and the fix.

`diagnose(net, trainer, X, Y)` looks at the weights, the kernel's per-unit
statistics and the loss history, and returns findings (problems first).  It
costs one pass over the data for the unit statistics, plus a gradient pass or
a least-squares solve only when a finding needs one: a few milliseconds for
N = 1000, h = 64 (`tuinn bench` measures it), so the app runs it every frame.

The codes, stable for scripts:
  all-units-dead, dead-units, saturated-units, linear-on-data, duplicate-units
      unit health (docs/math.md#unit-health);
  linear-collapse      the net is an affine map (linear units, or every unit
                       linear on the data) and sits at the best linear fit;
  uncovered-region     1-D ReLU nets: inputs where no unit is active;
  diverged, exploding, oscillating          the learning rate at work;
  converged, stalled, still-improving       scikit-learn's stopping rule;
  unscaled-inputs, unscaled-targets, targets-out-of-range;
  symmetry             identical hidden units stay identical;
  ordered-data         unshuffled mini-batches over rows sorted by target;
  lr-too-small         steady but hopelessly slow progress.

Numpy only, and nothing from Textual: the headless commands use it too.
"""

import dataclasses
import math

import numpy as np

from tuinn.diagnose.health import (
    DUPLICATE,
    MAX_DERIVATIVE,
    RELU_FAMILY,
    SATURATED,
    health_from_stats,
)

SEVERITIES = ("problem", "warning", "info")
SCALE_LIMIT = 4.0          # an input whose |mean| or spread exceeds this is "not order 1"
OSCILLATION_WINDOW = 100   # recent epochs looked at for ups and downs
OSCILLATION_SHARE = 0.2    # share of those epochs in which the loss went up
STABLE_STRETCH = 50        # epochs without a rise that count as "was stable"
ABSURD_EPOCHS = 1_000_000  # projected epochs beyond which progress is hopeless
GAP_VARIATION = 0.05       # share of the targets' variance that a flat stretch cannot follow


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    severity: str          # "problem" | "warning" | "info"
    message: str           # one sentence, with the numbers
    advice: str            # one concrete thing to change
    evidence: dict         # the numbers behind it, JSON-ready
    units: tuple = ()      # hidden units concerned (0-based)

    def to_dict(self):
        return dataclasses.asdict(self)


def _units(indices):
    indices = [int(i) for i in indices]
    word = "Unit" if len(indices) == 1 else "Units"
    shown = ", ".join(str(i) for i in indices[:8]) + (", …" if len(indices) > 8 else "")
    return f"{word} {shown}"


def _g(x):
    return f"{x:.3g}"


def _unit_findings(net, Y, health):
    out = []
    dead = [u["index"] for u in health if {"dead", "off"} & set(u["flags"])]
    if net.hidden == "relu" and len(dead) == net.n_hidden:
        b2, mean = net.b2, Y.mean(axis=0)
        shown = ", ".join(_g(v) for v in b2)
        out.append(Finding(
            "all-units-dead", "problem",
            f"All {net.n_hidden} hidden units are dead, so the network outputs the constant "
            f"b2 = {shown} for every input; gradient descent set it to the mean target "
            f"{', '.join(_g(v) for v in mean)}, the best a constant can do.",
            "Re-initialize (r) with a smaller learning rate, or use leaky_relu: a dead ReLU "
            "gets no gradient from any row and cannot come back.",
            {"b2": b2.tolist(), "mean_target": mean.tolist()}, tuple(dead)))
    elif dead:
        out.append(Finding(
            "dead-units", "warning",
            f"{_units(dead)} {'is' if len(dead) == 1 else 'are'} dead: off on every training "
            "row, so a dead ReLU gets no gradient from any row and cannot come back.",
            "Lower the learning rate and re-initialize (r), or use leaky_relu.",
            {"dead": dead, "active": [u["active"] for u in health]}, tuple(dead)))
    saturated = [u["index"] for u in health if "saturated" in u["flags"]]
    if saturated:
        limit = SATURATED * MAX_DERIVATIVE[net.hidden]
        worst = max(health[j]["mean_deriv"] for j in saturated)
        out.append(Finding(
            "saturated-units", "warning",
            f"{_units(saturated)} of {net.n_hidden} {'is' if len(saturated) == 1 else 'are'} "
            f"saturated: the {net.hidden} sits flat (mean derivative at most {_g(worst)}, "
            f"under {_g(limit)}), so almost no gradient passes through.",
            "Standardize the inputs, or start from smaller weights.",
            {"saturated": saturated, "mean_deriv": [u["mean_deriv"] for u in health],
             "limit": limit}, tuple(saturated)))
    linear = [u["index"] for u in health if "linear-on-data" in u["flags"]]
    if linear and len(linear) < net.n_hidden:
        out.append(Finding(
            "linear-on-data", "info",
            f"{_units(linear)} {'is' if len(linear) == 1 else 'are'} active on every row: "
            "never bending inside the data, it adds nothing a linear model could not.",
            "Nothing to do unless the fit needs more bends; more units or new weights help.",
            {"linear_on_data": linear}, tuple(linear)))
    dupes = [u for u in health if u["duplicate_of"] is not None]
    if dupes and net.hidden != "linear":      # linear units: linear-collapse says more
        pairs = ", ".join(f"{u['index']} repeats {u['duplicate_of']}" for u in dupes[:6])
        out.append(Finding(
            "duplicate-units", "info",
            f"{len(dupes)} of {net.n_hidden} units repeat another ({pairs}): their activations "
            f"correlate at |r| >= {DUPLICATE}, so they do one unit's work.",
            "Fewer units would learn as well and faster.",
            {"duplicates": {u["index"]: u["duplicate_of"] for u in dupes}},
            tuple(u["index"] for u in dupes)))
    return out


# ---------------------------------------------------------------- the model's reach

def _linear_collapse(net, X, Y, health, O):
    all_linear = net.hidden == "linear" or (
        net.hidden in RELU_FAMILY and all("linear-on-data" in u["flags"] for u in health))
    if not all_linear:
        return []
    why = ("the hidden layer is linear" if net.hidden == "linear" else
           "every ReLU is active on every row")
    if net.output != "linear" or net.loss != "squared":
        return [Finding(
            "linear-collapse", "warning",
            f"As {why}, the network is a linear model of its inputs followed by a "
            f"{net.output} output: its decision boundary can only be flat.",
            "Use a nonlinear hidden activation (tanh, relu, sigmoid) to bend it.",
            {"why": why})]
    A = np.column_stack([X, np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
    best = float(np.mean((A @ coef - Y) ** 2))
    now = float(np.mean((O - Y) ** 2))
    stuck = now <= best * 1.01 + 1e-15
    return [Finding(
        "linear-collapse", "problem" if stuck else "warning",
        f"As {why}, the whole network is an affine map: mse {now:.4g}; the best any linear "
        f"model can do here is mse {best:.4g}, so a hidden layer with a nonlinear activation "
        "is needed to go lower.",
        "Set the hidden activation to tanh, relu or sigmoid (a).",
        {"mse": now, "best_linear_mse": best, "why": why})]


def _coverage(net, X, Y, O):
    if net.n_in != 1 or net.hidden not in RELU_FAMILY:
        return []
    x = X[:, 0]
    w, b = net.W1[0], net.b1
    lo, hi = float(x.min()), float(x.max())
    kinks = sorted({float(-b[j] / w[j]) for j in range(net.n_hidden)
                    if w[j] != 0 and lo < -b[j] / w[j] < hi})
    edges = [lo, *kinks, hi]

    def covered(at):
        return bool(np.any(w * at + b > 0))

    gaps = []
    for a, c in zip(edges[:-1], edges[1:]):
        if not covered((a + c) / 2):
            if gaps and gaps[-1][1] == a:
                gaps[-1] = (gaps[-1][0], c)
            else:
                gaps.append((a, c))
    if not gaps:
        return []
    inside = np.zeros(len(x), dtype=bool)
    for a, c in gaps:
        inside |= (x >= a) & (x <= c)
    rows = int(inside.sum())
    if rows == 0:
        return []
    # In a gap the output is flat.  That matters where the targets vary: a
    # trained net may well rest on a flat stretch that suits the data there.
    gap_var = float(np.mean(np.var(Y[inside], axis=0)))
    all_var = float(np.mean(np.var(Y, axis=0)))
    if rows < 2 or gap_var < GAP_VARIATION * all_var:
        return []
    names = [_interval(a, c, lo, hi) for a, c in gaps]
    return [Finding(
        "uncovered-region", "problem",
        f"No hidden unit is active for {' and '.join(names)} ({rows} of {len(x)} training "
        f"rows): those rows give no gradient to any first-layer weight, so the fit there "
        "cannot improve.",
        "Re-initialize (r) so the units' kinks spread over the data, or use leaky_relu.",
        {"regions": [[a, c] for a, c in gaps], "rows": rows, "kinks": kinks,
         "target_variance_uncovered": gap_var, "target_variance": all_var})]


def _interval(a, c, lo, hi):
    if a <= lo and c >= hi:
        return f"any x in [{_g(lo)}, {_g(hi)}]"
    if a <= lo:
        return f"x < {_g(c)}"
    if c >= hi:
        return f"x > {_g(a)}"
    return f"{_g(a)} < x < {_g(c)}"


# ---------------------------------------------------------------- the loss history

def _step_advice(lr, factor):
    """A round divisor of the rate at least `factor` (the loss's growth, which
    may be astronomic or inf after an overflow)."""
    factor = min(factor, 1e12) if math.isfinite(factor) else 1e12
    nice = next((f for f in (2, 5, 10, 20, 50, 100, 1000) if f >= factor),
                10 ** math.ceil(math.log10(factor)))
    return nice, f"Divide the learning rate by {nice} (to {_g(lr / nice)}) and start again (r)."


def _rate_findings(trainer, loss):
    out = []
    lr = trainer.settings["lr"]
    if trainer.status.startswith("diverged"):
        epoch = int(trainer.status.split()[-1])
        tail = loss[-10:]
        growth = float((tail[-1] / tail[0]) ** (1 / max(len(tail) - 1, 1))) \
            if len(tail) > 1 and tail[0] > 0 else float("inf")
        # Gradient descent on a quadratic grows the loss by (1 - lr*k)^2 per step;
        # lr/(1 + sqrt(growth)) brings lr*k back to about 1.
        factor = 2 * (1 + math.sqrt(growth)) if math.isfinite(growth) else 10
        nice, advice = _step_advice(lr, factor)
        out.append(Finding(
            "diverged", "problem",
            f"Training diverged at epoch {epoch}: the loss overflowed; the weights after "
            f"epoch {epoch - 1} (loss {_g(loss[-1])}) were kept.", advice,
            {"epoch": epoch, "last_finite_loss": float(loss[-1]),
             "growth_per_epoch": growth, "divide_lr_by": nice}))
        return out
    if len(loss) < 6:
        return out
    best = float(np.min(loss))
    rising = np.all(np.diff(loss[-5:]) > 0)
    if loss[-1] >= 10 * best and rising:
        growth = float((loss[-1] / loss[-5]) ** 0.25)
        nice, advice = _step_advice(lr, 2 * (1 + math.sqrt(growth)))
        out.append(Finding(
            "exploding", "problem",
            f"The loss is {_g(loss[-1] / best)} times its best ({_g(best)} at epoch "
            f"{int(np.argmin(loss))}) and still rising: each step overshoots.", advice,
            {"loss": float(loss[-1]), "best": best, "best_epoch": int(np.argmin(loss)),
             "growth_per_epoch": growth, "divide_lr_by": nice}))
        return out
    start = _oscillation_start(loss)
    if start is not None:
        recent = np.diff(loss[-OSCILLATION_WINDOW - 1:])
        share = float(np.mean(recent > 0))
        best_epoch, best_loss = trainer.best if trainer.best else (int(np.argmin(loss)), best)
        out.append(Finding(
            "oscillating", "warning",
            f"The loss has gone up and down since epoch {start} (up in {share:.0%} of the "
            f"last {len(recent)} epochs) after falling smoothly; its best was "
            f"{_g(best_loss)} at epoch {best_epoch}.",
            "Halve the learning rate (-), or use the adaptive schedule, momentum or adam; "
            "b restores the best weights.",
            {"start_epoch": start, "share_up": share, "best_loss": float(best_loss),
             "best_epoch": int(best_epoch)}))
    return out


def _oscillation_start(loss):
    """The first rise after the longest smooth stretch (if that stretch is long
    enough and the recent epochs rise often), or None.  The longest, not the
    last: once oscillating, a run has quieter spells that are not a recovery."""
    tail = loss[-OSCILLATION_WINDOW - 1:]
    if len(loss) < STABLE_STRETCH + 11 or \
            np.mean(np.diff(tail) > 1e-12 * np.abs(tail[1:])) < OSCILLATION_SHARE:
        return None
    ups = np.flatnonzero(np.diff(loss) > 1e-12 * np.abs(loss[1:])) + 1   # epochs that rose
    # Smooth stretch before each rise: the epochs since the previous rise (or the start).
    stretches = np.diff(np.r_[0, ups]) - 1
    i = int(np.argmax(stretches))           # the first of the longest, as argmax picks
    return int(ups[i]) if stretches[i] >= STABLE_STRETCH else None


def _progress_findings(net, trainer, X, Y, loss, max_epochs, n_iter_no_change, explained):
    """sklearn's stopping rule; `explained`: a problem already explains a slow fall,
    so it is not blamed on the rate."""
    tol = trainer.settings["tol"]
    epochs = len(loss) - 1
    if epochs < 1 or not np.all(np.isfinite(loss)):
        return []
    best_before = np.minimum.accumulate(loss)
    gained = np.flatnonzero(loss[1:] < best_before[:-1] - tol)      # epochs - 1 that gained
    no_gain = epochs - (int(gained[-1]) + 1 if len(gained) else 0)
    at_limit = max_epochs is not None and epochs >= max_epochs
    if no_gain >= n_iter_no_change:
        grad = np.concatenate([g.ravel() for g in
                               net.gradients(X, Y, trainer.settings["l2"]).values()])
        norm = float(np.linalg.norm(grad))
        # "Small" means one more step could not gain tol: the first-order gain of a
        # step is lr*|g|^2 for gradient descent, about lr*sum|g| for adam and rmsprop.
        gain = _step_gain(trainer.settings, grad)
        evidence = {"epochs_without_gain": no_gain, "tol": tol, "gradient_norm": norm,
                    "predicted_gain_per_step": gain}
        slope = (loss[-n_iter_no_change - 1] - loss[-1]) / n_iter_no_change
        slow = [] if explained else _slow(trainer, loss, slope)
        if slow:
            return slow
        if gain < tol:
            return [Finding(
                "converged", "info",
                f"Converged: no improvement of tol={_g(tol)} for {no_gain} epochs and the "
                f"gradient is small (norm {_g(norm)}: a step gains about {_g(gain)}).",
                "Nothing to do here; a lower loss needs another model or more epochs "
                "at a lower tol, not this run.", evidence)]
        return [Finding(
            "stalled", "warning",
            f"Stalled: no improvement of tol={_g(tol)} for {no_gain} epochs, yet the gradient "
            f"is not small (norm {_g(norm)}): a plateau, or steps that bounce.",
            "Try adam, or another learning rate; scikit-learn would stop here.", evidence)]
    if at_limit:
        gain = float(loss[-n_iter_no_change - 1] - loss[-1]) if epochs > n_iter_no_change \
            else float(loss[0] - loss[-1])
        return [Finding(
            "still-improving", "info",
            f"Stopped at the epoch limit {epochs} while the loss was still improving "
            f"({_g(gain)} over the last {min(n_iter_no_change, epochs)} epochs), as "
            "scikit-learn's ConvergenceWarning says.",
            "Raise the epoch limit (Settings: train.epochs) to let it finish.",
            {"epochs": epochs, "recent_gain": gain})]
    return []


def _step_gain(settings, grad):
    lr = settings["lr"]
    if settings["optimizer"] in ("adam", "rmsprop"):
        return lr * float(np.sum(np.abs(grad)))
    if settings["optimizer"] in ("momentum", "nesterov"):
        lr /= 1.0 - settings["momentum"]
    return lr * float(grad @ grad)


def _slow(trainer, loss, slope):
    """Steady but hopeless: halving the loss at this pace takes absurdly long.
    Only for plain gradient descent, where the rate sets the pace."""
    recent = np.diff(loss[-OSCILLATION_WINDOW - 1:])
    if (trainer.settings["optimizer"] not in ("sgd", "momentum", "nesterov") or slope <= 0
            or np.any(recent > 0) or len(recent) < OSCILLATION_WINDOW):
        return []
    projected = loss[-1] / 2 / slope
    if projected < ABSURD_EPOCHS:
        return []
    return [Finding(
        "lr-too-small", "warning",
        f"The loss falls steadily but by only {_g(slope)} per epoch: at this pace halving it "
        f"would take about {projected:,.0f} more epochs.",
        f"Raise the learning rate (+), now {_g(trainer.settings['lr'])}, or use adam.",
        {"loss_per_epoch": float(slope), "epochs_to_halve": float(projected)})]


# ---------------------------------------------------------------- the data

def _data_findings(net, trainer, X, Y, health):
    out = []
    mean, spread = X.mean(axis=0), X.std(axis=0)
    far = [j for j in range(X.shape[1]) if max(abs(mean[j]), spread[j]) > SCALE_LIMIT]
    if far:
        stuck = [u["index"] for u in health if "saturated" in u["flags"]]
        shown = ", ".join(f"input {j} (mean {_g(mean[j])}, spread {_g(spread[j])})"
                          for j in far[:4]) + (f" and {len(far) - 4} more" if len(far) > 4 else "")
        effect = (f"; they saturate {len(stuck)} of {net.n_hidden} hidden units"
                  if stuck else "")
        out.append(Finding(
            "unscaled-inputs", "problem" if stuck else "warning",
            f"Inputs are not scaled to order 1: {shown}{effect}.",
            "Standardize the inputs (Settings: data.standardize_inputs = true).",
            {"inputs": far, "mean": mean.tolist(), "spread": spread.tolist(),
             "units_saturated": stuck}, tuple(stuck)))
    if net.output == "tanh" and (Y.min() < -1 or Y.max() > 1):
        out.append(Finding(
            "targets-out-of-range", "problem",
            f"The tanh output lies in (-1, 1) but the targets span [{_g(Y.min())}, "
            f"{_g(Y.max())}]: the net can never reach them.",
            "Rescale the targets into (-1, 1), or use a linear output.",
            {"target_min": float(Y.min()), "target_max": float(Y.max())}))
    if net.output == "linear":
        ym, ys = Y.mean(axis=0), Y.std(axis=0)
        if np.max(np.maximum(np.abs(ym), ys)) > 10:
            out.append(Finding(
                "unscaled-targets", "info",
                f"The targets are far from order 1 (mean {_g(float(ym[0]))}, spread "
                f"{_g(float(ys[0]))}): the output layer must grow large weights first.",
                "Standardize the targets (Settings: data.standardize_targets = true).",
                {"mean": ym.tolist(), "spread": ys.tolist()}))
    batch = trainer.settings["batch_size"]
    if batch is not None and batch < len(X) and trainer.settings["shuffle"] is False:
        order = _sortedness(Y)
        if order >= 0.95:
            out.append(Finding(
                "ordered-data", "warning",
                f"Mini-batches of {batch} are taken in row order (shuffle off) and the rows "
                f"are sorted by target ({order:.0%} in order): each batch shows one kind of "
                "example, and the weights chase the latest batch.",
                "Turn shuffle on (Settings: train.shuffle = true).",
                {"batch_size": batch, "sortedness": order}))
    return out


def _sortedness(Y):
    """Share of consecutive rows in target order (classes: in unbroken blocks)."""
    if len(Y) < 3:
        return 0.0
    if Y.shape[1] > 1:
        labels = Y.argmax(axis=1)
        return float(1 - (np.count_nonzero(np.diff(labels)) - (Y.shape[1] - 1)) / (len(Y) - 1))
    step = np.diff(Y[:, 0])
    return float(max(np.mean(step >= 0), np.mean(step <= 0)))


def _symmetry(net):
    if net.n_hidden < 2:
        return []
    cols = np.vstack([net.W1, net.b1[None, :], net.W2.T])
    same = np.all(cols == cols[:, :1], axis=0)
    if not np.all(same):
        return []
    return [Finding(
        "symmetry", "problem",
        f"All {net.n_hidden} hidden units are identical (the same weights in and out): they "
        "started identical (zeros or a constant init), identical units get identical "
        "gradients from every batch, so they never become different and the net has the "
        "power of one unit.",
        "Re-initialize with random weights (Settings: init.scheme = glorot or small).",
        {"hidden_units": net.n_hidden}, tuple(range(net.n_hidden)))]


# ---------------------------------------------------------------- together

def diagnose(net, trainer, X, Y, *, max_epochs=None, n_iter_no_change=10):
    """Findings about `net` trained by `trainer` on (X, Y), problems first."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64).reshape(len(X), -1)
    stats = net.unit_stats(X)
    health = health_from_stats(net, stats)
    O = net.predict(X)
    loss = trainer.history["loss"]
    findings = _symmetry(net)
    findings += _unit_findings(net, Y, health) if not findings else []
    findings += _linear_collapse(net, X, Y, health, O)
    findings += _coverage(net, X, Y, O)
    findings += _data_findings(net, trainer, X, Y, health)
    if len(loss):
        findings += _rate_findings(trainer, loss)
        if not any(f.code in ("diverged", "exploding") for f in findings):
            findings += _progress_findings(
                net, trainer, X, Y, loss, max_epochs, n_iter_no_change,
                explained=any(f.severity == "problem" for f in findings))
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
