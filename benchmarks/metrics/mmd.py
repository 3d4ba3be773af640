"""Maximum mean discrepancy with a polynomial kernel: the distance of JEDi.

JEDi (Luo et al., "Beyond FVD: Enhanced Evaluation Metrics for Video Generation Quality",
ICLR 2025; package ``videojedi``, ``videojedi/mmd_polynomial.py``, adapted there from
``jindongwang/transferlearning``): with scikit-learn's polynomial kernel
``k(x, y) = (γ ⟨x, y⟩ + c₀)^p``,

    MMD² = mean k(X, X) + mean k(Y, Y) − 2 mean k(X, Y)

— the *biased* estimator (the means include the diagonal ``k(xᵢ, xᵢ)``) — and JEDi reports
``100 · MMD²`` with ``p = 2``, ``c₀ = 0`` and scikit-learn's default ``γ = 1 / d``
(``videojedi/JEDi.py``, ``compute_metric``).

For ``p = 2, c₀ = 0`` the kernel means need only the second moments:
``mean_{i,j} (γ xᵢ·yⱼ)² = γ² tr(Mₓ M_y)`` with ``M = E[x xᵀ]``, so

    MMD² = γ² ‖Mₓ − M_y‖²_F

which :func:`poly2_mmd_from_stats` computes from the summable
:class:`~benchmarks.metrics.frechet.FeatureStats` (shards, resumed runs and ranks add).
:func:`polynomial_mmd` is the pairwise form, any degree: the tests check the two agree
with each other and with the package's formula.
"""

from __future__ import annotations

import numpy as np

from benchmarks.metrics.frechet import FeatureStats

__all__ = ["JEDI_SCALE", "polynomial_mmd", "poly2_mmd_from_stats"]

JEDI_SCALE = 100.0  # videojedi/JEDi.py: mmd_poly(..., degree=2, coef0=0) * 100


def _kernel(x: np.ndarray, y: np.ndarray, degree: int, gamma: float, coef0: float) -> np.ndarray:
    return (gamma * (x @ y.T) + coef0) ** degree  # (n₁, n₂), scikit-learn's polynomial_kernel


def polynomial_mmd(x: np.ndarray, y: np.ndarray, *, degree: int = 2, gamma: float | None = None,
                   coef0: float = 0.0) -> float:
    """Biased MMD² between feature sets ``x`` ``(n₁, d)`` and ``y`` ``(n₂, d)`` (float64).

    ``gamma=None`` is ``1 / d`` (scikit-learn's default). Not multiplied by 100.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"features must be (n, d) with one d, got {x.shape} and {y.shape}")
    g = 1.0 / x.shape[1] if gamma is None else float(gamma)
    return float(_kernel(x, x, degree, g, coef0).mean() + _kernel(y, y, degree, g, coef0).mean()
                 - 2 * _kernel(x, y, degree, g, coef0).mean())


def poly2_mmd_from_stats(a: FeatureStats, b: FeatureStats, *, gamma: float | None = None) -> float:
    """Biased MMD² of the degree-2, ``c₀ = 0`` polynomial kernel from summed statistics:
    ``γ² ‖E[aaᵀ] − E[bbᵀ]‖²_F`` (``gamma=None``: ``1 / d``). Not multiplied by 100."""
    if a.dim != b.dim:
        raise ValueError(f"cannot compare {a.dim}-d and {b.dim}-d feature statistics")
    g = 1.0 / a.dim if gamma is None else float(gamma)
    diff = a.second_moment() - b.second_moment()
    return float(g * g * np.sum(diff * diff))
