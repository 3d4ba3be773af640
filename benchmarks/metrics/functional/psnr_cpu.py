"""Sum of squared errors on the CPU as one numba loop (the fast path of PSNR for CPU tensors).

Each term is formed as ``skimage.metrics.mean_squared_error`` forms it, in the inputs'
precision (a float32 difference, squared in float32), and the terms are accumulated in
float64: one pass over memory, no temporaries. Only the order of the float64 summation
differs from scikit-image's (relative difference ~1e-15).

One thread, on purpose: the sum is bound by memory bandwidth, and a parallel region on a
shared machine waits for its slowest thread (torch's two-thread ``sum`` took 65 ms median,
against 1 ms here, for a 17×3×256² clip on 2 loaded cores; see
results/bench/profiles/metrics-psnr-ssim.txt).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(fastmath={"reassoc"}, cache=True)  # reassociation only: lets the float64 sum vectorise
def squared_error_sums(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Sum of ``(x - y)²`` over each row.

    Args:
        x, y: ``(n, m)`` C-contiguous, same dtype (float32 or float64).

    Returns:
        ``(n,)`` float64.
    """
    n, m = x.shape
    out = np.empty(n, np.float64)
    for i in range(n):
        total = 0.0
        for j in range(m):
            d = x[i, j] - y[i, j]
            total += np.float64(d * d)
        out[i] = total
    return out
