"""VIS speed: the YTVOSeval evaluator vs the pycocotools reference; the 3D CRF.

Run with ``python -m pytest tests/bench/test_bench_vis.py --benchmark-enable``.

- Evaluator: 12 seeded cases of ``random_case``
  (tests/benchmarks/families/segmentation/test_evaluation.py) stacked into one data set
  (72 videos, 40x48 frames, 5 frames each; video ids renumbered per case), scored by
  :func:`~benchmarks.families.segmentation.evaluation.evaluate_vis` and by the test
  suite's COCOeval-based reference (``reference`` in the same test module, masks decoded
  with numpy). Each case checks AP / AP50 / AP75 / AR1 / AR10 of one against the other to
  1e-4,
  so without ``--benchmark-enable`` they run once as tests.
- CRF: :func:`~benchmarks.families.segmentation.crf3d.refine` on 17 frames of 256x256 with 3 labels
  (two noisy shapes and the background; the default kernels, 5 mean-field iterations).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.segmentation.crf3d import CrfParams, crf_available, refine
from benchmarks.families.segmentation.evaluation import Track, evaluate_vis
from benchmarks.families.segmentation.masks import unit_probabilities
from pyratok.demo import make_video
from tests.benchmarks.families.segmentation.test_evaluation import random_case, reference

CHECKED = ("AP", "AP50", "AP75", "AR1", "AR10")


@pytest.fixture(scope="module")
def stacked():
    gts, dts, gm, dm, videos = [], [], [], [], []
    for seed in range(12):
        g, d, a, b, vids, cats = random_case(seed)
        offset = 100 * seed
        gts += [Track(t.video_id + offset, t.category_id, t.segmentations, t.score,
                      t.iscrowd, t.areas) for t in g]
        dts += [Track(t.video_id + offset, t.category_id, t.segmentations, t.score)
                for t in d]
        gm += a
        dm += b
        videos += [v + offset for v in vids]
    return gts, dts, gm, dm, videos, cats


@pytest.mark.benchmark(group="VIS evaluator, 72 videos")
def test_bench_vis_evaluator(benchmark, stacked):
    gts, dts, gm, dm, videos, cats = stacked
    ours = benchmark(lambda: evaluate_vis(gts, dts, video_ids=videos,
                                          category_ids=cats).metrics)
    ref = reference(gts, dts, gm, dm, videos, cats)
    for key in CHECKED:
        assert ours[key] == pytest.approx(ref[key], abs=1e-4), key


@pytest.mark.benchmark(group="VIS evaluator, 72 videos")
def test_bench_vis_pycocotools_reference(benchmark, stacked):
    gts, dts, gm, dm, videos, cats = stacked
    ref = benchmark.pedantic(reference, args=stacked, rounds=3, iterations=1)
    ours = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    for key in CHECKED:
        assert ours[key] == pytest.approx(ref[key], abs=1e-4), key


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
