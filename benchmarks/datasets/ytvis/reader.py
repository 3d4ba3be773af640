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
where the instance is absent. The file is parsed by
:mod:`benchmarks.datasets.ytvis.annotations`, which turns every mask into compressed RLE
with a ``str`` counts (pycocotools), so evaluation never decodes a mask.

Frames: ``<frames_dir>/<file_name>`` JPEGs, ``frames_dir`` the first folder that exists of
``<root>/<split>/JPEGImages``, ``<root>/JPEGImages`` (YouTube-VIS) and ``<root>/<split>``
(OVIS unpacks ``train.zip`` there). :meth:`YouTubeVISDataset.load` decodes them in the
DataLoader worker into ``(3, t, H, W)`` float in [0, 1], resized (shorter side
``sampling.resize_shorter``, never cropped); the original size is in ``ref.extra``. A ref's
``annotation`` is :class:`~benchmarks.datasets.annotation.VideoTracks` (the video's id in the
file and its tracks).

Splits. The ground truth of the official valid/test splits is not public (they are
scored on the CodaLab servers): their files list ``videos`` and ``categories`` with
``"annotations": null`` (the youtubevos/cocoapi ``YTVOS.createIndex`` and OVIS API readers
guard exactly that case). Such a file is read as it is, ``VisAnnotations.has_ground_truth``
false and ``ground_truth: false`` in :meth:`info` (an absent key or an empty list is read
the same way: no track to score against). Any split whose annotation file the user has is
read (``annotation_file`` names it), plus ``holdout_videos: N``: a seeded held-out subset,
:func:`~benchmarks.datasets.ytvis.annotations.holdout_subset` (the ``N`` videos at the front of
``numpy.random.default_rng(holdout_seed).permutation`` of the video ids sorted), reported
in :meth:`info`; ``score`` draws the same subset from the same task defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.datasets.annotation import VideoTracks
from benchmarks.datasets.base import (
    DatasetError,
    DatasetInfo,
    Sample,
    SampleError,
    SampleRef,
    SplitCoverage,
)
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import IndexedDataset
from benchmarks.datasets.media import locate
from benchmarks.datasets.ytvis.annotations import (
    AnnotationError,
    VisAnnotations,
    holdout_subset,
    read_annotation_file,
)
from benchmarks.io.image import read_image
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import DecodeError

__all__ = ["OVISDataset", "YouTubeVISDataset"]


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
    annotation = VideoTracks
    demo = DemoSet(2, "benchmarks.datasets.ytvis.demo:build",
                   "procedural clips of pyratok.demo with masks")

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 split: str = "train", annotation_file: str | None = None,
                 frames_dir: str | None = None, holdout_videos: int | None = None,
                 holdout_seed: int = 0) -> None:
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
        return locate(self.root, given, candidates, exists=Path.is_file if file else Path.is_dir,
                      not_found=f"{self.name} {what} not found",
                      none_found=f"no {self.name} {what}")

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
        """Split, annotation file, version, the category names in id order, their
        ``category_ids`` (same order), the ``coverage`` (videos in the file, ground truth,
        the hold-out subset) and, in ``extra``, counts."""
        parsed = self._parse()
        cats = parsed.annotations.categories
        ids = sorted(cats)
        return DatasetInfo(
            name=self.name, root=str(self.root), split=self.split,
            annotation_file=str(self.annotation_path), version=demo_version(self.root),
            classes=tuple(cats[i] for i in ids) or None, category_ids=tuple(ids),
            coverage=SplitCoverage(
                n_videos_in_file=len(parsed.annotations.videos),
                ground_truth=parsed.annotations.has_ground_truth,
                holdout_videos=self.holdout_videos,
                holdout_seed=self.holdout_seed if self.holdout_videos else None),
            extra={"n_videos": len(parsed.refs), "n_videos_missing": len(parsed.missing),
                   "n_tracks": sum(len(r.annotation.tracks) for r in parsed.refs)},
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
                extra={"file_names": list(video.file_names),
                       "height": video.height, "width": video.width},
                annotation=VideoTracks(vid, tuple(ann.tracks[vid])),
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

