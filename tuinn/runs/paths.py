"""Where tuinn keeps its own files: the last run (for `tuinn --resume`) and
the app's saves, in the user's state folder (XDG_STATE_HOME on Linux)."""

import pathlib

import platformdirs


def state_dir():
    return pathlib.Path(platformdirs.user_state_dir("tuinn", appauthor=False))


def last_run_dir():
    return state_dir() / "last"


def saved_runs_dir():
    return state_dir() / "runs"
