"""Temporal action detection mAP: ours vs the ActivityNet toolkit and a numpy reference.

The data set is drawn (seeded): 200 videos with 0-5 ground-truth segments each over 20
classes, 10,000 predictions (70 % near a ground-truth segment, a fifth of those with
another class; the rest anywhere), scores distinct (the toolkit's unstable sort leaves the
order of equal scores open), scored at THUMOS14's five tIoUs 0.3:0.1:0.7. Both sides start
from the same in-memory mappings (video → segments), as the harness's ``detection_map``
takes them. References: the ActivityNet toolkit's ``compute_average_precision_detection``
per class as its ``wrapper_compute_average_precision`` runs it, pandas and all
(:mod:`benchmarks.perf.references.activitynet`), and a straightforward vectorised numpy
implementation (:mod:`benchmarks.perf.references.numpy_tal`).
"""

from __future__ import annotations

import numpy as np

from benchmarks.perf.case import Case, Goal, PerfContext, Row, speedup
from benchmarks.perf.measure import interleave

TOLERANCE = 1e-6  # AP, per class and threshold


def dataset(seed: int, *, n_videos: int, n_classes: int, n_pred: int
            ) -> tuple[dict[str, list], dict[str, list], list[str]]:
    """``(ground_truth, predictions, classes)``: video → ``(label, start, end)`` and
    video → ``(label, start, end, score)``; every class has ground truth."""
    rng = np.random.default_rng(seed)
    classes = [f"c{i}" for i in range(n_classes)]
    gt: dict[str, list] = {}
    for v in range(n_videos):
        n = int(rng.integers(0, 6))
        gt[f"v{v}"] = [(classes[int(rng.integers(n_classes))], float(s),
                        float(s + rng.uniform(1, 20))) for s in rng.uniform(0, 100, n)]
    for c, label in enumerate(classes):  # every class at least once
        gt[f"v{c % n_videos}"].append((label, 10.0 * c, 10.0 * c + 5.0))
    flat = [(vid, *seg) for vid, segs in gt.items() for seg in segs]
    scores = rng.permutation(n_pred) / n_pred + rng.uniform(0, 0.5 / n_pred, n_pred)
    preds: dict[str, list] = {}
    for i in range(n_pred):
        if rng.random() < 0.7:  # near a ground-truth segment, sometimes the wrong class
            vid, label, s, e = flat[int(rng.integers(len(flat)))]
            s, e = max(0.0, s + rng.normal(0, 2)), e + rng.normal(0, 2)
            label = label if rng.random() < 0.8 else classes[int(rng.integers(n_classes))]
        else:
            vid, label = f"v{int(rng.integers(n_videos))}", classes[int(rng.integers(n_classes))]
            s = rng.uniform(0, 100)
            e = s + rng.uniform(0.5, 20)
        preds.setdefault(vid, []).append((label, float(s), float(max(e, s)), float(scores[i])))
    return gt, preds, classes


def run(ctx: PerfContext) -> list[Row]:
    from benchmarks.families.localization.detection_map import THUMOS14_THRESHOLDS, detection_map
    from benchmarks.perf.references.activitynet import activitynet_ap
    from benchmarks.perf.references.numpy_tal import numpy_ap

    sizes = ((30, 5, 300) if ctx.quick else (200, 20, 10_000))
    gt, preds, classes = dataset(7, n_videos=sizes[0], n_classes=sizes[1], n_pred=sizes[2])
    thr = THUMOS14_THRESHOLDS
    size = f"{sizes[2]:,} predictions / {sizes[1]} classes / {len(thr)} tIoUs"

    ours = detection_map(gt, preds, classes, thr).ap
    toolkit_gap = float(np.abs(ours - activitynet_ap(gt, preds, classes, thr)).max())
    numpy_gap = float(np.abs(ours - numpy_ap(gt, preds, classes, thr)).max())
    # the toolkit takes seconds a call: fewer repetitions of it than of the fast sides
    slow = interleave({"ours": lambda: detection_map(gt, preds, classes, thr),
                       "toolkit": lambda: activitynet_ap(gt, preds, classes, thr)},
                      repeats=max(1, min(ctx.repeats, 3)))
    fast = interleave({"ours": lambda: detection_map(gt, preds, classes, thr),
                       "numpy": lambda: numpy_ap(gt, preds, classes, thr)},
                      repeats=ctx.repeats)
    return [
        Row("tal-toolkit", f"TAL mAP, {size}", "detection_map",
            "ActivityNet toolkit (pandas, per class)", slow["ours"], slow["toolkit"],
            speedup(slow["ours"], slow["toolkit"]), "× faster", Goal(">=", 10),
            gap=toolkit_gap, tolerance=TOLERANCE),
        Row("tal-numpy", f"TAL mAP, {size}", "detection_map", "vectorised numpy",
            fast["ours"], fast["numpy"], speedup(fast["ours"], fast["numpy"]), "× faster",
            Goal(">=", 1), gap=numpy_gap, tolerance=TOLERANCE),
    ]


CASE = Case(id="tal", order=30, run=run, needs=("pandas",))
