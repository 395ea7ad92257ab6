"""How the rules put numbers and units into words."""


def g(x):
    return f"{x:.3g}"


def named_units(indices):
    indices = [int(i) for i in indices]
    word = "Unit" if len(indices) == 1 else "Units"
    shown = ", ".join(str(i) for i in indices[:8]) + (", …" if len(indices) > 8 else "")
    return f"{word} {shown}"


def is_are(n):
    return "is" if n == 1 else "are"
