"""The YouTube-VIS / OVIS annotation file, parsed and checked (both datasets use one
layout; see :mod:`benchmarks.datasets.ytvis.reader` for it and the splits), and the seeded
held-out draw that ``run`` and ``score`` share.

Every mask is checked (:mod:`benchmarks.datasets.ytvis.mask_check`: pycocotools crashes,
hangs or scores on a damaged one) and becomes compressed RLE with a ``str`` counts
(pycocotools), so evaluation never decodes one; a malformed entry raises
:class:`AnnotationError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.datasets.ytvis.mask_check import MaskError, check_frame_size, check_masks, show
from benchmarks.io.jsonfile import JsonFileError, finite_float, read_json

__all__ = ["AnnotationError", "VisAnnotations", "VisVideo", "holdout_subset",
           "normalise_segmentation", "normalise_segmentations", "parse_annotations",
           "read_annotation_file"]


class AnnotationError(ValueError):
    """An entry of a VIS annotation file is malformed: ``entry`` names it."""

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"{entry}: {reason}")
        self.entry, self.reason = entry, reason


@dataclass(frozen=True)
class VisVideo:
    id: int
    file_names: tuple[str, ...]
    height: int
    width: int


@dataclass(frozen=True)
class VisAnnotations:
    """A parsed annotation file.

    Attributes:
        videos: id -> video, in file order.
        categories: id -> name, in file order.
        tracks: per video id, the tracks as dicts ``{id, category_id, iscrowd,
            segmentations: [compressed RLE | None], areas: [float | None] | None}``.
        has_ground_truth: the file has annotations; false for the official valid/test
            files (``"annotations": null``: the masks are not public).
    """

    videos: dict[int, VisVideo]
    categories: dict[int, str]
    tracks: dict[int, list[dict[str, Any]]]
    has_ground_truth: bool = True


def holdout_subset(video_ids: list[int], count: int | None, seed: int) -> list[int]:
    """The held-out subset ``holdout_videos: count`` draws: the ``count`` ids at the front
    of ``default_rng(seed).permutation`` of the ids sorted, returned sorted (all of them
    when ``count`` is ``None``). ``run`` and ``score`` both draw it with this function."""
    ids = sorted(video_ids)
    if count is None:
        return ids
    order = np.random.default_rng(seed).permutation(len(ids))
    return sorted(ids[i] for i in order[:count])


def _int(value: Any, entry: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnnotationError(entry, f"{key!r} must be an integer, got {show(value)}")
    return value


def _is_area(value: Any) -> bool:
    number = finite_float(value)  # an int past the float range is none
    return number is not None and number >= 0


def normalise_segmentation(seg: Any, height: int, width: int, entry: str) -> dict | None:
    """One frame's mask as compressed RLE ``{"size": [h, w], "counts": str}`` (or ``None``).

    Accepts compressed RLE (``counts`` str), uncompressed RLE (``counts`` list), polygons
    (a list of coordinate lists) and ``None``.

    Raises:
        AnnotationError: anything else, or a mask that is not exactly one
            ``height × width`` frame (:mod:`~benchmarks.datasets.ytvis.mask_check` says how).
    """
    return normalise_segmentations([seg], height, width, lambda f: entry)[0]


def normalise_segmentations(segs: list, height: int, width: int,
                            entry: Callable[[int], str]) -> list[dict | None]:
    """:func:`normalise_segmentation` of every frame of a track, all checked first by
    :func:`~benchmarks.datasets.ytvis.mask_check.check_masks` (before pycocotools reads
    one); ``entry(f)`` names frame ``f`` in an error."""
    from pycocotools import mask as mask_utils

    try:
        check_masks(segs, height, width)
    except MaskError as error:
        raise AnnotationError(entry(error.frame), error.reason) from None
    out: list[dict | None] = []
    for seg in segs:
        if seg is None:
            out.append(None)
            continue
        counts = seg["counts"] if isinstance(seg, dict) else None
        if isinstance(counts, str | bytes):
            rle = {"size": [height, width], "counts": counts}
        elif isinstance(counts, list):
            rle = mask_utils.frPyObjects({"size": [height, width], "counts": counts},
                                         height, width)
        else:  # polygons
            rle = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
        counts = rle["counts"]
        out.append({"size": [height, width],
                    "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts})
    return out


def parse_annotations(data: Any, *, with_tracks: bool = True) -> VisAnnotations:
    """The YouTube-VIS / OVIS annotation JSON (already loaded) as :class:`VisAnnotations`.

    Raises:
        AnnotationError: a missing key, a wrong type, an unknown video or category id, a
            per-frame list whose length is not the video's frame count.
    """
    if not isinstance(data, dict):
        raise AnnotationError("top level", "expected an object with 'videos' and 'categories'")
    for key in ("videos", "categories"):
        if not isinstance(data.get(key), list):
            raise AnnotationError(key, "missing or not a list")
    videos: dict[int, VisVideo] = {}
    for n, v in enumerate(data["videos"]):
        entry = f"videos[{n}]"
        if not isinstance(v, dict):
            raise AnnotationError(entry, "not an object")
        vid = _int(v.get("id"), entry, "id")
        names = v.get("file_names")
        if not isinstance(names, list) or not names or not all(isinstance(x, str) for x in names):
            raise AnnotationError(entry, "'file_names' must be a non-empty list of strings")
        height, width = _int(v.get("height"), entry, "height"), _int(v.get("width"), entry,
                                                                       "width")
        length = v.get("length", len(names))
        if length != len(names):
            raise AnnotationError(entry, f"'length' {show(length)} != {len(names)} file_names")
        try:
            check_frame_size(height, width)
        except MaskError as error:
            raise AnnotationError(entry, str(error)) from None
        if vid in videos:
            raise AnnotationError(entry, f"duplicate video id {vid}")
        videos[vid] = VisVideo(vid, tuple(names), height, width)
    categories: dict[int, str] = {}
    for n, c in enumerate(data["categories"]):
        entry = f"categories[{n}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise AnnotationError(entry, "expected an object with 'id' and 'name'")
        cat = _int(c.get("id"), entry, "id")
        if cat in categories:  # as a video id: the later name would silently win
            raise AnnotationError(entry, f"duplicate category id {cat}")
        categories[cat] = c["name"]
    tracks: dict[int, list[dict[str, Any]]] = {vid: [] for vid in videos}
    annotations = data.get("annotations")
    if not annotations:  # null (valid/test: masks not public), absent or []
        if annotations is not None and not isinstance(annotations, list):
            raise AnnotationError("annotations", "not a list")
        return VisAnnotations(videos, categories, tracks, has_ground_truth=False)
    if not with_tracks:
        return VisAnnotations(videos, categories, tracks)
    if not isinstance(annotations, list):
        raise AnnotationError("annotations", "not a list")
    for n, a in enumerate(annotations):
        entry = f"annotations[{n}]"
        if not isinstance(a, dict):
            raise AnnotationError(entry, "not an object")
        vid = _int(a.get("video_id"), entry, "video_id")
        cat = _int(a.get("category_id"), entry, "category_id")
        if vid not in videos:
            raise AnnotationError(entry, f"unknown video_id {vid}")
        if cat not in categories:
            raise AnnotationError(entry, f"unknown category_id {cat}")
        video = videos[vid]
        segs = a.get("segmentations")
        if not isinstance(segs, list) or len(segs) != len(video.file_names):
            got = len(segs) if isinstance(segs, list) else type(segs).__name__
            raise AnnotationError(entry, f"'segmentations' must list one mask per frame "
                                         f"({len(video.file_names)}), got {got}")
        areas = a.get("areas")
        if areas is not None and (not isinstance(areas, list) or len(areas) != len(segs)):
            raise AnnotationError(entry, "'areas' must list one area (or null) per frame")
        if areas is not None and not all(x is None or _is_area(x) for x in areas):
            bad = next(x for x in areas if not (x is None or _is_area(x)))
            raise AnnotationError(entry, f"an area must be a finite number >= 0 or null, got "
                                         f"{show(bad)}")
        iscrowd = a.get("iscrowd", 0)
        if iscrowd not in (0, 1):  # false/true and 0.0/1.0 too
            raise AnnotationError(entry, f"'iscrowd' must be 0 or 1, got {show(iscrowd)}")
        tracks[vid].append({
            "id": a.get("id", n + 1),
            "category_id": cat,
            "iscrowd": bool(iscrowd),
            "segmentations": normalise_segmentations(
                segs, video.height, video.width,
                lambda f, entry=entry: f"{entry}.segmentations[{f}]"),
            "areas": areas,
        })
    return VisAnnotations(videos, categories, tracks)


def read_annotation_file(path: Path) -> VisAnnotations:
    """Load and parse ``path``; a malformed file raises :class:`AnnotationError`."""
    try:
        data = read_json(path)
    except JsonFileError as error:
        raise AnnotationError("file", error.reason) from None
    return parse_annotations(data)
