"""One plot frame of the app, made on the frame thread: from a `Shot` of the
session (taken under its lock) to everything the UI thread then only swaps
in: the diagnosis and unit health, the loss chart, the fit, the trajectory."""

import dataclasses
import math

from rich.text import Text

from tuinn.diagnose import Findings, diagnose, unit_health
from tuinn.engine import penalties
from tuinn.runs.run import metrics_of
from tuinn.tui.charts import columns, loss_curves

ASCII = str.maketrans({"→": "->", "│": "|", "…": "...", "×": "x", "—": "-", "≥": ">=",
                       "≤": "<=", "÷": "/", "ℹ": "i", "▲": "^", "▼": "v", "✖": "!!"})
SEVERITY = {"problem": ("✖", "!!", "bold red"), "warning": ("▲", "! ", "yellow"),
            "info": ("ℹ", "i ", "cyan")}


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


def draw(shot, views, layouts, log_scale, monitor, ascii_only):
    """(frame, errors): each part drawn, by name; a part that fails is left
    out, and says why, while the others draw."""
    frame, errors = {}, []

    def part(name, make):
        try:
            frame[name] = make()
        except Exception as exc:        # noqa: BLE001  (one part; the run goes on)
            errors.append(f"could not draw the {name}: {exc}")

    if shot.tab == "train":
        history = shot.trainer.history
        part("diagnosis", lambda: diagnosis(shot, monitor, ascii_only))
        part("loss", lambda: views["loss"].draw(
            layouts["loss"], loss_curves(history, columns(layouts["loss"][0][0])),
            shot.pins, log_scale))
        part("fit", lambda: views["fit"].draw(layouts["fit"], shot.net, shot.dataset))
    else:
        part("trajectory", lambda: views["trajectory"].draw(
            layouts["trajectory"], shot.trajectory, shot.tracked, shot.net.names()))
    return frame, errors


def diagnosis(shot, monitor, ascii_only):
    """(findings, unit health, the panel's text) of a shot."""
    ds, trainer = shot.dataset, shot.trainer
    findings = diagnose(shot.net, trainer, ds.X, ds.Y, X_test=ds.X_test, Y_test=ds.Y_test,
                        max_epochs=shot.limit, surface="app", spec=shot.spec)
    # While it trains, a finding lingers rather than flickers; stopped, the
    # screen says what holds now.
    measured = findings
    findings = Findings(monitor.update(findings) if shot.running else findings)
    findings.stability, findings.health = measured.stability, measured.health
    text = findings_text(findings, trainer.best, trainer.history["loss"][-1:], ascii_only)
    numbers = plain(metrics_line(metrics_of(shot.net, ds, penalties(trainer.settings)),
                                 trainer.best, findings.stability), ascii_only)
    health = findings.health if findings.health is not None else unit_health(shot.net, ds.X)
    return findings, health, text, numbers


def metrics_line(metrics, best, stability):
    """The numbers always in view: train and test loss, the best loss and its
    epoch, accuracy, and the rate's stability limit once it is known."""
    parts = [f"train loss {metrics['train_loss']:.4g}"]
    if "test_loss" in metrics:
        parts.append(f"test loss {metrics['test_loss']:.4g}")
    if best is not None:
        parts.append(f"best {best[1]:.4g} at epoch {best[0]:,}")
    for split in ("train", "test"):
        if f"{split}_accuracy" in metrics:
            parts.append(f"{split} accuracy {metrics[split + '_accuracy']:.1%}")
    if stability is not None and math.isfinite(stability.limit):
        parts.append(f"lr {stability.lr:.3g} (stable below {stability.limit:.3g})")
    return " │ ".join(parts)


def findings_text(findings, best, last_loss, ascii_only):
    """The diagnosis panel.  Each piece is made plain before it is styled:
    --ascii lengthens some characters ("→" is "->"), which would shift the
    styles of a whole text translated at once."""
    text = Text()
    if not findings:
        text.append("no problem found\n", style="green")
    for f in findings:
        icon, ascii_icon, style = SEVERITY[f.severity]
        text.append(plain(f"{ascii_icon if ascii_only else icon} {f.message}\n", ascii_only),
                    style=style)
        if f.advice:
            text.append(plain(f"   → {f.advice}\n", ascii_only), style="dim")
    if best is not None and len(last_loss) and last_loss[-1] > best[1]:
        text.append(plain(f"best so far: epoch {best[0]}, loss {best[1]:.6g} (b restores it)",
                          ascii_only), style="dim")
    return text
