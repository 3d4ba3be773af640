"""YouTube-VIS 2021 (Yang et al., "Video Instance Segmentation", ICCV 2019) and OVIS (Qi et
al., "Occluded Video Instance Segmentation", IJCV 2022) in their official JSON layout, for
zero-shot video instance segmentation (paper Table 3, Appendix B.1, E.2).

The annotation file (both datasets use one layout)::

    {"videos": [{"id", "file_names": ["<video>/<frame>.jpg", ...], "width", "height",
                 "length"}, ...],
     "annotations": [{"id", "video_id", "category_id", "iscrowd",
                      "segmentations": [RLE | polygons | null per frame],
                      "areas": [float | null per frame], "bboxes": [...]}, ...],
     "categories": [{"id", "name", "supercategory"}, ...]}

An RLE is ``{"size": [h, w], "counts": str}`` (compressed) or with ``counts`` a list of run
lengths (uncompressed); polygons are ``[[x1, y1, x2, y2, ...], ...]``; ``null`` marks a frame
where the instance is absent. :func:`parse_annotations` turns every mask into compressed
RLE with a ``str`` counts (pycocotools), so evaluation never decodes a mask.

Frames: ``<frames_dir>/<file_name>`` JPEGs, ``frames_dir`` the first folder that exists of
``<root>/<split>/JPEGImages``, ``<root>/JPEGImages`` (YouTube-VIS) and ``<root>/<split>``
(OVIS unpacks ``train.zip`` there). :meth:`YouTubeVISDataset.load` decodes them in the
DataLoader worker into ``(3, t, H, W)`` float in [0, 1], resized (shorter side
``sampling.resize_shorter``, never cropped); the original size is in ``ref.extra``.

Splits. The ground truth of the official valid/test splits is not public (they are
scored on the CodaLab servers): their files list ``videos`` and ``categories`` with
``"annotations": null`` (the youtubevos/cocoapi ``YTVOS.createIndex`` and OVIS API readers
guard exactly that case). Such a file is read as it is, ``VisAnnotations.has_ground_truth``
false and ``ground_truth: false`` in :meth:`info` (an absent key or an empty list is read
the same way: no track to score against). Any split whose annotation file the user has is
read (``annotation_file`` names it), plus ``holdout_videos: N``: a seeded held-out subset,
:func:`holdout_subset` (the ``N`` videos at the front of
``numpy.random.default_rng(holdout_seed).permutation`` of the video ids sorted), reported
in :meth:`info`; ``score`` draws the same subset from the same task defaults.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.datasets.base import (
    DatasetError,
    DatasetInfo,
    DemoSet,
    IndexedDataset,
    Sample,
    SampleError,
    SampleRef,
)
from benchmarks.datasets.demo import demo_version
from benchmarks.io.image import read_image
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import DecodeError

__all__ = ["AnnotationError", "OVISDataset", "VisAnnotations", "VisVideo",
           "YouTubeVISDataset", "holdout_subset", "normalise_segmentation",
           "parse_annotations"]


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
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotationError("file", f"cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise AnnotationError("file", f"not valid JSON: {error}") from None
    return parse_annotations(data)


# reader


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]
    annotations: VisAnnotations


class YouTubeVISDataset(IndexedDataset):
    """Videos of one YouTube-VIS split with their instance tracks.

    Args:
        root: the dataset folder.
        sampling: resizing of the frames (``resize_shorter``; ``crop`` must be ``None``).
        split: ``train`` / ``valid`` / ``test`` or any name; picks the default files.
        annotation_file: relative to ``root`` (or absolute); default: the first existing
            of :meth:`annotation_candidates`.
        frames_dir: the folder holding ``file_names``; default: see the module docstring.
        holdout_videos: evaluate only this many videos, a seeded subset (see above).
        holdout_seed: seed of that subset.

    Raises:
        DatasetError: missing root, annotation file or frames folder; malformed file.
    """

    name = "ytvis2021"
    demo = DemoSet(
        2, "benchmarks.datasets.ytvis.demo:build",
        "procedural clips of pyratok.demo with masks",
    )

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        sampling: FrameSampling,
        split: str = "train",
        annotation_file: str | None = None,
        frames_dir: str | None = None,
        holdout_videos: int | None = None,
        holdout_seed: int = 0,
    ) -> None:
        self.root = Path(root)
        if sampling.crop is not None:
            raise ValueError("VIS frames are resized, never cropped: set crop: null")
        self.sampling = sampling
        self.split = split
        if holdout_videos is not None and holdout_videos < 1:
            raise ValueError(f"holdout_videos must be >= 1 or null, got {holdout_videos}")
        self.holdout_videos, self.holdout_seed = holdout_videos, holdout_seed
        if not self.root.is_dir():
            raise DatasetError(self.root, f"{self.name} root folder not found")
        self.annotation_path = self._find(annotation_file, self.annotation_candidates(),
                                          "annotation file", file=True)
        self.frames_path = self._find(frames_dir, self.frames_candidates(), "frames folder",
                                      file=False)
        self._parsed: _Parsed | None = None

    def annotation_candidates(self) -> list[Path]:
        s = self.split
        return [self.root / s / "instances.json", self.root / f"instances_{s}.json",
                self.root / f"annotations_{s}.json", self.root / "annotations" /
                f"instances_{s}.json", self.root / "instances.json"]

    def frames_candidates(self) -> list[Path]:
        return [self.root / self.split / "JPEGImages", self.root / "JPEGImages",
                self.root / self.split]

    def _find(self, given: str | None, candidates: list[Path], what: str, *,
              file: bool) -> Path:
        exists = Path.is_file if file else Path.is_dir
        if given is not None:
            path = self.root / given
            if not exists(path):
                raise DatasetError(path, f"{self.name} {what} not found")
            return path
        for path in candidates:
            if exists(path):
                return path
        names = ", ".join(str(p.relative_to(self.root)) for p in candidates)
        raise DatasetError(self.root, f"no {self.name} {what}; looked for {names}")

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode every frame (``num_frames`` is ignored: the whole video is the sample).

        Returns:
            ``video`` ``(3, t, H, W)`` float32 in [0, 1], resized, not cropped.

        Raises:
            SampleError: a missing or corrupt frame, or frames of a size other than the
                annotation file's.
        """
        height, width = ref.extra["height"], ref.extra["width"]
        frames = np.empty((len(ref.extra["file_names"]), height, width, 3), dtype=np.uint8)
        for i, name in enumerate(ref.extra["file_names"]):
            path = self.frames_path / name
            try:
                image = read_image(path)
            except DecodeError as error:
                raise SampleError(ref.sample_id, path, error.reason) from error
            if image.shape[:2] != (height, width):
                raise SampleError(ref.sample_id, path, f"frame is {image.shape[1]}x"
                                  f"{image.shape[0]}, the annotation says {width}x{height}")
            frames[i] = image
        return Sample(ref=ref, video=self.sampling.transform(frames))

    def info(self) -> DatasetInfo:
        """Split, annotation file, version, the category names in id order and, in
        ``extra``, ``category_ids`` (same order), counts and the hold-out subset."""
        parsed = self._parse()
        cats = parsed.annotations.categories
        ids = sorted(cats)
        return DatasetInfo(
            name=self.name, root=str(self.root), split=self.split,
            annotation_file=str(self.annotation_path), version=demo_version(self.root),
            classes=tuple(cats[i] for i in ids) or None,
            extra={"category_ids": ids, "n_videos": len(parsed.refs),
                   "n_videos_missing": len(parsed.missing),
                   "n_tracks": sum(len(r.extra["tracks"]) for r in parsed.refs),
                   "n_videos_in_file": len(parsed.annotations.videos),
                   "ground_truth": parsed.annotations.has_ground_truth,
                   "holdout_videos": self.holdout_videos,
                   "holdout_seed": self.holdout_seed if self.holdout_videos else None},
        )

    def _parse(self) -> _Parsed:
        if self._parsed is not None:
            return self._parsed
        try:
            ann = read_annotation_file(self.annotation_path)
        except AnnotationError as error:
            raise DatasetError(self.annotation_path, str(error)) from None
        ids = holdout_subset(list(ann.videos), self.holdout_videos, self.holdout_seed)
        refs, missing = [], []
        for vid in ids:
            video = ann.videos[vid]
            first = self.frames_path / video.file_names[0]
            if not first.parent.is_dir():
                missing.append(SampleError(str(vid), first.parent, "video folder not found"))
                continue
            refs.append(SampleRef(
                sample_id=str(vid), path=str(first.parent), caption=None,
                extra={"video_id": vid, "file_names": list(video.file_names),
                       "height": video.height, "width": video.width,
                       "tracks": ann.tracks[vid]},
            ))
        self._parsed = _Parsed(refs, [], missing, ann)
        return self._parsed


class OVISDataset(YouTubeVISDataset):
    """OVIS: the same layout (``annotations_<split>.json``, frames in ``<root>/<split>``)."""

    name = "ovis"
    demo = DemoSet(
        2, "benchmarks.datasets.ytvis.demo:build_occluded",
        "procedural clips of pyratok.demo with occluding shapes",
    )

    def annotation_candidates(self) -> list[Path]:
        s = self.split
        return [self.root / f"annotations_{s}.json", self.root / "annotations" /
                f"annotations_{s}.json", *super().annotation_candidates()]

    def frames_candidates(self) -> list[Path]:
        return [self.root / self.split, self.root / "JPEGImages",
                self.root / self.split / "JPEGImages"]

