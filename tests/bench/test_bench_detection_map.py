"""Detection mAP speed: the vectorised ``detection_map`` vs the toolkit-style loop.

Run with ``python -m pytest tests/bench/test_bench_detection_map.py --benchmark-enable``.
The data set is seeded: 200 videos, 20 classes, 10,000 predictions (70% near a
ground-truth segment), scored at the ActivityNet thresholds (0.5:0.05:0.95). The loop is
the test suite's reference (``_average_precision_loop`` of
tests/benchmarks/families/localization/test_detection_map.py, the
toolkit's ``compute_average_precision_detection`` one prediction at a time, without
pandas). Each case checks the per-class APs of one against the other to 1e-9, so without
``--benchmark-enable`` they run once as tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.localization.detection_map import ACTIVITYNET_THRESHOLDS, detection_map
from tests.benchmarks.families.localization.test_detection_map import (
    _average_precision_loop,
    _random_dataset,
)

pytestmark = pytest.mark.benchmark(group="detection mAP 10k predictions")


@pytest.fixture(scope="module")
def dataset():
    return _random_dataset(7, n_videos=200, n_classes=20, n_pred=10_000)


def _loop_map(gt, preds, classes) -> np.ndarray:
    """``(n_classes, n_thresholds)`` AP, class by class through the loop reference."""
    ap = np.zeros((len(classes), len(ACTIVITYNET_THRESHOLDS)))
    for c, label in enumerate(classes):
        gt_rows = [(v, s, e) for v, segs in gt.items() for lab, s, e in segs if lab == label]
        pred_rows = [(v, s, e, p) for v, rows in preds.items() for lab, s, e, p in rows
                     if lab == label]
        ap[c] = _average_precision_loop(gt_rows, pred_rows, ACTIVITYNET_THRESHOLDS)
    return ap


@pytest.fixture(scope="module")
def reference(dataset) -> np.ndarray:
    return _loop_map(*dataset)


def test_bench_detection_map_vectorised(benchmark, dataset, reference):
    gt, preds, classes = dataset
    result = benchmark(detection_map, gt, preds, classes, ACTIVITYNET_THRESHOLDS)
    assert result.n_predictions == 10_000
    np.testing.assert_allclose(result.ap, reference, rtol=0, atol=1e-9)


def test_bench_detection_map_loop(benchmark, dataset):
    ap = benchmark.pedantic(_loop_map, args=dataset, rounds=3, iterations=1)
    vectorised = detection_map(*dataset, ACTIVITYNET_THRESHOLDS).ap
    np.testing.assert_allclose(ap, vectorised, rtol=0, atol=1e-9)
