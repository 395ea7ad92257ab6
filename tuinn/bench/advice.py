"""`tuinn bench --advice`: how often the advice proves itself.  Every preset
is trained to its epoch limit and diagnosed; each finding's first piece of
advice is tried on a copy as `tuinn train --repair` does (tuinn.experiments); the
share is the findings whose advice lowers the loss they are about at least
experiments.PROVEN times, of the findings with advice that can be tried."""

import collections

from tuinn import presets
from tuinn.runs import Run, RunSpec, experiments


def measure(progress=None):
    by_code = collections.defaultdict(lambda: [0, 0, 0])     # findings, tried, proven
    rows = []
    for name in presets.names():
        if progress:
            progress(f"advice: {name}")
        run = Run(RunSpec.from_preset(name))
        run.train(run.spec.train.epochs)
        findings = run.diagnose(surface="cli")
        tried = {a.finding: a for a in experiments.attempts(run, findings, run.epoch)}
        for finding in findings:
            counts = by_code[finding.code]
            counts[0] += 1
            attempt = tried.get(finding.code)
            if attempt is None or attempt.after is None:
                continue
            proven = attempt.proven
            counts[1] += 1
            counts[2] += proven
            rows.append({"preset": name, "finding": finding.code, "fix": attempt.fix,
                         "flags": attempt.flags, "before": attempt.before,
                         "after": attempt.after, "gain": attempt.gain, "proven": proven})
    findings = sum(c[0] for c in by_code.values())
    tried = sum(c[1] for c in by_code.values())
    proven = sum(c[2] for c in by_code.values())
    return {"presets": len(presets.names()), "findings": findings, "tried": tried,
            "proven": proven, "share": proven / tried if tried else 0.0,
            "by_code": {code: dict(zip(("findings", "tried", "proven"), c))
                        for code, c in sorted(by_code.items())},
            "rows": rows}


def format_measure(doc):
    lines = [f"advice: {doc['proven']} of {doc['tried']} findings whose advice could be tried "
             f"({doc['share']:.0%}) lower their loss at least {experiments.PROVEN:g}x "
             f"({doc['findings']} findings on {doc['presets']} presets)",
             f"  {'finding':<24}{'findings':>9}{'tried':>7}{'proven':>8}"]
    for code, c in doc["by_code"].items():
        lines.append(f"  {code:<24}{c['findings']:>9}{c['tried']:>7}{c['proven']:>8}")
    failed = [r for r in doc["rows"] if not r["proven"]]
    if failed:
        lines.append("  advice that did not prove itself:")
        lines += [f"    {r['preset']}: {r['finding']}: {r['flags']} "
                  f"({r['before']:.3g} -> {r['after']:.3g})" for r in failed]
    return "\n".join(lines)
