"""The cluster-bootstrap interval: covers the true mean of correlated data at ~95%, where
the Student-t interval of the same samples does not; exact small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.metrics.functional.cluster_ci import (
    STUDENT_T,
    Clusters,
    bootstrap_means,
    clustered_mean_ci,
)
from benchmarks.metrics.functional.mean_ci import mean_ci


def _dataset(rng: np.random.Generator, clusters: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``1 + u_g + e_gi`` (a shared random effect per cluster, ICC 0.5): the true
    mean is 1; the design effect ``1 + (size - 1) · 0.5`` makes the naive interval too
    narrow by ``sqrt(4.5)`` at ``size`` 8."""
    effect = rng.normal(0.0, 1.0, clusters)
    codes = np.repeat(np.arange(clusters), size)
    return 1.0 + effect[codes] + rng.normal(0.0, 1.0, clusters * size), codes


def test_on_correlated_data_the_clustered_interval_covers_the_truth_and_the_naive_one_does_not():
    rng = np.random.default_rng(2026)
    repetitions, clustered_hits, naive_hits = 400, 0, 0
    for i in range(repetitions):
        values, codes = _dataset(rng, clusters=30, size=8)
        clustered = clustered_mean_ci(values, codes, draws=400, seed=i)
        naive = mean_ci(values)
        clustered_hits += abs(clustered.mean - 1.0) <= clustered.ci95
        naive_hits += abs(naive.mean - 1.0) <= naive.ci95
    # Monte Carlo error of a 95% coverage over 400 datasets: ~1.1 points
    assert 0.92 <= clustered_hits / repetitions <= 0.98
    assert naive_hits / repetitions < 0.8  # ~0.64 expected (1.96 / sqrt(4.5) sigmas)


def test_independent_samples_give_about_the_student_t_width():
    rng = np.random.default_rng(7)
    values = rng.normal(size=200)
    codes = np.arange(200) // 2  # pairs, but independent values
    clustered = clustered_mean_ci(values, codes)
    assert clustered.mean == mean_ci(values).mean  # the point estimate is untouched
    assert clustered.ci95 == pytest.approx(mean_ci(values).ci95, rel=0.15)


def test_a_draw_is_the_mean_of_every_sample_of_the_drawn_clusters():
    values = np.array([1.0, 3.0, 10.0])
    codes = np.array([0, 0, 1])
    boot = bootstrap_means(values, codes, 2, draws=500, seed=0)
    # the three possible draws: {0,0} -> 2, {1,1} -> 10, {0,1} -> 14/3
    assert set(np.round(boot, 9)) <= {2.0, 10.0, round(14 / 3, 9)}
    assert {2.0, 10.0} <= set(np.round(boot, 9))


def test_the_draws_are_seeded_and_independent_of_chunking():
    values, codes = np.arange(12.0), np.arange(12) // 3
    a = bootstrap_means(values, codes, 4, draws=50, seed=3)
    b = bootstrap_means(values, codes, 4, draws=50, seed=3)
    assert np.array_equal(a, b)
    assert clustered_mean_ci(values, codes).ci95 == clustered_mean_ci(values, codes).ci95


def test_non_finite_values_one_cluster_and_mismatched_lengths():
    assert math.isinf(clustered_mean_ci([1.0, math.inf, 2.0], np.array([0, 0, 1])).mean)
    assert math.isnan(clustered_mean_ci([1.0, math.inf, 2.0], np.array([0, 0, 1])).ci95)
    one = clustered_mean_ci([1.0, 2.0], np.array([4, 4]))
    assert one.mean == 1.5 and math.isnan(one.ci95)
    with pytest.raises(ValueError, match="differ"):
        clustered_mean_ci([1.0, 2.0], np.array([0]))


def test_clusters_of_keys_and_the_method_they_name():
    clusters = Clusters.of(["b", None, "a", "b", None])
    assert clusters.codes.tolist() == [1, 2, 0, 1, 3] and clusters.count == 4
    assert clusters.clustered
    assert clusters.method(draws=100) == "cluster bootstrap (4 clusters, 100 draws)"
    singles = Clusters.of(["x", "y", None])
    assert not singles.clustered and singles.method() == STUDENT_T


def test_several_metrics_share_the_draws_and_each_counts_its_own_clusters():
    from benchmarks.metrics.functional.cluster_ci import clustered_mean_cis

    rng = np.random.default_rng(5)
    values, codes = _dataset(rng, clusters=6, size=3)
    clusters = Clusters.of([f"c{c}" for c in codes])
    rows = np.arange(len(values))
    partial = rows[codes < 3]  # a metric only the first 3 clusters carry
    stats = clustered_mean_cis({"a": (values, rows), "b": (values * 2, rows),
                                "c": (values[partial], partial)}, clusters)
    single = clustered_mean_ci(values, codes)
    assert stats["a"].ci95 == pytest.approx(single.ci95, rel=1e-12)
    assert stats["b"].ci95 == pytest.approx(2 * single.ci95, rel=1e-12)
    assert stats["c"].mean == mean_ci(values[partial]).mean
    # t with 3 - 1 degrees of freedom: the clusters holding the metric, not the run's 6
    boot = bootstrap_means(np.where(codes < 3, values, np.nan), codes, 6, draws=2000, seed=0)
    from scipy.stats import t

    finite = boot[np.isfinite(boot)]
    assert stats["c"].ci95 == pytest.approx(t.ppf(0.975, 2) * np.std(finite, ddof=1))
