"""What every dataset reader provides: cheap sample references, then per-sample loading.

A reader parses its index file (``refs()``) without touching the media, reports index rows
it cannot use (``bad_rows()``) instead of dropping them, and decodes one sample at a time
(``load()``) inside a DataLoader worker, raising :class:`SampleError` on bad input so the
runner can record the failure and go on.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import torch

from benchmarks.io.image import read_image
from benchmarks.io.sampling import FrameSampling, padded_frames
from benchmarks.io.video import Backend, DecodeError, probe_video, read_clip


@dataclass(frozen=True)
class SampleRef:
    """One sample as the index file lists it.

    Attributes:
        sample_id: unique within the dataset (WebVid ``videoid``, COCO image id).
        path: media file (video or image).
        caption: text paired with the sample, ``None`` if the dataset has none.
        extra: dataset-specific fields (e.g. WebVid ``duration``); not part of the hash.
    """

    sample_id: str
    path: str
    caption: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass
class Sample:
    """A decoded sample.

    Attributes:
        ref: where it came from.
        video: ``(3, t, h, w)`` float32 in [0, 1], RGB (``t == 1`` for images).
        padded_frames: clip positions that repeat an earlier frame because the video is
            shorter than the clip (:data:`~benchmarks.io.sampling.SHORT_CLIP_POLICY`).
    """

    ref: SampleRef
    video: torch.Tensor
    padded_frames: int = 0


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
class DatasetInfo:
    """What a task family may know about a dataset before the loop (``TaskFamily.setup``).

    Attributes:
        name: the reader's registry name (``"kinetics"``, ``"webvid"`` ...).
        root: the folder holding the official layout.
        split: the split being evaluated (``"val"``), ``None`` where a dataset has one.
        annotation_file: the index / annotation file read, ``None`` if there is none.
        version: dataset version (``"400"`` for Kinetics-400, a demo set's version ...).
        classes: the class vocabulary in a fixed order, ``None`` for unlabelled data.
        extra: reader-specific facts (JSON-able), recorded in the summary.
    """

    name: str
    root: str
    split: str | None = None
    annotation_file: str | None = None
    version: str | None = None
    classes: tuple[str, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "classes"}
        d["n_classes"] = None if self.classes is None else len(self.classes)
        return d


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
    """

    name: str
    root: Path
    demo: ClassVar[DemoSet | None]

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


class IndexedDataset:
    """``refs()``, ``bad_rows()`` and ``absent()`` for a reader whose cached ``_parse()``
    returns an object with ``refs`` (usable samples, in index order), ``malformed`` (index
    rows that could not be read) and ``missing`` (rows whose media file is absent)."""

    def _parse(self) -> Any:
        raise NotImplementedError

    def refs(self) -> list[SampleRef]:
        """Usable samples, in index order (media is not opened)."""
        return list(self._parse().refs)

    def bad_rows(self) -> list[SampleError]:
        """Malformed index rows (absent media is :meth:`absent`, not a bad row)."""
        return list(self._parse().malformed)

    def absent(self) -> list[SampleError]:
        """Listed samples whose media file is not on disk."""
        return list(self._parse().missing)

    def questions(self) -> list[Any] | None:
        """Every question of a question-answering set, its video present or not (MVBench:
        the denominator of accuracy); ``None`` (the default) where samples are no questions."""
        return None


def split_absent(refs: list[SampleRef]) -> tuple[list[SampleRef], list[SampleError]]:
    """``(present, absent)``: ``refs`` whose media path exists, and the others as
    ``SampleError(id, path, "file not found")`` (one ``stat`` per ref, no decoding)."""
    present, absent = [], []
    for ref in refs:
        if os.path.exists(ref.path):
            present.append(ref)
        else:
            absent.append(SampleError(ref.sample_id, ref.path, "file not found"))
    return present, absent


class DatasetError(Exception):
    """A dataset as a whole cannot be read (missing root or index file, wrong columns).

    Attributes:
        path: the folder or index file.
        reason: what is wrong and what was expected.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def load_video_clip(
    ref: SampleRef,
    sampling: FrameSampling,
    *,
    num_frames: int | None = None,
    backend: Backend = "auto",
) -> Sample:
    """Decode the clip ``sampling`` selects from the video at ``ref.path`` (opened once).

    Returns:
        ``Sample`` with ``video`` of shape ``(3, t, H, W)`` float32 in [0, 1].

    Raises:
        SampleError: the file is missing, unreadable, truncated or too short.
    """
    chosen: list[int] = []

    def select(available: int) -> list[int]:
        chosen[:] = sampling.indices(available, num_frames)
        return chosen

    try:
        frames = read_clip(ref.path, select, backend=backend)
        video = sampling.transform(frames)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    except ValueError as error:  # no frame at all, or too small for the crop
        raise SampleError(ref.sample_id, ref.path, str(error)) from error
    return Sample(ref=ref, video=video, padded_frames=padded_frames(chosen))


def load_image_clip(ref: SampleRef, sampling: FrameSampling) -> Sample:
    """Decode the image at ``ref.path`` as a one-frame clip.

    Returns:
        ``Sample`` with ``video`` of shape ``(3, 1, H, W)`` float32 in [0, 1].

    Raises:
        SampleError: the file is missing, unreadable or too small for the crop.
    """
    try:
        video = sampling.transform(read_image(ref.path)[None])  # (1, h, w, 3)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    except ValueError as error:
        raise SampleError(ref.sample_id, ref.path, str(error)) from error
    return Sample(ref=ref, video=video)


def load_untrimmed(ref: SampleRef) -> Sample:
    """Probe an untrimmed video without decoding it (THUMOS14, ActivityNet).

    Returns:
        ``Sample`` whose ``ref.extra`` gains ``num_frames``, ``fps``, ``height``, ``width``
        and whose ``video`` is ``torch.zeros(3, 0, 1, 1)``: the task family streams the
        frames from ``ref.path`` itself.

    Raises:
        SampleError: missing or unreadable file.
    """
    try:
        probe = probe_video(ref.path)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    probed = replace(ref, extra={**ref.extra, **probe._asdict()})
    return Sample(ref=probed, video=torch.zeros(3, 0, 1, 1))
