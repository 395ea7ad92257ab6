"""What differs between two runs (tuinn --compare): their settings, their
losses, and the findings of one that the other does not have.  Each line is
said from the runs' side, "A" and "B", with the runs' own numbers."""

import math

from tuinn import settings

SEVERITY_ORDER = {"problem": 0, "warning": 1, "info": 2}
SHOWN_SETTINGS = 4      # settings that differ, named one by one; the rest are counted
ALIKE = 1.25            # losses within this factor of each other are alike


def setting_values(spec):
    """{key: value} of every setting of a run, data.params by parameter."""
    out = {}
    for row in settings.SETTINGS.values():
        value = spec.get(row.key)
        if row.key == "data.params":
            out.update({f"data.params.{k}": v for k, v in sorted(value.items())})
        else:
            out[row.key] = value
    return out


WEIGHTS_SHOWN = 4      # weights given by hand: arrays this small are shown by value


def _shown(key, value):
    if key == "init.weights":
        return "none" if value is None else "set by hand"
    return f"{value:g}" if isinstance(value, float) else "none" if value is None else str(value)


def _flat(values):
    return [v for item in values for v in (_flat(item) if isinstance(item, list) else [item])]


def _pair(key, va, vb):
    """'A / B' of one setting.  Weights set by hand on both sides say which
    arrays differ, by value when small ("W1 [1 -1] b1 [3 3] / W1 [1 1] b1 [3 -3]"):
    "set by hand / set by hand" told nothing."""
    if key != "init.weights" or va is None or vb is None:
        return f"{_shown(key, va)} / {_shown(key, vb)}"
    names = [n for n in ("W1", "b1", "W2", "b2") if va.get(n) != vb.get(n)]
    if any(len(_flat(side.get(n, []))) > WEIGHTS_SHOWN for n in names for side in (va, vb)):
        return f"set by hand, {', '.join(names)} differ"

    def side(weights):
        return " ".join(f"{n} [{' '.join(f'{v:g}' for v in _flat(weights[n]))}]" for n in names)
    return f"{side(va)} / {side(vb)}"


def setting_differences(spec_a, spec_b):
    """[(key, value of A, value of B)] of the settings that differ, in table order."""
    a, b = setting_values(spec_a), setting_values(spec_b)
    return [(key, a.get(key), b.get(key)) for key in dict.fromkeys([*a, *b])
            if a.get(key) != b.get(key)]


def loss_line(metrics_a, metrics_b, name="train_loss", what="loss"):
    """'loss: A 12.1, B 0.05 (B's is 240x lower)', or None when either is unknown."""
    a, b = metrics_a.get(name), metrics_b.get(name)
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        if a is not None and b is not None and math.isfinite(a) != math.isfinite(b):
            worse = "B" if math.isfinite(a) else "A"
            return f"{what}: A {a:.4g}, B {b:.4g} ({worse}'s has blown up)"
        return None
    low, high = sorted((a, b))
    if high <= ALIKE * low or high == 0:
        return f"{what}: A {a:.4g}, B {b:.4g} (alike)"
    lower = "A" if a < b else "B"
    ratio = f"{high / low:,.3g}x" if low > 0 else "far"
    return f"{what}: A {a:.4g}, B {b:.4g} ({lower}'s is {ratio} lower)"


def finding_lines(findings_a, findings_b):
    """One line per finding that one run has and the other has not, problems
    first: "only B: No hidden unit is active for x < -3 ..."."""
    codes_a = {f.code for f in findings_a}
    codes_b = {f.code for f in findings_b}
    only = [("A", f) for f in findings_a if f.code not in codes_b] + \
        [("B", f) for f in findings_b if f.code not in codes_a]
    only.sort(key=lambda pair: SEVERITY_ORDER.get(pair[1].severity, 3))
    return [f"only {side}: {first_sentence(f.message)}" for side, f in only]


def _units_apart(spec_a, spec_b):
    """Why the two losses are not in the same units, or ''."""
    for key, why in (("data.standardize_targets", "one run standardizes its targets"),
                     ("model.loss", "the losses differ"), ("train.l2", "the L2 penalties differ"),
                     ("train.l1", "the L1 penalties differ")):
        if spec_a.get(key) != spec_b.get(key):
            return why
    return ""


def first_sentence(message, most=110):
    """The message up to the end of its first sentence (cut at a word past `most`)."""
    cut = message.find(". ")
    sentence = message[:cut + 1] if cut > 0 else message
    if len(sentence) > most:
        sentence = sentence[:most].rsplit(" ", 1)[0] + " …"
    return sentence


def differences(a, b):
    """Lines that say how runs A and B differ; `a`, `b` are (spec, metrics,
    findings or None while a run is not yet diagnosed)."""
    (spec_a, metrics_a, findings_a), (spec_b, metrics_b, findings_b) = a, b
    # The most telling first: what one run suffers from and the other not.
    if findings_a is None or findings_b is None:
        lines = ["diagnosis: not yet made for both runs"]
    else:
        lines = finding_lines(findings_a, findings_b) or [
            "diagnosis: the same findings for both runs"]
    apart = _units_apart(spec_a, spec_b)
    for name, what in (("train_loss", "loss"), ("test_loss", "test loss")):
        line = loss_line(metrics_a, metrics_b, name, what)
        if line and apart:
            line = line.split(" (")[0] + f" (not comparable: {apart})"
        if line:
            lines.append(line)
    accuracy = [(m.get("train_accuracy"), m.get("test_accuracy")) for m in (metrics_a, metrics_b)]
    if all(train is not None for train, _ in accuracy):
        lines.append("accuracy: " + ", ".join(
            f"{side} {train:.1%}" + (f" (test {test:.1%})" if test is not None else "")
            for side, (train, test) in zip("AB", accuracy)))
    changed = setting_differences(spec_a, spec_b)
    if changed:
        named = "; ".join(f"{key} {_pair(key, va, vb)}"
                          for key, va, vb in changed[:SHOWN_SETTINGS])
        more = len(changed) - SHOWN_SETTINGS
        lines.append(f"settings (A / B): {named}" + (f"; {more} more" if more > 0 else ""))
    else:
        lines.append("settings: the same (the runs differ only by what was done to them)")
    return lines
