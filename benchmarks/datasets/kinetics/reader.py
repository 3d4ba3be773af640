"""Kinetics-400/600/700 in its official layout (Kay et al., "The Kinetics Human Action Video
Dataset", 2017; Carreira et al. 2018, 2019 for 600 and 700).

Annotations are one CSV per split, header ``label,youtube_id,time_start,time_end,split``
(extra columns such as K600's ``is_cc`` are allowed; test CSVs may have no ``label``).
The clip of a row is the segment ``[time_start, time_end)`` seconds of the YouTube video,
stored as ``<youtube_id>_<time_start:06d>_<time_end:06d>.mp4``. Two layouts are read::

    DeepMind tarball (kinetics400.tar.gz ...)      CVDF mirror (cvdfoundation/kinetics-dataset)
    <root>/validate.csv                            <root>/annotations/val.csv
    <root>/validate/<file>  or  <root>/val/<file>  <root>/val/<file>

and, as downloaders such as ActivityNet's ``download.py`` or mmaction2's
``videos_<split>/`` write them, per-label folders ``<split dir>/<label>/<file>`` with the
label as written in the CSV or with ``_`` for spaces. ``.mkv``, ``.webm`` and ``.avi`` are
accepted where the ``.mp4`` is absent (YouTube downloads keep their container). A ref's
``annotation`` is a :class:`~benchmarks.datasets.annotation.ClassLabel` (the CSV's label,
``None`` in an unlabelled test CSV), its ``extra`` the row's ``time_start`` / ``time_end``.

Rows that cannot be used are reported by :meth:`KineticsDataset.bad_rows`, never dropped:

- malformed rows (wrong field count, empty ``youtube_id`` or ``label``, non-integer or
  reversed times, a ``youtube_id`` repeated in the file): id ``row-<line>`` (header =
  line 1), path = the CSV;
- rows whose video is in none of the places above: id = the ``youtube_id``, path = the
  official flat path, reason ``"video not found (looked for ...)"``. The video files are
  listed once (one directory listing per folder), so ``refs()`` holds only clips that
  exist and ``--limit N`` evaluates N real clips; a missing YouTube video (several % of
  every Kinetics copy) is :meth:`~KineticsDataset.absent`: counted once by the runner as
  ``n_missing``, not a failure of the run.

The CSV itself is parsed by :func:`~benchmarks.datasets.kinetics.annotations.read_kinetics_csv`
(re-exported here). The class vocabulary (:meth:`KineticsDataset.info`) is the sorted set
of labels of the evaluated CSV and of the sibling CSVs of the other splits found next to
it, so a class with no clip in the evaluated copy is still a candidate answer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets.annotation import ClassLabel
from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import IndexedDataset
from benchmarks.datasets.kinetics.annotations import (
    KineticsRow,
    canonical_split,
    clip_stem,
    read_kinetics_csv,
)
from benchmarks.datasets.media import (
    TrimmedClips,
    is_dir_entry,
    is_file_entry,
    locate,
    looked_for,
    video_not_found,
)
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".avi")  # in order of preference
SPLITS = ("train", "val", "test")

__all__ = [
    "KineticsDataset",
    "KineticsRow",
    "annotation_candidates",
    "canonical_split",
    "clip_stem",
    "read_kinetics_csv",
    "split_dir_candidates",
]


# files on disk


def annotation_candidates(root: Path, split: str, *, near: Path | None = None) -> list[Path]:
    """Where the CSV of ``split`` may be, in the order searched.

    ``near`` (the folder of another split's CSV) is searched first, for ``<split>.csv``
    (and ``validate.csv`` for "val"); then ``<root>/annotations/<split>.csv`` (CVDF
    mirror), ``<root>/<split>.csv``, and for "val" ``<root>/validate.csv`` (DeepMind
    tarball) and ``<root>/annotations/validate.csv``.
    """
    names = [f"{split}.csv"] + (["validate.csv"] if split == "val" else [])
    candidates = [near / name for name in names] if near is not None else []
    candidates += [root / "annotations" / f"{split}.csv", root / f"{split}.csv"]
    if split == "val":
        candidates += [root / "validate.csv", root / "annotations" / "validate.csv"]
    return list(dict.fromkeys(candidates))


def split_dir_candidates(root: Path, split: str) -> list[Path]:
    """Folders that may hold the videos of ``split``: ``<split>/`` (``val/`` and
    ``validate/`` for "val"), then mmaction2's ``videos_<split>/``."""
    names = ["val", "validate"] if split == "val" else [split]
    return [root / name for name in names] + [root / f"videos_{split}"]


class _VideoFiles:
    """The file names of a split folder and of its label subfolders, listed once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, frozenset[str]] = {}  # subfolder ("" = top) -> file names
        self._subfolders: frozenset[str] | None = None

    def _list(self, subfolder: str) -> frozenset[str]:
        if subfolder not in self._files:
            with os.scandir(self.folder / subfolder) as entries:
                self._files[subfolder] = frozenset(e.name for e in entries if is_file_entry(e))
        return self._files[subfolder]

    def subfolders(self) -> frozenset[str]:
        if self._subfolders is None:
            with os.scandir(self.folder) as entries:
                self._subfolders = frozenset(e.name for e in entries if is_dir_entry(e))
        return self._subfolders

    def folders_for(self, row: KineticsRow) -> list[str]:
        """The subfolders (``""`` = the split folder) that may hold the row's clip: the
        split folder, then its label's folder as written or with ``_`` for spaces."""
        folders = [""]
        if row.label is not None:
            folders += [row.label, row.label.replace(" ", "_")]
        subfolders = self.subfolders()
        return [f for f in dict.fromkeys(folders) if not f or f in subfolders]

    def find(self, row: KineticsRow) -> Path | None:
        """The clip's file (``.mp4`` first, in :func:`folders_for` order), ``None`` if absent."""
        for folder in self.folders_for(row):
            names = self._list(folder)
            for extension in VIDEO_EXTENSIONS:
                if row.file_stem + extension in names:
                    return self.folder / folder / (row.file_stem + extension)
        return None


# reader


class KineticsDataset(TrimmedClips, IndexedDataset):
    """Kinetics clips of one split with their labels.

    Args:
        root: folder with the annotation CSVs and the split folders.
        sampling: clip selection and preprocessing (``start="uniform"`` is the
            classification protocol).
        split: ``"val"`` (``"validate"`` is the same), ``"train"`` or ``"test"``.
        annotations: the CSV, relative to ``root`` (or absolute); default: the first of
            :func:`annotation_candidates` that exists.
        version: ``"400"``, ``"600"``, ``"700"``, ``"700-2020"``... (recorded in
            :meth:`info`).
        num_classes: expected size of the class vocabulary; :meth:`info` raises
            ``DatasetError`` if it differs. Not checked on a demo set
            (:func:`benchmarks.datasets.demo.is_demo_root`), which has its own 49 classes and
            reports its own version (``"demo-v1"``).
        backend: video decoder (see :func:`benchmarks.io.video.read_frames`).

    Raises:
        DatasetError: missing root, annotation CSV or split folder.
    """

    name = "kinetics"
    annotation = ClassLabel
    demo = DemoSet(1, "benchmarks.datasets.kinetics.demo:build", "procedural clips of pyratok.demo")

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 split: str = "val", annotations: str | None = None,
                 version: str | int | None = None, num_classes: int | None = None,
                 backend: Backend = "auto") -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.split = canonical_split(split)
        self.version = None if version is None else str(version)
        self.num_classes = num_classes
        self.backend: Backend = backend
        if not self.root.is_dir():
            raise DatasetError(self.root, "Kinetics root folder not found")
        self.annotation_path = self._find_annotations(annotations)
        self.video_dir = self._find_video_dir()
        self._parsed: _Parsed | None = None
        self._info: DatasetInfo | None = None

    def info(self) -> DatasetInfo:
        """Split, CSV, version and the class vocabulary (sorted labels of this split's CSV
        and of the other splits' CSVs found next to it).

        Raises:
            DatasetError: ``num_classes`` was given and the vocabulary has another size.
        """
        if self._info is None:
            self._info = self._make_info()
        return self._info

    def with_split(self, split: str) -> KineticsDataset:
        """The same dataset (root, options) for another split, e.g. "train" for a probe.

        Its CSV is searched next to this one's first (:func:`annotation_candidates`).
        """
        path = self._sibling_csv(canonical_split(split))
        if path is None:
            searched = annotation_candidates(
                self.root, canonical_split(split), near=self.annotation_path.parent
            )
            raise DatasetError(self.root, f"no annotation CSV for split {split!r}; looked for "
                               + looked_for(searched, self.root))
        return KineticsDataset(
            self.root,
            sampling=self.sampling,
            split=split,
            annotations=str(path),
            version=self.version,
            num_classes=self.num_classes,
            backend=self.backend,
        )

    # internals

    def _find_annotations(self, annotations: str | None) -> Path:
        return locate(self.root, annotations, annotation_candidates(self.root, self.split),
                      exists=Path.is_file, not_found="Kinetics annotation CSV not found",
                      none_found=f"no annotation CSV for split {self.split!r}",
                      hint=" (choose one with annotations=...)")

    def _find_video_dir(self) -> Path:
        return locate(self.root, None, split_dir_candidates(self.root, self.split),
                      exists=Path.is_dir, not_found="",
                      none_found=f"no video folder for split {self.split!r}", slash=True)

    def _sibling_csv(self, split: str) -> Path | None:
        if split == self.split:
            return self.annotation_path
        for path in annotation_candidates(self.root, split, near=self.annotation_path.parent):
            if path.is_file():
                return path
        return None

    def _rows(self) -> tuple[list[KineticsRow], list[SampleError], int]:
        """Rows of this split, errors, and the number of rows of other splits skipped."""
        rows, errors = read_kinetics_csv(self.annotation_path)
        mine = [r for r in rows if r.split is None or canonical_split(r.split) == self.split]
        if rows and not mine:
            found = sorted({str(r.split) for r in rows})
            raise DatasetError(
                self.annotation_path,
                f"no rows of split {self.split!r}; its split column holds {', '.join(found)}",
            )
        return mine, errors, len(rows) - len(mine)

    def _parse(self) -> _Parsed:
        if self._parsed is None:
            rows, malformed, skipped = self._rows()
            files = _VideoFiles(self.video_dir)
            refs, missing = [], []
            for row in rows:
                found = files.find(row)
                if found is not None:
                    refs.append(_ref(row, found))
                    continue
                folders = [self.video_dir / folder for folder in files.folders_for(row)]
                missing.append(video_not_found(row.youtube_id, [row.file_stem],
                                               VIDEO_EXTENSIONS, folders, self.root))
            self._parsed = _Parsed(refs, malformed, missing, skipped)
        return self._parsed

    def _make_info(self) -> DatasetInfo:
        files = [self.annotation_path]
        labels = {r.label for r in read_kinetics_csv(self.annotation_path)[0]}
        for split in SPLITS:
            path = self._sibling_csv(split)
            if path is None or path.resolve() in {f.resolve() for f in files}:
                continue
            files.append(path)
            labels |= {r.label for r in read_kinetics_csv(path)[0]}
        classes = tuple(sorted(label for label in labels if label is not None))
        demo = demo_version(self.root)
        if demo is None and self.num_classes is not None and len(classes) != self.num_classes:
            raise DatasetError(
                self.annotation_path,
                f"{len(classes)} classes in {', '.join(str(f) for f in files)}; "
                f"expected {self.num_classes} (num_classes)",
            )
        parsed = self._parse()
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split=self.split,
            annotation_file=str(self.annotation_path),
            version=demo if demo is not None else self.version,
            classes=classes or None,
            extra={
                "video_dir": str(self.video_dir),
                "class_files": [str(f) for f in files],
                "n_videos": len(parsed.refs),
                "n_videos_missing": len(parsed.missing),
                "n_malformed_rows": len(parsed.malformed),
                "n_rows_of_other_splits": parsed.skipped,
            },
        )


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]  # row-<line>
    missing: list[SampleError]  # youtube_id: no video file
    skipped: int  # rows of other splits in a CSV holding several


def _ref(row: KineticsRow, path: Path) -> SampleRef:
    return SampleRef(
        sample_id=row.youtube_id,
        path=str(path),
        caption=None,
        extra={"time_start": row.time_start, "time_end": row.time_end},
        annotation=ClassLabel(row.label),
    )
