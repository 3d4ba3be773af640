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
is exactly the ratio of integer sums, as ytvoseval computes it), so no mask is decoded
(:mod:`.track_iou`). The matching and accumulation run on arrays, every (video, category)
at once (:mod:`.cocoeval`), with COCOeval's comparisons and sums in COCOeval's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)  # ytvoseval Params.iouThrs (np.round(...)+1)
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


def average_area(track: Track, frame_areas: np.ndarray) -> float:
    """ytvoseval ``avg_area``: mean of the truthy per-frame areas (0 if none)."""
    source = track.areas if track.areas is not None else frame_areas
    kept = [float(a) for a in source if a]
    return float(np.mean(kept)) if kept else 0.0


def _average_areas(tracks: Sequence[Track], frame_areas: Sequence[np.ndarray]) -> np.ndarray:
    """(n,) :func:`average_area` of every track, vectorised where that is exact: the areas
    summed are integers (pixel counts, or a file's integral areas), so the sum is the same
    in any order and the mean the same float as ``np.mean``; other file areas go through
    :func:`average_area` itself."""
    rows = [np.array([a or 0.0 for a in t.areas], dtype=np.float64) if t.areas is not None
            else f for t, f in zip(tracks, frame_areas, strict=True)]
    if not rows:
        return np.zeros(0)
    lengths = np.array([len(r) for r in rows])
    flat = np.concatenate(rows)
    owner = np.repeat(np.arange(len(rows)), lengths)
    sums = np.bincount(owner, weights=flat, minlength=len(rows))
    counts = np.bincount(owner, weights=flat != 0, minlength=len(rows))
    out = np.divide(sums, counts, out=np.zeros(len(rows)), where=counts > 0)
    integral = flat == np.rint(flat)
    for i in np.flatnonzero(np.bincount(owner, weights=~integral, minlength=len(rows))):
        out[i] = average_area(tracks[i], frame_areas[i])
    return out


def track_ious(dts: Sequence[Track], gts: Sequence[Track]) -> np.ndarray:
    """(len(dts), len(gts)) track IoU Σ∩ / Σ∪ over frames (0 where the union is 0) of
    the tracks of one video."""
    from benchmarks.families.segmentation.track_iou import Block, frame_areas, pair_sums

    nd, ng = len(dts), len(gts)
    pair_d, pair_g = np.repeat(np.arange(nd), ng), np.tile(np.arange(ng), nd)
    iou, _ = pair_sums(dts, gts, frame_areas(dts), frame_areas(gts), pair_d, pair_g,
                       [Block(0, nd, 0, ng, 0, nd * ng)])
    return iou.reshape(nd, ng)


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

    Every (video, category) pair at once: each mask's area in a few calls, the track IoU
    of every result with every ground truth of its pair (RLE, one ``iou`` call per frame
    of a video, never decoded), then COCOeval's matching and accumulation
    (:mod:`.cocoeval`).

    Args:
        gts: ground-truth tracks.
        dts: results; those of videos or categories not listed are ignored.
        video_ids: the evaluated videos (YTVOSeval: every video of the ground truth).
        category_ids: the evaluated categories (every category of the ground truth).

    Returns:
        :class:`VisResult` with ``AP AP50 AP75 APs APm APl AR1 AR10 J`` (``None`` where no
        category has ground truth), ``AR100`` and counts.
    """
    from benchmarks.families.segmentation.cocoeval import Detections, accumulate, match_pairs
    from benchmarks.families.segmentation.track_iou import frame_areas, pair_sums, video_blocks

    videos, cats = set(video_ids), sorted(set(category_ids))
    cat_index = {c: i for i, c in enumerate(cats)}
    video_index = {v: i for i, v in enumerate(sorted(videos))}
    gt_list = [g for g in gts if g.video_id in videos and g.category_id in cat_index]
    dt_list = [d for d in dts if d.video_id in videos and d.category_id in cat_index]
    # pair code: video index × categories + category index, so codes sort as (video, cat)
    g_code = np.array([video_index[g.video_id] * len(cats) + cat_index[g.category_id]
                       for g in gt_list], dtype=np.int64)
    d_code = np.array([video_index[d.video_id] * len(cats) + cat_index[d.category_id]
                       for d in dt_list], dtype=np.int64)
    d_score = np.array([d.score for d in dt_list], dtype=np.float64)
    # ground truth by pair in file order; results by pair, best first (file order on ties)
    g_order = np.argsort(g_code, kind="stable")
    d_order = np.lexsort((np.arange(len(dt_list)), -d_score, d_code))
    gt_list, dt_list = [gt_list[i] for i in g_order], [dt_list[i] for i in d_order]
    g_code, d_code, d_score = g_code[g_order], d_code[d_order], d_score[d_order]
    keys = np.unique(np.concatenate([g_code, d_code]))
    g_key, d_key = np.searchsorted(keys, g_code), np.searchsorted(keys, d_code)
    ng_k = np.bincount(g_key, minlength=len(keys))
    nd_k = np.bincount(d_key, minlength=len(keys))
    g_start = np.concatenate([[0], np.cumsum(ng_k)[:-1]]).astype(np.int64)
    d_start = np.concatenate([[0], np.cumsum(nd_k)[:-1]]).astype(np.int64)
    g_rank = np.arange(len(gt_list)) - g_start[g_key]
    d_rank = np.arange(len(dt_list)) - d_start[d_key]

    # every result with every ground truth of its pair: (key, result rank, gt rank) order
    per_det = ng_k[d_key]
    pair_d = np.repeat(np.arange(len(dt_list)), per_det)
    pair_first = np.concatenate([[0], np.cumsum(per_det)[:-1]]).astype(np.int64)
    pair_g = g_start[d_key][pair_d] + np.arange(len(pair_d)) - np.repeat(pair_first, per_det)
    blocks = video_blocks(keys // max(len(cats), 1), g_key, d_key, pair_d)
    gt_frames, dt_frames = frame_areas(gt_list), frame_areas(dt_list)
    iou, jaccard = pair_sums(dt_list, gt_list, dt_frames, gt_frames, pair_d, pair_g, blocks)

    # J: per non-crowd ground truth, the result of its pair with the highest track IoU
    # (ties: the higher score), or 0 without results
    crowd = np.array([g.iscrowd for g in gt_list], dtype=bool)
    best_j = np.zeros(len(gt_list))
    by_gt = np.lexsort((d_rank[pair_d], -iou, pair_g))
    first = by_gt[np.r_[True, pair_g[by_gt][1:] != pair_g[by_gt][:-1]]] if len(by_gt) else by_gt
    best_j[pair_g[first]] = jaccard[first]
    j_values = best_j[~crowd].tolist()

    # COCOeval's matching and accumulation
    ranges = list(AREA_RANGES.values())
    lows = np.array([lo for lo, _ in ranges])[:, None]  # (A, 1)
    highs = np.array([hi for _, hi in ranges])[:, None]
    gt_area, dt_area = _average_areas(gt_list, gt_frames), _average_areas(dt_list, dt_frames)
    gt_ignore = crowd[None, :] | (gt_area[None, :] < lows) | (gt_area[None, :] > highs)
    dt_out = (dt_area[None, :] < lows) | (dt_area[None, :] > highs)  # (A, N)
    kept = d_rank < max_dets[-1]
    matched, ignored = match_pairs(iou, pair_d, pair_g, kept, d_key, d_rank, g_key,
                                   g_rank, gt_ignore, crowd, dt_out, len(keys), thresholds)
    g_cat = np.asarray(cats, dtype=np.int64)[g_code % max(len(cats), 1)]
    d_cat = np.asarray(cats, dtype=np.int64)[d_code % max(len(cats), 1)]
    n_positive = {int(c): np.array([np.count_nonzero(~gt_ignore[a, g_cat == c])
                                    for a in range(len(ranges))])
                  for c in np.unique(g_cat)}
    dets = Detections(d_cat[kept], d_score[kept], d_rank[kept], matched, ignored)
    precision, recall = accumulate(dets, n_positive, cats, len(ranges), max_dets, thresholds)
    return VisResult(
        metrics=_summarize(precision, recall, max_dets, thresholds, j_values),
        counts={"n_videos": len(videos), "n_categories": len(cats),
                "n_ground_truth_tracks": sum(1 for g in gts if g.video_id in videos),
                "n_results": len(dt_list),
                "n_tracks_for_J": len(j_values)},
    )


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
