"""``python -m benchmarks score`` for temporal action localization: which files, which
videos, which classes.

Ground truth: a folder is THUMOS14's annotation folder as shipped
(:func:`benchmarks.families.localization.thumos_files.read_thumos_ground_truth`); a file
is ActivityNet JSON
(:func:`benchmarks.families.localization.activitynet_files.read_activitynet_ground_truth`),
where an ``Ambiguous`` label (as THUMOS14 conversions may keep it) is read as Ambiguous
segments, not as a class. Predictions: ActivityNet results JSON, or the THUMOS14 result
text format, told apart by their first character.

Videos (the task's params,
:class:`~benchmarks.families.localization.family.LocalizationParams`): ``exclude_videos``
are taken out of the ground truth, and detections on them are ignored and counted
(``n_predictions_on_excluded_videos``), as the official practice leaves them out (sources
in ``tasks/thumos14.yaml``); with ``score_ids`` (a run's ``evaluated_ids.txt``) only those
videos are evaluated and detections on other annotated videos are ignored and counted
(``n_predictions_outside_score_ids``), so a partial download scores as its run did.
Ambiguous segments go to the mAP, which never counts an unmatched detection on one as a
false positive (:mod:`benchmarks.families.localization.detection_map`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.datasets.thumos14.annotations import AMBIGUOUS, OFFICIAL_CLASS_INDICES
from benchmarks.families.base import Evaluation, read_score_ids
from benchmarks.families.localization.activitynet_files import (
    TalGroundTruth,
    read_activitynet_ground_truth,
    read_detection_results,
)
from benchmarks.families.localization.detection_map import detection_evaluation, detection_map
from benchmarks.families.localization.thumos_files import (
    is_json_file,
    read_thumos_ground_truth,
    read_thumos_results,
)

Detections = dict[str, list[tuple[str, float, float, float]]]
EXCLUDED, OUTSIDE_IDS = "excluded", "not in score_ids"  # why a video's detections are ignored

__all__ = ["evaluate", "read_ground_truth", "read_predictions"]


def _from_json(path: Path, subset: str | None) -> TalGroundTruth:
    gt = read_activitynet_ground_truth(path, subset=subset)
    ambiguous = {
        vid: sorted((s, e) for label, s, e in segments if label == AMBIGUOUS)
        for vid, segments in gt.videos.items()
    }
    videos = {vid: [seg for seg in segments if seg[0] != AMBIGUOUS]
              for vid, segments in gt.videos.items()}
    classes = tuple(c for c in gt.classes if c != AMBIGUOUS)
    official = all(c in OFFICIAL_CLASS_INDICES for c in classes)
    return replace(gt, videos=videos, classes=classes,
                   ambiguous={v: a for v, a in ambiguous.items() if a},
                   class_indices={c: OFFICIAL_CLASS_INDICES[c] for c in classes}
                   if official else None)


def read_ground_truth(path: Path, params: Any) -> TalGroundTruth:
    """The ground truth, restricted to the evaluated videos (module docstring)."""
    path = Path(path)
    if path.is_dir():
        gt = read_thumos_ground_truth(path, split=params.score_subset)
    else:
        gt = _from_json(path, params.score_subset)
    ignored = {vid: EXCLUDED for vid in params.exclude_videos}
    videos = {vid: segs for vid, segs in gt.videos.items() if vid not in ignored}
    if params.score_ids is not None:
        ids = read_score_ids(params.score_ids, known=videos.keys() | ignored.keys(),
                             what="video id", source=f"the ground truth {path}")
        keep = set(ids)
        ignored.update({vid: OUTSIDE_IDS for vid in videos if vid not in keep})
        videos = {vid: segs for vid, segs in videos.items() if vid in keep}
    if params.score_classes is not None:
        unknown_classes = sorted(set(params.score_classes) - set(gt.classes))
        if unknown_classes:
            raise ConfigError(f"score_classes: {', '.join(map(repr, unknown_classes))} not "
                              f"among the ground truth's classes ({', '.join(gt.classes)})")
    return replace(gt, videos=videos, ignored=ignored,
                   ambiguous={v: a for v, a in gt.ambiguous.items() if v in videos})


def read_predictions(path: Path, gt: TalGroundTruth) -> Detections:
    """ActivityNet results JSON or the THUMOS14 result text format, checked against ``gt``."""
    if is_json_file(path):
        return read_detection_results(path, gt)
    return read_thumos_results(path, gt)


def evaluate(gt: TalGroundTruth, predictions: Detections, params: Any) -> Evaluation:
    """Detection mAP over ``gt``'s videos: ``average_mAP`` in ``metrics``, per threshold
    and every count (ignored detections included) in ``extra``."""
    classes = gt.classes if params.score_classes is None else params.score_classes
    evaluation = detection_evaluation(detection_map(
        gt.videos, predictions, classes, params.thresholds, ambiguous=gt.ambiguous
    ))
    # {"average_mAP", "mAP": {threshold: value}, counts}: per threshold only once
    evaluation.metrics = {"average_mAP": evaluation.metrics["average_mAP"]}

    def ignored(reason: str) -> int:
        return sum(len(found) for vid, found in predictions.items()
                   if gt.ignored.get(vid) == reason)

    evaluation.extra.update(
        excluded_videos=sorted(v for v, why in gt.ignored.items() if why == EXCLUDED),
        n_predictions_on_excluded_videos=ignored(EXCLUDED),
        n_predictions_outside_score_ids=ignored(OUTSIDE_IDS),
    )
    if params.score_classes is not None:
        evaluation.extra["classes"] = list(classes)
    return evaluation
