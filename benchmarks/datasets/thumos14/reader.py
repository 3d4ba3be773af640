"""THUMOS14 untrimmed videos with their temporal action annotations (Jiang et al., "THUMOS
Challenge: Action Recognition with a Large Number of Classes", 2014), for temporal action
localization.

:meth:`Thumos14Dataset.load` decodes nothing: it probes the file into ``ref.extra`` and the task
family streams the frames (:class:`~benchmarks.datasets.untrimmed.UntrimmedVideoDataset`).

Every ref's ``annotation`` is :class:`~benchmarks.datasets.annotation.TemporalSegments`:

- ``segments``: ``((class, start_s, end_s), ...)`` sorted by start, in seconds;
- ``ambiguous``: ``((start_s, end_s), ...)`` of ``Ambiguous_<split>.txt`` (kept so an
  evaluator may ignore detections there; never a class);

and its ``extra`` ``{"duration": None}`` (the annotation files carry no duration; the
probe gives ``num_frames / fps``).

Layout. The official test annotations (``TH14_Temporal_annotations_test.zip`` from
crcv.ucf.edu/THUMOS14/test_set/, which unpacks to
``TH14_Temporal_Annotations_Test/annotations/annotation/<Class>_test.txt``, the path that
public preparation scripts read it from) hold one file per class, lines
``video_name start end`` (seconds, whitespace separated). The first of these folders that
exists is read::

    <root>/annotation/                                          (the class files themselves)
    <root>/TH14_Temporal_Annotations_Test/annotations/annotation/   (the zip, test split)
    <root>/TH14_Temporal_annotations_test/annotation/           (as some mirrors unpack it)
    <root>/annotations/

with the videos as ``<root>/videos/<video_name>.mp4`` or ``<root>/<video_name>.mp4``
(``.avi``, ``.mkv`` accepted). ``Ambiguous_<split>.txt`` marks instances the annotators
could not decide; it is not one of the 20 classes and is read only into ``ambiguous``.

Evaluation practice (each a constructor argument, so a task YAML can change it):

- ``cliffdiving_also_diving``: every CliffDiving instance is also a Diving instance
  (CliffDiving is a kind of Diving): makecent/mmtad
  ``my_data/thumos14/annotations/louis/thumos14_readme.md``, 3. "All 'CliffDiving' actions
  are also annotated as 'Diving' actions ... adding two annotations that have same
  intervals but different labels, for both training and testing". The reader adds a
  Diving instance for each CliffDiving one that ``Diving_<split>.txt`` does not already
  list with the same times, so a copy whose Diving file repeats them is not doubled.
- ``exclude_videos``: test videos with known broken annotations, dropped from the set
  (:data:`DEFAULT_EXCLUDED`; reported in :meth:`~Thumos14Dataset.info`, not as failures).
- Videos annotated in no class file (only ``Ambiguous``, or nowhere) are not part of the
  evaluation set. Of the 213 test videos the annotation zip names, 212 have a class
  annotation (video_test_0001292 has only Ambiguous ones; makecent/mmtad readme above);
  the default exclusions leave 210 (OpenTAD's 211 keeps video_test_0001496).

Class indices. Detections in the official result text format
(``video_name t_start t_end class_index score``, THUMOS14 Evaluation Setup,
crcv.ucf.edu/THUMOS14/THUMOS14_Evaluation.pdf) name a class by its index, which the
evaluator (``TH14evalDet.m``) maps with ``detclasslist.txt`` of the annotation folder:
``info().class_indices`` is that file's mapping when the folder holds one
(:func:`read_class_indices`), else :data:`OFFICIAL_CLASS_INDICES`, or ``None`` when the
classes are not the official ones (the demo set).

Rows that cannot be used are reported by :meth:`Thumos14Dataset.bad_rows`, never dropped:
malformed lines (not three fields, a non-number or negative time, end before start) as
``row-<file>:<line>`` with the class file as path; videos found in no video folder with
the video name as id and ``"video not found (looked for ...)"``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.media import locate
from benchmarks.datasets.thumos14.annotations import (
    AMBIGUOUS,
    OFFICIAL_CLASS_INDICES,
    add_cliffdiving_as_diving,
    find_class_files,
    read_annotation_files,
    read_class_indices,
)
from benchmarks.datasets.untrimmed import UntrimmedVideoDataset
from benchmarks.io.sampling import FrameSampling

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv")  # in order of preference
SPLITS = {"test": "test", "val": "val", "validation": "val"}  # argument -> file suffix

# Known broken test annotations, excluded by default:
# - video_test_0000270: wrong annotations (sming256/OpenTAD tools/prepare_data/thumos/README.md,
#   "following previous work such as G-TAD/VSGN ... video_test_0000270 due to wrong
#   annotations");
# - video_test_0001496: falsely annotated, excluded with the other two by SSN / P-GCN / AFSD /
#   MUSES (xlliu7/TadTR datasets/tad_eval.py: "follow SSN/PGCN/AFSD/MUSES to remove three
#   falsely annotated videos", its ``ignored_videos`` being these three);
# - video_test_0001292: only Ambiguous instances (OpenTAD: "due to empty annotations";
#   makecent/mmtad thumos14_readme.md 2.), so it is out of the set in any case; listed so
#   the exclusion is explicit.
DEFAULT_EXCLUDED: tuple[str, ...] = (
    "video_test_0000270",
    "video_test_0001292",
    "video_test_0001496",
)

__all__ = [
    "AMBIGUOUS",
    "DEFAULT_EXCLUDED",
    "OFFICIAL_CLASS_INDICES",
    "Thumos14Dataset",
    "annotation_dir_candidates",
    "class_phrase",
]


# helpers


def class_phrase(name: str) -> str:
    """The natural-language phrase of a CamelCase class name, for text prompts:
    ``"CricketBowling"`` -> ``"cricket bowling"``, ``"CleanAndJerk"`` -> ``"clean and jerk"``.
    """
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)
    return " ".join(word.lower() for word in words) or name


def annotation_dir_candidates(root: Path, split: str = "test") -> list[Path]:
    """Folders that may hold the ``<Class>_<split>.txt`` files, in the order searched."""
    zipped = {
        "test": [
            root / "TH14_Temporal_Annotations_Test" / "annotations" / "annotation",
            root / "TH14_Temporal_annotations_test" / "annotation",
        ],
        "val": [root / "TH14_Temporal_annotations_validation" / "annotation"],
    }[split]
    return [root / "annotation", *zipped, root / "annotations"]


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]
    excluded: list[str]  # excluded videos that the annotations name
    only_ambiguous: list[str]  # annotated in Ambiguous_<split>.txt only
    n_diving_added: int  # CliffDiving instances added to Diving


# reader


class Thumos14Dataset(UntrimmedVideoDataset):
    """THUMOS14 untrimmed videos of one split with their action segments.

    Args:
        root: folder with the annotation folder and the videos.
        sampling: frame preprocessing; unused by :meth:`load` (the task family streams the
            frames with it), kept for the reader interface.
        split: ``"test"`` (``<Class>_test.txt``) or ``"val"`` / ``"validation"``
            (``<Class>_val.txt``).
        annotation_dir: the folder of class files, relative to ``root`` (or absolute);
            default: the first of :func:`annotation_dir_candidates` that exists.
        exclude_videos: video names left out of the set (:data:`DEFAULT_EXCLUDED`).
        cliffdiving_also_diving: add every CliffDiving instance to Diving if absent.

    Raises:
        DatasetError: missing root or annotation folder, or no class file in it.
    """

    name = "thumos14"
    demo = DemoSet(1, "benchmarks.datasets.thumos14.demo:build",
                   "untrimmed procedural videos of pyratok.demo")
    video_extensions = VIDEO_EXTENSIONS

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 split: str = "test", annotation_dir: str | None = None,
                 exclude_videos: Iterable[str] = DEFAULT_EXCLUDED,
                 cliffdiving_also_diving: bool = True) -> None:
        self.root = Path(root)
        self.sampling = sampling
        if split not in SPLITS:
            raise ValueError(f"unknown THUMOS14 split {split!r}; expected test or val")
        self.split = SPLITS[split]
        self.exclude_videos = tuple(sorted(set(exclude_videos)))
        self.cliffdiving_also_diving = cliffdiving_also_diving
        if not self.root.is_dir():
            raise DatasetError(self.root, "THUMOS14 root folder not found")
        self.annotation_dir = self._find_annotation_dir(annotation_dir)
        self._files = find_class_files(self.annotation_dir, self.split)
        self.class_files = {c: p for c, p in self._files.items() if c != AMBIGUOUS}
        self._parsed: _Parsed | None = None

    def info(self) -> DatasetInfo:
        """Split, annotation folder, version (``"demo-v1"`` on a demo set, else ``None``),
        the sorted class names, ``prompts`` (class -> phrase, :func:`class_phrase`), the
        official ``class_indices`` and, in ``extra``, counts and the excluded videos."""
        parsed = self._parse()
        classes = tuple(sorted(self.class_files))
        indices = read_class_indices(self.annotation_dir, classes)
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split=self.split,
            annotation_file=str(self.annotation_dir),
            version=demo_version(self.root),
            classes=classes or None,
            prompts={c: class_phrase(c) for c in classes},
            class_indices=indices,
            extra={
                # the summary has always recorded it, null where there is none
                **({"class_indices": None} if indices is None else {}),
                **self._counts(),
                "excluded_videos": list(self.exclude_videos),
                "n_excluded_annotated": len(parsed.excluded),
                "n_videos_only_ambiguous": len(parsed.only_ambiguous),
                "cliffdiving_also_diving": self.cliffdiving_also_diving,
                "n_diving_added_from_cliffdiving": parsed.n_diving_added,
            },
        )

    # internals

    def _find_annotation_dir(self, annotation_dir: str | None) -> Path:
        return locate(self.root, annotation_dir, annotation_dir_candidates(self.root, self.split),
                      exists=Path.is_dir, not_found="THUMOS14 annotation folder not found",
                      none_found="no THUMOS14 annotation folder", slash=True,
                      hint=" (choose one with annotation_dir=...)")

    def _parse(self) -> _Parsed:
        if self._parsed is not None:
            return self._parsed
        videos, malformed = read_annotation_files(self._files)
        lookup = self._video_lookup()
        refs, missing, excluded, only_ambiguous, n_added = [], [], [], [], 0
        for name in sorted(videos):
            video = videos[name]
            if name in self.exclude_videos:
                excluded.append(name)
                continue
            if not video.segments:
                only_ambiguous.append(name)
                continue
            if self.cliffdiving_also_diving:
                n_added += add_cliffdiving_as_diving(video)
            found = lookup(name, [name])
            if isinstance(found, SampleError):
                missing.append(found)
                continue
            segments = sorted(video.segments, key=lambda s: (s[1], s[2], s[0]))
            refs.append(
                SampleRef(
                    sample_id=name,
                    path=str(found),
                    caption=None,
                    extra={"duration": None},
                    annotation=TemporalSegments(tuple(segments), tuple(sorted(video.ambiguous))),
                )
            )
        self._parsed = _Parsed(refs, malformed, missing, excluded, only_ambiguous, n_added)
        return self._parsed
