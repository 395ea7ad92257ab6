"""diagnose() is total: for any net, data and history it returns findings and
never raises; a rule that cannot run says why in one line and the rest still
show."""

import numpy as np
import tuinn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tuinn.diagnose import diagnose
from tuinn.diagnose import rules
from tuinn.settings import ACTIVATIONS

PAIRS = (("linear", "squared"), ("sigmoid", "squared"), ("tanh", "squared"),
         ("sigmoid", "cross_entropy"), ("softmax", "cross_entropy"))
LOSSES = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(min_value=0, max_value=1e300))


def restored(net, losses, test_losses, status):
    """A trainer whose history and status are whatever the strategy drew."""
    trainer = tuinn.Trainer(net)
    snap = trainer.snapshot()
    snap["loss"] = np.asarray(losses, dtype=float)
    snap["test_loss"] = np.asarray(test_losses, dtype=float)
    snap["epoch"] = max(len(losses) - 1, 0)
    trainer.restore(snap)
    trainer.status = status
    return trainer


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(1, 12), d=st.integers(1, 3), h=st.integers(0, 5),
       k=st.integers(1, 3), hidden=st.sampled_from(ACTIVATIONS),
       pair=st.sampled_from(PAIRS), scale=st.sampled_from([0.0, 1e-3, 1.0, 1e3, 1e150]),
       losses=st.lists(LOSSES, min_size=1, max_size=40), with_test=st.booleans(),
       diverged=st.booleans(), optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
       seed=st.integers(0, 3))
def test_diagnose_never_raises(rows, d, h, k, hidden, pair, scale, losses, with_test,
                               diverged, optimizer, seed):
    output, loss = pair
    k = max(k, 2) if output == "softmax" else k
    rng = np.random.default_rng(seed)
    net = tuinn.Net(d, h, k, hidden, output, loss)
    net.theta[:] = rng.normal(0, 1, net.theta.size) * scale
    X = rng.normal(0, 1, (rows, d)) * scale
    Y = np.eye(k)[rng.integers(0, k, rows)] if output == "softmax" else \
        rng.integers(0, 2, (rows, k)).astype(float)
    tests = [v for v in losses] if with_test else []
    status = f"diverged at epoch {len(losses)}" if diverged else "done"
    trainer = restored(net, losses, tests, status)
    trainer.set(optimizer=optimizer)
    findings = diagnose(net, trainer, X, Y, X_test=X if with_test else None,
                        Y_test=Y if with_test else None, max_epochs=len(losses) - 1)
    for f in findings:
        assert f.message and "\n" not in f.message
        assert f.severity in ("problem", "warning", "info")


def test_a_wide_net_is_diagnosed_without_its_huge_covariance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 1))
    net = tuinn.Net(1, 100_000, 1, "tanh").init("glorot")
    trainer = tuinn.Trainer(net, lr=1e-3)
    trainer.train(X, np.sin(X), 2)
    codes = [f.code for f in diagnose(net, trainer, X, np.sin(X))]
    assert "diagnosis-incomplete" not in codes


def test_a_failing_rule_is_reported_in_one_line_and_the_others_still_run(monkeypatch):
    def broken(case):
        """the broken check: it always fails"""
        raise ValueError("no good\nsecond line")
    monkeypatch.setattr(rules, "ALL", (rules.Rule(broken, ()),) + rules.ALL)
    X = np.linspace(-1, 1, 20)[:, None]
    net = tuinn.Net(1, 2, 1, "relu")
    net.set_weights(W1=[[1.0, 2.0]], b1=[-5.0, -6.0])
    trainer = tuinn.Trainer(net)
    trainer.train(X, X, 3)
    findings = diagnose(net, trainer, X, X)
    failed = [f for f in findings if f.code == "diagnosis-incomplete"]
    assert len(failed) == 1 and failed[0].message == "Could not check broken: no good."
    assert "all-units-dead" in [f.code for f in findings]
