"""One plot frame of the app, made on the frame thread: from a `Shot` of the
session (taken under its lock) to everything the UI thread then only swaps
in: the diagnosis and unit health, the loss chart, the fit, the trajectory."""

import dataclasses
import math

import numpy as np
from rich.text import Text

from tuinn.diagnose import Findings, diagnose, unit_health
from tuinn.engine import penalties
from tuinn.runs.run import metrics_of
from tuinn.tui.charts import columns, loss_curves

ASCII = str.maketrans({"→": "->", "│": "|", "…": "...", "×": "x", "—": "-", "─": "-",
                       "≥": ">=", "≤": "<=", "÷": "/", "ℹ": "i", "▲": "^", "▼": "v", "✖": "!!",
                       "½": "1/2", "·": "*", "²": "^2"})
# What each loss is, named beside its value: runs with different losses are
# compared on the mse (regression) or the accuracy (classification) beside it.
LOSS_NAMES = {"squared": "½·mse", "cross_entropy": "cross-entropy"}
SEVERITY = {"problem": ("✖", "!!", "bold red"), "warning": ("▲", "! ", "yellow"),
            "info": ("ℹ", "i ", "cyan")}
# What a finding's claim about a change rests on (Finding.basis), after it.
BASIS = {"measured": " [measured]", "estimated": " [estimate]"}


def plain(text, ascii_only):
    """`text` as the terminal can show it (--ascii: ASCII only)."""
    return text.translate(ASCII) if ascii_only else text


@dataclasses.dataclass
class Shot:
    """What one frame draws, taken from the session under its lock: copies, or
    views that training does not change (see TrainerView)."""
    tab: str
    generation: int
    spec: object
    net: object
    trainer: object
    dataset: object
    limit: int
    running: bool
    pins: list
    tracked: list
    trajectory: tuple | None
    show_test: bool = False
    discrete: bool = False
    width: int = 1000          # of the terminal: the metrics line fits it
    stability: object = None   # the last diagnosis's, for the metrics line of other tabs
    settled: object = None     # the findings settled on copies of the run as it is, or None


def drawing():
    """(frame, errors, part): part(name, make) puts make() into the frame under
    `name`; a part that fails is left out, and says why, while the others draw."""
    frame, errors = {}, []

    def part(name, make):
        try:
            frame[name] = make()
        except Exception as exc:        # noqa: BLE001  (one part; the run goes on)
            errors.append(f"could not draw the {name}: {exc}")
    return frame, errors, part


def draw(shot, views, layouts, log_scale, monitor, ascii_only):
    """(frame, errors): each part drawn, by name (see drawing)."""
    frame, errors, part = drawing()

    if shot.tab == "train":
        history = shot.trainer.history
        part("diagnosis", lambda: diagnosis(shot, monitor, ascii_only))
        frame["epoch"] = len(history["loss"]) - 1         # the epoch the diagnosis is of
        if "diagnosis" in frame:
            part("metrics", lambda: numbers(shot, frame["diagnosis"][0].stability, ascii_only))
        part("loss", lambda: views["loss"].draw(
            layouts["loss"], loss_curves(history, columns(layouts["loss"][0][0])),
            shot.pins, log_scale))
        part("fit", lambda: views["fit"].draw(layouts["fit"], shot.net, shot.dataset,
                                              shot.show_test, shot.discrete))
    elif shot.tab == "network":
        part("network", lambda: views["network"].draw(layouts["network"], shot.net,
                                                      shot.dataset, ascii_only))
    elif shot.tab == "weights":
        part("trajectory", lambda: views["trajectory"].draw(
            layouts["trajectory"], shot.trajectory, shot.tracked, shot.net.names()))
    if "metrics" not in frame:
        # Every tab keeps the numbers in view; the rate's limit is the last measured.
        part("metrics", lambda: numbers(shot, shot.stability, ascii_only))
    return frame, errors


def diagnosis(shot, monitor, ascii_only):
    """(findings, unit health, the panel's text) of a shot."""
    ds, trainer = shot.dataset, shot.trainer
    findings = shot.settled if shot.settled is not None else diagnose(
        shot.net, trainer, ds.X, ds.Y, X_test=ds.X_test, Y_test=ds.Y_test,
        max_epochs=shot.limit, surface="app", spec=shot.spec)
    # While it trains, a finding lingers rather than flickers; stopped, the
    # screen says what holds now.
    measured = findings
    findings = Findings(monitor.update(findings) if shot.running else findings)
    findings.stability, findings.health = measured.stability, measured.health
    # After b the weights are the best ones: nothing left to restore.
    at_best = np.array_equal(trainer.best_theta, shot.net.theta)
    text = findings_text(findings, None if at_best else trainer.best,
                         trainer.history["loss"][-1:], ascii_only)
    health = findings.health if findings.health is not None else unit_health(shot.net, ds.X)
    return findings, health, text


def numbers(shot, stability, ascii_only):
    """The metrics line of a shot (see metrics_line), the limit against the rate
    in force now: one changed since the diagnosis (a key, the Settings tab) is
    shown at once, beside the limit while it still applies."""
    trainer = shot.trainer
    if stability is not None:
        stability = stability.for_rate(trainer.settings, trainer.lr_now)
    metrics = metrics_of(shot.net, shot.dataset, penalties(trainer.settings))
    return plain(metrics_line(metrics, shot.trainer.best, stability, shot.width,
                              shot.net.loss), ascii_only)


def metrics_line(metrics, best, stability, width=1000, loss=None, mse_too=False):
    """The numbers always in view: train and test loss, named (`loss`: the
    net's), the measure every loss is compared on (the mse for regression and,
    with `mse_too`, beside another loss; the accuracy for classification), the
    rate's stability limit once it is known, and the best loss and its epoch.
    In words when they fit in `width`, else in short forms; what still does
    not fit is dropped from the end, least telling first."""
    train, test = metrics["train_loss"], metrics.get("test_loss")
    accuracy = [metrics[f"{split}_accuracy"] for split in ("train", "test")
                if f"{split}_accuracy" in metrics]
    mse = [] if accuracy and not mse_too else [
        metrics[f"{split}_mse"] for split in ("train", "test") if f"{split}_mse" in metrics]
    stable = stability is not None and math.isfinite(stability.limit)
    name = f" ({LOSS_NAMES[loss]})" if loss in LOSS_NAMES else ""
    full = [f"train loss {train:.4g}{name}"] + (
        [f"test loss {test:.4g}"] if test is not None else [])
    # Short, a regression shows its mse alone: the measure its notes and its
    # diagnosis speak in, and the one another loss is compared on.
    short = [f"mse {mse[0]:.4g}" + (f" / test {mse[1]:.4g}" if len(mse) > 1 else "")] \
        if mse and not accuracy else \
        [f"loss {train:.4g}" + (f" / test {test:.4g}" if test is not None else "")] + (
            [f"mse {' / '.join(f'{value:.4g}' for value in mse)}"] if mse else [])
    if mse:
        full += [f"{split} mse {value:.4g}" for split, value in zip(("train", "test"), mse)]
    if accuracy:
        names = ("train accuracy", "test accuracy")
        full += [f"{name} {a:.1%}" for name, a in zip(names, accuracy)]
        short.append("acc " + " / ".join(f"{a:.1%}" for a in accuracy))
    if stable:
        full.append(f"lr {stability.lr:.3g} (stable below {stability.limit:.3g})")
        # The sign says which side of the limit the rate is on (it may be above).
        side = "<" if stability.lr < stability.limit else "≥"
        short.append(f"lr {stability.lr:.3g} {side} {stability.limit:.3g}")
    if best is not None:
        # The best is a loss: where the short form shows an mse instead, a bare
        # "best 0.125" beside "mse 0.25" read as a better fit (the same weights).
        full.append(f"best loss {best[1]:.4g} at epoch {best[0]:,}")
        short.append(f"best{' loss' if mse and not accuracy else ''} {best[1]:.4g} "
                     f"@{best[0]:,}")
    line = " │ ".join(full)
    if len(line) <= width:
        return line
    while len(short) > 1 and len(" │ ".join(short)) > width:
        short.pop()
    return " │ ".join(short)


def headlines(findings, width, ascii_only, cursor=None):
    """One line a finding, problems first (the findings' own order), each cut to
    `width` columns: at 80x24 every finding is in view before any detail.  The
    finding at index `cursor` (when given) is shown selected."""
    text = Text()
    if len(findings) < 2 or width <= 4:
        return text
    for i, f in enumerate(findings):
        icon, ascii_icon, style = SEVERITY[f.severity]
        line = Text(plain(f"{ascii_icon if ascii_only else icon} {f.headline}", ascii_only),
                    style=f"{style} reverse" if i == cursor else style)
        line.truncate(width, overflow="ellipsis")
        text.append_text(line)
        text.append("\n")
    text.append(plain("─" * min(width, 24), ascii_only) + "\n", style="dim")
    return text


def finding_text(f, ascii_only):
    """One finding in full: what happens, what its claims rest on, the advice
    and its options, the units concerned and the numbers behind it."""
    icon, ascii_icon, style = SEVERITY[f.severity]
    text = Text()
    text.append(plain(f"{ascii_icon if ascii_only else icon} {f.headline}", ascii_only),
                style=f"{style} bold")
    text.append(f"  ({f.severity}, {f.code})\n\n", style="dim")
    text.append(plain(f.message, ascii_only) + BASIS.get(f.basis, "") + "\n")
    if f.advice:
        text.append(plain(f"\n→ {f.advice}\n", ascii_only), style="bold")
    others = [o["text"] for o in f.options if o.get("text") and o["text"] not in f.advice]
    for option in others:
        text.append(plain(f"  or: {option}\n", ascii_only))
    if f.units:
        text.append(f"\nunits: {', '.join(str(u) for u in f.units)}\n", style="dim")
    if f.evidence:
        text.append("\nthe numbers behind it:\n", style="dim")
        for key, value in f.evidence.items():
            text.append(plain(f"  {key}: {_evidence_value(value)}\n", ascii_only), style="dim")
    return text


def _evidence_value(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"[{', '.join(_evidence_value(v) for v in value[:8])}, ... {len(value)} in all]"
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(_evidence_value(v) for v in value)}]"
    return str(value)


def findings_text(findings, best, last_loss, ascii_only):
    """The diagnosis panel.  Each piece is made plain before it is styled:
    --ascii lengthens some characters ("→" is "->"), which would shift the
    styles of a whole text translated at once."""
    text = Text()
    if not findings:
        text.append("no problem found\n", style="green")
    for f in findings:
        icon, ascii_icon, style = SEVERITY[f.severity]
        text.append(plain(f"{ascii_icon if ascii_only else icon} {f.message}", ascii_only),
                    style=style)
        text.append(BASIS.get(f.basis, "") + "\n", style="italic")
        if f.advice:
            text.append(plain(f"   → {f.advice}\n", ascii_only), style="dim")
    if best is not None and len(last_loss) and last_loss[-1] > best[1]:
        text.append(plain(f"best so far: epoch {best[0]}, loss {best[1]:.6g} (b restores it)",
                          ascii_only), style="dim")
    return text
