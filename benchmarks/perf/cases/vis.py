"""The VIS evaluator (YTVOSeval's AP) vs pycocotools' COCOeval, and its memory on big files.

Speed: 72 drawn videos (40×48 frames, 5 frames each, 0-3 ground-truth tracks of 3
categories per video, some crowd; near-duplicate results, some with the wrong category,
and false positives; scores with ties), scored by our ``evaluate_vis`` from RLE and by
pycocotools' ``COCOeval`` with YTVOSeval's ``computeIoU`` and area ranges on masks decoded
beforehand (:mod:`benchmarks.perf.references.ytvis`; the decoding is not timed).

Memory: ``python -m benchmarks score --task ytvis2021`` in a child process on a drawn
ground-truth file and results file of 1,000 videos, against the same at 100 videos: the
peak RSS must not grow with the number of videos as the masks would if decoded (the files
hold 180×320 masks, 8 frames, ~8 tracks a video: ~3.7 GB decoded at 1,000 videos).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from benchmarks.perf.case import Case, Goal, PerfContext, Row, speedup
from benchmarks.perf.measure import interleave, run_child

TOLERANCE = 1e-4  # AP / AR points (percent)
CHECKED = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10")


# speed data ---------------------------------------------------------------------------------


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii")}


def _blob(rng: np.random.Generator, h: int, w: int, frames: int) -> np.ndarray:
    """A moving rectangle, absent in some frames; (t, h, w) bool."""
    masks = np.zeros((frames, h, w), dtype=bool)
    y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
    bh, bw = rng.integers(4, h // 2 + 5, size=2)
    for f in range(frames):
        if rng.random() < 0.15:
            continue
        yy, xx = max(y + f * rng.integers(-1, 2), 0), max(x + f * rng.integers(-1, 2), 0)
        masks[f, yy : yy + bh, xx : xx + bw] = True
    return masks


def tracks(seed: int, *, videos: int, cats: int = 3, h: int = 40, w: int = 48,
           frames: int = 5) -> tuple[list, list, list, list]:
    """``(gts, dts, gt_masks, dt_masks)``: :class:`Track` s and their decoded masks."""
    from benchmarks.families.segmentation.evaluation import Track

    rng = np.random.default_rng(seed)
    gts, dts, gt_masks, dt_masks = [], [], [], []

    def result(vid: int, cat: int, m: np.ndarray) -> None:
        dts.append(Track(vid, cat, [_rle(x) if x.any() else None for x in m],
                         float(np.round(rng.random(), 2))))  # two decimals: ties
        dt_masks.append(m)

    for vid in range(1, videos + 1):
        for _ in range(rng.integers(0, 4)):
            cat, m = int(rng.integers(1, cats + 1)), _blob(rng, h, w, frames)
            gts.append(Track(vid, cat, [_rle(x) if x.any() else None for x in m], 1.0,
                             bool(rng.random() < 0.1),
                             [float(x.sum()) if x.any() else None for x in m]))
            gt_masks.append(m)
            for _ in range(rng.integers(0, 3)):  # near-duplicates, some with wrong labels
                d = np.roll(m, tuple(rng.integers(-3, 4, size=2)), axis=(1, 2))
                if rng.random() < 0.2:
                    d[rng.integers(0, frames)] = False
                result(vid, cat if rng.random() < 0.8 else int(rng.integers(1, cats + 1)), d)
        for _ in range(rng.integers(0, 3)):  # false positives
            result(vid, int(rng.integers(1, cats + 1)), _blob(rng, h, w, frames))
    return gts, dts, gt_masks, dt_masks


# memory data --------------------------------------------------------------------------------


def _rectangle_rle(y0: int, x0: int, bh: int, bw: int, h: int, w: int) -> list[int]:
    """Uncompressed column-major RLE counts of a ``bh × bw`` rectangle at ``(y0, x0)``
    (0 < bh < h), without drawing it."""
    counts = [x0 * h + y0]
    for _ in range(bw - 1):
        counts += [bh, h - bh]
    tail = (h - y0 - bh) + (w - x0 - bw) * h
    return counts + ([bh, tail] if tail else [bh])  # no empty last run (as the encoder)


def write_files(folder: Path, *, videos: int, seed: int = 0, h: int = 180, w: int = 320,
                frames: int = 8, cats: int = 40) -> tuple[Path, Path]:
    """A YouTube-VIS ground-truth file and a results file of ``videos`` videos."""
    from pycocotools import mask as mask_utils

    rng = np.random.default_rng(seed)

    def track() -> tuple[list[dict | None], list[float | None]]:
        bh, bw = int(rng.integers(10, h // 2)), int(rng.integers(10, w // 2))
        y0, x0 = int(rng.integers(0, h - bh)), int(rng.integers(0, w - bw))
        segs, areas = [], []
        for _ in range(frames):
            if rng.random() < 0.1:
                segs.append(None)
                areas.append(None)
                continue
            y0 = int(np.clip(y0 + rng.integers(-2, 3), 0, h - bh))
            x0 = int(np.clip(x0 + rng.integers(-2, 3), 0, w - bw))
            segs.append({"size": [h, w], "counts": _rectangle_rle(y0, x0, bh, bw, h, w)})
            areas.append(float(bh * bw))
        present = [s for s in segs if s is not None]
        for s, rle in zip(present, mask_utils.frPyObjects(present, h, w), strict=True):
            s["counts"] = rle["counts"].decode("ascii")
        return segs, areas

    gt: dict = {"videos": [], "categories": [{"id": c, "name": f"c{c}"}
                                             for c in range(1, cats + 1)],
                "annotations": []}
    results = []
    for vid in range(1, videos + 1):
        gt["videos"].append({"id": vid, "width": w, "height": h, "length": frames,
                             "file_names": [f"{vid:05d}/{f:05d}.jpg" for f in range(frames)]})
        for _ in range(3):
            cat = int(rng.integers(1, cats + 1))
            segs, areas = track()
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "video_id": vid,
                                      "category_id": cat, "iscrowd": 0,
                                      "segmentations": segs, "areas": areas})
        for _ in range(5):
            segs, _ = track()
            results.append({"video_id": vid, "category_id": int(rng.integers(1, cats + 1)),
                            "segmentations": segs, "score": float(rng.random())})
    folder.mkdir(parents=True, exist_ok=True)
    gt_path, results_path = folder / "instances.json", folder / "results.json"
    gt_path.write_text(json.dumps(gt), encoding="utf-8")
    results_path.write_text(json.dumps(results), encoding="utf-8")
    return gt_path, results_path


def _score_rss(folder: Path, videos: int) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time (s) of ``score`` on drawn files of ``videos`` videos."""
    gt, results = write_files(folder / f"v{videos}", videos=videos)
    child = run_child([sys.executable, "-m", "benchmarks", "score", "--task", "ytvis2021",
                       "--annotations", str(gt), "--predictions", str(results), "--json",
                       "--task-arg", 'dataset_args={"holdout_videos": null}'])
    if child.code != 0:
        raise RuntimeError(f"score on {videos} videos failed ({child.code}): "
                           f"{child.stderr.strip()[-500:]}")
    return child.peak_rss_mib, child.seconds


# the case ----------------------------------------------------------------------------------


def run(ctx: PerfContext) -> list[Row]:
    from benchmarks.families.segmentation.evaluation import evaluate_vis
    from benchmarks.perf.references.ytvis import ytvoseval

    n_videos = 12 if ctx.quick else 72
    gts, dts, gt_masks, dt_masks = tracks(0, videos=n_videos)
    videos, cats = list(range(1, n_videos + 1)), [1, 2, 3]

    def ours() -> dict:
        return evaluate_vis(gts, dts, video_ids=videos, category_ids=cats).metrics

    def reference() -> dict:
        return ytvoseval(gts, dts, gt_masks, dt_masks, videos, cats)

    a, b = ours(), reference()
    gaps = [abs(a[k] - b[k]) for k in CHECKED if a[k] is not None and b[k] is not None]
    if any((a[k] is None) != (b[k] is None) for k in CHECKED):
        gaps.append(float("inf"))
    times = interleave({"ours": ours, "pycocotools": reference}, repeats=ctx.repeats)
    rows = [Row("vis", f"VIS AP (YTVOSeval), {n_videos} videos", "evaluate_vis",
                "COCOeval + ytvoseval computeIoU", times["ours"], times["pycocotools"],
                speedup(times["ours"], times["pycocotools"]), "× faster", Goal(">=", 2),
                gap=max(gaps), tolerance=TOLERANCE)]

    if ctx.quick:  # two child processes: seconds of start-up each, nothing to agree on
        return rows
    small, large = 100, 1000
    rss_small, seconds_small = _score_rss(ctx.workdir, small)
    rss_large, seconds_large = _score_rss(ctx.workdir, large)
    rows.append(Row("vis-memory", f"VIS score peak RSS, {large:,} vs {small} videos",
                    f"score {large} videos", f"score {small} videos", None, None,
                    rss_large / rss_small, "× the RSS", Goal("<=", 2),
                    note=f"{rss_large:.0f} vs {rss_small:.0f} MiB",
                    extra={"rss_large_mib": round(rss_large, 1),
                           "rss_small_mib": round(rss_small, 1),
                           "seconds_large": round(seconds_large, 2),
                           "seconds_small": round(seconds_small, 2)}))
    return rows


CASE = Case(id="vis", order=40, run=run, needs=("pycocotools",))
