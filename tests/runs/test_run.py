"""The live run (tuinn.runs.run): what it says of its data, and data that does
not suit the net."""

import pytest
from tuinn.errors import DataError
from tuinn.runs import Run, RunSpec


def test_data_summary_shows_the_standardization():
    lines = Run(RunSpec.from_preset("body-metrics-scaled")).data_summary()
    assert lines[0].startswith("body-metrics: 11 train + 2 test rows, 3 inputs, binary")
    X = Run(RunSpec.from_preset("body-metrics")).dataset.X
    assert f"height (mean {X[:, 0].mean():.4g}, sd {X[:, 0].std():.4g})" in lines[1]
    assert lines[1].startswith("inputs standardized with the training rows' statistics")
    assert Run(RunSpec.from_preset("body-metrics")).data_summary() == lines[:1]


def test_a_run_whose_targets_do_not_suit_the_output_is_refused_at_once():
    spec = RunSpec.from_preset("exp")
    spec.model.output = "sigmoid"
    with pytest.raises(DataError, match=r"a sigmoid output lies in \[0, 1\] but Y spans"):
        Run(spec)
