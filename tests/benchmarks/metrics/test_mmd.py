"""JEDi's distance: polynomial-kernel MMD, against videojedi's formula and its own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics.frechet import FeatureStats
from benchmarks.metrics.mmd import JEDI_SCALE, poly2_mmd_from_stats, polynomial_mmd


def _sklearn_polynomial_kernel(x, y, degree, gamma, coef0):
    """scikit-learn's ``pairwise.polynomial_kernel``: ``(gamma <x, y> + coef0)^degree``,
    ``gamma=None`` → ``1 / n_features``."""
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef0) ** degree


def _videojedi_mmd_poly(x, y, degree=2, gamma=None, coef0=0):
    """videojedi/mmd_polynomial.py ``mmd_poly`` (oooolga/JEDi @c03d178), re-derived."""
    xx = _sklearn_polynomial_kernel(x, x, degree, gamma, coef0)
    yy = _sklearn_polynomial_kernel(y, y, degree, gamma, coef0)
    xy = _sklearn_polynomial_kernel(x, y, degree, gamma, coef0)
    return xx.mean() + yy.mean() - 2 * xy.mean()


def _features(seed: int, n: int, d: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ (np.eye(d) + rng.normal(size=(d, d)) / d) + shift


def test_the_packages_own_example_values() -> None:
    """mmd_polynomial.py's ``__main__`` comments 270.7 for degree 2, coef0 0 — JEDi's kernel.
    (Its other comment, 2436.5 for degree 3, coef0 1, is not what scikit-learn 1.9 gives
    for that call either: 23088.08, as here; it predates the adaptation.)"""
    a = np.arange(1, 10, dtype=np.float64).reshape(3, 3)
    b = np.array([[7, 6, 5], [4, 3, 2], [1, 1, 8], [0, 2, 5]], dtype=np.float64)
    assert polynomial_mmd(a, b, degree=2, coef0=0) == pytest.approx(270.7, abs=0.05)
    assert polynomial_mmd(a, b, degree=3, coef0=1) == pytest.approx(23088.0833333, rel=1e-9)
    assert poly2_mmd_from_stats(FeatureStats.from_features(a),
                                FeatureStats.from_features(b)) == pytest.approx(
        polynomial_mmd(a, b), rel=1e-12)


@pytest.mark.parametrize(("n1", "n2", "d", "shift"), [(40, 25, 8, 0.3), (12, 30, 64, 0.0),
                                                        (200, 150, 32, 1.5)])
def test_jedi_equals_videojedi_on_synthetic_features(n1, n2, d, shift) -> None:
    x, y = _features(n1, n1, d), _features(n2 + 100, n2, d, shift)
    reference = _videojedi_mmd_poly(x, y) * 100  # JEDi.compute_metric
    from_stats = JEDI_SCALE * poly2_mmd_from_stats(FeatureStats.from_features(x),
                                                   FeatureStats.from_features(y))
    assert from_stats == pytest.approx(reference, rel=1e-6)
    assert JEDI_SCALE * polynomial_mmd(x, y) == pytest.approx(reference, rel=1e-9)
    try:  # the package's own kernel where scikit-learn is installed
        from sklearn.metrics.pairwise import polynomial_kernel
    except ImportError:
        return
    k = [polynomial_kernel(a, b, degree=2, gamma=None, coef0=0).mean()
         for a, b in ((x, x), (y, y), (x, y))]
    assert from_stats == pytest.approx(100 * (k[0] + k[1] - 2 * k[2]), rel=1e-6)


def test_shards_add_and_identical_sets_are_zero() -> None:
    x, y = _features(0, 30, 16), _features(1, 20, 16, 0.5)
    whole = poly2_mmd_from_stats(FeatureStats.from_features(x), FeatureStats.from_features(y))
    parts = FeatureStats.from_features(x[:11]) + FeatureStats.from_features(x[11:])
    assert poly2_mmd_from_stats(parts, FeatureStats.from_features(y)) == pytest.approx(
        whole, rel=1e-12)
    same = FeatureStats.from_features(x)
    assert poly2_mmd_from_stats(same, same) == 0.0
    with pytest.raises(ValueError, match="8-d and 16-d"):
        poly2_mmd_from_stats(FeatureStats.from_features(x[:, :8]), same)
