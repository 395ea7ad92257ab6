"""The rules declare what they write and read: the order follows the
declarations, and a rule that reads or writes beyond them fails loudly."""

import numpy as np
import pytest
import tuinn
from tuinn.diagnose import diagnose, rules
from tuinn.diagnose.findings import CODES
from tuinn.diagnose.rules import Rule, in_order
from tuinn.status import Status


def _named(name, writes=(), reads=()):
    def check(case):
        return []
    check.__name__ = name
    return Rule(check, writes, reads)


def test_every_rule_runs_after_the_rules_it_reads_and_each_code_has_one_writer():
    seen = set()
    for rule in rules.ALL:
        assert set(rule.reads) <= seen, rule.name
        seen |= set(rule.writes)
    writes = [code for rule in rules.ALL for code in rule.writes]
    assert len(writes) == len(set(writes)) and sorted(writes) == list(CODES)


def test_the_order_comes_from_the_declarations_not_from_the_list():
    late, early = _named("late", ("b",), reads=("a",)), _named("early", ("a",))
    assert in_order((late, early)) == (early, late)
    with pytest.raises(ValueError, match="circle"):
        in_order((_named("x", ("a",), ("b",)), _named("y", ("b",), ("a",))))
    with pytest.raises(ValueError, match="both write"):
        in_order((_named("x", ("a",)), _named("y", ("a",))))
    with pytest.raises(ValueError, match="no rule writes"):
        in_order((_named("x", ("a",), ("z",)),))


def _run():
    X = np.linspace(-1, 1, 20)[:, None]
    net = tuinn.Net(1, 2, 1, "relu")
    net.set_weights(W1=[[1.0, 2.0]], b1=[-5.0, -6.0])
    trainer = tuinn.Trainer(net)
    trainer.train(X, X, 3)
    return net, trainer, X


def test_a_rule_that_reads_a_code_it_did_not_declare_fails_and_names_it(monkeypatch):
    def peeks(case):
        return [] if case.has("all-units-dead") else []
    monkeypatch.setattr(rules, "ALL", rules.ALL + (Rule(peeks, ()),))
    net, trainer, X = _run()
    [failed] = [f for f in diagnose(net, trainer, X, X) if f.code == "diagnosis-incomplete"]
    assert "reads ['all-units-dead'] without declaring it" in failed.message


def test_a_rule_sees_only_the_findings_it_declared(monkeypatch):
    seen = {}

    def looks(case):
        seen["codes"] = {f.code for f in case.read()}
        return []
    monkeypatch.setattr(rules, "ALL", rules.ALL + (Rule(looks, (), reads=("symmetry",)),))
    net, trainer, X = _run()
    codes = {f.code for f in diagnose(net, trainer, X, X)}
    assert "all-units-dead" in codes and seen["codes"] == set()


def test_a_status_is_its_state_and_epoch_and_reads_as_words():
    status = Status("diverged", 193)
    assert (status.state, status.epoch, status.diverged) == ("diverged", 193, True)
    assert status == "diverged at epoch 193" and Status.parse(status) == status
    assert Status.parse("done").epoch is None and not Status("new").diverged
    for wrong in ("diverged", "stuck", "done at epoch 3"):
        with pytest.raises(ValueError):
            Status.parse(wrong)
