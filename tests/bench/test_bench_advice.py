"""`tuinn bench --advice`: the share of findings whose advice proves itself."""

from tuinn import presets
from tuinn.bench import advice


def test_the_share_counts_proven_advice_among_the_advice_that_could_be_tried(monkeypatch):
    monkeypatch.setattr(presets, "names", lambda: ["linear-hidden", "exp-lr2"])
    doc = advice.measure()
    assert doc["presets"] == 2
    assert doc["by_code"]["linear-collapse"] == {"findings": 1, "tried": 1, "proven": 1}
    assert doc["by_code"]["unstable-rate"]["proven"] == 1
    assert doc["by_code"]["stalled"]["tried"] == 0, "advice with nothing to set is not tried"
    assert doc["tried"] == sum(c["tried"] for c in doc["by_code"].values())
    assert doc["share"] == doc["proven"] / doc["tried"]
    report = advice.format_measure(doc)
    assert report.startswith(f"advice: {doc['proven']} of {doc['tried']} findings")
    assert all(row["preset"] in ("linear-hidden", "exp-lr2") for row in doc["rows"])
