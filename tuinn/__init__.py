"""tuinn: see why a one-hidden-layer network learns, or fails to."""

from tuinn.engine import Net, Trainer
from tuinn.errors import ConfigError, DataError, TuinnError

__version__ = "0.1.0"
__all__ = ["Net", "Trainer", "TuinnError", "DataError", "ConfigError", "__version__"]
