"""Mean and 95% confidence interval of per-sample scores: the functional core.

The sufficient statistics of a batch (count, sum, sum of squares, and counts of +inf,
-inf and NaN values) and the mean and Student-t half-width computed from them:
``mean ± t.ppf(0.975, n - 1) · s / sqrt(n)`` with ``s`` the sample standard deviation
(``n - 1`` in the denominator). :class:`benchmarks.metrics.mean_ci.MeanCI` is the
accumulating torchmetrics class over the same states; this module imports no torchmetrics
(slow to import), so a run's summary does not wait for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

_STATES = ("count", "total", "total_sq", "pos_inf", "neg_inf", "nan")


@dataclass
class MeanCIResult:
    """Summary of the values fed to a ``MeanCI``.

    Attributes:
        mean: the mean; ``+inf``/``-inf`` when any value is, NaN when any value is NaN (or
            both infinities occur) and when there are no values.
        ci95: half-width of the 95% confidence interval; NaN when ``count < 2`` or the
            mean is not finite.
        count: how many values were fed, non-finite ones included.
    """

    mean: float
    ci95: float
    count: int


def _mean_ci_update(values: Tensor) -> dict[str, Tensor]:
    """Sufficient statistics of a batch of values.

    Args:
        values: any shape; flattened.

    Returns:
        float64 scalars keyed by state name (see ``_STATES``).
    """
    values = values.detach().to(torch.float64).flatten()
    finite = values[torch.isfinite(values)]
    return {
        "count": torch.tensor(float(values.numel()), dtype=torch.float64),
        "total": finite.sum(),
        "total_sq": finite.square().sum(),
        "pos_inf": (values == math.inf).sum().to(torch.float64),
        "neg_inf": (values == -math.inf).sum().to(torch.float64),
        "nan": values.isnan().sum().to(torch.float64),
    }


def _mean_ci_compute(
    count: float, total: float, total_sq: float, pos_inf: float, neg_inf: float, nan: float
) -> MeanCIResult:
    """Mean and t-interval half-width from the summed states (plain floats)."""
    n = int(count)
    if n == 0 or nan > 0 or (pos_inf > 0 and neg_inf > 0):
        return MeanCIResult(mean=math.nan, ci95=math.nan, count=n)
    if pos_inf > 0 or neg_inf > 0:
        return MeanCIResult(mean=math.inf if pos_inf else -math.inf, ci95=math.nan, count=n)
    mean = total / n
    if n == 1:
        return MeanCIResult(mean=mean, ci95=math.nan, count=n)
    from scipy.stats import t as student_t  # lazy: scipy is slow to import

    variance = max(total_sq - total * mean, 0.0) / (n - 1)  # rounding can dip below 0
    half_width = float(student_t.ppf(0.975, n - 1)) * math.sqrt(variance / n)
    return MeanCIResult(mean=mean, ci95=half_width, count=n)


def mean_ci(values: Tensor | Sequence[float]) -> MeanCIResult:
    """Mean and 95% Student-t half-width of ``values`` in one call (functional form).

    Sums run in float64 in the order given: callers that need bit-identical results across
    resumed or sharded runs pass the values in a fixed order (the runner sorts by id).
    """
    stats = _mean_ci_update(torch.as_tensor(values, dtype=torch.float64))
    return _mean_ci_compute(*(float(stats[name]) for name in _STATES))
