"""Speed of the Fréchet distance: 2,048 clips of 400-d I3D features, 100 of 1,280-d."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics.frechet import FeatureStats


@pytest.mark.slow
@pytest.mark.parametrize(("n", "d"), [(2048, 400), (100, 1280)])
def test_bench_frechet_from_stats(benchmark, n: int, d: int) -> None:
    rng = np.random.default_rng(0)
    a = FeatureStats.from_features(rng.normal(size=(n, d)))
    b = FeatureStats.from_features(rng.normal(size=(n, d)) + 0.1)
    benchmark(a.distance, b)
