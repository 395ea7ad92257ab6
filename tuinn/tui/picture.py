"""Pictures to keep: the app's screen as SVG, as Textual draws it, for slides
and reports.  The `w` key saves the screen as it is; `tuinn train --svg FILE`
draws a trained run as the app would show it, on a terminal of its own
(tui.app.draw_picture)."""

import os
import re

from tuinn.errors import ConfigError, TuinnError

DEFAULT_SIZE = (100, 30)
MIN_SIZE = (80, 24)


def default_name(session):
    """tuinn-NAME-epochE.svg, in the current folder."""
    name = re.sub(r"[^\w.-]+", "-", session.run.spec.name or "run").strip("-") or "run"
    return f"tuinn-{name}-epoch{session.run.epoch}.svg"


def save(app, path):
    """Save what `app` shows as SVG at `path`; returns the path written.  A
    folder that cannot be written is a TuinnError saying which."""
    try:
        path = os.path.abspath(os.path.expanduser(path))
    except OSError:                     # the current folder was removed
        raise TuinnError("cannot save the picture: the current folder no longer exists; "
                         "cd to another and press w again") from None
    folder, name = os.path.split(path)
    if not os.path.isdir(folder):
        raise TuinnError(f"cannot save the picture: the folder {folder} does not exist")
    try:
        app.save_screenshot(filename=name, path=folder)
    except OSError as exc:
        raise TuinnError(f"cannot save the picture to {path}: {exc.strerror or exc}") from None
    return path


def parse_size(text):
    """'WxH' as (columns, rows), at least MIN_SIZE."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×]\s*(\d+)\s*", str(text))
    if not match:
        raise ConfigError(f"--svg-size takes COLUMNSxROWS, e.g. 100x30, not {text!r}")
    size = (int(match.group(1)), int(match.group(2)))
    if size[0] < MIN_SIZE[0] or size[1] < MIN_SIZE[1] or size[0] > 1000 or size[1] > 1000:
        raise ConfigError(f"--svg-size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and "
                          f"1000x1000, not {size[0]}x{size[1]}")
    return size
