"""Generalization: overfitting, rows or a column that leak the targets, class
balance and the test set's size."""

import numpy as np

from tuinn.data import accuracy
from tuinn.diagnose.advice import Option, change
from tuinn.diagnose.rules.words import g

LEAK_SCORE = 0.999         # held-out R² (or accuracy) of one column alone that is a leak
UNEQUAL_CLASSES = 0.8      # a majority share from which accuracy says little
LEARNED_SHARE = 0.8        # a loss under this share of the best constant's: something learned
SMALL_TEST = 10            # fewer test rows than this cannot judge a net
RISE = 0.05                # a test loss this share above its best (and its noise) has risen
GAP = 10.0                 # test mse this many times the training mse: overfitted ...
GAP_SHARE = 0.1            # ... when the training mse is under this share of the variance
                           # and the test mse above it


def generalization(case):
    """the test set: overfitting, leakage, class balance and the test set's size"""
    out = _more_weights_than_rows(case) + _leaking_input(case)
    if case.classify:
        out += _majority(case)
    if case.X_test is None:
        return out
    return out + _overfitting(case) + _leakage(case) + _small_test(case)


def _more_weights_than_rows(case):
    weights, rows = case.net.theta.size, len(case.X)
    if weights <= rows:
        return []
    options = [] if case.X_test is not None or rows < SMALL_TEST else [
        Option("Hold out a test set to see whether it generalizes",
               [change("data.test_ratio", 0.2)])]
    return [case.finding(
        "more-weights-than-rows", "info",
        f"The net has {weights:,} weights for {rows:,} training rows: as many free numbers "
        "as it would take to memorize the rows, noise included (whether this architecture "
        "can is another matter), so a low training loss alone proves nothing.",
        options, {"weights": weights, "rows": rows})]


def _overfitting(case):
    net, test = case.net, case.test_loss
    if len(test) < 2:
        return []
    O = net.predict(case.X_test)
    with np.errstate(over="ignore"):
        test_mse = float(np.mean((O - case.Y_test) ** 2))
    best = int(np.argmin(test))
    best_epoch = case.test_start + best
    train_at_best = float(case.loss[best_epoch])
    noise = float(np.median(np.abs(np.diff(test[best:])))) if len(test) - best > 2 else 0.0
    rose = (len(test) - 1 - best >= 5 and test[-1] > test[best] + max(3 * noise,
                                                                       RISE * test[best])
            and case.loss[-1] < train_at_best)
    test_var = float(np.mean(np.var(case.Y_test, axis=0))) if len(case.Y_test) > 1 \
        else case.variance
    gap = (test_mse > GAP * case.mse + 1e-12 and test_mse > GAP_SHARE * test_var
           and case.mse < GAP_SHARE * max(case.variance, 1e-300))
    if not (rose or gap):
        return []
    h = net.n_hidden
    options = []
    if rose:
        options.append(Option(f"Stop at epoch {best_epoch}, where the test loss was lowest",
                              [change("train.epochs", max(best_epoch, 1))], "restart"))
    l2 = case.settings["l2"]
    options.append(Option("Penalize large weights",
                          [change("train.l2", 1e-3 if l2 == 0 else 10 * l2)], "restart"))
    if h > 1 and net.theta.size > len(case.X):
        options.append(Option("Use fewer units", [change("model.hidden_units", max(1, h // 4))],
                              "restart"))
    what = (f"the test loss has risen from its best {g(float(test[best]))} at epoch "
            f"{best_epoch} to {g(float(test[-1]))} while the training loss kept falling"
            if rose else
            f"the test mse is {g(test_mse)} against {g(case.mse)} on the training rows")
    return [case.finding(
        "overfitting", "warning",
        f"Overfitting: {what}. The net learns the training rows, noise included, not the rule "
        "behind them.", options,
        {"best_test_epoch": best_epoch, "best_test_loss": float(test[best]),
         "test_loss": float(test[-1]), "test_mse": test_mse, "train_mse": case.mse,
         "rising": bool(rose)})]


def _row_hashes(X, Y):
    """A 64-bit hash of each row's exact bits (inputs, then targets), in memory
    that grows by 8 bytes a row: a set of the rows as bytes took 90."""
    digest = np.full(len(X), 0xCBF29CE484222325, dtype=np.uint64)
    for block in (X, Y):
        bits = np.ascontiguousarray(block, dtype=np.float64).view(np.uint64)
        for column in bits.T:
            digest ^= column
            digest *= np.uint64(0x100000001B3)     # FNV-1a's prime, per 64-bit word
    return digest


def _shared_rows(X, Y, X_test, Y_test):
    """How many test rows stand, bit for bit, among the training rows."""
    train, test = _row_hashes(X, Y), _row_hashes(X_test, Y_test)
    maybe = np.flatnonzero(np.isin(test, train))
    # A hash match is checked row against row: a collision never counts.
    rows = {}
    for i in np.flatnonzero(np.isin(train, test[maybe])):
        rows.setdefault(train[i], []).append(i)
    return sum(any(np.array_equal(X[i], X_test[t]) and np.array_equal(Y[i], Y_test[t])
                   for i in rows.get(test[t], ())) for t in maybe)


def _leaking_input(case):
    """One input column that alone predicts the targets almost exactly
    (reach.one_column, kept per data set like the other yardsticks)."""
    if case.spec is not None and case.spec.data.features != "none":
        return []                   # each derived input is a function of another
    leak = case.one_column
    if leak is None or leak.score < LEAK_SCORE:
        return []
    what = (f"classifies {leak.score:.1%} of the rows it was not fitted on" if case.classify
            else f"explains {leak.score:.4%} of the targets' variance on rows it was not "
                 "fitted on")
    return [case.finding(
        "leaking-input", "warning",
        f"Input {leak.column} alone predicts the targets almost exactly: a model of it alone "
        f"{what}. If it is computed from the target, or not known when a prediction is "
        "made, the net's score is not real.",
        [Option(f"Check how input {leak.column} is made; drop it from the data if it leaks "
                "the target")],
        {"input": leak.column, "score": leak.score}, basis="measured")]


def _leakage(case):
    shared = _shared_rows(case.X, case.Y, case.X_test, case.Y_test)
    if not shared:
        return []
    return [case.finding(
        "leakage", "warning",
        f"{shared} of {len(case.X_test)} test rows also appear, inputs and targets alike, in "
        "the training rows: the test score partly measures memory, not generalization.",
        [Option("Remove the duplicated rows from the data before it is split")],
        {"shared_rows": int(shared), "test_rows": len(case.X_test)})]


def _majority(case):
    X, Y, where = (case.X_test, case.Y_test, "test") if case.X_test is not None else \
        (case.X, case.Y, "training")
    if len(Y) < 2:
        return []
    labels = (Y[:, 0] >= 0.5).astype(int) if Y.shape[1] == 1 else Y.argmax(axis=1)
    counts = np.bincount(labels)
    majority = float(counts.max() / len(labels))
    score = accuracy(case.net.predict(X), Y)
    if score > majority + 1e-9 or majority >= 1.0 or _beats_a_constant(case):
        return []
    label = int(counts.argmax())
    # When a finding above already explains the failure (dead units, say), more
    # epochs or a larger rate would not help: it must be acted on first.
    advice = Option("Act on the findings above, which say why") if case.troubled() else \
        Option("Train longer or with a larger rate, and judge by the loss")
    return [case.finding(
        "majority-class", "warning",
        f"The {where} accuracy {score:.1%} is no better than always answering class "
        f"{label}, which {majority:.1%} of the {where} rows are: the net has learned nothing "
        "about the classes yet." + (" With classes this unequal, accuracy says little; "
                                     "look at the loss." if majority >= UNEQUAL_CLASSES else ""),
        [advice],
        {"accuracy": score, "majority_rate": majority, "majority_class": label,
         "set": where})]


def _beats_a_constant(case):
    """The training loss is clearly below that of the best constant output (the
    class shares): the net has learned something, whatever its accuracy."""
    p = np.clip(case.Y.mean(axis=0), 1e-12, 1 - 1e-12)
    if case.net.loss == "squared":
        constant = 0.5 * float(np.sum(np.var(case.Y, axis=0)))
    elif case.Y.shape[1] == 1:
        constant = -float(p[0] * np.log(p[0]) + (1 - p[0]) * np.log(1 - p[0]))
    else:
        constant = -float(np.sum(p * np.log(p)))
    return float(case.loss[-1]) < LEARNED_SHARE * constant if len(case.loss) else False


def _small_test(case):
    return _test_rows(case) + _missing_classes(case)


def _missing_classes(case):
    """A test set with no row of a class the training rows have: it cannot
    judge the net on that class."""
    if not case.classify or not len(case.Y_test):
        return []
    label = (lambda Y: Y.argmax(axis=1)) if case.Y.shape[1] > 1 else (lambda Y: Y[:, 0])
    seen = set(np.unique(label(case.Y)).tolist())
    missing = sorted(seen - set(np.unique(label(case.Y_test)).tolist()))
    if not missing:
        return []
    names = ", ".join(g(c) for c in missing)
    return [case.finding(
        "small-test-set", "info",
        f"The test set has no row of class {names} ({len(missing)} of the {len(seen)} classes "
        "of the training rows): its loss and accuracy say nothing of how the net does there.",
        [Option("Split the rows so that every class has test rows")],
        {"test_rows": len(case.X_test), "missing_classes": missing})]


def _test_rows(case):
    n = len(case.X_test)
    if n >= SMALL_TEST:
        return []
    steps = ", ".join(f"{i}/{n}" for i in range(n + 1)) if n <= 4 else f"steps of 1/{n}"
    what = f"its accuracy can only be {steps}, and " if case.classify else ""
    return [case.finding(
        "small-test-set", "info",
        f"The test set has only {n} row{'s' if n != 1 else ''}: {what}one row decides its "
        "loss, so it cannot tell a good net from a lucky one.",
        [Option("Hold out more rows", [change("data.test_ratio", 0.25)])],
        {"test_rows": n})]
