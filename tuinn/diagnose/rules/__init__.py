"""The diagnosis rules: each takes a Case (tuinn.diagnose.findings) and returns
its findings.  Each rule declares the codes it writes and the codes of other
rules it reads; `ALL` runs them in an order that puts every rule after the
ones it reads, and a rule sees only the findings it declared (a slow fall that
a dead layer explains is not blamed on the rate, because progress reads
dead-units).

The codes, stable for scripts (docs/diagnosis.md):
  symmetry, all-units-dead, dead-units, saturated-units, linear-on-data,
  duplicate-units           unit health (docs/math.md#unit-health)
  saturated-output          a sigmoid / tanh output flat where it is wrong
  linear-collapse           the net is linear and that costs something
  uncovered-region          1-D ReLU nets: inputs where no unit is active
  constant-inputs, unscaled-inputs, unscaled-targets, targets-out-of-range,
  ordered-data, outliers    the data
  penalty-dominates         an L2 or L1 penalty that holds the fit back
  overfitting, leakage, leaking-input, majority-class, small-test-set,
  more-weights-than-rows    generalization
  diverged, exploding, unstable-rate, oscillating
                            the learning rate against the loss's curvature
  converged, still-improving, lr-too-small, stalled, underfitting
                            progress, judged relative to the loss
  diagnosis-incomplete      a rule could not run (its one-line reason)
"""

import dataclasses
from collections.abc import Callable

from tuinn.diagnose.rules import data, generalization, model, penalty, progress, rate, units


@dataclasses.dataclass(frozen=True)
class Rule:
    check: Callable         # Case -> list of findings
    writes: tuple           # the codes it may write, and no other rule does
    reads: tuple = ()       # the codes of other rules whose findings it looks at

    @property
    def name(self):
        return self.check.__name__.replace("_", " ")

    def __call__(self, case):
        return self.check(case)


UNIT_CODES = ("all-units-dead", "dead-units", "saturated-units", "linear-on-data",
              "duplicate-units")
RATE_CODES = ("diverged", "exploding", "unstable-rate", "oscillating")

_DECLARED = (
    Rule(units.symmetry, ("symmetry",)),
    Rule(units.units, UNIT_CODES, reads=("symmetry",)),
    Rule(units.saturated_output, ("saturated-output",)),
    Rule(model.linear_collapse, ("linear-collapse",)),
    Rule(model.coverage, ("uncovered-region",)),
    Rule(data.inputs, ("constant-inputs", "unscaled-inputs")),
    Rule(data.targets, ("targets-out-of-range", "unscaled-targets")),
    Rule(data.ordered, ("ordered-data",)),
    Rule(data.outliers, ("outliers",)),
    Rule(penalty.penalty, ("penalty-dominates",)),
    Rule(rate.rate, RATE_CODES),
)
# What explains a net that learned nothing or stopped: every finding about the
# units, the model, the data, the penalty and the rate.
EXPLAINING = tuple(code for rule in _DECLARED for code in rule.writes)

_DECLARED += (
    Rule(generalization.generalization,
         ("more-weights-than-rows", "leaking-input", "majority-class", "overfitting",
          "leakage", "small-test-set"), reads=EXPLAINING),
    Rule(progress.progress,
         ("converged", "still-improving", "lr-too-small", "stalled", "underfitting"),
         reads=EXPLAINING + ("overfitting",)),
)


def in_order(rules):
    """The rules, each after every rule that writes a code it reads; rules that
    do not depend on each other keep their declared order."""
    writer = {}
    for rule in rules:
        for code in rule.writes:
            if code in writer:
                raise ValueError(f"rules {writer[code].name} and {rule.name} both write {code}")
            writer[code] = rule
    for rule in rules:
        missing = [code for code in rule.reads if code not in writer]
        if missing:
            raise ValueError(f"rule {rule.name} reads {missing}, which no rule writes")

    def depth(rule, path=()):
        if rule in path:
            raise ValueError(f"rules read each other in a circle through {rule.name}")
        return max((1 + depth(writer[code], path + (rule,)) for code in rule.reads
                    if writer[code] is not rule), default=0)
    return tuple(sorted(rules, key=lambda rule: (depth(rule), rules.index(rule))))


ALL = in_order(_DECLARED)
# Every finding's code: stable names, for scripts and lesson files.
CODES = tuple(sorted(code for rule in ALL for code in rule.writes))
