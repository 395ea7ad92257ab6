"""Why a network is not learning: unit health (`health`), findings with their
evidence and advice (`findings`), and findings that do not flicker in the app
(`monitor`)."""

from tuinn.diagnose.findings import SEVERITIES, Finding, diagnose
from tuinn.diagnose.health import unit_health
from tuinn.diagnose.monitor import Monitor

__all__ = ["SEVERITIES", "Finding", "diagnose", "unit_health", "Monitor"]
