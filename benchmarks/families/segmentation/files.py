"""The files of video instance segmentation: ground truth, results, evaluated videos and
the server submission.

Ground truth: a YouTube-VIS / OVIS annotation JSON
(:mod:`benchmarks.datasets.ytvis.reader`); ``score`` evaluates the subset ``run``
evaluated: the task's ``holdout_videos`` / ``holdout_seed`` draw
(:func:`~benchmarks.datasets.ytvis.reader.holdout_subset`), or exactly the ids of an
``score_ids`` file (a run's ``evaluated_ids.txt``: one video id a line).
Results: the official format (YouTube-VIS CodaLab, ``results.json``), a list of
``{"video_id", "category_id", "segmentations": [RLE or null per frame], "score"}``.
Submission (:func:`write_submission`): the CodaLab servers of YouTube-VIS and OVIS take
that list "named as results.json, and compressed without any subfolder" (the YouTube-VIS
competition's data page, codalab.org/competitions/20128, as kept in TrackEval's
``docs/YouTube-VIS-format.txt``; OVIS uses the same format and evaluation code, its
project page says), so ``submission.zip`` holds ``results.json`` at its root.
Every problem raises :class:`~benchmarks.families.base.ScoreInputError` naming the file and
the entry: malformed JSON or entries, a frame count other than the video's, an RLE of
another size, a damaged mask (:mod:`benchmarks.datasets.ytvis.mask_check`: checked before
pycocotools reads it), an unknown video or category id, a ground truth without
annotations.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.datasets.ytvis.annotations import (
    AnnotationError,
    VisAnnotations,
    holdout_subset,
    normalise_segmentations,
    read_annotation_file,
)
from benchmarks.datasets.ytvis.mask_check import show
from benchmarks.families.base import ScoreInputError, read_score_ids
from benchmarks.families.segmentation.evaluation import Track
from benchmarks.io.fields import index_number
from benchmarks.io.jsonfile import JsonFileError, dumps, finite_float, read_json

__all__ = ["SUBMISSION", "VisGroundTruth", "VisSubset",
           "ground_truth_tracks", "read_video_ids", "read_ground_truth", "read_results",
           "result_tracks", "write_submission"]

SUBMISSION = "submission.zip"  # in the run folder: results.json for the CodaLab server


@dataclass(frozen=True)
class VisSubset:
    """Which videos of a ground-truth file are evaluated (``score`` mode).

    Attributes:
        holdout_videos, holdout_seed: the task's ``dataset_args`` draw (``None``: all).
        score_ids: a file of video ids (one a line) to evaluate instead: a run's
            ``evaluated_ids.txt`` reproduces that run's subset exactly.
    """

    holdout_videos: int | None = None
    holdout_seed: int = 0
    score_ids: str | None = None

    def __post_init__(self) -> None:
        if self.holdout_videos is not None and (isinstance(self.holdout_videos, bool) or
                                                not isinstance(self.holdout_videos, int) or
                                                self.holdout_videos < 1):
            raise ValueError(f"dataset_args holdout_videos must be an integer >= 1 or null, "
                             f"got {self.holdout_videos!r}")

    def describe(self) -> dict[str, Any]:
        """The subset as the summary records it."""
        if self.score_ids is not None:
            return {"score_ids": self.score_ids}
        return {"holdout_videos": self.holdout_videos,
                "holdout_seed": self.holdout_seed if self.holdout_videos else None}


@dataclass(frozen=True)
class VisGroundTruth:
    """The evaluated videos and categories and their tracks."""

    annotations: VisAnnotations
    tracks: list[Track]
    subset: list[int] | None = None  # evaluated video ids (None: every video of the file)
    subset_info: dict[str, Any] = field(default_factory=dict)

    @property
    def video_ids(self) -> list[int]:
        return sorted(self.annotations.videos) if self.subset is None else list(self.subset)

    @property
    def category_ids(self) -> list[int]:
        return sorted(self.annotations.categories)


def ground_truth_tracks(video_id: int, tracks: list[dict[str, Any]]) -> list[Track]:
    """:class:`Track` s of one video's parsed annotations."""
    return [Track(video_id, t["category_id"], t["segmentations"], 1.0, t["iscrowd"],
                  t["areas"]) for t in tracks]


def read_video_ids(path: Path, annotations: VisAnnotations) -> list[int]:
    """The video ids listed in ``path`` (one a line, blank lines skipped), sorted.

    Raises:
        ScoreInputError: unreadable file, a line that is not an integer, an id the ground
            truth does not list, or no id at all.
    """
    ids: set[int] = set()
    for text in read_score_ids(path):
        vid = index_number(text)  # "²" and 5000 digits pass isdigit, not int()
        if vid is None:
            raise ScoreInputError(path, text[:80], "is not a video id (an integer)")
        if vid not in annotations.videos:
            raise ScoreInputError(path, text, "video id not in the ground truth file")
        ids.add(vid)
    return sorted(ids)


def read_ground_truth(path: Path, subset: VisSubset | None = None) -> VisGroundTruth:
    """Read ``path`` and select the evaluated videos (``subset``; default: all).

    Raises:
        ScoreInputError: a malformed file, a bad ``score_ids`` file, or a file
            without annotations (an official valid/test split: its masks are not public).
    """
    subset = subset or VisSubset()
    try:
        ann = read_annotation_file(path)
    except AnnotationError as error:
        raise ScoreInputError(path, error.entry, error.reason) from None
    if not ann.has_ground_truth:
        raise ScoreInputError(path, "annotations", "null or empty: the split has no public "
                              "masks (an official valid/test file); its metrics come from the "
                              f"CodaLab server: upload the run's {SUBMISSION}")
    if subset.score_ids is not None:
        ids = read_video_ids(Path(subset.score_ids).expanduser(), ann)
    else:
        ids = holdout_subset(list(ann.videos), subset.holdout_videos, subset.holdout_seed)
    tracks = [t for vid in ids for t in ground_truth_tracks(vid, ann.tracks[vid])]
    return VisGroundTruth(ann, tracks, ids, subset.describe())


def write_submission(path: Path, results: list[dict[str, Any]]) -> None:
    """``path`` (a zip) holding ``results.json`` at its root, as the servers expect."""
    from benchmarks.store import write_bytes_atomic

    buffer = io.BytesIO()
    # a fixed timestamp: the same results give the same bytes (a reproducible upload)
    entry = zipfile.ZipInfo("results.json", date_time=(1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, dumps(results), compress_type=zipfile.ZIP_DEFLATED)
    write_bytes_atomic(path, buffer.getvalue())


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
        for key, value, known in (("video_id", vid, annotations.videos),
                                  ("category_id", cat, annotations.categories)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScoreInputError(path, entry, f"{key} must be an integer, got "
                                      f"{show(value)}")
            if value not in known:
                raise ScoreInputError(path, entry, f"unknown {key} {value}")
        if finite_float(score) is None:
            raise ScoreInputError(path, entry, f"score must be a finite number, got "
                                  f"{show(score)}")
        video = annotations.videos[vid]
        segs = r["segmentations"]
        if not isinstance(segs, list):
            raise ScoreInputError(path, entry, f"'segmentations' must be a list of one mask "
                                  f"(or null) per frame, got {type(segs).__name__}")
        if len(segs) != len(video.file_names):
            raise ScoreInputError(path, entry, f"video {vid} has {len(video.file_names)} "
                                  f"frames, 'segmentations' has {len(segs)}")
        try:
            masks = normalise_segmentations(segs, video.height, video.width,
                                            lambda f: f"frame {f}")
        except AnnotationError as error:
            raise ScoreInputError(path, f"{entry} (video {vid}) {error.entry}",
                                  error.reason) from None
        tracks.append(Track(vid, cat, masks, float(score)))
    return tracks


def read_results(path: Path, ground_truth: VisGroundTruth) -> list[Track]:
    try:
        data = read_json(path)
    except JsonFileError as error:
        raise ScoreInputError(path, "file", error.reason) from None
    return result_tracks(data, ground_truth.annotations, path)
