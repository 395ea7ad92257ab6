"""An L2 or L1 penalty that holds the fit back, settled by weakening it on copies."""

import numpy as np

from tuinn.diagnose.advice import Option, change, round_below
from tuinn.diagnose.rules.words import g

PENALTY_GAIN = 1.5         # a penalty 10x weaker lowering the data loss this much holds it back


def penalty(case):
    """an L2 or L1 penalty that holds the fit back, settled by weakening it on copies"""
    l2, l1 = case.settings["l2"], case.settings["l1"]
    if not (l2 > 0 or l1 > 0) or not np.all(np.isfinite(case.net.theta)) \
            or not case.underfits():
        return []
    weights = np.concatenate([case.net.W1.ravel(), case.net.W2.ravel()])
    l2_term, l1_term = 0.5 * l2 * float(weights @ weights), l1 * float(np.sum(np.abs(weights)))
    key, rate = ("train.l2", l2) if l2_term >= l1_term and l2 > 0 else ("train.l1", l1)
    name, weaker = key.rpartition(".")[2], round_below(rate / 10)
    evidence = {"penalty": name, "rate": rate, "penalty_term": l2_term + l1_term,
                "data_loss": case.net.objective(case.X, case.Y)}
    measured = case.switch(**{name: weaker})
    if measured is None:
        what, basis = "may be what holds the fit back", "estimated"
    else:
        without, weakened = (copy.net.objective(case.X, case.Y) for copy in measured)
        if not weakened * PENALTY_GAIN <= without:
            return []               # weakened, it changes nothing much: it is not the cause
        what, basis = (f"holds the fit back: measured on copies, as many epochs again take "
                       f"the data loss to {g(weakened)} with {name} {g(weaker)}, against "
                       f"{g(without)} as it is"), "measured"
        evidence |= {"data_loss_weakened": weakened, "data_loss_unchanged": without}
    return [case.finding(
        "penalty-dominates", "warning",
        f"The {name.upper()} penalty ({name} {g(rate)}) {what}; it pulls every weight toward "
        f"zero (largest |w| {g(float(np.max(np.abs(weights))))}), and the net fits its rows "
        "clearly worse than a flexible model.",
        [Option("Weaken the penalty", [change(key, weaker)], "restart")], evidence,
        basis=basis)]
