"""A net of very many inputs: its blocks hold fewer rows (csrc/layers.h,
BLOCK_DOUBLES_MAX), so its scratch stays in tens of MB, and it computes what
the numpy reference computes, over several blocks and on every thread count."""

import numpy as np
import pytest
import tuinn
from tuinn import reference as ref

from conftest import net_for


@pytest.mark.parametrize("threads", [1, 3])
def test_a_wide_net_matches_the_reference_over_several_blocks(threads):
    rng = np.random.default_rng(5)
    d, h, N = 30_000, 3, 500          # blocks of 136 rows: four of them
    params = {"W1": rng.normal(0, 0.01, (d, h)), "b1": rng.normal(0, 0.1, h),
              "W2": rng.normal(0, 1, (h, 1)), "b2": np.zeros(1)}
    X = rng.normal(size=(N, d))
    Y = np.sin(X[:, :1])
    net = net_for(params, "tanh", "linear", "squared")
    net.threads = threads
    np.testing.assert_allclose(net.objective(X, Y),
                               ref.objective(params, X, Y, "tanh", "linear", "squared"),
                               rtol=1e-12)
    got, want = net.gradients(X, Y), ref.gradients(params, X, Y, "tanh", "linear", "squared")
    for name in ref.NAMES:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(net.predict(X), ref.forward(params, X, "tanh", "linear")[-1],
                               rtol=1e-12)


def test_a_million_inputs_take_scratch_in_tens_of_mb_not_gigabytes():
    net = tuinn.Net(1_000_000, 2, 1, threads=1)
    assert net.work.nbytes < 200 * 2**20, f"{net.work.nbytes / 2**20:.0f} MB of scratch"
