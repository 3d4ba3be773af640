"""The YouTube-VIS / OVIS annotation file, parsed and checked (both datasets use one
layout; see :mod:`benchmarks.datasets.ytvis.reader` for it and the splits), and the seeded
held-out draw that ``run`` and ``score`` share.

Every mask becomes compressed RLE with a ``str`` counts (pycocotools), so evaluation never
decodes one; a malformed entry raises :class:`AnnotationError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.io.jsonfile import JsonFileError, read_json

__all__ = ["AnnotationError", "VisAnnotations", "VisVideo", "holdout_subset",
           "normalise_segmentation", "parse_annotations", "read_annotation_file"]


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
        raise AnnotationError(entry, f"{key!r} must be an integer, got {value!r}")
    return value


def normalise_segmentation(seg: Any, height: int, width: int, entry: str) -> dict | None:
    """One frame's mask as compressed RLE ``{"size": [h, w], "counts": str}`` (or ``None``).

    Accepts compressed RLE (``counts`` str), uncompressed RLE (``counts`` list), polygons
    (a list of coordinate lists) and ``None``.

    Raises:
        AnnotationError: anything else, or an RLE whose size is not ``[height, width]``.
    """
    from pycocotools import mask as mask_utils

    if seg is None:
        return None
    if isinstance(seg, dict):
        size, counts = seg.get("size"), seg.get("counts")
        if size != [height, width] and tuple(size or ()) != (height, width):
            raise AnnotationError(entry, f"RLE size {size!r} is not the video's "
                                         f"[{height}, {width}]")
        if isinstance(counts, list):
            if not all(isinstance(c, int) and c >= 0 for c in counts) or sum(counts) != \
                    height * width:
                raise AnnotationError(entry, f"uncompressed RLE counts must be non-negative "
                                             f"integers summing to {height}*{width}")
            rle = mask_utils.frPyObjects({"size": [height, width], "counts": counts},
                                         height, width)
        elif isinstance(counts, str | bytes):
            rle = {"size": [height, width], "counts": counts}
            try:  # a corrupt string is caught here, not deep in the evaluator
                mask_utils.area(rle)
            except Exception as error:
                raise AnnotationError(entry, f"RLE counts cannot be decoded: {error}") from None
        else:
            raise AnnotationError(entry, "RLE 'counts' must be a string or a list of ints")
    elif isinstance(seg, list) and seg and all(isinstance(p, list) for p in seg):
        if not all(len(p) >= 6 and len(p) % 2 == 0 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in p)
                for p in seg):
            raise AnnotationError(entry, "a polygon needs an even number (>= 6) of coordinates")
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
    else:
        raise AnnotationError(entry, f"segmentation must be RLE, polygons or null, got "
                                     f"{type(seg).__name__}")
    counts = rle["counts"]
    return {"size": [height, width],
            "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}


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
            raise AnnotationError(entry, f"'length' {length!r} != {len(names)} file_names")
        if vid in videos:
            raise AnnotationError(entry, f"duplicate video id {vid}")
        videos[vid] = VisVideo(vid, tuple(names), height, width)
    categories: dict[int, str] = {}
    for n, c in enumerate(data["categories"]):
        entry = f"categories[{n}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise AnnotationError(entry, "expected an object with 'id' and 'name'")
        categories[_int(c.get("id"), entry, "id")] = c["name"]
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
        tracks[vid].append({
            "id": a.get("id", n + 1),
            "category_id": cat,
            "iscrowd": bool(a.get("iscrowd", 0)),
            "segmentations": [normalise_segmentation(s, video.height, video.width,
                                                     f"{entry}.segmentations[{f}]")
                              for f, s in enumerate(segs)],
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
