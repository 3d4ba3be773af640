"""3D CRF speed (the VIS evaluator's side-by-side timing moved to the perf case ``vis``:
``python -m benchmarks.perf --case vis``).

Run with ``python -m pytest tests/bench/test_bench_vis.py --benchmark-enable``.

- CRF: :func:`~benchmarks.families.segmentation.crf3d.refine` on 17 frames of 256x256 with 3 labels
  (two noisy shapes and the background; the default kernels, 5 mean-field iterations).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.segmentation.crf3d import CrfParams, crf_available, refine
from benchmarks.families.segmentation.masks import unit_probabilities
from pyratok.demo import make_video


@pytest.mark.slow
@pytest.mark.skipif(not crf_available(), reason="pydensecrf2 not installed")
@pytest.mark.benchmark(group="3D CRF 17x256x256")
def test_bench_crf_17x256x256(benchmark):
    video = make_video(10_000_000, frames=17, size=256, n_objects=2)
    rng = np.random.default_rng(0)
    relevance = 0.3 * video.masks.astype(np.float32) + rng.normal(0, 0.135, video.masks.shape)
    probs = unit_probabilities(relevance.astype(np.float32), background_score=0.15,
                               temperature=0.05, max_units=None).probabilities
    marginals = benchmark.pedantic(refine, args=(probs, video.frames, CrfParams()),
                                   rounds=2, iterations=1)
    assert marginals.shape == probs.shape
    np.testing.assert_allclose(marginals.sum(0), 1.0, atol=1e-3)
