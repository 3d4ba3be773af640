"""Video instance segmentation AP exactly as the official YouTube-VIS evaluation (YTVOSeval).

YTVOSeval (youtubevos/cocoapi, ``PythonAPI/pycocotools/ytvoseval.py``) is COCOeval with
three changes, all reproduced here:

- the IoU of a predicted and a ground-truth track is Σ_frames |D∩G| / Σ_frames |D∪G|
  (a frame where only one of them is present adds its area to the union; a frame where
  neither is, adds nothing): ``computeIoU``'s ``iou_seq``;
- the area of a track is its mean area over the frames where it is present and non-empty
  (``avg_area``; the ground truth's from its ``areas`` field, a result's from its masks);
- the area ranges split at 128² and 256² (``Params.areaRng``), not COCO's 32² and 96².

The rest is COCOeval's: IoU thresholds 0.5:0.05:0.95, 101 recall points, greedy matching
per (video, category) in descending score order (mergesort, ties keep file order) with
``iscrowd`` ground truth as ignore regions, matching done once with the largest max-dets
(100) and the first 1 / 10 / 100 detections of each video taken afterwards, precision made
monotone from the right, ``-1`` entries (categories without ground truth) left out of the
means. Metrics are returned in percent; ``None`` where YTVOSeval prints -1.

J (not part of YTVOSeval): the region similarity of DAVIS (Perazzi et al. 2016) over
ground-truth tracks. Matching rule: each non-crowd ground-truth track takes the result of
its video and category with the highest track IoU (ties: the higher score first; a result
may serve several tracks; none → J = 0 for that track); its J is the mean over every frame
of the video of the per-frame IoU, a frame where both masks are empty counting 1 (DAVIS's
``db_eval_iou``); J is the mean over tracks, in percent.

Masks are pycocotools RLE (``{"size": [h, w], "counts": str}``), one per frame or ``None``.
Per frame, ``pycocotools.mask.iou`` gives IoU ``r`` and areas ``a_d, a_g``; the intersection
is ``r (a_d + a_g) / (1 + r)`` rounded to an integer (it is a pixel count, so the track IoU
is exactly the ratio of integer sums, as ytvoseval computes it), so no mask is decoded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)  # ytvoseval Params.iouThrs (np.round(...)+1)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)  # ytvoseval Params.recThrs
MAX_DETS = (1, 10, 100)  # ytvoseval Params.maxDets
AREA_RANGES = {  # ytvoseval Params.areaRng / areaRngLbl
    "all": (0.0, 1e5**2),
    "small": (0.0, 128.0**2),
    "medium": (128.0**2, 256.0**2),
    "large": (256.0**2, 1e5**2),
}
METRIC_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "J")

__all__ = ["METRIC_NAMES", "Track", "VisResult", "evaluate_vis", "track_ious"]


@dataclass(frozen=True)
class Track:
    """One instance track: a ground-truth annotation or a result.

    Attributes:
        video_id: the video's id.
        category_id: the category's id.
        segmentations: one compressed RLE dict per frame, or ``None`` where absent;
            checked ones only (``normalise_segmentation`` or the harness's own encoder):
            pycocotools' ``iou`` loops forever on run lengths past ``h × w``.
        score: confidence (results); 1 for ground truth.
        iscrowd: ground truth only: an ignore region.
        areas: ground truth only: the file's per-frame ``areas`` (``None`` entries where
            absent); ``None``: computed from the masks.
    """

    video_id: int
    category_id: int
    segmentations: Sequence[dict | None]
    score: float = 1.0
    iscrowd: bool = False
    areas: Sequence[float | None] | None = None


@dataclass
class VisResult:
    """Metrics (percent, ``None`` where undefined) and counts."""

    metrics: dict[str, float | None]
    counts: dict[str, int] = field(default_factory=dict)


# helpers


def _frame_areas(track: Track) -> np.ndarray:
    """(t,) float: each frame's mask area, 0 where absent."""
    from pycocotools import mask as mask_utils

    areas = np.zeros(len(track.segmentations))
    present = [i for i, s in enumerate(track.segmentations) if s is not None]
    if present:
        areas[present] = mask_utils.area([track.segmentations[i] for i in present])
    return areas


def average_area(track: Track, frame_areas: np.ndarray) -> float:
    """ytvoseval ``avg_area``: mean of the truthy per-frame areas (0 if none)."""
    source = track.areas if track.areas is not None else frame_areas
    kept = [float(a) for a in source if a]
    return float(np.mean(kept)) if kept else 0.0


@dataclass(frozen=True)
class _PairStats:
    iou: np.ndarray  # (nd, ng) track IoU
    jaccard: np.ndarray  # (nd, ng) DAVIS J: mean per-frame IoU, empty/empty = 1


def track_ious(dts: Sequence[Track], gts: Sequence[Track]) -> np.ndarray:
    """(len(dts), len(gts)) track IoU Σ∩ / Σ∪ over frames (0 where the union is 0)."""
    return _pair_stats(dts, gts,
                       [_frame_areas(d) for d in dts], [_frame_areas(g) for g in gts]).iou


def _pair_stats(
    dts: Sequence[Track], gts: Sequence[Track], d_areas: list[np.ndarray],
    g_areas: list[np.ndarray],
) -> _PairStats:
    from pycocotools import mask as mask_utils

    nd, ng = len(dts), len(gts)
    if nd == 0 or ng == 0:
        return _PairStats(np.zeros((nd, ng)), np.zeros((nd, ng)))
    frames = len(gts[0].segmentations)
    ad = np.stack(d_areas)  # (nd, t)
    ag = np.stack(g_areas)  # (ng, t)
    inter = np.zeros((nd, ng))
    union = np.zeros((nd, ng))
    jaccard = np.zeros((nd, ng))
    for f in range(frames):
        d_in = [i for i in range(nd) if dts[i].segmentations[f] is not None]
        g_in = [j for j in range(ng) if gts[j].segmentations[f] is not None]
        a_d, a_g = ad[:, f], ag[:, f]
        frame_inter = np.zeros((nd, ng))
        if d_in and g_in:
            r = np.asarray(mask_utils.iou([dts[i].segmentations[f] for i in d_in],
                                          [gts[j].segmentations[f] for j in g_in],
                                          [0] * len(g_in)), dtype=np.float64)
            r = r.reshape(len(d_in), len(g_in))
            total = a_d[d_in][:, None] + a_g[g_in][None, :]
            # pixel counts are integers: rounding makes Σ∩ / Σ∪ bit-exact (a track IoU
            # of exactly 0.6 must not come out as 0.5999... against the 0.6 threshold)
            frame_inter[np.ix_(d_in, g_in)] = np.rint(r * total / (1.0 + r))
        frame_union = a_d[:, None] + a_g[None, :] - frame_inter
        inter += frame_inter
        union += frame_union
        with np.errstate(divide="ignore", invalid="ignore"):
            jaccard += np.where(frame_union > 0, frame_inter / frame_union, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return _PairStats(iou, jaccard / max(frames, 1))


@dataclass
class _VideoCategory:
    """Matching of one (video, category) with all its results (at most max_dets[-1])."""

    scores: np.ndarray  # (nd,) descending
    matched: np.ndarray  # (n_thr, area, nd) bool: matched to a ground truth
    ignored: np.ndarray  # (n_thr, area, nd) bool
    gt_ignored: np.ndarray  # (area, ng) bool


def _match(iou: np.ndarray, gt_ignore: np.ndarray, crowd: np.ndarray,
           dt_out_of_range: np.ndarray, thresholds: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """COCOeval.evaluateImg's greedy matching for one area range.

    Args:
        iou: (nd, ng), results in score order, ground truth sorted non-ignored first.
        gt_ignore: (ng,) bool in that order; crowd: (ng,) bool.
        dt_out_of_range: (nd,) bool, the result's area is outside the range.

    Returns:
        matched (n_thr, nd), ignored (n_thr, nd).
    """
    nd, ng = iou.shape
    matched = np.zeros((len(thresholds), nd), dtype=bool)
    ignored = np.zeros((len(thresholds), nd), dtype=bool)
    for t, threshold in enumerate(thresholds):
        gt_taken = np.zeros(ng, dtype=bool)
        for d in range(nd):
            best, m = min(threshold, 1 - 1e-10), -1
            for g in range(ng):
                if gt_taken[g] and not crowd[g]:
                    continue
                if m > -1 and not gt_ignore[m] and gt_ignore[g]:
                    break  # non-ignored ground truth come first
                if iou[d, g] < best:
                    continue
                best, m = iou[d, g], g
            if m == -1:
                continue
            ignored[t, d] = gt_ignore[m]
            matched[t, d] = True
            gt_taken[m] = True
        ignored[t] |= ~matched[t] & dt_out_of_range
    return matched, ignored


def evaluate_vis(
    gts: Sequence[Track],
    dts: Sequence[Track],
    *,
    video_ids: Sequence[int],
    category_ids: Sequence[int],
    max_dets: Sequence[int] = MAX_DETS,
    thresholds: np.ndarray = IOU_THRESHOLDS,
) -> VisResult:
    """YTVOSeval's AP/AR (percent) and DAVIS J over ``gts`` and ``dts``.

    Args:
        gts: ground-truth tracks.
        dts: results; those of videos or categories not listed are ignored.
        video_ids: the evaluated videos (YTVOSeval: every video of the ground truth).
        category_ids: the evaluated categories (every category of the ground truth).

    Returns:
        :class:`VisResult` with ``AP AP50 AP75 APs APm APl AR1 AR10 J`` (``None`` where no
        category has ground truth), ``AR100`` and counts.
    """
    videos, cats = set(video_ids), set(category_ids)
    gt_by: dict[tuple[int, int], list[Track]] = defaultdict(list)
    dt_by: dict[tuple[int, int], list[Track]] = defaultdict(list)
    for g in gts:
        gt_by[g.video_id, g.category_id].append(g)
    for d in dts:
        if d.video_id in videos and d.category_id in cats:
            dt_by[d.video_id, d.category_id].append(d)
    ranges = list(AREA_RANGES.values())
    per_cat: dict[int, list[_VideoCategory]] = defaultdict(list)
    j_values: list[float] = []
    for key in sorted(set(gt_by) | set(dt_by)):
        if key[0] not in videos or key[1] not in cats:
            continue
        gt, dt = gt_by.get(key, []), dt_by.get(key, [])
        order = np.argsort([-d.score for d in dt], kind="mergesort")
        dt_all = [dt[i] for i in order]
        d_areas = [_frame_areas(d) for d in dt_all]
        g_areas = [_frame_areas(g) for g in gt]
        stats = _pair_stats(dt_all, gt, d_areas, g_areas)
        # J: best track-IoU result per ground truth (all results; ties: higher score)
        for j, g in enumerate(gt):
            if g.iscrowd:
                continue
            j_values.append(float(stats.jaccard[int(np.argmax(stats.iou[:, j])), j])
                            if dt_all else 0.0)
        keep = min(len(dt_all), max_dets[-1])
        iou = stats.iou[:keep]
        dt_area = np.array([average_area(d, a)
                            for d, a in zip(dt_all[:keep], d_areas[:keep], strict=True)])
        gt_area = np.array([average_area(g, a) for g, a in zip(gt, g_areas, strict=True)])
        crowd = np.array([g.iscrowd for g in gt], dtype=bool)
        matched = np.zeros((len(thresholds), len(ranges), keep), dtype=bool)
        ignored = np.zeros_like(matched)
        gt_ignored = np.zeros((len(ranges), len(gt)), dtype=bool)
        for a, (lo, hi) in enumerate(ranges):
            gt_ig = crowd | (gt_area < lo) | (gt_area > hi)
            gorder = np.argsort(gt_ig, kind="mergesort")
            m, ig = _match(iou[:, gorder], gt_ig[gorder], crowd[gorder],
                           (dt_area < lo) | (dt_area > hi), thresholds)
            matched[:, a], ignored[:, a], gt_ignored[a] = m, ig, gt_ig
        scores = np.array([d.score for d in dt_all[:keep]], dtype=np.float64)
        per_cat[key[1]].append(_VideoCategory(scores, matched, ignored, gt_ignored))
    precision, recall = _accumulate(per_cat, sorted(cats), len(ranges), max_dets, thresholds)
    return VisResult(
        metrics=_summarize(precision, recall, max_dets, thresholds, j_values),
        counts={"n_videos": len(videos), "n_categories": len(cats),
                "n_ground_truth_tracks": sum(1 for g in gts if g.video_id in videos),
                "n_results": sum(len(v) for v in dt_by.values()),
                "n_tracks_for_J": len(j_values)},
    )


def _accumulate(per_cat: dict[int, list[_VideoCategory]], cats: list[int], n_areas: int,
                max_dets: Sequence[int], thresholds: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """COCOeval.accumulate: precision (T, R, K, A, M) and recall (T, K, A, M), -1 unset."""
    n_t, n_r = len(thresholds), len(RECALL_POINTS)
    precision = -np.ones((n_t, n_r, len(cats), n_areas, len(max_dets)))
    recall = -np.ones((n_t, len(cats), n_areas, len(max_dets)))
    for k, cat in enumerate(cats):
        entries = per_cat.get(cat, [])
        if not entries:
            continue
        for a in range(n_areas):
            n_positive = sum(int(np.count_nonzero(~e.gt_ignored[a])) for e in entries)
            if n_positive == 0:
                continue
            for mi, max_det in enumerate(max_dets):
                scores = np.concatenate([e.scores[:max_det] for e in entries])
                order = np.argsort(-scores, kind="mergesort")
                matched = np.concatenate([e.matched[:, a, :max_det] for e in entries],
                                         axis=1)[:, order]
                ignored = np.concatenate([e.ignored[:, a, :max_det] for e in entries],
                                         axis=1)[:, order]
                tp = np.cumsum(matched & ~ignored, axis=1, dtype=np.float64)
                fp = np.cumsum(~matched & ~ignored, axis=1, dtype=np.float64)
                for t in range(n_t):
                    n = tp.shape[1]
                    rc = tp[t] / n_positive
                    pr = tp[t] / (fp[t] + tp[t] + np.spacing(1))
                    recall[t, k, a, mi] = rc[-1] if n else 0.0
                    pr = np.maximum.accumulate(pr[::-1])[::-1] if n else pr
                    q = np.zeros(n_r)
                    idx = np.searchsorted(rc, RECALL_POINTS, side="left")
                    valid = idx < n
                    q[valid] = pr[idx[valid]]
                    precision[t, :, k, a, mi] = q
    return precision, recall


def _summarize(precision: np.ndarray, recall: np.ndarray, max_dets: Sequence[int],
               thresholds: np.ndarray, j_values: list[float]) -> dict[str, float | None]:
    """COCOeval.summarize's stats in percent (``None`` for its -1)."""
    areas = list(AREA_RANGES)

    def mean(values: np.ndarray) -> float | None:
        kept = values[values > -1]
        return 100.0 * float(np.mean(kept)) if kept.size else None

    def ap(area: str = "all", iou: float | None = None, max_det: int = max_dets[-1]):
        s = precision[..., areas.index(area), list(max_dets).index(max_det)]
        if iou is not None:
            s = s[np.where(np.isclose(thresholds, iou))[0]]
        return mean(s)

    def ar(max_det: int, area: str = "all"):
        return mean(recall[..., areas.index(area), list(max_dets).index(max_det)])

    return {
        "AP": ap(), "AP50": ap(iou=0.5), "AP75": ap(iou=0.75),
        "APs": ap("small"), "APm": ap("medium"), "APl": ap("large"),
        "AR1": ar(max_dets[0]), "AR10": ar(max_dets[1]), "AR100": ar(max_dets[-1]),
        "J": 100.0 * float(np.mean(j_values)) if j_values else None,
    }
