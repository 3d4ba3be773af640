"""A straightforward vectorised numpy detection AP: what one writes without pandas.

Per class: one tIoU matrix of every prediction with every ground-truth segment (``-1``
across videos), then the toolkit's greedy matching one prediction at a time down the
ranking, vectorised over the thresholds and the ground truth (the best unlocked segment
at every threshold in one ``argmax``); AP by cumulative sums and the VOC 2011
interpolation (precision made non-increasing with ``np.maximum.accumulate``). The
algorithm is the ActivityNet toolkit's (``references/activitynet.py``); ties are broken
as the harness breaks them (stable score order; among equal tIoU the first segment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def class_ap(gt_video: np.ndarray, gt_seg: np.ndarray, pred_video: np.ndarray,
             pred_seg: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``(n_thresholds,)`` AP of one class; ``*_video`` are integer video indices."""
    n_thr = len(thresholds)
    if len(scores) == 0:
        return np.zeros(n_thr)
    order = np.argsort(-scores, kind="stable")
    pred_video, pred_seg = pred_video[order], pred_seg[order]
    inter = (np.minimum(pred_seg[:, None, 1], gt_seg[None, :, 1])
             - np.maximum(pred_seg[:, None, 0], gt_seg[None, :, 0])).clip(0)
    union = ((pred_seg[:, 1] - pred_seg[:, 0])[:, None] + (gt_seg[:, 1] - gt_seg[:, 0])[None]
             - inter)
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    iou[pred_video[:, None] != gt_video[None, :]] = -1.0
    locked = np.zeros((n_thr, len(gt_video)), dtype=bool)
    tp = np.zeros((n_thr, len(scores)), dtype=bool)
    rows = np.arange(n_thr)
    for i in range(len(scores)):
        free = np.where(locked, -1.0, iou[i][None, :])
        best = free.argmax(axis=1)
        hit = free[rows, best] >= thresholds
        tp[:, i] = hit
        locked[rows[hit], best[hit]] = True
    tp_cum = np.cumsum(tp, axis=1, dtype=np.float64)
    fp_cum = np.cumsum(~tp, axis=1, dtype=np.float64)
    precision = tp_cum / (tp_cum + fp_cum)
    recall = tp_cum / len(gt_video)
    zeros, ones = np.zeros((n_thr, 1)), np.ones((n_thr, 1))
    mprec = np.maximum.accumulate(np.hstack([zeros, precision, zeros])[:, ::-1], axis=1)[:, ::-1]
    mrec = np.hstack([zeros, recall, ones])
    return np.sum((mrec[:, 1:] - mrec[:, :-1]) * mprec[:, 1:], axis=1)


def numpy_ap(ground_truth: Mapping[str, Sequence[tuple[str, float, float]]],
             predictions: Mapping[str, Sequence[tuple[str, float, float, float]]],
             classes: Sequence[str], thresholds: Sequence[float]) -> np.ndarray:
    """``(len(classes), n_thresholds)`` AP, NaN for a class without ground truth."""
    thr = np.asarray(thresholds, dtype=np.float64)
    video = {vid: v for v, vid in enumerate(ground_truth)}
    index = {c: i for i, c in enumerate(classes)}
    gt = np.array([(index[lab], video[vid], s, e) for vid, segs in ground_truth.items()
                   for lab, s, e in segs if lab in index], dtype=np.float64).reshape(-1, 4)
    pred = np.array([(index[lab], video[vid], s, e, p) for vid, rows in predictions.items()
                     if vid in video for lab, s, e, p in rows if lab in index],
                    dtype=np.float64).reshape(-1, 5)
    ap = np.full((len(classes), len(thr)), np.nan)
    for c in range(len(classes)):
        g, p = gt[gt[:, 0] == c], pred[pred[:, 0] == c]
        if len(g):
            ap[c] = class_ap(g[:, 1], g[:, 2:4], p[:, 1], p[:, 2:4], p[:, 4], thr)
    return ap
