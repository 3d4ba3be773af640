"""Cheap bootstrap draws of the detection mAP: per-video statistics, cached once.

``compare`` resamples videos with replacement and needs the run's metric on each draw.
Re-running ``finalize`` decodes every video's segments at every τ of the grid and matches
them again (seconds per draw). But matching never crosses videos: a detection's
true-positive flag at each tIoU threshold comes from the ground truth of its own video,
in the ranking restricted to that video (:func:`~.detection_map.true_positives`). So the
detections of every video, at every τ the protocol reads, are decoded and matched once —
per detection: its video, class, score, flags per threshold, whether it lies on an
Ambiguous segment; per video and class: the ground-truth count. A draw concatenates the
drawn videos' rows in the order ``finalize`` would see them (a video drawn k times enters
k times), ranks each class's rows by score (stable, as the full evaluation) and computes
the AP (:func:`~.detection_map.ranked_average_precision`): the same numbers as ``finalize``
on the resampled records, at a small fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.families.localization.detection_map import (
    ClassGroundTruth,
    ClassPredictions,
    ambiguous_overlaps,
    ranked_average_precision,
    true_positives,
)
from benchmarks.families.localization.protocol import Ambiguous, Segment, VideoScores, detect


@dataclass(frozen=True)
class TauDetections:
    """Every video's detections at one τ, rows grouped by video in ``detect``'s order.

    Attributes:
        start: ``(V + 1,)`` the rows of video ``v`` are ``start[v]:start[v + 1]``.
        label: ``(n,)`` class index of each row.
        score: ``(n,)`` float64 confidence.
        tp: ``(T, n)`` bool true positive at each tIoU threshold (within its video).
        dropped: ``(n,)`` bool, overlaps an Ambiguous segment of its video.
    """

    start: np.ndarray
    label: np.ndarray
    score: np.ndarray
    tp: np.ndarray
    dropped: np.ndarray


@dataclass(frozen=True)
class DetectionStatistics:
    """What a draw needs: ``by_tau`` (τ → :class:`TauDetections`) and ``n_gt`` ``(V, C)``,
    the ground-truth segments of each class in each video (0 for a left-out video)."""

    by_tau: dict[float, TauDetections]
    n_gt: np.ndarray
    n_thresholds: int


def detection_statistics(
    ground_truth: Mapping[str, Sequence[Segment]],
    videos: Sequence[tuple[str, VideoScores | None]],
    classes: Sequence[str],
    *,
    taus: Sequence[float],
    window: int,
    max_instances: int,
    thresholds: Sequence[float],
    ambiguous: Ambiguous,
) -> DetectionStatistics:
    """Decode and match every video once per τ (``None`` scores: a video left out)."""
    index = {c: i for i, c in enumerate(classes)}
    thr = np.asarray(thresholds, dtype=np.float64)
    n_gt = np.zeros((len(videos), len(classes)), dtype=np.int64)
    for v, (vid, scores) in enumerate(videos):
        for label, _, _ in ground_truth.get(vid, []) if scores is not None else ():
            if label in index:
                n_gt[v, index[label]] += 1
    kept = {str(v): s for v, (_, s) in enumerate(videos) if s is not None}  # unique keys
    gt = {str(v): list(ground_truth.get(videos[v][0], [])) for v in map(int, kept)}
    amb = {str(v): list(ambiguous.get(videos[v][0], [])) for v in map(int, kept)}
    by_tau = {}
    for tau in dict.fromkeys(taus):
        found = detect(kept, classes, range(len(classes)), tau=tau, window=window,
                       max_instances=max_instances)
        rows = [(int(v), index[lab], s, e, sc) for v, dets in found.items()
                for lab, s, e, sc in dets]
        count = np.bincount([r[0] for r in rows], minlength=len(videos))
        label = np.array([r[1] for r in rows], dtype=np.int64)
        tp = np.zeros((len(thr), len(rows)), dtype=bool)
        for c in np.unique(label):
            mine = np.flatnonzero(label == c)
            gts = [(v, s, e) for v, segs in gt.items() for lab, s, e in segs
                   if lab == classes[c]]
            tp[:, mine] = true_positives(
                ClassGroundTruth(np.array([g[0] for g in gts], dtype=object),
                                 np.array([g[1:] for g in gts], dtype=np.float64).reshape(-1, 2)),
                ClassPredictions(np.array([str(rows[i][0]) for i in mine], dtype=object),
                                 np.array([rows[i][2:4] for i in mine], dtype=np.float64),
                                 np.array([rows[i][4] for i in mine], dtype=np.float64)),
                thr)
        dropped = ambiguous_overlaps([(str(r[0]), r[2], r[3], r[4]) for r in rows], amb)
        by_tau[tau] = TauDetections(
            start=np.concatenate([[0], np.cumsum(count)]),
            label=label, score=np.array([r[4] for r in rows], dtype=np.float64),
            tp=tp, dropped=dropped)
    return DetectionStatistics(by_tau, n_gt, len(thr))


def drawn_ap(stats: DetectionStatistics, tau: float, order: np.ndarray) -> np.ndarray:
    """``(C, T)`` AP per class of the videos ``order`` (indices, repeats allowed, in the
    order the full evaluation would see them) at ``tau``; NaN where a class has no ground
    truth among them."""
    det = stats.by_tau[tau]
    order = np.asarray(order, dtype=np.int64)
    first, count = det.start[order], det.start[order + 1] - det.start[order]
    # the rows of the drawn videos, concatenated in draw order
    rows = np.repeat(first - np.concatenate([[0], np.cumsum(count)[:-1]]), count) \
        + np.arange(int(count.sum()))
    by_score = np.argsort(-det.score[rows], kind="stable")  # equal scores: input order
    ranked = rows[by_score[np.argsort(det.label[rows][by_score], kind="stable")]]
    bounds = np.searchsorted(det.label[ranked], np.arange(stats.n_gt.shape[1] + 1))
    n_gt = stats.n_gt[order].sum(axis=0)
    ap = np.full((stats.n_gt.shape[1], stats.n_thresholds), np.nan)
    for c in range(len(n_gt)):
        if n_gt[c] == 0:
            continue  # no ground truth: AP undefined, left out of the means
        mine = ranked[bounds[c]:bounds[c + 1]]
        ap[c] = (np.zeros(stats.n_thresholds) if not len(mine) else
                 ranked_average_precision(det.tp[:, mine], int(n_gt[c]),
                                          dropped=det.dropped[mine]))
    return ap
