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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter

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
    at threshold ``t`` (step 2 of the module docstring), matched video by video
    (:func:`grouped_true_positives` with one group per video)."""
    n_gt, n_pred = len(ground_truth.videos), len(predictions.scores)
    if n_pred == 0 or n_gt == 0:
        return np.zeros((len(thresholds), n_pred), dtype=bool)
    # one integer per video id, shared by predictions and ground truth
    _, inverse = np.unique(
        np.concatenate([np.asarray(ground_truth.videos), np.asarray(predictions.videos)]),
        return_inverse=True,
    )
    inverse = inverse.reshape(-1)
    return grouped_true_positives(inverse[:n_gt], ground_truth.segments, inverse[n_gt:],
                                  predictions.segments, predictions.scores, thresholds)


def grouped_true_positives(
    gt_group: np.ndarray,
    gt_segments: np.ndarray,
    pred_group: np.ndarray,
    pred_segments: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray,
) -> np.ndarray:
    """``(t, m)`` bool, in the predictions' input order: the true positives of many
    independent matching groups at once.

    Matching is independent between groups (a video of one class, or a (class, video)
    pair: a prediction only meets ground truth of its own class and video, in the order of
    the ranking restricted to that group), so a prediction's flags depend on its own group
    only, and the greedy, rank-ordered matching runs as one numpy step per rank *within a
    group*: step ``k`` matches the ``k``-th best prediction of every group at once, over
    every threshold. Predictions of a group without ground truth are false positives.

    Args:
        gt_group: ``(n,)`` int group of each ground-truth segment.
        gt_segments: ``(n, 2)`` ``[start, end]``.
        pred_group: ``(m,)`` int group of each prediction.
        pred_segments: ``(m, 2)`` ``[start, end]``.
        scores: ``(m,)`` confidences; equal scores keep input order (:func:`ranking`).
        thresholds: ``(t,)`` tIoU thresholds.
    """
    thr = np.asarray(thresholds, dtype=np.float64)
    n_pred = len(scores)
    tp = np.zeros((len(thr), n_pred), dtype=bool)  # (T, N) in rank order
    if n_pred == 0 or len(gt_group) == 0:
        return tp
    order = ranking(scores)
    # compact ids of the groups with ground truth; a prediction elsewhere is never matched
    ids, gt_video = np.unique(np.asarray(gt_group), return_inverse=True)
    gt_video = gt_video.reshape(-1)
    n_gt, n_videos = len(gt_video), len(ids)
    ranked_group = np.asarray(pred_group)[order]
    at = np.minimum(np.searchsorted(ids, ranked_group), n_videos - 1)
    live = np.flatnonzero(ids[at] == ranked_group)  # rank positions in a group with ground truth
    if len(live) == 0:
        return tp
    pred_video = at[live]
    pred_seg = np.asarray(pred_segments, dtype=np.float64).reshape(-1, 2)[order[live]]
    n_live = len(live)

    # ground truth padded per group: (V, G) slots in input order, invalid slots masked
    gt_by_video = np.argsort(gt_video, kind="stable")
    gt_count = np.bincount(gt_video, minlength=n_videos)
    gt_first = np.concatenate([[0], np.cumsum(gt_count)[:-1]])
    slot = np.arange(n_gt) - gt_first[gt_video[gt_by_video]]
    g_max = int(gt_count.max())
    gt_seg = np.zeros((n_videos, g_max, 2))
    gt_seg[gt_video[gt_by_video], slot] = np.asarray(
        gt_segments, dtype=np.float64
    ).reshape(-1, 2)[gt_by_video]
    gt_valid = np.arange(g_max)[None, :] < gt_count[:, None]  # (V, G)

    # a prediction below the lowest threshold with every ground truth of its group is a
    # false positive whatever is locked, and locks nothing: only the others are matched
    # rank by rank, so 10^6 stray predictions cost one vectorised pass
    slot_best = np.full((n_videos, g_max), -1.0)  # best tIoU any kept prediction reaches
    reach = np.zeros(n_live, dtype=bool)
    chunk = max(1, (1 << 22) // g_max)  # bounded memory: (chunk, G) floats at a time
    for start in range(0, n_live, chunk):
        vid = pred_video[start : start + chunk]
        iou = np.where(gt_valid[vid], _iou(pred_seg[start : start + chunk][:, None, :],
                                          gt_seg[vid]), -1.0)  # (c, G)
        reach[start : start + chunk] = iou.max(axis=1) >= thr.min()
        np.maximum.at(slot_best, vid, iou)
    reachable = slot_best[:, None, :] >= thr[None, :, None]  # (V, T, G)
    keep = np.flatnonzero(reach)  # rank order kept
    if len(keep) == 0:
        return tp
    live, pred_video, pred_seg, n_live = live[keep], pred_video[keep], pred_seg[keep], len(keep)

    # rank of each prediction within its group: k-th best of that group
    pred_by_video = np.argsort(pred_video, kind="stable")  # keeps the score order
    pred_count = np.bincount(pred_video, minlength=n_videos)
    pred_first = np.concatenate([[0], np.cumsum(pred_count)[:-1]])
    rank_in_video = np.empty(n_live, dtype=np.int64)
    rank_in_video[pred_by_video] = np.arange(n_live) - pred_first[pred_video[pred_by_video]]

    locked = np.zeros((n_videos, len(thr), g_max), dtype=bool)  # (V, T, G)
    live_tp = np.zeros((len(thr), n_live), dtype=bool)
    step_members = np.argsort(rank_in_video, kind="stable")
    step_bounds = np.searchsorted(rank_in_video[step_members], np.arange(pred_count.max() + 1))
    for k in range(int(pred_count.max())):
        sel = step_members[step_bounds[k] : step_bounds[k + 1]]  # at most one per group
        vid = pred_video[sel]
        iou = _iou(pred_seg[sel][:, None, :], gt_seg[vid])  # (m, G)
        iou = np.where(gt_valid[vid], iou, -1.0)
        free = np.where(locked[vid], -1.0, iou[:, None, :])  # (m, T, G)
        best = free.argmax(axis=2)  # first maximum: lowest input index among equal tIoU
        best_iou = np.max(free, axis=2)  # (m, T), the value at ``best``
        hit = best_iou >= thr[None, :]
        live_tp[:, sel] = hit.T
        rows, cols = np.nonzero(hit)
        locked[vid[rows], cols, best[rows, cols]] = True
        # every slot a later prediction can reach is locked: the rest of them are false
        # positives (10^6 copies of one good prediction stop after the first)
        later = pred_count > k + 1
        if not (~locked[later] & reachable[later]).any():
            break
    tp[:, live] = live_tp
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
    videos = {vid: v for v, vid in enumerate(ground_truth)}
    gt = _Rows.of(((videos[vid], ground_truth[vid]) for vid in videos), index, scored=False)
    # the predictions' own order: the order equal scores keep
    n_missing = sum(1 for vid in ground_truth if not predictions.get(vid))
    pred = _Rows.of(((videos[vid], found) for vid, found in predictions.items()
                     if vid in videos), index, scored=True)

    # matching never crosses a (class, video) pair: every class matched in one pass
    n_videos = max(len(videos), 1)
    tp = grouped_true_positives(gt.label * n_videos + gt.video, gt.segments,
                                pred.label * n_videos + pred.video, pred.segments,
                                pred.scores, thr)
    on_ambiguous = _on_ambiguous(pred, ambiguous or {}, videos)
    n_gt = np.bincount(gt.label, minlength=len(classes))
    # each class's predictions, best first (equal scores: input order)
    ranked = ranking(pred.scores)
    ranked = ranked[np.argsort(pred.label[ranked], kind="stable")]
    bounds = np.searchsorted(pred.label[ranked], np.arange(len(classes) + 1))
    ap = np.full((len(classes), len(thr)), np.nan)
    n_on_ambiguous = 0
    for c in range(len(classes)):
        if n_gt[c] == 0:
            continue  # no ground truth: AP undefined, left out of the means
        mine = ranked[bounds[c] : bounds[c + 1]]
        n_on_ambiguous += int(on_ambiguous[mine].sum())
        ap[c] = (np.zeros(len(thr)) if len(mine) == 0 else
                 ranked_average_precision(tp[:, mine], int(n_gt[c]),
                                          dropped=on_ambiguous[mine]))
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
        n_ground_truth=len(gt.label),
        n_predictions=len(pred.label),
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
    if not ambiguous:
        return out
    for i, (vid, start, end, _) in enumerate(rows):
        for a_start, a_end in ambiguous.get(vid, ()):
            if min(end, a_end) - max(start, a_start) > 0:
                out[i] = True
                break
    return out


@dataclass(frozen=True)
class _Rows:
    """Segments of every class as flat arrays, in input order."""

    label: np.ndarray  # (n,) int64 class index
    video: np.ndarray  # (n,) int64 index of the video among the ground truth's keys
    segments: np.ndarray  # (n, 2) float64
    scores: np.ndarray  # (n,) float64

    @classmethod
    def of(cls, videos: Iterable[tuple[int, Sequence[tuple]]], index: Mapping[str, int], *,
           scored: bool) -> _Rows:
        """Rows ``(label, start, end[, score])`` of each ``(video index, rows)``; labels
        outside ``index`` left out; ground truth (not ``scored``) gets score 1."""
        rows: list[tuple] = []
        counts: list[int] = []
        video: list[int] = []
        for v, found in videos:
            rows.extend(found)
            counts.append(len(found))
            video.append(v)
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2)),
                       np.zeros(0))
        width = 4 if scored else 3
        if set(map(len, rows)) != {width}:
            raise ValueError(f"every row must be (label, start, end{', score' if scored else ''})")

        def column(k: int) -> np.ndarray:
            return np.fromiter(map(itemgetter(k), rows), dtype=np.float64, count=len(rows))

        label = np.fromiter(map(index.get, map(itemgetter(0), rows), repeat(-1)),
                            dtype=np.int64, count=len(rows))
        keep = label >= 0
        segments = np.stack([column(1), column(2)], axis=1)
        scores = column(3) if scored else np.ones(len(rows))
        return cls(label[keep], np.repeat(np.array(video, dtype=np.int64), counts)[keep],
                   segments[keep], scores[keep])


def _on_ambiguous(pred: _Rows, ambiguous: Mapping[str, Sequence[tuple[float, float]]],
                  videos: Mapping[str, int]) -> np.ndarray:
    """:func:`ambiguous_overlaps` of the flat predictions, one video at a time."""
    out = np.zeros(len(pred.video), dtype=bool)
    if not ambiguous or len(out) == 0:
        return out
    by_video = np.argsort(pred.video, kind="stable")
    bounds = np.searchsorted(pred.video[by_video], np.arange(len(videos) + 1))
    for vid, segments in ambiguous.items():
        v = videos.get(vid)
        if v is None or not len(segments):
            continue
        mine = by_video[bounds[v] : bounds[v + 1]]
        amb = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
        seg = pred.segments[mine]
        overlap = (np.minimum(seg[:, None, 1], amb[None, :, 1])
                   - np.maximum(seg[:, None, 0], amb[None, :, 0]))
        out[mine] = (overlap > 0).any(axis=1)
    return out


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
