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


def test_a_diverged_runs_mse_is_its_mean_square_not_an_overflowed_sum():
    import numpy as np

    from tuinn.data import mean_square

    run = Run(RunSpec.from_preset("exp-lr5"))
    run.train()
    assert run.status.diverged
    m = run.metrics()
    # the squares of the rows sum past the largest double; their mean does not
    assert np.isfinite(m["train_mse"]) and m["train_mse"] > 1e300
    assert m["train_mse"] == pytest.approx(2 * m["train_loss"], rel=1e-9)
    assert np.isinf(mean_square(np.array([1e155, -1e155])))     # 1e310: truly past it
    assert mean_square(np.array([3.0, 4.0])) == 12.5 and mean_square(np.zeros(0)) == 0.0
