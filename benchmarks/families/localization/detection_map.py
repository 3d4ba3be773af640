"""Temporal action detection mAP, the ActivityNet protocol (THUMOS14 and ActivityNet v1.3).

(Over 400 lines on purpose: one algorithm, matching → AP → mAP per threshold with the
THUMOS14 Ambiguous rule, kept in one file so it reads against the toolkit line by line.)

The algorithm is the ActivityNet toolkit's ``compute_average_precision_detection``
(``Evaluation/eval_detection.py`` of github.com/activitynet/ActivityNet, with
``segment_iou`` and ``interpolated_prec_rec`` from ``Evaluation/utils.py``), per class:

1. predictions sorted by score, best first;
2. each prediction, at each tIoU threshold, takes the unmatched ground-truth segment of
   the same video with the highest tIoU if that tIoU ≥ the threshold (true positive),
   else it is a false positive; a matched segment is locked for later predictions;
3. precision = TP / (TP + FP), recall = TP / (number of ground-truth segments), both as
   cumulative sums down the ranking;
4. AP is the VOC 2011 interpolated area: precision padded ``[0, prec, 0]``, recall
   ``[0, rec, 1]``, precision made non-increasing from the end, summed over recall steps.

mAP is the mean AP over classes; the average mAP is the mean over thresholds.

Ambiguous segments (THUMOS14's ``Ambiguous_<split>.txt``, optional ``ambiguous`` of
:func:`detection_map`): a prediction that is *not* a true positive at a threshold and
overlaps an Ambiguous segment of its video by any positive length is dropped at that
threshold — neither a true nor a false positive. This is the official THUMOS14 evaluator's
rule: ``TH14evalDet.m`` (THUMOS14 evaluation kit, crcv.ucf.edu/THUMOS14; as mirrored in
achalddave/thumos-util ``thumos-eval/TH14evalDet.m`` and wanglimin/UntrimmedNet
``matlab/TH14evalDet.m``), function ``TH14eventdetpr``: after matching,
``% respect ambiguous events (overlapping detections will be removed from the FP list)``,
``indamb = sum(intervaloverlapvalseconds(amb, det), 1)`` (an IoU, > 0 exactly when the
intersection is > 0: ``intervalsingleoverlapvalseconds`` returns 0 unless ``iw > 0``),
and only ``indfree == 1 & indamb == 0`` detections enter the list as false positives,
while every matched one stays a true positive. The annotation readme says the same:
Ambiguous segments "are taken out of the evaluations". Only this rule is taken from
``TH14evalDet.m``; matching and AP stay the ActivityNet algorithm above (the one THUMOS14
numbers are reported with today, e.g. by ActionFormer and OpenTAD), not the kit's
ground-truth-driven matching and its AP.

Where the toolkit's result is unspecified, this module fixes it (the toolkit sorts with
numpy's default, unstable quicksort: ``score.argsort()[::-1]`` and
``tiou.argsort()[::-1]``, whose order among equal keys depends on the numpy build and the
CPU; on numpy 2.x with SIMD sorting even five equal scores are not kept in order):

- equal scores keep their input order (``np.argsort(-score, kind="stable")``); the input
  order is the iteration order of the predictions mapping, then list order — the order of
  the results file, as the toolkit reads it;
- among unmatched ground truth of equal tIoU the first in input order is matched;
- a tIoU of two zero-length segments (union 0) is 0, where the toolkit gets NaN (and
  then matches it at every threshold).

Differences of scope, not of algorithm: a class with ground truth but no prediction has
AP 0 (as the toolkit); a class of ``classes`` without ground truth in the evaluated
videos has no AP (NaN in ``ap``) and is left out of every mean (the toolkit only knows
the classes of its ground truth); predictions on videos outside the ground truth are
ignored here (the file reader, :mod:`benchmarks.families.localization.activitynet_files`,
rejects them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.families.base import Evaluation

# THUMOS14 detection protocol: mAP at tIoU 0.3:0.1:0.7 (THUMOS'14 challenge evaluation,
# as reported by e.g. BMN, ActionFormer).
THUMOS14_THRESHOLDS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7)
# ActivityNet toolkit default: ANETdetection(tiou_thresholds=np.linspace(0.5, 0.95, 10)).
ACTIVITYNET_THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.linspace(0.5, 0.95, 10))

Segment = tuple[str, float, float]  # label, start s, end s
Detection = tuple[str, float, float, float]  # label, start s, end s, score


# data types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassGroundTruth:
    """The ground-truth segments of one class.

    Attributes:
        videos: ``(n,)`` video ids (any hashable, compared with ``==``).
        segments: ``(n, 2)`` float64 ``[start, end]`` in seconds, ``start <= end``.
    """

    videos: np.ndarray
    segments: np.ndarray


@dataclass(frozen=True)
class ClassPredictions:
    """The predicted segments of one class.

    Attributes:
        videos: ``(m,)`` video ids.
        segments: ``(m, 2)`` float64 ``[start, end]`` in seconds.
        scores: ``(m,)`` float64 confidences, higher is more confident.
    """

    videos: np.ndarray
    segments: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class DetectionResult:
    """Detection AP over classes and tIoU thresholds.

    Attributes:
        classes: the classes asked for, in order (rows of ``ap``).
        thresholds: the tIoU thresholds (columns of ``ap``).
        ap: ``(n_classes, n_thresholds)`` AP as a fraction in [0, 1]; NaN for a class
            without ground truth (``skipped_classes``).
        map_per_threshold: threshold key (:func:`threshold_key`, "0.3") → mAP in percent.
        average_map: mean of ``map_per_threshold``, percent (NaN if no class has ground truth).
        n_videos: ground-truth videos evaluated (keys of the ground truth).
        n_ground_truth: ground-truth segments of ``classes``.
        n_predictions: predictions of ``classes`` on the evaluated videos.
        n_missing: evaluated videos without any prediction.
        skipped_classes: classes without ground truth, left out of the means.
        n_on_ambiguous: predictions (of classes with ground truth) overlapping an Ambiguous
            segment: never false positives (dropped where not matched).
    """

    classes: tuple[str, ...]
    thresholds: tuple[float, ...]
    ap: np.ndarray
    map_per_threshold: dict[str, float]
    average_map: float
    n_videos: int
    n_ground_truth: int
    n_predictions: int
    n_missing: int
    skipped_classes: tuple[str, ...]
    n_on_ambiguous: int = 0


# helpers ----------------------------------------------------------------------------------


def threshold_key(threshold: float) -> str:
    """``0.3`` → ``"0.3"``, ``np.linspace(0.5, 0.95, 10)[2]`` → ``"0.6"`` (``%g`` of the
    value rounded to 6 decimals, so float noise never shows)."""
    return f"{round(float(threshold), 6):g}"


def _check_thresholds(thresholds: Sequence[float]) -> np.ndarray:
    thr = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if thr.size == 0 or not np.all((thr >= 0) & (thr <= 1)):
        raise ValueError(f"tIoU thresholds must be a non-empty list in [0, 1], got {thresholds!r}")
    keys = [threshold_key(t) for t in thr]
    if len(set(keys)) != len(keys):
        raise ValueError(f"tIoU thresholds must be distinct, got {keys}")
    return thr


def segment_iou(target: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Temporal IoU of one segment with many.

    Args:
        target: ``(2,)`` ``[start, end]``.
        candidates: ``(n, 2)`` ``[start, end]`` rows.

    Returns:
        ``(n,)`` float64 in [0, 1]; 0 where the union is empty (two zero-length segments).
    """
    target = np.asarray(target, dtype=np.float64)
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    return _iou(target[None, :], candidates)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """tIoU of broadcast ``[..., 2]`` segment arrays ``a`` and ``b``."""
    inter = (np.minimum(a[..., 1], b[..., 1]) - np.maximum(a[..., 0], b[..., 0])).clip(0)
    union = (a[..., 1] - a[..., 0]) + (b[..., 1] - b[..., 0]) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def interpolated_average_precision(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    """VOC 2011 interpolated AP of each row (the toolkit's ``interpolated_prec_rec``).

    Args:
        precision, recall: ``(t, n)`` cumulative precision and recall down a ranking.

    Returns:
        ``(t,)`` AP in [0, 1].
    """
    t = precision.shape[0]
    mprec = np.hstack([np.zeros((t, 1)), precision, np.zeros((t, 1))])  # (t, n + 2)
    mrec = np.hstack([np.zeros((t, 1)), recall, np.ones((t, 1))])
    mprec = np.maximum.accumulate(mprec[:, ::-1], axis=1)[:, ::-1]  # non-increasing
    # steps where recall does not move contribute exactly 0, as the toolkit's skip
    return np.sum((mrec[:, 1:] - mrec[:, :-1]) * mprec[:, 1:], axis=1)


# AP of one class --------------------------------------------------------------------------


def average_precision_detection(
    ground_truth: ClassGroundTruth,
    predictions: ClassPredictions,
    thresholds: Sequence[float] = ACTIVITYNET_THRESHOLDS,
    *,
    on_ambiguous: np.ndarray | None = None,
) -> np.ndarray:
    """AP of one class at each tIoU threshold (the toolkit's algorithm, module docstring).

    Args:
        ground_truth: the class's ground truth; must not be empty.
        predictions: the class's predictions (may be empty: AP 0).
        thresholds: ``(t,)`` tIoU thresholds in [0, 1].
        on_ambiguous: ``(m,)`` bool, prediction overlaps an Ambiguous segment of its video:
            dropped where it is not a true positive (THUMOS14 rule, module docstring).

    Returns:
        ``(t,)`` float64 AP in [0, 1].
    """
    thr = _check_thresholds(thresholds)
    n_gt = len(ground_truth.videos)
    if n_gt == 0:
        raise ValueError("AP is undefined for a class without ground truth")
    if len(predictions.scores) == 0:
        return np.zeros(len(thr))
    order = ranking(predictions.scores)
    tp = true_positives(ground_truth, predictions, thr)[:, order]
    dropped = None if on_ambiguous is None else np.asarray(on_ambiguous, dtype=bool)[order]
    return ranked_average_precision(tp, n_gt, dropped=dropped)


def ranking(scores: np.ndarray) -> np.ndarray:
    """Indices of the predictions, best first; equal scores keep input order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def true_positives(
    ground_truth: ClassGroundTruth, predictions: ClassPredictions, thresholds: np.ndarray
) -> np.ndarray:
    """``(t, m)`` bool, in the predictions' input order: prediction ``i`` is a true positive
    at threshold ``t`` (step 2 of the module docstring).

    Matching is independent between videos (a prediction only meets ground truth of its
    own video, in the order of the ranking restricted to that video), so a prediction's
    flags depend on its own video only, and the greedy, rank-ordered matching runs as one
    numpy step per rank *within a video*: step ``k`` matches the ``k``-th best prediction
    of every video at once, over every threshold.
    """
    thr = np.asarray(thresholds, dtype=np.float64)
    n_gt, n_pred = len(ground_truth.videos), len(predictions.scores)
    if n_pred == 0:
        return np.zeros((len(thr), 0), dtype=bool)
    if n_gt == 0:
        return np.zeros((len(thr), n_pred), dtype=bool)
    order = ranking(predictions.scores)
    pred_seg = np.asarray(predictions.segments, dtype=np.float64).reshape(-1, 2)[order]
    # one integer per video id, shared by predictions and ground truth
    ids, inverse = np.unique(
        np.concatenate([np.asarray(ground_truth.videos), np.asarray(predictions.videos)]),
        return_inverse=True,
    )
    gt_video, pred_video = inverse[:n_gt], inverse[n_gt:][order]
    n_videos = len(ids)

    # ground truth padded per video: (V, G) slots in input order, invalid slots masked
    gt_by_video = np.argsort(gt_video, kind="stable")
    gt_count = np.bincount(gt_video, minlength=n_videos)
    gt_first = np.concatenate([[0], np.cumsum(gt_count)[:-1]])
    slot = np.arange(n_gt) - gt_first[gt_video[gt_by_video]]
    g_max = int(gt_count.max())
    gt_seg = np.zeros((n_videos, g_max, 2))
    gt_seg[gt_video[gt_by_video], slot] = np.asarray(
        ground_truth.segments, dtype=np.float64
    ).reshape(-1, 2)[gt_by_video]
    gt_valid = np.arange(g_max)[None, :] < gt_count[:, None]  # (V, G)

    # a prediction below the lowest threshold with every ground truth of its video is a
    # false positive whatever is locked, and locks nothing: only the others ("live") are
    # matched rank by rank, so 10^6 stray predictions cost one vectorised pass
    slot_best = np.full((n_videos, g_max), -1.0)  # best tIoU any live prediction reaches
    live = np.zeros(n_pred, dtype=bool)
    chunk = max(1, (1 << 22) // g_max)  # bounded memory: (chunk, G) floats at a time
    for start in range(0, n_pred, chunk):
        vid = pred_video[start : start + chunk]
        iou = np.where(gt_valid[vid], _iou(pred_seg[start : start + chunk][:, None, :],
                                          gt_seg[vid]), -1.0)  # (c, G)
        live[start : start + chunk] = iou.max(axis=1) >= thr.min()
        np.maximum.at(slot_best, vid, iou)
    reachable = slot_best[:, None, :] >= thr[None, :, None]  # (V, T, G)
    idx = np.flatnonzero(live)  # rank order kept
    seg, video = pred_seg[idx], pred_video[idx]

    # rank of each live prediction within its video: k-th best of that video
    pred_by_video = np.argsort(video, kind="stable")  # keeps the score order
    pred_count = np.bincount(video, minlength=n_videos)
    pred_first = np.concatenate([[0], np.cumsum(pred_count)[:-1]])
    rank_in_video = np.empty(len(idx), dtype=np.int64)
    rank_in_video[pred_by_video] = np.arange(len(idx)) - pred_first[video[pred_by_video]]

    locked = np.zeros((n_videos, len(thr), g_max), dtype=bool)  # (V, T, G)
    tp = np.zeros((len(thr), n_pred), dtype=bool)  # (T, N) in rank order
    steps = int(pred_count.max()) if len(idx) else 0
    step_members = np.argsort(rank_in_video, kind="stable")
    step_bounds = np.searchsorted(rank_in_video[step_members], np.arange(steps + 1))
    for k in range(steps):
        sel = step_members[step_bounds[k] : step_bounds[k + 1]]  # at most one per video
        vid = video[sel]
        iou = _iou(seg[sel][:, None, :], gt_seg[vid])  # (m, G)
        iou = np.where(gt_valid[vid], iou, -1.0)
        free = np.where(locked[vid], -1.0, iou[:, None, :])  # (m, T, G)
        best = free.argmax(axis=2)  # first maximum: lowest input index among equal tIoU
        best_iou = np.take_along_axis(free, best[:, :, None], axis=2)[:, :, 0]  # (m, T)
        hit = best_iou >= thr[None, :]
        tp[:, idx[sel]] = hit.T
        rows, cols = np.nonzero(hit)
        locked[vid[rows], cols, best[rows, cols]] = True
        # every slot a live prediction can reach is locked: the rest of them are false
        # positives (10^6 copies of one good prediction stop after the first)
        later = pred_count > k + 1
        if not (~locked[later] & reachable[later]).any():
            break
    out = np.empty_like(tp)
    out[:, order] = tp
    return out


def ranked_average_precision(
    tp: np.ndarray, n_gt: int, *, dropped: np.ndarray | None = None
) -> np.ndarray:
    """AP at each threshold of a ranked list (steps 3 and 4 of the module docstring).

    Args:
        tp: ``(t, m)`` bool true-positive flags, best-ranked prediction first.
        n_gt: ground-truth segments of the class (> 0).
        dropped: ``(m,)`` bool, ranked like ``tp``: not a false positive where not a true
            positive (THUMOS14's Ambiguous rule).

    Returns:
        ``(t,)`` float64 AP in [0, 1].
    """
    fp = ~tp
    if dropped is not None:
        fp &= ~dropped[None, :]
    tp_cum = np.cumsum(tp, axis=1, dtype=np.float64)
    fp_cum = np.cumsum(fp, axis=1, dtype=np.float64)
    # a dropped prediction repeats the previous (precision, recall) point: a recall step of
    # 0, so the interpolated area is that of the list without it; before any kept one the
    # point is (0, 0), like the padding
    counted = tp_cum + fp_cum
    precision = np.divide(tp_cum, counted, out=np.zeros_like(tp_cum), where=counted > 0)
    return interpolated_average_precision(precision, tp_cum / n_gt)


# mAP over classes -------------------------------------------------------------------------


def detection_map(
    ground_truth: Mapping[str, Sequence[Segment]],
    predictions: Mapping[str, Sequence[Detection]],
    classes: Sequence[str],
    thresholds: Sequence[float],
    *,
    ambiguous: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> DetectionResult:
    """Detection mAP of ``classes`` over the ground-truth videos.

    Args:
        ground_truth: video id → ``(label, start, end)`` segments (seconds); its keys are
            the evaluated videos (a video with an empty list still counts: predictions on
            it are false positives).
        predictions: video id → ``(label, start, end, score)``; videos outside
            ``ground_truth`` and labels outside ``classes`` are ignored.
        classes: the classes averaged over (ground-truth labels outside it are ignored).
        thresholds: tIoU thresholds in [0, 1], e.g. :data:`THUMOS14_THRESHOLDS`.
        ambiguous: video id → ``(start, end)`` Ambiguous segments; an unmatched prediction
            overlapping one is not a false positive (THUMOS14, module docstring).

    Returns:
        :class:`DetectionResult`; AP in [0, 1], mAP in percent.
    """
    thr = _check_thresholds(thresholds)
    classes = tuple(classes)
    index = {c: i for i, c in enumerate(classes)}
    if len(index) != len(classes):
        raise ValueError("classes must be distinct")
    gt_rows: list[list[tuple[str, float, float]]] = [[] for _ in classes]
    pred_rows: list[list[tuple[str, float, float, float]]] = [[] for _ in classes]
    for vid, segments in ground_truth.items():
        for label, start, end in segments:
            if label in index:
                gt_rows[index[label]].append((vid, float(start), float(end)))
    # the predictions' own order: the order equal scores keep
    n_missing = sum(1 for vid in ground_truth if not predictions.get(vid))
    for vid, found in predictions.items():
        if vid not in ground_truth:
            continue
        for label, start, end, score in found:
            if label in index:
                pred_rows[index[label]].append((vid, float(start), float(end), float(score)))

    ap = np.full((len(classes), len(thr)), np.nan)
    n_on_ambiguous = 0
    for c, (gts, preds) in enumerate(zip(gt_rows, pred_rows, strict=True)):
        if not gts:
            continue  # no ground truth: AP undefined, left out of the means
        on_ambiguous = ambiguous_overlaps(preds, ambiguous or {})
        n_on_ambiguous += int(on_ambiguous.sum())
        ap[c] = average_precision_detection(_class_ground_truth(gts), _class_predictions(preds),
                                            thr, on_ambiguous=on_ambiguous)
    has_gt = ~np.isnan(ap[:, 0])
    per_threshold = class_mean_percent(ap)
    return DetectionResult(
        classes=classes,
        thresholds=tuple(float(t) for t in thr),
        ap=ap,
        map_per_threshold={threshold_key(t): float(m) for t, m in zip(thr, per_threshold,
                                                                      strict=True)},
        average_map=float(per_threshold.mean()),
        n_videos=len(ground_truth),
        n_ground_truth=sum(len(g) for g in gt_rows),
        n_predictions=sum(len(p) for p in pred_rows),
        n_missing=n_missing,
        skipped_classes=tuple(c for c, ok in zip(classes, has_gt, strict=True) if not ok),
        n_on_ambiguous=n_on_ambiguous,
    )


def class_mean_percent(ap: np.ndarray) -> np.ndarray:
    """``(t,)`` mAP in percent of ``ap`` ``(classes, t)``: the mean over the classes with
    ground truth (rows not NaN); all NaN when no class has any."""
    has_gt = ~np.isnan(ap[:, 0])
    return ap[has_gt].mean(axis=0) * 100 if has_gt.any() else np.full(ap.shape[1], np.nan)


def ambiguous_overlaps(
    rows: list[tuple[str, float, float, float]],
    ambiguous: Mapping[str, Sequence[tuple[float, float]]],
) -> np.ndarray:
    """``(m,)`` bool: the prediction's segment meets an Ambiguous segment of its video with
    a positive-length intersection (TH14evalDet's ``intervaloverlapvalseconds > 0``)."""
    out = np.zeros(len(rows), dtype=bool)
    for i, (vid, start, end, _) in enumerate(rows):
        for a_start, a_end in ambiguous.get(vid, ()):
            if min(end, a_end) - max(start, a_start) > 0:
                out[i] = True
                break
    return out


def _class_ground_truth(rows: list[tuple[str, float, float]]) -> ClassGroundTruth:
    return ClassGroundTruth(
        videos=np.array([r[0] for r in rows], dtype=object),
        segments=np.array([r[1:] for r in rows], dtype=np.float64).reshape(-1, 2),
    )


def _class_predictions(rows: list[tuple[str, float, float, float]]) -> ClassPredictions:
    return ClassPredictions(
        videos=np.array([r[0] for r in rows], dtype=object),
        segments=np.array([r[1:3] for r in rows], dtype=np.float64).reshape(-1, 2),
        scores=np.array([r[3] for r in rows], dtype=np.float64),
    )


def detection_evaluation(result: DetectionResult) -> Evaluation:
    """Flat metrics ``average_mAP`` and ``mAP@<key>`` (percent, keys of
    :func:`threshold_key`: ``mAP@0.3``, ``mAP@0.55``), ``None`` where undefined; counts
    and the per-threshold dict in ``extra``."""

    def value(x: float) -> float | None:
        return None if math.isnan(x) else x

    metrics: dict[str, float | None] = {"average_mAP": value(result.average_map)}
    metrics.update({f"mAP@{k}": value(v) for k, v in result.map_per_threshold.items()})
    return Evaluation(
        metrics=metrics,
        extra={
            "mAP": {k: value(v) for k, v in result.map_per_threshold.items()},
            "n_videos": result.n_videos,
            "n_missing": result.n_missing,
            "n_ground_truth": result.n_ground_truth,
            "n_predictions": result.n_predictions,
            "skipped_classes": list(result.skipped_classes),
            "n_predictions_on_ambiguous": result.n_on_ambiguous,
        },
    )
