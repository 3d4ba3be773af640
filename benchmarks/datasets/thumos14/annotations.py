"""THUMOS14's temporal annotation files, read line by line: the parts the dataset reader
(:mod:`benchmarks.datasets.thumos14.reader`) and ``score``
(:mod:`benchmarks.families.localization.thumos_files`) share, so both see the same segments.

``<Class>_<split>.txt`` holds lines ``video_name start end`` (seconds, whitespace
separated: the release puts two spaces after the name; CRLF or LF); ``Ambiguous_<split>.txt``
the same for the parts the annotators could not decide, which are never a class;
``detclasslist.txt`` (evaluation kit) lines ``<index> <ClassName>``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.datasets.base import DatasetError, SampleError
from benchmarks.io.fields import index_number
from benchmarks.io.regular import read_text

AMBIGUOUS = "Ambiguous"  # Ambiguous_<split>.txt: undecidable instances, not a class

# The 20 detection classes with their official indices (the UCF101 class index), as the
# THUMOS14 temporal annotation readme lists them ("The following is the list of 20 action
# classes for which temporal annotation is available: 7 BaseballPitch ... 97
# VolleyballSpiking") and the evaluation kit's detclasslist.txt gives them to TH14evalDet.m;
# the result text format's class_index is this number (THUMOS14 Evaluation Setup,
# crcv.ucf.edu/THUMOS14/THUMOS14_Evaluation.pdf). Copies of the kit exist with
# detclasslist.txt renumbered 1..20 (demianzhang/weakly-action-localization
# TH14evalkit/groundtruth/detclasslist.txt), so a folder's own detclasslist.txt wins, as in
# TH14evalDet.m, which maps indices with the file of the ground-truth folder.
OFFICIAL_CLASS_INDICES: dict[str, int] = {
    "BaseballPitch": 7, "BasketballDunk": 9, "Billiards": 12, "CleanAndJerk": 21,
    "CliffDiving": 22, "CricketBowling": 23, "CricketShot": 24, "Diving": 26,
    "FrisbeeCatch": 31, "GolfSwing": 33, "HammerThrow": 36, "HighJump": 40,
    "JavelinThrow": 45, "LongJump": 51, "PoleVault": 68, "Shotput": 79,
    "SoccerPenalty": 85, "TennisSwing": 92, "ThrowDiscus": 93, "VolleyballSpiking": 97,
}
CLASS_LIST_FILE = "detclasslist.txt"  # "<index> <ClassName>" lines, read by TH14evalDet.m

__all__ = [
    "AMBIGUOUS",
    "OFFICIAL_CLASS_INDICES",
    "AnnotatedVideo",
    "add_cliffdiving_as_diving",
    "find_class_files",
    "read_annotation_files",
    "read_class_indices",
]


@dataclass
class AnnotatedVideo:
    """One video's class segments ``(class, start, end)`` and Ambiguous ``(start, end)``."""

    segments: list[tuple[str, float, float]] = field(default_factory=list)
    ambiguous: list[tuple[float, float]] = field(default_factory=list)


def _parse_line(line: str, where: str, path: Path) -> tuple[str, float, float] | SampleError:
    fields = line.split()
    if len(fields) != 3:
        return SampleError(
            where, path, f"expected 'video_name start end', got {len(fields)} fields: {line!r}"
        )
    name, start_text, end_text = fields
    try:
        start, end = float(start_text), float(end_text)
    except ValueError:
        return SampleError(where, path, f"start/end are not numbers: {line!r}")
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0:
        return SampleError(where, path, f"times must be finite and >= 0: {line!r}")
    if end < start:
        return SampleError(where, path, f"end {end:g} s before start {start:g} s: {line!r}")
    return name, start, end


def find_class_files(folder: Path, split: str) -> dict[str, Path]:
    """``<Class>_<split>.txt`` of ``folder`` by class, ``Ambiguous`` included when present
    (other files, e.g. ``detclasslist.txt`` or a readme, are not class files).

    Raises:
        DatasetError: no class file other than Ambiguous.
    """
    suffix = f"_{split}.txt"
    files = {
        p.name[: -len(suffix)]: p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.endswith(suffix) and len(p.name) > len(suffix)
    }
    if not set(files) - {AMBIGUOUS}:
        raise DatasetError(folder, f"no class file <Class>{suffix} in the annotation folder")
    return files


def read_class_indices(folder: Path, classes: Iterable[str]) -> dict[str, int] | None:
    """Class → official index: ``folder/detclasslist.txt`` when present (as TH14evalDet.m
    reads it), else :data:`OFFICIAL_CLASS_INDICES`; ``None`` when a class has no index.

    Raises:
        DatasetError: a ``detclasslist.txt`` line that is not ``<int> <ClassName>``.
    """
    path = folder / CLASS_LIST_FILE
    indices = OFFICIAL_CLASS_INDICES
    if path.is_file():
        indices = {}
        text = read_text(path, errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or index_number(fields[0]) is None:
                raise DatasetError(path, f"line {number}: expected '<index> <ClassName>', "
                                   f"got {line!r}")
            indices[fields[1]] = index_number(fields[0])
    classes = list(classes)
    if not all(c in indices for c in classes):
        return None
    return {c: indices[c] for c in classes}


def read_annotation_files(
    files: dict[str, Path],
) -> tuple[dict[str, AnnotatedVideo], list[SampleError]]:
    """Every ``video_name start end`` line of ``files`` (class → file; ``Ambiguous`` goes
    to ``ambiguous``), by video; malformed lines as ``row-<file>:<line>`` errors."""
    videos: dict[str, AnnotatedVideo] = {}
    malformed: list[SampleError] = []
    for label, path in files.items():
        text = read_text(path, errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):  # CRLF or LF
            if not line.strip():
                continue
            parsed = _parse_line(line, f"row-{path.name}:{number}", path)
            if isinstance(parsed, SampleError):
                malformed.append(parsed)
                continue
            name, start, end = parsed
            if label == AMBIGUOUS:
                videos.setdefault(name, AnnotatedVideo()).ambiguous.append((start, end))
            else:
                videos.setdefault(name, AnnotatedVideo()).segments.append((label, start, end))
    return videos, malformed


def add_cliffdiving_as_diving(video: AnnotatedVideo) -> int:
    """Add a Diving instance for each CliffDiving one not already in Diving (module
    docstring); returns how many were added."""
    present = {(s, e) for label, s, e in video.segments if label == "Diving"}
    added = list(
        dict.fromkeys(
            ("Diving", s, e)
            for label, s, e in video.segments
            if label == "CliffDiving" and (s, e) not in present
        )
    )
    video.segments.extend(added)
    return len(added)
