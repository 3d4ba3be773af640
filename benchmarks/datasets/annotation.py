"""A sample's ground truth, typed: one kind per reader (``Dataset.annotation``), read by the
task families (``SampleRef.annotation``) instead of string keys.

Frozen and plain (tuples, dicts, numbers), so a ref pickles into DataLoader workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClassLabel:
    """A clip's class (Kinetics, UCF-101).

    Attributes:
        label: the class name as the index writes it (one of ``DatasetInfo.classes``);
            ``None`` for an unlabelled row (Kinetics test CSVs).
        class_id: the label's position in ``DatasetInfo.classes`` where the reader numbers
            its classes (UCF-101), else ``None``.
    """

    label: str | None
    class_id: int | None = None


@dataclass(frozen=True)
class TemporalSegments:
    """The action instances of an untrimmed video (THUMOS14, ActivityNet).

    Attributes:
        segments: ``(class, start_s, end_s)`` per instance, sorted by start, in seconds.
        ambiguous: ``(start_s, end_s)`` spans the annotators could not decide (THUMOS14's
            ``Ambiguous``), never a class; an evaluator may ignore detections there.
    """

    segments: tuple[tuple[str, float, float], ...]
    ambiguous: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class VideoTracks:
    """The instance tracks of a video (YouTube-VIS, OVIS).

    Attributes:
        video_id: the video's id in the annotation file (results name it).
        tracks: the file's annotations of the video, each with ``category_id`` and
            ``segmentations`` (compressed RLE or ``None`` per frame).
    """

    video_id: int
    tracks: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class MultipleChoice:
    """A multiple-choice question about the video (MVBench).

    Attributes:
        question: the question text.
        candidates: the answer options, in the file's order.
        answer_index: the position of the right answer in ``candidates``.
        sub_task: the benchmark's sub-task (results are grouped by it).
    """

    question: str
    candidates: tuple[str, ...]
    answer_index: int
    sub_task: str


Annotation = ClassLabel | TemporalSegments | VideoTracks | MultipleChoice
