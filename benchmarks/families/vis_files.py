"""The files of ``score`` for video instance segmentation: ground truth and results.

Ground truth: a YouTube-VIS / OVIS annotation JSON (:mod:`benchmarks.data.ytvis`).
Results: the official format (YouTube-VIS CodaLab, ``results.json``), a list of
``{"video_id", "category_id", "segmentations": [RLE or null per frame], "score"}``.
Every problem raises :class:`~benchmarks.families.base.ScoreInputError` naming the file and
the entry: malformed JSON or entries, a frame count other than the video's, an RLE of
another size, an unknown video or category id.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.data.ytvis import (
    AnnotationError,
    VisAnnotations,
    normalise_segmentation,
    read_annotation_file,
)
from benchmarks.families.base import ScoreInputError
from benchmarks.families.vis_eval import Track

__all__ = ["VisGroundTruth", "ground_truth_tracks", "read_ground_truth", "read_results",
           "result_tracks"]


@dataclass(frozen=True)
class VisGroundTruth:
    """The evaluated videos and categories and their tracks."""

    annotations: VisAnnotations
    tracks: list[Track]

    @property
    def video_ids(self) -> list[int]:
        return sorted(self.annotations.videos)

    @property
    def category_ids(self) -> list[int]:
        return sorted(self.annotations.categories)


def ground_truth_tracks(video_id: int, tracks: list[dict[str, Any]]) -> list[Track]:
    """:class:`Track` s of one video's parsed annotations."""
    return [Track(video_id, t["category_id"], t["segmentations"], 1.0, t["iscrowd"],
                  t["areas"]) for t in tracks]


def read_ground_truth(path: Path) -> VisGroundTruth:
    try:
        ann = read_annotation_file(path)
    except AnnotationError as error:
        raise ScoreInputError(path, error.entry, error.reason) from None
    tracks = [t for vid, ts in ann.tracks.items() for t in ground_truth_tracks(vid, ts)]
    return VisGroundTruth(ann, tracks)


def result_tracks(data: Any, annotations: VisAnnotations, path: Path | str) -> list[Track]:
    """Results (the official list, loaded) as :class:`Track` s, each checked."""
    if not isinstance(data, list):
        raise ScoreInputError(path, "top level", "expected a list of results "
                              "{video_id, category_id, segmentations, score}")
    tracks = []
    for n, r in enumerate(data):
        entry = f"result {n}"
        if not isinstance(r, dict):
            raise ScoreInputError(path, entry, "not an object")
        missing = [k for k in ("video_id", "category_id", "segmentations", "score") if k not in r]
        if missing:
            raise ScoreInputError(path, entry, f"missing {', '.join(missing)}")
        vid, cat, score = r["video_id"], r["category_id"], r["score"]
        if vid not in annotations.videos or isinstance(vid, bool):
            raise ScoreInputError(path, entry, f"unknown video_id {vid!r}")
        if cat not in annotations.categories or isinstance(cat, bool):
            raise ScoreInputError(path, entry, f"unknown category_id {cat!r}")
        if isinstance(score, bool) or not isinstance(score, int | float) or \
                not math.isfinite(score):
            raise ScoreInputError(path, entry, f"score must be a finite number, got {score!r}")
        video = annotations.videos[vid]
        segs = r["segmentations"]
        if not isinstance(segs, list) or len(segs) != len(video.file_names):
            got = len(segs) if isinstance(segs, list) else type(segs).__name__
            raise ScoreInputError(path, entry, f"video {vid} has {len(video.file_names)} "
                                  f"frames, 'segmentations' has {got}")
        try:
            masks = [normalise_segmentation(s, video.height, video.width, f"frame {f}")
                     for f, s in enumerate(segs)]
        except AnnotationError as error:
            raise ScoreInputError(path, f"{entry} {error.entry}", error.reason) from None
        tracks.append(Track(vid, cat, masks, float(score)))
    return tracks


def read_results(path: Path, ground_truth: VisGroundTruth) -> list[Track]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScoreInputError(path, "file", f"cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise ScoreInputError(path, "file", f"not valid JSON: {error}") from None
    return result_tracks(data, ground_truth.annotations, path)
