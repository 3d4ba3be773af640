"""The VIS evaluator against an independent reference built on pycocotools' COCOeval.

The reference mirrors the youtube-vis cocoapi fork (ytvoseval.py): COCOeval with
``computeIoU`` replaced by the track IoU Σ∩/Σ∪ over frames (masks decoded with numpy, not
the RLE trick of the code under test), the area of a track its mean per-frame area, and
the area ranges split at 128² and 256².
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from benchmarks.families.segmentation.evaluation import Track, evaluate_vis, track_ious

KEYS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10")


def _rle(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii")}


def _blob(rng, h, w, frames, big=False):
    """A moving rectangle, absent in some frames; (t, h, w) bool."""
    masks = np.zeros((frames, h, w), dtype=bool)
    y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
    bh, bw = rng.integers(60, h - 20, size=2) if big else rng.integers(4, h // 2 + 5, size=2)
    for f in range(frames):
        if rng.random() < 0.15:
            continue
        yy, xx = y + f * rng.integers(-1, 2), x + f * rng.integers(-1, 2)
        masks[f, max(yy, 0):max(yy, 0) + bh, max(xx, 0):max(xx, 0) + bw] = True
    return masks


def _jitter(rng, masks):
    out = masks.copy()
    shift = rng.integers(-3, 4, size=2)
    out = np.roll(out, tuple(shift), axis=(1, 2))
    if rng.random() < 0.2:
        out[rng.integers(0, len(out))] = False
    return out


def random_case(seed: int, *, videos=6, cats=3, h=40, w=48, frames=5, big=False):
    rng = np.random.default_rng(seed)
    gts, dts, gt_masks, dt_masks = [], [], [], []
    for vid in range(1, videos + 1):
        if big:
            h, w = 300, 400  # medium and large average areas too
        for _ in range(rng.integers(0, 4)):
            cat = int(rng.integers(1, cats + 1))
            m = _blob(rng, h, w, frames, big)
            crowd = bool(rng.random() < 0.1)
            segs = [_rle(x) if x.any() else None for x in m]
            areas = [float(x.sum()) if x.any() else None for x in m]
            gts.append(Track(vid, cat, segs, 1.0, crowd, areas))
            gt_masks.append(m)
            for _ in range(rng.integers(0, 3)):  # near-duplicates, some with wrong labels
                d = _jitter(rng, m)
                dcat = cat if rng.random() < 0.8 else int(rng.integers(1, cats + 1))
                dts.append(Track(vid, dcat, [_rle(x) if x.any() else None for x in d],
                                 float(np.round(rng.random(), 2))))
                dt_masks.append(d)
        for _ in range(rng.integers(0, 3)):  # false positives
            d = _blob(rng, h, w, frames, big)
            dts.append(Track(vid, int(rng.integers(1, cats + 1)),
                             [_rle(x) if x.any() else None for x in d],
                             float(np.round(rng.random(), 2))))
            dt_masks.append(d)
    return gts, dts, gt_masks, dt_masks, list(range(1, videos + 1)), list(range(1, cats + 1))


def _video_iou(d: np.ndarray, g: np.ndarray) -> float:
    inter = float(np.logical_and(d, g).sum())
    union = float(np.logical_or(d, g).sum())
    return inter / union if union > 0 else 0.0


class _YTVOSevalReference(COCOeval):
    """COCOeval with the youtube-vis fork's computeIoU and area ranges."""

    def __init__(self, gt, dt, masks):
        super().__init__(gt, dt, "bbox")  # bbox: no _toMask; computeIoU is replaced
        self.params.areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 128 ** 2], [128 ** 2, 256 ** 2],
                               [256 ** 2, 1e5 ** 2]]
        self._masks = masks  # annotation id -> (t, h, w) bool, "g<id>" / "d<id>"

    def computeIoU(self, vid, cat):
        p = self.params
        gt, dt = self._gts[vid, cat], self._dts[vid, cat]
        if len(gt) == 0 and len(dt) == 0:
            return []
        inds = np.argsort([-d["score"] for d in dt], kind="mergesort")
        dt = [dt[i] for i in inds][: p.maxDets[-1]]
        ious = np.zeros((len(dt), len(gt)))
        for i, j in np.ndindex(ious.shape):
            ious[i, j] = _video_iou(self._masks["d", dt[i]["id"]], self._masks["g", gt[j]["id"]])
        return ious


def _avg_area(masks: np.ndarray) -> float:
    areas = [float(m.sum()) for m in masks if m.sum() > 0]
    return float(np.mean(areas)) if areas else 0.0


def reference(gts, dts, gt_masks, dt_masks, videos, cats):
    masks = {}
    gt_anns, dt_anns = [], []
    for n, (g, m) in enumerate(zip(gts, gt_masks, strict=True), start=1):
        gt_anns.append({"id": n, "image_id": g.video_id, "category_id": g.category_id,
                        "iscrowd": int(g.iscrowd), "area": _avg_area(m), "bbox": [0, 0, 1, 1]})
        masks["g", n] = m
    for n, (d, m) in enumerate(zip(dts, dt_masks, strict=True), start=1):
        dt_anns.append({"id": n, "image_id": d.video_id, "category_id": d.category_id,
                        "iscrowd": 0, "area": _avg_area(m), "score": d.score,
                        "bbox": [0, 0, 1, 1]})
        masks["d", n] = m
    categories = [{"id": c, "name": str(c)} for c in cats]
    coco_gt, coco_dt = COCO(), COCO()
    coco_gt.dataset = {"images": [{"id": v} for v in videos], "annotations": gt_anns,
                       "categories": categories}
    coco_dt.dataset = {"images": [{"id": v} for v in videos], "annotations": dt_anns,
                       "categories": categories}
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt.createIndex()
        coco_dt.createIndex()
        ev = _YTVOSevalReference(coco_gt, coco_dt, masks)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    values = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]
    return {k: (None if v == -1 else 100 * v) for k, v in zip(KEYS, values, strict=True)}


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_pycocotools_reference(seed):
    gts, dts, gm, dm, videos, cats = random_case(seed, big=seed % 4 == 3)
    ours = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    ref = reference(gts, dts, gm, dm, videos, cats)
    for key in KEYS:
        if ref[key] is None:
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(ref[key], abs=1e-4), key


def test_medium_and_large_areas_are_exercised():
    gts, dts, gm, dm, videos, cats = random_case(31, big=True, videos=10)
    ours = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    assert ours["APs"] is not None and ours["APm"] is not None and ours["APl"] is not None


@pytest.mark.parametrize("seed", [19, 31])
def test_matches_the_reference_with_every_area_range(seed):
    gts, dts, gm, dm, videos, cats = random_case(seed, big=True, videos=10)
    ours = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    ref = reference(gts, dts, gm, dm, videos, cats)
    assert ref["APl"] is not None
    for key in KEYS:
        assert ours[key] == pytest.approx(ref[key], abs=1e-4), key


def test_track_iou_sums_over_frames_before_dividing():
    a = np.zeros((2, 10, 10), bool)
    b = np.zeros((2, 10, 10), bool)
    a[0, :5] = True   # 50 px, b 50 px, overlap 50 in frame 0
    b[0, :5] = True
    a[1, :1] = True   # frame 1: a has 10 px, b 0 px (b absent)
    da = Track(1, 1, [_rle(a[0]), _rle(a[1])])
    gb = Track(1, 1, [_rle(b[0]), None])
    assert track_ious([da], [gb])[0, 0] == pytest.approx(50 / 60)  # mean of ratios: 0.5


def test_perfect_results_score_100_and_j_100():
    gts, _, gm, _, videos, cats = random_case(1)
    gts = [g for g in gts if not g.iscrowd]
    dts = [Track(g.video_id, g.category_id, g.segmentations, 0.9) for g in gts]
    m = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    assert m["AP"] == pytest.approx(100) and m["J"] == pytest.approx(100)
    assert m["AR1"] <= 100


def test_wrong_categories_score_zero():
    gts, _, _, _, videos, cats = random_case(2)
    gts = [g for g in gts if not g.iscrowd]
    dts = [Track(g.video_id, g.category_id % len(cats) + 1, g.segmentations, 0.9) for g in gts]
    m = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    assert m["AP"] == 0 and m["AR10"] == 0


def test_results_in_chunks_and_many_masks_give_the_same_metrics(monkeypatch):
    """Big files: (pair, frame) entries summed in runs of videos, pycocotools' area called
    on at most 255 masks at a time; neither changes a value."""
    import benchmarks.families.segmentation.track_iou as track_iou

    gts, dts, _, _, videos, cats = random_case(3, videos=40)
    assert sum(s is not None for t in gts + dts for s in t.segmentations) > 255
    whole = evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics
    monkeypatch.setattr(track_iou, "ENTRIES", 7)
    assert evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics == whole
