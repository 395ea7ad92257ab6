"""tuinn: see why a one-hidden-layer network learns, or fails to."""

from tuinn.errors import ConfigError, DataError, TuinnError

__version__ = "0.1.0"
__all__ = ["Net", "Trainer", "TuinnError", "DataError", "ConfigError", "__version__"]


def __getattr__(name):
    """Net and Trainer load the engine, and numpy with it, when first asked
    for: the command line sets numpy's thread count before numpy loads
    (tuinn/cli.py)."""
    if name in ("Net", "Trainer"):
        from tuinn import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'tuinn' has no attribute {name!r}")
