"""Findings that do not flicker while a run trains (the app's diagnosis panel)."""

import time

from tuinn.diagnose.findings import SEVERITIES


class Monitor:
    """Findings that do not flicker: one shows as soon as its code appears, and
    keeps showing (its latest version) until its code has been gone `linger` s."""

    def __init__(self, linger=2.0, clock=time.monotonic):
        self.linger, self.clock = linger, clock
        self._seen = {}            # code -> (finding, last time it held)

    def update(self, findings):
        now = self.clock()
        for f in findings:
            self._seen[f.code] = (f, now)
        self._seen = {code: (f, t) for code, (f, t) in self._seen.items()
                      if now - t < self.linger or t == now}
        shown = [f for f, _ in self._seen.values()]
        order = {f.code: i for i, f in enumerate(findings)}
        return sorted(shown, key=lambda f: (SEVERITIES.index(f.severity),
                                            order.get(f.code, len(order))))
