"""UCF-101 in its official layout (Soomro, Zamir & Shah, "UCF101: A Dataset of 101 Human
Actions Classes From Videos in The Wild", CRCV-TR-12-01, 2012)::

    <root>/UCF-101/<Class>/v_<Class>_g<XX>_c<YY>.avi     (UCF101.rar)
    <root>/ucfTrainTestlist/classInd.txt                 "1 ApplyEyeMakeup" (1-based)
    <root>/ucfTrainTestlist/trainlist0<N>.txt            "ApplyEyeMakeup/v_..._g08_c01.avi 1"
    <root>/ucfTrainTestlist/testlist0<N>.txt             "ApplyEyeMakeup/v_..._g01_c01.avi"

(UCF101TrainTestSplits-RecognitionTask.zip). Three splits, by group: split 1 tests on
groups 1-7. A sample is one video; its id is the file stem (``v_ApplyEyeMakeup_g08_c01``),
its label the class folder, checked against ``classInd.txt`` and, in train lists, against
the listed index. ``max_clips`` keeps a fixed pseudo-random subset (``subset_seed``) of
the split — FVD on UCF-101 is computed on 2,048 clips (StyleGAN-V, TATS).

Rows that cannot be used are reported by :meth:`UCF101Dataset.bad_rows` (id
``row-<line>`` for a malformed line, the file stem for a missing video).
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from benchmarks.data.base import (
    DatasetError,
    DatasetInfo,
    IndexedDataset,
    Sample,
    SampleError,
    SampleRef,
    load_video_clip,
)
from benchmarks.data.demo import demo_version
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

VIDEO_DIR = "UCF-101"
LIST_DIR = "ucfTrainTestlist"
_STEM = re.compile(r"^v_(?P<cls>[A-Za-z0-9]+)_g(?P<group>\d{2})_c(?P<clip>\d{2})$")


def read_class_index(path: Path) -> list[str]:
    """``classInd.txt`` → class names in index order (index 1 first)."""
    if not path.is_file():
        raise DatasetError(path, "UCF-101 class index not found (expected ucfTrainTestlist/"
                           "classInd.txt from UCF101TrainTestSplits-RecognitionTask.zip)")
    classes: dict[int, str] = {}
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise DatasetError(
                path, f"line {line_no}: expected '<index> <ClassName>', got {line!r}")
        classes[int(parts[0])] = parts[1]
    if sorted(classes) != list(range(1, len(classes) + 1)):
        raise DatasetError(path, "class indices must be 1 .. N without gaps")
    return [classes[i] for i in range(1, len(classes) + 1)]


class UCF101Dataset(IndexedDataset):
    """The clips of one UCF-101 split list with their class.

    Args:
        root: folder holding ``UCF-101/`` and ``ucfTrainTestlist/``.
        sampling: frame selection and preprocessing.
        split: ``"train"`` or ``"test"``.
        fold: 1, 2 or 3 (``trainlist0<fold>.txt``).
        max_clips: keep this many clips (a fixed pseudo-random subset), ``None`` for all.
        subset_seed: seed of that subset.
        backend: video decoder.
    """

    name = "ucf101"

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        sampling: FrameSampling,
        split: str = "train",
        fold: int = 1,
        max_clips: int | None = None,
        subset_seed: int = 0,
        backend: Backend = "auto",
    ) -> None:
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
        self.classes = read_class_index(self.root / LIST_DIR / "classInd.txt")
        self._parsed: _Parsed | None = None

    def with_split(self, split: str) -> UCF101Dataset:
        """The same root and options on another split list (the held-out clips)."""
        return UCF101Dataset(self.root, sampling=self.sampling, split=split, fold=self.fold,
                             max_clips=None, subset_seed=self.subset_seed, backend=self.backend)

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        return load_video_clip(ref, self.sampling, num_frames=num_frames, backend=self.backend)

    def info(self) -> DatasetInfo:
        parsed = self._parse()
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
                   "n_malformed_rows": len(parsed.malformed)},
        )

    def _parse(self) -> _Parsed:
        if self._parsed is None:
            self._parsed = self._read_list()
        return self._parsed

    def _read_list(self) -> _Parsed:
        index = {name: i for i, name in enumerate(self.classes)}
        refs, malformed, missing = [], [], []
        lines = self.list_path.read_text(encoding="utf-8").splitlines()
        for line_no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            parts = line.split()
            problem, rel = None, parts[0].replace("\\", "/")
            folder, _, file_name = rel.rpartition("/")
            stem = file_name.rsplit(".", 1)[0]
            match = _STEM.match(stem)
            if len(parts) > 2 or (self.split == "test" and len(parts) != 1):
                suffix = " <index>" if self.split == "train" else ""
                problem = f"expected '<Class>/<file>.avi{suffix}'"
            elif folder not in index:
                problem = f"class folder {folder!r} is not in classInd.txt"
            elif match is None or match["cls"] != folder:
                problem = f"file name {file_name!r} is not v_{folder}_gXX_cYY.avi"
            elif len(parts) == 2 and (not parts[1].isdigit() or int(parts[1]) != index[folder] + 1):
                problem = (f"class index {parts[1]!r} differs from classInd.txt "
                           f"({index[folder] + 1})")
            if problem:
                malformed.append(
                    SampleError(f"row-{line_no}", self.list_path, f"{problem}: {line!r}"))
                continue
            path = self.root / VIDEO_DIR / folder / file_name
            if not path.is_file():
                missing.append(SampleError(stem, path, "video not found"))
                continue
            refs.append(SampleRef(stem, str(path), None, {
                "label": folder, "class_id": index[folder], "group": int(match["group"])}))
        n_listed = len(refs)
        if self.max_clips is not None and len(refs) > self.max_clips:
            rng = random.Random(self.subset_seed)
            picked = sorted(rng.sample(range(len(refs)), self.max_clips))
            refs = [refs[i] for i in picked]
        return _Parsed(refs, malformed, missing, n_listed)


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]
    n_listed: int  # usable clips before the max_clips subset
