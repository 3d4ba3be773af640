"""Fréchet distance: scipy sqrtm reference, exact values for singular covariances, merging."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.linalg

from benchmarks.metrics.frechet import FeatureStats, frechet_distance, frechet_from_stats


def _scipy_reference(a: np.ndarray, b: np.ndarray) -> float:
    """The FID/FVD reference code's formula (StyleGAN-V, pytorch-fid): scipy sqrtm."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2)
    return float(np.real(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root)))


def _exact_by_gram(a: np.ndarray, b: np.ndarray) -> float:
    """Independent route: tr (S1 S2)^1/2 = nuclear norm of X1 X2ᵀ / sqrt((n1-1)(n2-1))."""
    xa, xb = a - a.mean(0), b - b.mean(0)
    cross = np.linalg.svd(xa @ xb.T, compute_uv=False).sum()
    tr_root = cross / np.sqrt((len(a) - 1) * (len(b) - 1))
    tr1 = (xa**2).sum() / (len(a) - 1)
    tr2 = (xb**2).sum() / (len(b) - 1)
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + tr1 + tr2 - 2 * tr_root)


def _mp_exact(a: np.ndarray, b: np.ndarray) -> float:
    """50-digit eigenvalues of S1 S2 (mpmath): the value with no float64 in the way."""
    mpmath.mp.dps = 50
    def stats(x):
        m = mpmath.matrix(x.tolist())
        n, d = m.rows, m.cols
        mu = [mpmath.fsum(m[i, j] for i in range(n)) / n for j in range(d)]
        c = mpmath.matrix(d, d)
        for i in range(d):
            for j in range(d):
                terms = ((m[k, i] - mu[i]) * (m[k, j] - mu[j]) for k in range(n))
                c[i, j] = mpmath.fsum(terms) / (n - 1)
        return mu, c
    mu1, s1 = stats(a)
    mu2, s2 = stats(b)
    eig = mpmath.eig(s1 * s2, left=False, right=False)
    root = mpmath.fsum(mpmath.sqrt(max(mpmath.re(e), 0)) for e in eig)
    d = len(mu1)
    tr = mpmath.fsum(s1[i, i] + s2[i, i] for i in range(d))
    diff = mpmath.fsum((mu1[i] - mu2[i]) ** 2 for i in range(d))
    return float(diff + tr - 2 * root)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_scipy_sqrtm_well_conditioned(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = 16
    mix = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    a = rng.normal(size=(500, d)) @ mix
    b = rng.normal(size=(400, d)) @ mix * 1.3 + 0.4
    ours, ref = frechet_distance(a, b), _scipy_reference(a, b)
    assert ours == pytest.approx(ref, rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(("n1", "n2", "d"), [(30, 20, 64), (100, 100, 1280), (5, 40, 32)])
def test_singular_covariances_exact(n1: int, n2: int, d: int) -> None:
    rng = np.random.default_rng(n1 + d)
    a = rng.normal(size=(n1, d)) * rng.uniform(0.2, 2, d)
    b = rng.normal(size=(n2, d)) + 0.1
    assert frechet_distance(a, b) == pytest.approx(_exact_by_gram(a, b), rel=1e-5)


def test_singular_covariances_against_mpmath() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(4, 6)), rng.normal(size=(3, 6)) * 2 + 1  # ranks 3 and 2 in 6-d
    assert frechet_distance(a, b) == pytest.approx(_mp_exact(a, b), rel=1e-5)


@pytest.mark.parametrize("shape", [(50, 8), (30, 300)])
def test_self_distance_is_zero(shape: tuple[int, int]) -> None:
    a = np.random.default_rng(5).normal(size=shape)
    scale = np.trace(np.cov(a, rowvar=False))
    assert frechet_distance(a, a) <= 1e-9 * scale


def test_distance_is_symmetric_and_shift_is_squared() -> None:
    a = np.random.default_rng(9).normal(size=(40, 10))
    assert frechet_distance(a, a + 2.0) == pytest.approx(10 * 4.0, rel=1e-9)
    b = np.random.default_rng(10).normal(size=(25, 10))
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_sharded_merge_equals_one_shot_exactly() -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(-64, 64, size=(90, 12)) / 16.0  # dyadic: every partial sum is exact
    one = FeatureStats.from_features(x)
    shards = [FeatureStats.from_features(x[i::3]) for i in range(3)]
    merged = shards[2] + shards[0] + shards[1]
    assert merged.n == one.n
    np.testing.assert_array_equal(merged.sum, one.sum)
    np.testing.assert_array_equal(merged.sum_outer, one.sum_outer)
    y = rng.normal(size=(90, 12))  # arbitrary floats: equal to rounding
    parts = FeatureStats.from_features(y[:37]) + FeatureStats.from_features(y[37:])
    other = FeatureStats.from_features(y[::-1] + 1)
    assert parts.distance(other) == pytest.approx(
        FeatureStats.from_features(y).distance(other), rel=1e-12
    )


def test_save_load_round_trip(tmp_path) -> None:
    stats = FeatureStats.from_features(np.random.default_rng(1).normal(size=(7, 5)))
    back = FeatureStats.load(stats.save(tmp_path / "s" / "ref.npz"))
    assert back.n == 7
    np.testing.assert_array_equal(back.sum_outer, stats.sum_outer)
    assert not list((tmp_path / "s").glob(".*tmp*"))


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="mismatched"):
        frechet_from_stats(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="NaN"):
        FeatureStats.from_features(np.array([[np.nan, 1.0], [0.0, 1.0]]))
