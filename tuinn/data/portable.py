"""exp, sin, cos and hypot of arrays, the same bits on every CPU.

numpy picks a vectorized exp (and, on AVX-512 machines, SVML versions of
other functions) by the CPU it runs on, and their last bits differ from one
machine to another.  Generated data feeds the kernel, whose results are the
same on every machine (docs/math.md#reproducibility), so the generators and
derived features take these instead: Python's `math`, one value at a time
(about 0.1 s per million values).
"""

import math

import numpy as np


def _each(fn, *arrays):
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in arrays))
    flat = [a.ravel() for a in arrays]
    out = np.fromiter(map(fn, *(f.tolist() for f in flat)), dtype=np.float64,
                      count=arrays[0].size)
    return out.reshape(arrays[0].shape)


def exp(x):
    return _each(math.exp, x)


def sin(x):
    return _each(math.sin, x)


def cos(x):
    return _each(math.cos, x)


def hypot(x, y):
    return _each(math.hypot, x, y)
