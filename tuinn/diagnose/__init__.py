"""Why a network is not learning: unit health (`health`), the curvature of the
loss (`curvature`), what other models reach on the same rows (`reach`), the
rules (`rules`) and their findings with advice worded per surface (`findings`,
`advice`), and findings that do not flicker in the app (`monitor`)."""

from tuinn.diagnose.findings import SEVERITIES, Finding, Findings, diagnose
from tuinn.diagnose.health import unit_health
from tuinn.diagnose.monitor import Monitor

__all__ = ["SEVERITIES", "Finding", "Findings", "diagnose", "unit_health", "Monitor"]
