"""Mean and 95% confidence interval of per-sample scores, with summable states.

Every per-sample metric of a run (PSNR of a clip, SSIM, latency, ...) is fed into one
``MeanCI``. The states are sums (count, sum, sum of squares, and counts of +inf, -inf and
NaN values), so a run split over processes, or resumed from stored records, gives the same
summary as one uninterrupted process: torchmetrics adds the states across ranks.

The interval is Student's t: ``mean ± t.ppf(0.975, n - 1) · s / sqrt(n)`` with ``s`` the
sample standard deviation (``n - 1`` in the denominator).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from benchmarks.metrics.functional.mean_ci import (  # the functional core, re-exported
    _STATES,
    MeanCIResult,
    _mean_ci_compute,
    _mean_ci_update,
    mean_ci,
)
from benchmarks.metrics.summable import SummableMetric

__all__ = ["MeanCI", "MeanCIResult", "mean_ci"]


class MeanCI(SummableMetric):
    """Mean ± 95% Student-t interval of scalar values, accumulated over updates and ranks.

    ``update`` takes a tensor of any shape (each element is one sample), a float, or a
    sequence of floats. ``compute`` returns a ``MeanCIResult``.
    """

    higher_is_better = None  # generic: the direction belongs to the metric being averaged
    state_names = _STATES

    def update(self, values: Tensor | float | Sequence[float]) -> None:
        self._add(_mean_ci_update(torch.as_tensor(values, dtype=torch.float64)))

    def compute(self) -> MeanCIResult:
        return _mean_ci_compute(*(float(getattr(self, name)) for name in _STATES))
