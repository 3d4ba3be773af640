"""THUMOS14's own files for ``python -m benchmarks score``: the annotation folder as shipped,
and the official result text format (read and written).

Ground truth: the folder of ``<Class>_<split>.txt`` files (lines ``video_name start end``,
seconds; ``Ambiguous_<split>.txt`` beside them), given as the folder itself or as a folder
above it in any layout
:func:`benchmarks.datasets.thumos14.reader.annotation_dir_candidates` lists (e.g.
``TH14_Temporal_Annotations_Test/annotations/annotation/``). It is read with the dataset
reader's own functions (:mod:`benchmarks.datasets.thumos14.reader`), so ``run`` and
``score`` see the same segments: CliffDiving instances also Diving, Ambiguous segments
kept apart (the evaluator never counts an unmatched detection on them as a false
positive). Every video named in a class file or in the Ambiguous file is a ground-truth
video, as in ``TH14evalDet.m`` (which evaluates over the union of annotated and detected
videos).

Results, the THUMOS14 Evaluation Setup format (crcv.ucf.edu/THUMOS14/THUMOS14_Evaluation.pdf;
read by ``TH14evalDet.m`` with ``textread(detfilename, '%s%f%f%d%f')``), one detection a
line, whitespace separated::

    video_test_0000004 0.2 1.1 23 0.87     # video_name t_start t_end class_index score

``class_index`` is the official index of ``detclasslist.txt`` (``7`` BaseballPitch ...
``97`` VolleyballSpiking,
:data:`benchmarks.datasets.thumos14.annotations.OFFICIAL_CLASS_INDICES`); a ``.mp4``
suffix on the video name is dropped, as ``TH14evalDet.m`` does. A malformed line, an index
that is no detection class or a video outside the ground truth is a
:class:`ScoreInputError` naming the file and the line (the kit only prints a warning and
skips an unknown class index; here it would be a silently lower number).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.thumos14.annotations import (
    AMBIGUOUS,
    add_cliffdiving_as_diving,
    find_class_files,
    read_annotation_files,
    read_class_indices,
)
from benchmarks.datasets.thumos14.reader import SPLITS, annotation_dir_candidates
from benchmarks.families.base import ScoreInputError
from benchmarks.families.localization.activitynet_files import TalGroundTruth
from benchmarks.io.fields import index_number
from benchmarks.io.jsonfile import MAX_BYTES
from benchmarks.io.regular import open_regular, read_text

Detection = tuple[str, float, float, float]  # label, start s, end s, score

__all__ = ["find_annotation_folder", "is_json_file", "read_thumos_ground_truth",
           "read_thumos_results", "write_thumos_results"]


def is_json_file(path: Path) -> bool:
    """Whether the file's first non-blank character opens a JSON object (or array: the
    JSON reader then says why it is not results JSON)."""
    with open_regular(path) as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _has_class_files(folder: Path, split: str) -> bool:
    try:
        return folder.is_dir() and bool(find_class_files(folder, split))
    except (DatasetError, OSError):
        return False


def _candidates(path: Path, split: str) -> list[Path]:
    """``path`` itself, the dataset-root layouts, and ``annotations/annotation/`` (``path``
    being the unpacked zip's top folder, ``TH14_Temporal_Annotations_Test/``)."""
    return [path, *annotation_dir_candidates(path, split), path / "annotations" / "annotation"]


def find_annotation_folder(path: Path, split: str | None) -> tuple[Path, str]:
    """``(folder of the class files, split suffix)`` for ``path``, the folder itself or one
    above it (:func:`_candidates`, in order); ``split`` ``None``: ``test`` if its files are
    there, else ``val``.

    Raises:
        ScoreInputError: no ``<Class>_<split>.txt`` in ``path`` or any known layout under it.
    """
    splits = ["test", "val"] if split is None else [SPLITS.get(split, split)]
    for suffix in splits:
        if suffix not in ("test", "val"):
            raise ScoreInputError(path, "split", f"unknown THUMOS14 split {split!r}; expected "
                                  "test or val (score_subset)")
        for folder in _candidates(path, suffix):
            if _has_class_files(folder, suffix):
                return folder, suffix
    looked = ", ".join(
        f"{folder.relative_to(path).as_posix()}/" if folder != path else "./"
        for folder in _candidates(path, splits[0])
    )
    names = " or ".join(f"<Class>_{s}.txt" for s in splits)
    raise ScoreInputError(path, "folder", f"no THUMOS14 class file {names} in {looked}")


def read_thumos_ground_truth(
    path: Path, *, split: str | None, cliffdiving_also_diving: bool = True
) -> TalGroundTruth:
    """The annotation folder (or one above it) → :class:`TalGroundTruth` with
    ``ambiguous`` and ``class_indices`` (module docstring).

    Raises:
        ScoreInputError: no class file, a malformed line (``<file>:<line>``), or a
            ``detclasslist.txt`` that is not ``<index> <ClassName>`` lines.
    """
    folder, suffix = find_annotation_folder(Path(path), split)
    files = find_class_files(folder, suffix)
    found, malformed = read_annotation_files(files)
    if malformed:
        bad = malformed[0]  # sample_id "row-<file>:<line>"
        raise ScoreInputError(bad.path, "line " + bad.sample_id.rsplit(":", 1)[-1], bad.reason)
    classes = tuple(sorted(c for c in files if c != AMBIGUOUS))
    try:
        indices = read_class_indices(folder, classes)
    except DatasetError as err:
        raise ScoreInputError(err.path, "detclasslist", err.reason) from err
    videos, ambiguous = {}, {}
    for name in sorted(found):
        video = found[name]
        if cliffdiving_also_diving:
            add_cliffdiving_as_diving(video)
        videos[name] = sorted(video.segments, key=lambda s: (s[1], s[2], s[0]))
        if video.ambiguous:
            ambiguous[name] = sorted(video.ambiguous)
    if not any(videos.values()):
        raise ScoreInputError(folder, "folder", "no annotated segment in the class files")
    return TalGroundTruth(videos=videos, durations={}, classes=classes, subset=suffix,
                          ambiguous=ambiguous, class_indices=indices)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_thumos_results(path: Path, gt: TalGroundTruth) -> dict[str, list[Detection]]:
    """Result text file → video id → ``(label, start, end, score)`` in file order, checked
    against ``gt`` (module docstring); results on ``gt.ignored`` videos are read (the
    evaluator drops and counts them)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # read whole, a file of one endless line would fill memory
            raise ScoreInputError(path, "file", f"{size} bytes, over the {MAX_BYTES}-byte "
                                  "bound of a result file")
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as err:
        raise ScoreInputError(path, "file", f"not a readable text file: {err}") from None
    if gt.class_indices is None:
        raise ScoreInputError(path, "file", "the THUMOS14 result text format names classes "
                              "by official index, and these ground-truth classes have none "
                              "(give the results as ActivityNet JSON)")
    by_index = {index: label for label, index in gt.class_indices.items()}
    out: dict[str, list[Detection]] = {}
    for number, line in enumerate(text.splitlines(), start=1):  # CRLF or LF
        fields = line.split()
        if not fields:
            continue
        entry = f"line {number}"
        if len(fields) != 5:
            raise ScoreInputError(path, entry, "expected 'video_name t_start t_end class_index "
                                  f"score', got {len(fields)} fields: {_shown(line)}")
        name, start_text, end_text, index_text, score_text = fields
        name = name.removesuffix(".mp4")
        start, end, score = _number(start_text), _number(end_text), _number(score_text)
        if start is None or end is None or score is None:
            raise ScoreInputError(path, entry, f"t_start, t_end and score must be finite "
                                  f"numbers: {_shown(line)}")
        if start < 0 or end < start:
            raise ScoreInputError(path, entry, f"segment [{start_text}, {end_text}] must have "
                                  "0 <= t_start <= t_end")
        index = index_number(index_text.removeprefix("+"))
        if index is None or index not in by_index:
            known = ", ".join(f"{i} {c}" for c, i in sorted(gt.class_indices.items(),
                                                             key=lambda x: x[1]))
            raise ScoreInputError(path, entry, f"class_index {index_text!r} is not a THUMOS14 "
                                  f"detection class ({known})")
        if name not in gt.videos and name not in gt.ignored:
            raise ScoreInputError(path, entry, f"video {name!r} is not in the ground truth")
        out.setdefault(name, []).append((by_index[index], start, end, score))
    return out


def _shown(line: str) -> str:
    """A line as a message quotes it: at most 80 characters (a garbage file may be one
    line of megabytes)."""
    text = line.strip()
    return repr(text if len(text) <= 80 else text[:77] + "...")


def write_thumos_results(
    path: Path, detections: Mapping[str, Sequence[Detection]], class_indices: Mapping[str, int]
) -> None:
    """Write ``detections`` (video id → ``(label, start, end, score)``) in the result text
    format, videos and detections in the given order (the order equal scores keep) and
    every number as Python's shortest round-trip repr, so reading it back gives the
    same floats and the same mAP."""
    lines = [
        f"{vid} {float(start)!r} {float(end)!r} {class_indices[label]} {float(score)!r}\n"
        for vid, found in detections.items()
        for label, start, end, score in found
    ]
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)
