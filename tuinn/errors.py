"""The errors tuinn raises for things a user can fix.

Each message is one line that names what is wrong and what to change; the
command line and the app print it as it is, never a traceback.
"""


class TuinnError(ValueError):
    """Base of every error caused by a user's input or settings."""


class DataError(TuinnError):
    """An array or data file that cannot be trained on (shape, NaN, text...)."""


class ConfigError(TuinnError):
    """An unknown name or a setting out of its range."""
