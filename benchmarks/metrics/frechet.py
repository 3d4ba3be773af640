"""Fréchet distance between two Gaussians fitted to feature sets (FID, FVD, rFVD, gFVD).

    FD = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^{1/2}

(Dowson & Landau 1982; Heusel et al. 2017 for FID; Unterthiner et al. 2018 for FVD.)

The one delicate term is ``tr (Σ₁Σ₂)^{1/2}``. ``Σ₁Σ₂`` is not symmetric, but it is similar
to the PSD matrix ``Σ₁^{1/2} Σ₂ Σ₁^{1/2}``, so its eigenvalues are real and ≥ 0 and the
trace of its principal square root is the sum of their square roots. We compute it
without ``scipy.linalg.sqrtm`` (a Schur method that loses accuracy, and returns complex
noise, when a covariance is singular: n ≤ d, the usual case for 2,048 clips of 400-d I3D
features is fine but 100 demo clips of 1,280-d features are not) and without an ``eps``
added to the diagonal (which changes the value):

1. Σ₁ = V Λ Vᵀ (``eigh``). Eigenvalues at rounding level (below ``d · ε · λ_max``, the
   numerical-rank tolerance of ``numpy.linalg.matrix_rank``) are exact zeros of a rank-r
   matrix perturbed by rounding; they are dropped, the rest kept: ``A = V_r Λ_r^{1/2}``
   (d × r), so ``A Aᵀ = Σ₁`` on its range.
2. The non-zero eigenvalues of ``Σ₁Σ₂ = A Aᵀ Σ₂`` are those of the r × r PSD matrix
   ``M = Aᵀ Σ₂ A`` (``XY`` and ``YX`` share their non-zero spectrum).
3. ``tr (Σ₁Σ₂)^{1/2} = Σᵢ √μᵢ`` over the eigenvalues μ of ``M``, again dropping those at
   rounding level (negative ones included).

The side with the smaller numerical rank is taken as Σ₁ (the value is symmetric). When
both sets are given as features, an independent route is ``‖X₁ X₂ᵀ‖_* /
√((n₁−1)(n₂−1))`` with X the centred features (nuclear norm of the cross Gram matrix):
the tests use it as the exact reference.

:class:`FeatureStats` is the summable state (n, Σx, Σxxᵀ in float64): shards, resumed
runs and torchrun ranks add their states, and the covariance is formed once, at the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["FeatureStats", "frechet_distance", "frechet_from_stats", "trace_sqrt_product"]


# helpers


def _psd_root_factor(cov: np.ndarray) -> np.ndarray:
    """``A`` (d × r) with ``A Aᵀ = cov`` on its numerical range (eigenvalues at rounding
    level dropped)."""
    eigval, eigvec = np.linalg.eigh(cov)
    tol = _rank_tolerance(eigval, cov.shape[0])
    keep = eigval > tol
    return eigvec[:, keep] * np.sqrt(eigval[keep])


def _rank_tolerance(eigval: np.ndarray, d: int) -> float:
    top = float(np.max(np.abs(eigval))) if eigval.size else 0.0
    return top * max(d, 1) * np.finfo(np.float64).eps


def _numerical_rank(cov: np.ndarray) -> int:
    eigval = np.linalg.eigvalsh(cov)
    return int(np.sum(eigval > _rank_tolerance(eigval, cov.shape[0])))


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr (Σ₁ Σ₂)^{1/2}`` for two PSD matrices (exact for singular ones, see module doc)."""
    sigma1 = np.asarray(sigma1, dtype=np.float64)
    sigma2 = np.asarray(sigma2, dtype=np.float64)
    if _numerical_rank(sigma2) < _numerical_rank(sigma1):
        sigma1, sigma2 = sigma2, sigma1
    factor = _psd_root_factor(sigma1)  # (d, r)
    if factor.shape[1] == 0:
        return 0.0
    inner = factor.T @ sigma2 @ factor  # (r, r), PSD up to rounding
    inner = (inner + inner.T) / 2
    eigval = np.linalg.eigvalsh(inner)
    keep = eigval > _rank_tolerance(eigval, inner.shape[0])
    return float(np.sum(np.sqrt(eigval[keep])))


# functional


def frechet_from_stats(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    """Fréchet distance of N(μ₁, Σ₁) and N(μ₂, Σ₂), in float64.

    Args:
        mu1, mu2: ``(d,)`` means.
        sigma1, sigma2: ``(d, d)`` covariances (PSD; singular is fine).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(
            f"mismatched statistics: means {mu1.shape}, {mu2.shape}; "
            f"covariances {sigma1.shape}, {sigma2.shape}"
        )
    diff = mu1 - mu2
    value = (
        float(diff @ diff)
        + float(np.trace(sigma1))
        + float(np.trace(sigma2))
        - 2.0 * trace_sqrt_product(sigma1, sigma2)
    )
    return max(value, 0.0)  # a true distance is ≥ 0; rounding can dip below for equal sets


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between the Gaussians fitted to two feature sets.

    Args:
        a: ``(n₁, d)`` features, n₁ ≥ 2.
        b: ``(n₂, d)`` features, n₂ ≥ 2.

    Returns:
        The distance (float64 arithmetic; unbiased covariances, as ``numpy.cov``).
    """
    return FeatureStats.from_features(a).distance(FeatureStats.from_features(b))


# summable state


@dataclass
class FeatureStats:
    """Sufficient statistics of a feature set: count, Σx and Σxxᵀ, float64.

    Adding two states (:meth:`merge`, ``+``) is the state of the union, so shards,
    resumed runs and torchrun ranks combine by addition. Float64 addition is not
    associative: two different groupings of the same features agree to rounding
    (~1e-15 relative), and exactly when the partial sums are exact (e.g. dyadic
    features). The harness makes runs reproducible bit for bit by always summing the
    per-sample features in sample-id order, whichever process scored them.

    Attributes:
        n: number of feature vectors.
        sum: ``(d,)`` Σx.
        sum_outer: ``(d, d)`` Σxxᵀ.
    """

    n: int
    sum: np.ndarray
    sum_outer: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> FeatureStats:
        return cls(0, np.zeros(dim, np.float64), np.zeros((dim, dim), np.float64))

    @classmethod
    def from_features(cls, features: np.ndarray) -> FeatureStats:
        """State of ``features`` ``(n, d)``."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"features must be (n, d), got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("features contain NaN or infinity")
        return cls(int(x.shape[0]), x.sum(axis=0), x.T @ x)

    @property
    def dim(self) -> int:
        return int(self.sum.shape[0])

    def merge(self, other: FeatureStats) -> FeatureStats:
        """The state of both sets."""
        if other.dim != self.dim:
            raise ValueError(f"cannot merge {self.dim}-d and {other.dim}-d feature statistics")
        return FeatureStats(
            self.n + other.n, self.sum + other.sum, self.sum_outer + other.sum_outer
        )

    __add__ = merge

    def mean(self) -> np.ndarray:
        if self.n < 1:
            raise ValueError("no features")
        return self.sum / self.n

    def covariance(self, ddof: int = 1) -> np.ndarray:
        """Covariance ``(Σxxᵀ − n μμᵀ) / (n − ddof)``: ``ddof=1`` the unbiased one
        (``numpy.cov``'s), ``ddof=0`` the one StyleGAN-V's and cd-fvd's ``FeatureStats``
        form (``raw_cov / n − μμᵀ``)."""
        if self.n < 2:
            raise ValueError(f"a covariance needs at least 2 feature vectors, got {self.n}")
        if ddof not in (0, 1):
            raise ValueError(f"ddof must be 0 or 1, got {ddof}")
        mu = self.mean()
        cov = (self.sum_outer - self.n * np.outer(mu, mu)) / (self.n - ddof)
        return (cov + cov.T) / 2

    def second_moment(self) -> np.ndarray:
        """``E[x xᵀ] = Σxxᵀ / n`` (uncentred), ``(d, d)``: what a degree-2 polynomial
        kernel sees (:mod:`benchmarks.metrics.mmd`)."""
        if self.n < 1:
            raise ValueError("no features")
        return self.sum_outer / self.n

    def distance(self, other: FeatureStats, ddof: int = 1) -> float:
        """Fréchet distance between this set's Gaussian and ``other``'s (covariances with
        ``ddof``, see :meth:`covariance`)."""
        return frechet_from_stats(self.mean(), self.covariance(ddof),
                                  other.mean(), other.covariance(ddof))

    # save / load

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a ``.npz`` (atomically: a temporary sibling, then a rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, n=np.int64(self.n), sum=self.sum, sum_outer=self.sum_outer)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FeatureStats:
        with np.load(Path(path), allow_pickle=False) as data:
            n, total, outer = int(data["n"]), data["sum"], data["sum_outer"]
        d = total.shape[0]
        if total.shape != (d,) or outer.shape != (d, d):
            raise ValueError(f"{path}: not feature statistics (sum {total.shape}, "
                             f"sum_outer {outer.shape})")
        return cls(n, total.astype(np.float64), outer.astype(np.float64))
