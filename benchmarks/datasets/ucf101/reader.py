"""UCF-101 in its official layout (Soomro, Zamir & Shah, "UCF101: A Dataset of 101 Human
Actions Classes From Videos in The Wild", CRCV-TR-12-01, 2012)::

    <root>/UCF-101/<Class>/v_<Class>_g<XX>_c<YY>.avi     (UCF101.rar)
    <root>/ucfTrainTestlist/classInd.txt                 "1 ApplyEyeMakeup" (1-based)
    <root>/ucfTrainTestlist/trainlist0<N>.txt            "ApplyEyeMakeup/v_..._g08_c01.avi 1"
    <root>/ucfTrainTestlist/testlist0<N>.txt             "ApplyEyeMakeup/v_..._g01_c01.avi"

(UCF101TrainTestSplits-RecognitionTask.zip). Three splits, by group: split 1 tests on
groups 1-7, split 2 on 8-14, split 3 on 15-21. A sample is one video; its id is the file
stem as listed (``v_ApplyEyeMakeup_g08_c01``), its ``annotation`` a
:class:`~benchmarks.datasets.annotation.ClassLabel`: the ``classInd.txt`` name of the row's class
folder (checked in train lists against the listed index) and its position in ``classes``;
``extra["group"]`` is the file name's group. Its ``cluster`` is ``<Class>/g<XX>``: the
clips of one group come from one source (the tech report, §2: "The clips in one group share
some common features, such as the background or actors"), and group numbers restart in
every class, so the same number in two classes is two sources; the summary's ``ci95``
resamples these clusters (``ci_method``).

The release as shipped, read as it is:

- **HandstandPushups.** Class 37 is ``HandstandPushups`` in ``classInd.txt`` and as the
  folder ``UCF-101/HandstandPushups/``, but its videos are named
  ``v_HandStandPushups_gXX_cYY.avi`` (capital S) and the lists say
  ``HandstandPushups/v_HandStandPushups_g01_c01.avi`` (128 rows in split 1) — the only
  class whose file names differ from their folder. Seen in the split files as
  redistributed byte for byte (same sha1) in bo-yang/dtf_fisher
  (``ucfTrainTestlist/bk_trainlist01.txt``) and pyxploiter/Video-Classification-UCF101;
  readers work around it: jeffreyyihuang/two-stream-action-recognition renames
  ``HandStandPushups`` keys (``name_HandstandPushups``; its issue #62 asks why),
  mmaction2 (``tools/data/parse_file_list.py``) labels a row by its folder part only,
  torchvision (``datasets/ucf101.py``) joins the row to the root and compares paths.
  Copies that were "fixed" by hand differ again (``sed s/v_HandStandPushups/
  v_HandstandPushups/`` on the lists, or ``classInd.txt`` and the lists rewritten to
  ``HandStandPushups``). So here: a row's class folder is matched against
  ``classInd.txt`` exactly, else ignoring letter case; the class in the file name must
  equal it ignoring case; the video is found on disk whatever the case of its folder and
  file name (each class folder listed once); the label is ``classInd.txt``'s spelling.
  Rows matched only ignoring case are counted per class in ``info().extra
  ["case_mismatches"]`` (``{"HandstandPushups": 100}`` for the real trainlist01).
- **CRLF.** ``classInd.txt`` and all six lists end their lines with ``\\r\\n`` (the files
  above); lines are split on any line end and fields on whitespace.
- **Partial downloads.** A class folder or a clip missing from ``UCF-101/`` is
  :meth:`~benchmarks.datasets.base.IndexedDataset.absent` (listed, not on disk), never a bad
  row; the run scores what is present. ``info().extra["classes_absent"]`` names the
  ``classInd.txt`` classes with no clip of the list on disk.
- **classInd.txt subsets.** The release numbers its 101 classes 1..101. A file listing
  only some of them with their release numbers (gaps: ``1 ApplyEyeMakeup``,
  ``37 HandstandPushups``) is read as given: each class keeps its number, train rows are
  checked against it, and the gaps are recorded (``class_numbers``); duplicate numbers
  or names are refused.

``max_clips`` keeps a fixed pseudo-random subset (``subset_seed``) of the clips on disk —
FVD on UCF-101 is computed on 2,048 clips (StyleGAN-V, TATS). Malformed rows are
:meth:`UCF101Dataset.bad_rows` (id ``row-<line>``).
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets.annotation import ClassLabel
from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import IndexedDataset
from benchmarks.datasets.media import TrimmedClips, is_dir_entry
from benchmarks.io.fields import index_number
from benchmarks.io.regular import read_text
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

VIDEO_DIR = "UCF-101"
LIST_DIR = "ucfTrainTestlist"
_STEM = re.compile(r"^v_(?P<cls>[A-Za-z0-9]+)_g(?P<group>\d{2})_c(?P<clip>\d{2})$")


@dataclass(frozen=True)
class ClassIndex:
    """``classInd.txt``: class names in number order, and the number each one has.

    Attributes:
        names: class names, lowest number first (``class_id`` is the position here).
        numbers: the 1-based number ``classInd.txt`` gives each name (1..101 in the
            release; a subset keeps the release's numbers, with gaps).
    """

    names: tuple[str, ...]
    numbers: tuple[int, ...]

    @property
    def contiguous(self) -> bool:
        return self.numbers == tuple(range(1, len(self.numbers) + 1))

    def find(self, folder: str) -> int | None:
        """Position of the class named ``folder``: exact spelling first, then ignoring case."""
        if folder in self.names:
            return self.names.index(folder)
        folded = [n.casefold() for n in self.names]
        return folded.index(folder.casefold()) if folder.casefold() in folded else None


def read_class_index(path: Path) -> ClassIndex:
    """``classInd.txt`` (``<number> <Name>`` per line, any line end) → :class:`ClassIndex`.

    Raises:
        DatasetError: missing file, a malformed line, no class, or a number or a name
            (ignoring case, as rows are matched) given twice.
    """
    if not path.is_file():
        raise DatasetError(path, "UCF-101 class index not found (expected ucfTrainTestlist/"
                           "classInd.txt from UCF101TrainTestSplits-RecognitionTask.zip)")
    by_number: dict[int, str] = {}
    seen: dict[str, int] = {}
    for line_no, line in enumerate(read_text(path, encoding="utf-8-sig").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not index_number(parts[0]):  # None or 0
            raise DatasetError(
                path, f"line {line_no}: expected '<index> <ClassName>', got {line!r}")
        number, name = int(parts[0]), parts[1]  # checked above
        if number in by_number:
            raise DatasetError(path, f"line {line_no}: class number {number} given twice")
        if name.casefold() in seen:
            raise DatasetError(path, f"line {line_no}: class {name!r} given twice (as number "
                               f"{seen[name.casefold()]} too)")
        by_number[number], seen[name.casefold()] = name, number
    if not by_number:
        raise DatasetError(path, "no classes listed (expected '1 ApplyEyeMakeup' ...)")
    numbers = tuple(sorted(by_number))
    return ClassIndex(tuple(by_number[n] for n in numbers), numbers)


class VideoFolder:
    """``UCF-101/`` looked up ignoring letter case: its folders listed once, each class
    folder's files listed once; the exact spelling is preferred where both exist."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: _Names | None = None
        self._files: dict[str, _Names] = {}

    def find(self, folder: str, file_name: str) -> Path | None:
        """The video ``<folder>/<file_name>`` as it is spelled on disk, ``None`` if absent."""
        if self._folders is None:
            self._folders = _Names.of(self.root, dirs=True)
        real_folder = self._folders.get(folder)
        if real_folder is None:
            return None
        if real_folder not in self._files:
            self._files[real_folder] = _Names.of(self.root / real_folder, dirs=False)
        real_file = self._files[real_folder].get(file_name)
        return None if real_file is None else self.root / real_folder / real_file


@dataclass(frozen=True)
class _Names:
    exact: frozenset[str]
    folded: dict[str, str]  # casefold -> the first such name in sorted order

    @classmethod
    def of(cls, folder: Path, *, dirs: bool) -> _Names:
        try:
            names = sorted(e.name for e in os.scandir(folder) if is_dir_entry(e) == dirs)
        except OSError:  # not a folder, unreadable: nothing found there
            names = []
        folded: dict[str, str] = {}
        for name in names:
            folded.setdefault(name.casefold(), name)
        return cls(frozenset(names), folded)

    def get(self, name: str) -> str | None:
        return name if name in self.exact else self.folded.get(name.casefold())


class UCF101Dataset(TrimmedClips, IndexedDataset):
    """The clips of one UCF-101 split list with their class.

    Args:
        root: folder holding ``UCF-101/`` and ``ucfTrainTestlist/``.
        sampling: frame selection and preprocessing.
        split: ``"train"`` or ``"test"``.
        fold: 1, 2 or 3 (``trainlist0<fold>.txt``).
        max_clips: keep this many of the clips on disk (a fixed pseudo-random subset),
            ``None`` for all.
        subset_seed: seed of that subset.
        backend: video decoder.
    """

    name = "ucf101"
    annotation = ClassLabel
    demo = DemoSet(1, "benchmarks.datasets.ucf101.demo:build",
                   "procedural clips of pyratok.demo, one motion each")

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 split: str = "train", fold: int = 1, max_clips: int | None = None,
                 subset_seed: int = 0, backend: Backend = "auto") -> None:
        self.root = Path(root)
        if split not in ("train", "test"):
            raise DatasetError(self.root, f"split {split!r}: expected 'train' or 'test'")
        if fold not in (1, 2, 3):
            raise DatasetError(self.root, f"fold {fold!r}: UCF-101 has splits 1, 2 and 3")
        if max_clips is not None and max_clips < 1:
            raise DatasetError(self.root, f"max_clips {max_clips}: must be at least 1")
        self.sampling, self.split, self.fold = sampling, split, fold
        self.max_clips, self.subset_seed, self.backend = max_clips, subset_seed, backend
        if not (self.root / VIDEO_DIR).is_dir():
            raise DatasetError(self.root, f"no {VIDEO_DIR}/ folder (the UCF-101 root holds "
                               f"{VIDEO_DIR}/<Class>/*.avi and {LIST_DIR}/)")
        self.list_path = self.root / LIST_DIR / f"{split}list0{fold}.txt"
        if not self.list_path.is_file():
            raise DatasetError(self.list_path, "UCF-101 split list not found")
        self.class_index = read_class_index(self.root / LIST_DIR / "classInd.txt")
        self.classes = list(self.class_index.names)
        self._parsed: _Parsed | None = None

    def with_split(self, split: str) -> UCF101Dataset:
        """The same root and options on another split list (the held-out clips)."""
        return UCF101Dataset(self.root, sampling=self.sampling, split=split, fold=self.fold,
                             max_clips=None, subset_seed=self.subset_seed, backend=self.backend)

    def info(self) -> DatasetInfo:
        parsed = self._parse()
        numbers = self.class_index.numbers
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split=f"{self.split}{self.fold}",
            annotation_file=str(self.list_path),
            version=demo_version(self.root),
            classes=tuple(self.classes),
            extra={"n_videos": len(parsed.refs), "n_listed": parsed.n_listed,
                   "max_clips": self.max_clips, "subset_seed": self.subset_seed,
                   "n_videos_missing": len(parsed.missing),
                   "n_malformed_rows": len(parsed.malformed),
                   "classes_absent": [self.classes[c] for c in range(len(self.classes))
                                      if c not in parsed.classes_on_disk],
                   "case_mismatches": dict(sorted(parsed.case_mismatches.items())),
                   "class_numbers": (f"1..{len(numbers)}" if self.class_index.contiguous
                                     else list(numbers))},
        )

    def _parse(self) -> _Parsed:
        if self._parsed is None:
            self._parsed = self._read_list()
        return self._parsed

    def _read_row(self, parts: list[str]) -> tuple[int, re.Match[str]] | str:
        """``(class position, file-name match)`` of a row, or why it cannot be used."""
        if len(parts) > 2 or (self.split == "test" and len(parts) != 1):
            suffix = " <index>" if self.split == "train" else ""
            return f"expected '<Class>/<file>.avi{suffix}'"
        folder, _, file_name = parts[0].replace("\\", "/").rpartition("/")
        c = self.class_index.find(folder)
        if c is None:
            return f"class folder {folder!r} is not in classInd.txt"
        name, number = self.class_index.names[c], self.class_index.numbers[c]
        match = _STEM.match(file_name.rsplit(".", 1)[0])
        if match is None or match["cls"].casefold() != name.casefold():
            return f"file name {file_name!r} is not v_{name}_gXX_cYY.avi"
        if len(parts) == 2 and index_number(parts[1]) != number:
            return f"class index {parts[1]!r} differs from classInd.txt ({number} {name})"
        return c, match

    def _read_list(self) -> _Parsed:
        videos = VideoFolder(self.root / VIDEO_DIR)
        refs, malformed, missing = [], [], []
        case_mismatches: Counter[str] = Counter()
        lines = read_text(self.list_path, encoding="utf-8-sig").splitlines()  # CRLF in the release
        for line_no, line in enumerate(lines, 1):
            parts = line.split()
            if not parts:
                continue
            row = self._read_row(parts)
            if isinstance(row, str):
                malformed.append(SampleError(f"row-{line_no}", self.list_path, f"{row}: {line!r}"))
                continue
            c, match = row
            name = self.classes[c]
            rel = parts[0].replace("\\", "/")
            folder, _, file_name = rel.rpartition("/")
            if folder != name or match["cls"] != name:  # HandstandPushups/v_HandStandPushups
                case_mismatches[name] += 1
            stem = match.group(0)
            path = videos.find(folder, file_name)
            if path is None:
                missing.append(SampleError(stem, self.root / VIDEO_DIR / rel, "video not found"))
                continue
            refs.append(SampleRef(stem, str(path), None, {"group": int(match["group"])},
                                  ClassLabel(name, c), cluster=f"{name}/g{match['group']}"))
        n_listed = len(refs)
        on_disk = frozenset(r.annotation.class_id for r in refs)
        if self.max_clips is not None and len(refs) > self.max_clips:
            rng = random.Random(self.subset_seed)
            picked = sorted(rng.sample(range(len(refs)), self.max_clips))
            refs = [refs[i] for i in picked]
        return _Parsed(refs, malformed, missing, n_listed, on_disk, dict(case_mismatches))


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]
    n_listed: int  # usable clips on disk before the max_clips subset
    classes_on_disk: frozenset[int]  # class_ids with at least one listed clip on disk
    case_mismatches: dict[str, int]  # classInd name -> rows matched only ignoring case
