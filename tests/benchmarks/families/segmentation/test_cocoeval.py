"""COCOeval's greedy matching on padded arrays, against ``evaluateImg``'s own loop.

The reference, :func:`_evaluate_img_loop`, is the matching loop of COCOeval.evaluateImg
(cocodataset/cocoapi ``PythonAPI/pycocotools/cocoeval.py``; unchanged in youtubevos/
cocoapi's ``ytvoseval.py`` ``evaluateVid``) for one (video, category) and area range:
ground truth sorted non-ignored first, per threshold and detection the best IoU above
``min(t, 1 - 1e-10)`` among ground truth not taken (crowd never taken), breaking at the
first ignored one once a non-ignored one is matched.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.segmentation.cocoeval import greedy_match
from benchmarks.families.segmentation.evaluation import IOU_THRESHOLDS


def _evaluate_img_loop(iou, gt_ignore, crowd, dt_out, thresholds):
    """``(T, nd)`` matched and ignored for one pair and one area range."""
    gorder = np.argsort(gt_ignore, kind="mergesort")
    iou, gt_ignore, crowd = iou[:, gorder], gt_ignore[gorder], crowd[gorder]
    nd, ng = iou.shape
    matched = np.zeros((len(thresholds), nd), dtype=bool)
    ignored = np.zeros((len(thresholds), nd), dtype=bool)
    for t, threshold in enumerate(thresholds):
        taken = np.zeros(ng, dtype=bool)
        for d in range(nd):
            best, m = min(threshold, 1 - 1e-10), -1
            for g in range(ng):
                if taken[g] and not crowd[g]:
                    continue
                if m > -1 and not gt_ignore[m] and gt_ignore[g]:
                    break
                if iou[d, g] < best:
                    continue
                best, m = iou[d, g], g
            if m == -1:
                continue
            ignored[t, d], matched[t, d], taken[m] = gt_ignore[m], True, True
        ignored[t] |= ~matched[t] & dt_out
    return matched, ignored


@pytest.mark.parametrize("seed", range(6))
def test_padded_matching_equals_the_evaluate_img_loop(seed):
    rng = np.random.default_rng(seed)
    n_pairs, n_area = 12, 3
    shapes = [(int(rng.integers(0, 7)), int(rng.integers(0, 6))) for _ in range(n_pairs)]
    d_max, g_max = max(s[0] for s in shapes), max(s[1] for s in shapes)
    iou = np.full((n_pairs, d_max, g_max), -np.inf)
    ignore = np.zeros((n_pairs, n_area, g_max), dtype=bool)
    crowd = np.zeros((n_pairs, g_max), dtype=bool)
    out = np.zeros((n_pairs, n_area, d_max), dtype=bool)
    pairs = []
    for k, (nd, ng) in enumerate(shapes):
        # few distinct values: ties between ground truth, IoUs exactly at thresholds
        pair_iou = rng.choice([0.0, 0.3, 0.5, 0.55, 0.7, 0.75, 0.9, 1.0], size=(nd, ng))
        pair_crowd = rng.random(ng) < 0.2
        pair_ignore = pair_crowd[None, :] | (rng.random((n_area, ng)) < 0.3)
        pair_out = rng.random((n_area, nd)) < 0.3
        iou[k, :nd, :ng], ignore[k, :, :ng], crowd[k, :ng] = pair_iou, pair_ignore, pair_crowd
        out[k, :, :nd] = pair_out
        pairs.append((pair_iou, pair_ignore, pair_crowd, pair_out))
    result = greedy_match(iou, ignore, crowd, out, IOU_THRESHOLDS)
    for k, (pair_iou, pair_ignore, pair_crowd, pair_out) in enumerate(pairs):
        nd = pair_iou.shape[0]
        for a in range(n_area):
            matched, ignored = _evaluate_img_loop(pair_iou, pair_ignore[a], pair_crowd,
                                                  pair_out[a], IOU_THRESHOLDS)
            np.testing.assert_array_equal(result.matched[k, a, :, :nd], matched)
            np.testing.assert_array_equal(result.ignored[k, a, :, :nd], ignored)


def test_equal_ious_match_the_last_ground_truth_and_crowd_is_matched_again():
    iou = np.array([[[0.8, 0.8, 0.6], [0.0, 0.8, 0.6], [0.0, 0.0, 0.6]]])  # (1, 3, 3)
    ignore = np.array([[[False, False, True]]])
    crowd = np.array([[False, False, True]])
    out = np.zeros((1, 1, 3), dtype=bool)
    result = greedy_match(iou, ignore, crowd, out, np.array([0.5]))
    assert result.matched[0, 0, 0].tolist() == [True, True, True]
    # the first takes ground truth 1 (the later of two equal IoUs), so the second, which
    # overlaps only ground truth 1 and the crowd region, and the third match the crowd
    # region (never taken): ignored, not false positives
    assert result.ignored[0, 0, 0].tolist() == [False, True, True]
