"""The VIS evaluator against an independent reference built on pycocotools' COCOeval.

The reference (:mod:`benchmarks.perf.references.ytvis`, also what the perf case times
against) mirrors the youtube-vis cocoapi fork (ytvoseval.py): COCOeval with
``computeIoU`` replaced by the track IoU Σ∩/Σ∪ over frames (masks decoded with numpy, not
the RLE trick of the code under test), the area of a track its mean per-frame area, and
the area ranges split at 128² and 256².
"""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from benchmarks.families.segmentation.evaluation import Track, evaluate_vis, track_ious
from benchmarks.perf.references.ytvis import STATS as KEYS
from benchmarks.perf.references.ytvis import ytvoseval as reference


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
