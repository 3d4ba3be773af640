"""The ActivityNet-format files ``python -m benchmarks score`` reads for action detection.

Ground truth (ActivityNet v1.3; the THUMOS14 conversions use the same layout)::

    {"version": ..., "taxonomy": [...],             # optional, not read
     "database": {video_id: {"subset": "validation", "duration": 123.4,
                             "annotations": [{"segment": [s, e], "label": "..."}]}}}

Results (the ActivityNet challenge submission)::

    {"version": ..., "external_data": {...},        # optional, not read
     "results": {video_id: [{"label": L, "score": p, "segment": [s, e]}]}}

Every malformed entry is a :class:`ScoreInputError` naming the file, the video id and the
annotation / result index. Segments are seconds with ``0 <= start <= end``; ``duration``
is optional (a video without one is absent from ``durations``). The class vocabulary is
every label of the database, all subsets, so a result of a class that the chosen subset
happens not to annotate is accepted (that class is then skipped by the mAP, which the
toolkit, knowing only the subset's labels, would have never seen). Results on a video
outside the chosen ground truth are an error (the toolkit would count them as false
positives, which usually means the wrong subset or file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.families.base import ScoreInputError
from benchmarks.io.jsonfile import JsonFileError, finite_float, read_json


@dataclass(frozen=True)
class TalGroundTruth:
    """Attributes:
    videos: video id → ``(label, start, end)`` segments in seconds, file order (a video
        of the subset without annotations has ``[]``).
    durations: video id → duration in seconds, for the videos that give one.
    classes: sorted labels of the whole database.
    subset: the subset read (``None``: all videos).
    ambiguous: video id → THUMOS14 Ambiguous segments ``(start, end)`` (never a class).
    ignored: video id → why its results are dropped and counted rather than refused
        (e.g. ``"excluded"``: a THUMOS14 test video the official practice leaves out).
    class_indices: class → THUMOS14 class index of the result text format, where the
        classes have one.
    """

    videos: dict[str, list[tuple[str, float, float]]]
    durations: dict[str, float]
    classes: tuple[str, ...]
    subset: str | None = None
    ambiguous: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)
    class_indices: dict[str, int] | None = None


def _load_object(path: Path) -> dict:
    try:
        raw = read_json(path)
    except JsonFileError as err:
        raise ScoreInputError(path, "file", err.reason) from None
    if not isinstance(raw, dict):
        raise ScoreInputError(path, "file", f"expected a JSON object, got {type(raw).__name__}")
    return raw


def _is_number(x: Any) -> bool:
    return finite_float(x) is not None  # an int past the float range is none


def _segment(path: Path, entry: str, value: Any) -> tuple[float, float]:
    """``[start, end]`` → floats with ``0 <= start <= end``."""
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(map(_is_number, value)):
        raise ScoreInputError(path, entry, f"'segment' must be two finite numbers, got {value!r}")
    start, end = float(value[0]), float(value[1])
    if start < 0:
        raise ScoreInputError(path, entry, f"segment {value!r} starts before 0")
    if end < start:
        raise ScoreInputError(path, entry, f"segment {value!r} is reversed (end < start)")
    return start, end


def _label(path: Path, entry: str, item: dict) -> str:
    label = item.get("label")
    if not isinstance(label, str) or not label:
        raise ScoreInputError(path, entry, f"'label' must be a non-empty string, got {label!r}")
    return label


def _labelled_segment(path: Path, entry: str, item: Any) -> tuple[str, float, float]:
    """An annotation or a result object → ``(label, start, end)``."""
    if not isinstance(item, dict):
        raise ScoreInputError(path, entry, f"expected an object, got {item!r}")
    label = _label(path, entry, item)
    if "segment" not in item:
        raise ScoreInputError(path, entry, "no 'segment'")
    return (label, *_segment(path, entry, item["segment"]))


def read_activitynet_ground_truth(path: Path, *, subset: str | None) -> TalGroundTruth:
    """ActivityNet ground-truth JSON → :class:`TalGroundTruth` of the videos of ``subset``
    (``None``: every video); any malformed entry, in any subset, is an error."""
    path = Path(path)
    database = _load_object(path).get("database")
    if not isinstance(database, dict):
        raise ScoreInputError(path, "database", "missing, or not an object of video id → entry")
    videos: dict[str, list[tuple[str, float, float]]] = {}
    durations: dict[str, float] = {}
    labels: set[str] = set()
    for vid, info in database.items():
        entry = f"database[{vid!r}]"
        if not isinstance(info, dict):
            raise ScoreInputError(path, entry, f"expected an object, got {type(info).__name__}")
        video_subset = info.get("subset")
        if not isinstance(video_subset, str):
            raise ScoreInputError(path, entry, f"'subset' must be a string, got {video_subset!r}")
        duration = info.get("duration")
        if duration is not None and not (_is_number(duration) and duration >= 0):
            raise ScoreInputError(path, entry, f"'duration' must be a number >= 0, got "
                                  f"{duration!r}")
        annotations = info.get("annotations")
        if not isinstance(annotations, list):
            raise ScoreInputError(path, entry, f"'annotations' must be a list, got "
                                  f"{annotations!r}")
        segments = [_labelled_segment(path, f"{entry} annotation {i}", ann)
                    for i, ann in enumerate(annotations)]
        labels.update(s[0] for s in segments)
        if subset is None or video_subset == subset:
            videos[vid] = segments
            if duration is not None:
                durations[vid] = float(duration)
    if not any(videos.values()):
        which = "the file" if subset is None else f"subset {subset!r}"
        raise ScoreInputError(path, "database", f"no annotated video in {which}")
    return TalGroundTruth(videos=videos, durations=durations, classes=tuple(sorted(labels)),
                          subset=subset)


def read_detection_results(
    path: Path, gt: TalGroundTruth
) -> dict[str, list[tuple[str, float, float, float]]]:
    """ActivityNet results JSON → video id → ``(label, start, end, score)``, in file
    order, checked against ``gt`` (ids, labels) as the module docstring says; results on a
    video of ``gt.ignored`` are read (the evaluator drops and counts them)."""
    path = Path(path)
    results = _load_object(path).get("results")
    if not isinstance(results, dict):
        raise ScoreInputError(path, "results", "missing, or not an object of video id → list")
    classes = set(gt.classes)
    out: dict[str, list[tuple[str, float, float, float]]] = {}
    for vid, found in results.items():
        entry = f"results[{vid!r}]"
        if vid not in gt.videos and vid not in gt.ignored:
            where = "the ground truth" if gt.subset is None else f"subset {gt.subset!r}"
            raise ScoreInputError(path, entry, f"video id not in {where} of the ground truth")
        if not isinstance(found, list):
            raise ScoreInputError(path, entry, f"expected a list of results, got "
                                  f"{type(found).__name__}")
        rows = []
        for i, item in enumerate(found):
            where = f"{entry}[{i}]"
            label, start, end = _labelled_segment(path, where, item)
            if label not in classes:
                raise ScoreInputError(path, where, f"unknown label {label!r}")
            score = item.get("score")
            if not _is_number(score):
                raise ScoreInputError(path, where, f"'score' must be a finite number, got "
                                      f"{score!r}")
            rows.append((label, start, end, float(score)))
        out[vid] = rows
    return out


def write_detection_results(
    path: Path, detections: dict[str, list[tuple[str, float, float, float]]]
) -> None:
    """``detections`` (video id → ``(label, start, end, score)``) as the ActivityNet results
    JSON above, which :func:`read_detection_results` reads back to the same floats (JSON
    writes each float's shortest round-trip repr)."""
    from benchmarks.store import write_json_atomic

    write_json_atomic(Path(path), {
        "version": "VERSION 1.3",
        "results": {vid: [{"label": label, "score": float(score),
                           "segment": [float(start), float(end)]}
                          for label, start, end, score in found]
                    for vid, found in detections.items()},
        "external_data": {"used": False, "details": "zero-shot: no training data"},
    })
