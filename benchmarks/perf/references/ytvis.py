"""YTVOSeval on pycocotools' COCOeval: the reference the VIS evaluator is timed against.

YTVOSeval (github.com/youtubevos/cocoapi at commit
f3f9948a1f749fb95797f31a9616872811eea559, ``PythonAPI/pycocotools/ytvoseval.py``) is
COCOeval with three changes, re-derived here on top of pycocotools' own ``COCOeval``
(whose ``evaluateImg``, ``accumulate`` and ``summarize`` YTVOSeval copies unchanged):

- ``computeIoU``: results ranked by score (mergesort), cut at ``maxDets[-1]``; the IoU of
  two tracks is Σ_frames |D∩G| / Σ_frames |D∪G| (``iou_seq``; 0 where the union is 0);
- the area of a track is ``avg_area``, the mean of its truthy per-frame areas (here the
  COCO ``area`` field, which ``evaluateImg`` reads);
- ``Params.areaRng``: 0–128², 128²–256², 256²–1e5² besides "all".

The per-frame intersections and unions come from masks decoded to numpy beforehand
(:func:`decode_tracks`, not timed), as the test suite's reference does; YTVOSeval itself
merges RLEs per frame pair with ``maskUtils.merge``, which is slower.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10")  # summarize's first 8


def decode_tracks(tracks: Sequence, shape: tuple[int, int]) -> list[np.ndarray]:
    """Each track's masks decoded, ``(t, h, w)`` bool (absent frames empty)."""
    return [np.stack([np.zeros(shape, bool) if s is None else
                      mask_utils.decode(s).astype(bool) for s in t.segmentations])
            for t in tracks]


class YTVOSevalReference(COCOeval):
    """COCOeval with YTVOSeval's ``computeIoU`` and area ranges; ``masks`` maps
    ``("g" | "d", annotation id)`` to the decoded ``(t, h, w)`` masks."""

    def __init__(self, gt: COCO, dt: COCO, masks: dict) -> None:
        super().__init__(gt, dt, "bbox")  # bbox: no _toMask; computeIoU is replaced
        self.params.areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 128 ** 2], [128 ** 2, 256 ** 2],
                               [256 ** 2, 1e5 ** 2]]
        self._masks = masks

    def computeIoU(self, vid, cat):  # noqa: N802 (COCOeval's name)
        gt, dt = self._gts[vid, cat], self._dts[vid, cat]
        if len(gt) == 0 and len(dt) == 0:
            return []
        inds = np.argsort([-d["score"] for d in dt], kind="mergesort")
        dt = [dt[i] for i in inds][: self.params.maxDets[-1]]
        ious = np.zeros((len(dt), len(gt)))
        for i, j in np.ndindex(ious.shape):
            d, g = self._masks["d", dt[i]["id"]], self._masks["g", gt[j]["id"]]
            union = float(np.logical_or(d, g).sum())
            ious[i, j] = float(np.logical_and(d, g).sum()) / union if union > 0 else 0.0
        return ious


def _avg_area(masks: np.ndarray) -> float:
    areas = [float(m.sum()) for m in masks if m.sum() > 0]
    return float(np.mean(areas)) if areas else 0.0


def ytvoseval(gts: Sequence, dts: Sequence, gt_masks: Sequence[np.ndarray],
              dt_masks: Sequence[np.ndarray], videos: Sequence[int],
              cats: Sequence[int]) -> dict[str, float | None]:
    """``AP AP50 AP75 APs APm APl AR1 AR10`` in percent (``None`` for -1) of tracks
    (``video_id``, ``category_id``, ``score``, ``iscrowd``) and their decoded masks."""
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
        ev = YTVOSevalReference(coco_gt, coco_dt, masks)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {k: (None if v == -1 else 100 * float(v))
            for k, v in zip(STATS, ev.stats[: len(STATS)], strict=True)}
