"""Bjøntegaard delta rate and delta PSNR between two rate–distortion curves.

Method: G. Bjøntegaard, "Calculation of average PSNR differences between RD-curves",
ITU-T SG16 Q.6 VCEG-M33, Austin, 2001 — interpolate each curve (quality as a function of
log-rate, or log-rate as a function of quality), integrate both over the interval where
they overlap and divide the difference by its length. Interpolation: piecewise cubic
Hermite (PCHIP, monotone, through every point) instead of M33's single cubic polynomial,
as in the later Bjøntegaard model (VCEG-AL22) and the BD computation of the JVET / JCT-VC
common test conditions' reporting spreadsheet. Logarithms are base 10, as in M33.

- ``bd_rate``: average rate difference of ``test`` against ``anchor`` at equal quality, in
  percent (negative: ``test`` needs fewer bits). If ``test``'s rate is ``k`` times the
  anchor's at every quality, it is exactly ``(k − 1) · 100``.
- ``bd_psnr``: average quality difference at equal rate, in dB (positive: ``test`` is
  better). A curve shifted up by ``c`` dB gives exactly ``c``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _curve(
    rate: Sequence[float], quality: Sequence[float], name: str
) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rate, dtype=np.float64)
    q = np.asarray(quality, dtype=np.float64)
    if r.shape != q.shape or r.ndim != 1 or r.size < 2:
        raise ValueError(
            f"{name}: need at least 2 (rate, quality) points, got {r.size} and {q.size}"
        )
    if not (np.isfinite(r).all() and np.isfinite(q).all()) or (r <= 0).any():
        raise ValueError(f"{name}: rates must be positive and finite, qualities finite")
    order = np.argsort(r)
    r, q = r[order], q[order]
    if (np.diff(r) <= 0).any() or (np.diff(q) <= 0).any():
        raise ValueError(
            f"{name}: quality must rise strictly with rate (got rates {r.tolist()}, "
            f"qualities {q.tolist()})"
        )
    return np.log10(r), q


def _average_gap(x_a: np.ndarray, y_a: np.ndarray, x_b: np.ndarray, y_b: np.ndarray) -> float:
    """Mean of ``y_b(x) − y_a(x)`` over the overlap of the x ranges (PCHIP curves)."""
    from scipy.interpolate import PchipInterpolator

    lo, hi = max(x_a.min(), x_b.min()), min(x_a.max(), x_b.max())
    if not hi > lo:
        raise ValueError(
            f"the curves do not overlap (ranges [{x_a.min():.4g}, {x_a.max():.4g}] and "
            f"[{x_b.min():.4g}, {x_b.max():.4g}])"
        )
    area_a = PchipInterpolator(x_a, y_a).integrate(lo, hi)
    area_b = PchipInterpolator(x_b, y_b).integrate(lo, hi)
    return float((area_b - area_a) / (hi - lo))


def bd_rate(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
) -> float:
    """BD-rate of ``test`` against ``anchor`` in percent (log10-rate over quality)."""
    la, qa = _curve(anchor_rate, anchor_quality, "anchor")
    lt, qt = _curve(test_rate, test_quality, "test")
    return (10.0 ** _average_gap(qa, la, qt, lt) - 1.0) * 100.0


# bd_rate's parameters again (same shape, not a copy): the two Bjøntegaard deltas of a pair
def bd_psnr(
    anchor_rate: Sequence[float],
    anchor_quality: Sequence[float],
    test_rate: Sequence[float],
    test_quality: Sequence[float],
) -> float:
    """BD-PSNR (BD-quality) of ``test`` against ``anchor`` in dB (quality over log10-rate)."""
    la, qa = _curve(anchor_rate, anchor_quality, "anchor")
    lt, qt = _curve(test_rate, test_quality, "test")
    return _average_gap(la, qa, lt, qt)
