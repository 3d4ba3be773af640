"""What every dataset reader provides: cheap sample references, then per-sample loading.

A reader parses its index file (``refs()``) without touching the media, reports index rows
it cannot use (``bad_rows()``) instead of dropping them, and decodes one sample at a time
(``load()``) inside a DataLoader worker, raising :class:`SampleError` on bad input so the
runner can record the failure and go on.

What a task family reads of a dataset is typed: a ref's ground truth is one of the
annotation kinds of :mod:`benchmarks.datasets.annotation` (in ``SampleRef.annotation``; a
reader declares the kind it yields as its ``annotation`` class attribute), and what a
family needs before the loop is a field of :class:`DatasetInfo`. ``extra`` holds what only
the reader itself uses or what the summary records.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import torch

from benchmarks.datasets.annotation import Annotation
from benchmarks.io.paths import PathError

# samples


@dataclass(frozen=True)
class SampleRef:
    """One sample as the index file lists it.

    Attributes:
        sample_id: unique within the dataset (WebVid ``videoid``, COCO image id).
        path: media file (video or image).
        caption: text paired with the sample, ``None`` if the dataset has none.
        extra: what only the reader uses or reports (e.g. WebVid ``duration``, a probed
            video's ``fps``); not part of the hash.
        annotation: the sample's ground truth, of the kind the reader declares
            (``Dataset.annotation``); ``None`` for data without one (WebVid, COCO).
        cluster: the source the sample was cut from, where samples of one source are
            not independent (UCF-101: class and group ``gXX``; MVBench: the question's
            video); ``None``: the sample is its own source. Samples of one cluster are
            resampled together for the summary's ``ci95`` and in ``compare``
            (:mod:`benchmarks.metrics.functional.cluster_ci`). A reader documents its key.
    """

    sample_id: str
    path: str
    caption: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    annotation: Annotation | None = field(default=None, hash=False)
    cluster: str | None = field(default=None, hash=False)


@dataclass
class Sample:
    """A decoded sample.

    Attributes:
        ref: where it came from.
        video: ``(3, t, h, w)`` float32 in [0, 1], RGB (``t == 1`` for images).
        padded_frames: clip positions that repeat an earlier frame because the video is
            shorter than the clip (:data:`~benchmarks.io.sampling.SHORT_CLIP_POLICY`).
        fingerprint: content fingerprint of ``ref.path``
            (:func:`~benchmarks.io.input_fingerprint.input_fingerprint`), set by the loader
            after a successful ``load``; ``None`` where it could not be read.
    """

    ref: SampleRef
    video: torch.Tensor
    padded_frames: int = 0
    fingerprint: str | None = None


class SampleError(Exception):
    """A sample (or an index row) that cannot be used.

    Attributes:
        sample_id: the sample's id, or ``"row-<n>"`` for a malformed index row (``n`` is the
            1-based line/entry number in the index file).
        path: the media file, or the index file for a malformed row.
        reason: one line, e.g. ``"file not found"``.
    """

    def __init__(self, sample_id: str, path: str | os.PathLike[str], reason: str) -> None:
        # All three go to ``args`` so the error pickles across DataLoader workers.
        super().__init__(sample_id, str(path), reason)
        self.sample_id = sample_id
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"sample_id": self.sample_id, "path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class SplitCoverage:
    """Which of an annotation file's videos a run evaluates (YouTube-VIS, OVIS).

    Attributes:
        n_videos_in_file: videos the annotation file lists.
        ground_truth: whether the file holds the masks (``False`` for the official
            valid/test splits, scored on a server).
        holdout_videos: size of the seeded held-out draw, ``None`` for every video.
        holdout_seed: its seed, ``None`` without a draw.
    """

    n_videos_in_file: int | None = None
    ground_truth: bool = True
    holdout_videos: int | None = None
    holdout_seed: int | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """What a task family may know about a dataset before the loop (``TaskFamily.setup``).

    Attributes:
        name: the reader's registry name (``"kinetics"``, ``"webvid"`` ...).
        root: the folder holding the official layout.
        split: the split being evaluated (``"val"``), ``None`` where a dataset has one.
        annotation_file: the index / annotation file read, ``None`` if there is none.
        version: dataset version (``"400"`` for Kinetics-400, a demo set's version ...).
        classes: the class vocabulary in a fixed order, ``None`` for unlabelled data.
        prompts: class -> the phrase a text prompt uses for it (``"CleanAndJerk"`` ->
            ``"clean and jerk"``), ``None`` where the class names are the phrases.
        class_indices: class -> its index in the official result files (THUMOS14's
            ``detclasslist.txt``), ``None`` where the classes have none.
        category_ids: the annotation file's id of each class, in ``classes`` order
            (YouTube-VIS), ``None`` where classes are not numbered by the file.
        coverage: which videos of the annotation file are evaluated, ``None`` if the
            reader does not say.
        extra: reader-specific facts (JSON-able), recorded in the summary.
    """

    name: str
    root: str
    split: str | None = None
    annotation_file: str | None = None
    version: str | None = None
    classes: tuple[str, ...] | None = None
    prompts: Mapping[str, str] | None = field(default=None, hash=False)
    class_indices: Mapping[str, int] | None = field(default=None, hash=False)
    category_ids: tuple[int, ...] | None = None
    coverage: SplitCoverage | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for the summary: the typed facts are recorded in ``extra`` under
        their names, as summaries have always held them (vocabulary first, coverage last)."""
        vocabulary = {"prompts": None if self.prompts is None else dict(self.prompts),
                      "class_indices": None if self.class_indices is None
                      else dict(self.class_indices),
                      "category_ids": None if self.category_ids is None
                      else list(self.category_ids)}
        coverage = {} if self.coverage is None else asdict(self.coverage)
        extra = {**{k: v for k, v in vocabulary.items() if v is not None}, **self.extra,
                 **coverage}
        return {"name": self.name, "root": self.root, "split": self.split,
                "annotation_file": self.annotation_file, "version": self.version,
                "extra": extra,
                "n_classes": None if self.classes is None else len(self.classes)}


@dataclass(frozen=True)
class DemoSet:
    """A reader's demo set (:mod:`benchmarks.datasets.demo` builds and caches it).

    Attributes:
        version: bumped whenever the builder's output changes (part of the folder name).
        builder: ``"module:function"``, a ``build(root: Path) -> None`` that writes the
            official layout into the empty folder ``root``; imported on first build, so
            declaring a demo set costs a reader no import.
        source: where the data comes from, one phrase for the marker file.
    """

    version: int
    builder: str
    source: str

    def build(self, root: Path) -> None:
        module, _, attr = self.builder.partition(":")
        build: Callable[[Path], None] = getattr(importlib.import_module(module), attr)
        build(root)


@runtime_checkable
class Dataset(Protocol):
    """A dataset in its official on-disk layout.

    Attributes:
        name: short name (``"webvid"``, ``"coco"``).
        root: the folder holding the official layout.
        demo: the reader's demo set (built without ``--data-root``), ``None`` if it has
            none; a class attribute, read before any reader is constructed.
        annotation: the kind of ``SampleRef.annotation`` its refs carry (``ClassLabel``,
            ``TemporalSegments`` ...), ``None`` for data without ground truth; a class
            attribute, so a task family's needs are checked before any reader is built.
    """

    name: str
    root: Path
    demo: ClassVar[DemoSet | None]
    annotation: ClassVar[type[Annotation] | None]

    def refs(self) -> list[SampleRef]:
        """Usable samples from the index file, in index order (media is not opened)."""
        ...

    def bad_rows(self) -> list[SampleError]:
        """Index rows that could not be turned into a :class:`SampleRef`."""
        ...

    def absent(self) -> list[SampleError]:
        """Listed samples whose media is not on disk (a partial download): a fact about
        the copy, not a failure; the runner counts them once as ``n_missing``."""
        ...

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode, sample and transform one sample; ``num_frames`` overrides the clip length.

        Raises:
            SampleError: missing, corrupt or too short media.
        """
        ...

    def info(self) -> DatasetInfo:
        """Split, annotation file, version and class list (see :class:`DatasetInfo`)."""
        ...


class DatasetError(PathError):
    """A dataset as a whole cannot be read (missing root or index file, wrong columns).

    Attributes:
        path: the folder or index file.
        reason: what is wrong and what was expected.
    """


