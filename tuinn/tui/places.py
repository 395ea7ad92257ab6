"""The app's panels by name: what a lesson step points at (docs/lessons.md),
each with the id its widget has in tuinn.tui.app and where a learner finds it
on screen."""

import dataclasses

from tuinn.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Place:
    id: str         # the widget's id in the app
    where: str      # as a lesson words it


PANELS = {
    "loss": Place("loss", "the loss chart (top left of the Train tab)"),
    "fit": Place("fit", "the fit (top right of the Train tab)"),
    "units": Place("units", "the unit table (bottom left of the Train tab)"),
    "diagnosis": Place("diagnosis", "the diagnosis (bottom right of the Train tab)"),
    "metrics": Place("metrics", "the numbers line (second line from the top)"),
    "status": Place("status", "the status line (top line)"),
    "settings": Place("settings-table", "the Settings tab (key 2)"),
    "weights": Place("weights-table", "the weight table (Weights tab, key 3)"),
    "trajectory": Place("trajectory", "the weight trajectory (Weights tab, key 3)"),
    "network": Place("network-view", "the network drawing (Network tab, key 4)"),
}


def check_panels(lesson):
    """A ConfigError, naming the step, for a step that points at no panel of the app."""
    for i, step in enumerate(lesson.steps, 1):
        if step.panel not in PANELS:
            raise ConfigError(f"lesson {lesson.path.name}, step {i}: panel {step.panel!r} is "
                              f"not one of {', '.join(PANELS)}")
