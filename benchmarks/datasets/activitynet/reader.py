"""ActivityNet v1.3 untrimmed videos with their temporal action annotations (Caba Heilbron
et al., "ActivityNet: A Large-Scale Video Benchmark for Human Activity Understanding",
CVPR 2015), for temporal action localization.

:meth:`ActivityNetDataset.load` decodes nothing: it probes the file into ``ref.extra``
and the task family streams the frames
(:class:`~benchmarks.datasets.untrimmed.UntrimmedVideoDataset`).

Every ref's ``annotation`` is :class:`~benchmarks.datasets.annotation.TemporalSegments`
(``segments`` ``((label, start_s, end_s), ...)`` sorted by start, in seconds; no
``ambiguous``), its ``extra`` ``duration`` (seconds, from the JSON; ``None`` if it has none).

Layout: the official ``activity_net.v1-3.min.json`` (``version``, ``taxonomy``,
``database``) at ``<root>/`` (or ``<root>/annotations/``), ``database`` mapping each
YouTube id to ``{"subset", "duration", "annotations": [{"segment": [start, end],
"label"}]}``. Videos as the ActivityNet crawler writes them, ``<root>/videos/v_<id>.mp4``
or ``<root>/v_<id>.mp4``; ``<id>.mp4`` (no ``v_``) and ``.mkv`` / ``.webm`` (YouTube
downloads keep their container) are accepted too.

The class vocabulary (200 classes) is the leaves of ``taxonomy`` (nodes that are no
node's parent; every node name if the nodes carry no ids), else the sorted labels of all
annotations in the file, every subset included.

Entries that cannot be used are reported by :meth:`ActivityNetDataset.bad_rows`, never
dropped: a malformed entry of the evaluated subset (not an object, no ``annotations``
list, a segment that is not two finite numbers >= 0 or ends before it starts, an empty
label, a non-numeric duration) as ``row-<json file>:<n>`` (``n`` the 1-based entry number
in ``database``) with the JSON as path and the video id in the reason; the whole video is
left out, since its ground truth would be incomplete. Videos found in none of the places
above: id = the YouTube id, reason ``"video not found (looked for ...)"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.media import locate
from benchmarks.datasets.untrimmed import UntrimmedVideoDataset
from benchmarks.io.jsonfile import JsonFileError, finite_float, read_json
from benchmarks.io.sampling import FrameSampling

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm")  # in order of preference
DEFAULT_ANNOTATIONS = "activity_net.v1-3.min.json"

__all__ = ["DEFAULT_ANNOTATIONS", "ActivityNetDataset", "label_phrase", "taxonomy_classes"]


# helpers


def label_phrase(label: str) -> str:
    """The prompt phrase of a label: the label with a capitalised first word lower-cased
    (``"Playing guitarra"`` -> ``"playing guitarra"``; ``"BMX"`` is kept)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def taxonomy_classes(taxonomy: Any) -> list[str] | None:
    """Leaf node names of an ActivityNet ``taxonomy`` list (``nodeId`` / ``parentId``), all
    node names if the nodes carry no ids, ``None`` if there is no usable taxonomy."""
    if not isinstance(taxonomy, list):
        return None
    nodes = [n for n in taxonomy if isinstance(n, dict) and isinstance(n.get("nodeName"), str)]
    if not nodes:
        return None
    if all("nodeId" in n for n in nodes):
        parents = {n.get("parentId") for n in nodes}
        nodes = [n for n in nodes if n["nodeId"] not in parents]
    return sorted({n["nodeName"] for n in nodes})


def _number(value: Any) -> float | None:
    return finite_float(value)


def _segments(video_id: str, entry: Any) -> tuple[list[tuple[str, float, float]], str | None]:
    """The entry's segments, or the reason it is malformed."""
    if not isinstance(entry, dict):
        return [], f"entry {video_id!r} is not an object"
    annotations = entry.get("annotations")
    if not isinstance(annotations, list):
        return [], f"entry {video_id!r} has no 'annotations' list"
    segments = []
    for k, annotation in enumerate(annotations):
        where = f"entry {video_id!r}, annotation {k}"
        if not isinstance(annotation, dict):
            return [], f"{where} is not an object"
        label, segment = annotation.get("label"), annotation.get("segment")
        if not isinstance(label, str) or not label.strip():
            return [], f"{where}: empty or missing label"
        if not isinstance(segment, list) or len(segment) != 2:
            return [], f"{where}: segment must be [start, end], got {segment!r}"
        start, end = _number(segment[0]), _number(segment[1])
        if start is None or end is None or start < 0:
            return [], f"{where}: segment times must be finite numbers >= 0, got {segment!r}"
        if end < start:
            return [], f"{where}: segment {segment!r} ends before it starts"
        segments.append((label, start, end))
    return sorted(segments, key=lambda s: (s[1], s[2], s[0])), None


@dataclass(frozen=True)
class _Parsed:
    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]
    n_other_subsets: int
    classes: tuple[str, ...]
    classes_from: str  # "taxonomy" or "annotations"
    version: str | None


# reader


class ActivityNetDataset(UntrimmedVideoDataset):
    """ActivityNet v1.3 untrimmed videos of one subset with their action segments.

    Args:
        root: folder with the annotation JSON and the videos.
        sampling: frame preprocessing; unused by :meth:`load` (the task family streams the
            frames with it), kept for the reader interface.
        subset: ``"validation"`` (the localization benchmark), ``"training"`` or
            ``"testing"`` (no public annotations).
        annotations: the JSON, relative to ``root`` (or absolute); searched in ``root``,
            then ``root/annotations``.

    Raises:
        DatasetError: missing root or JSON, a JSON without a ``database`` object, or no
            entry of ``subset``.
    """

    name = "activitynet"
    demo = DemoSet(1, "benchmarks.datasets.activitynet.demo:build",
                   "untrimmed procedural videos of pyratok.demo")
    video_extensions = VIDEO_EXTENSIONS

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 subset: str = "validation", annotations: str = DEFAULT_ANNOTATIONS) -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.subset = subset
        if not self.root.is_dir():
            raise DatasetError(self.root, "ActivityNet root folder not found")
        candidates = [self.root / annotations, self.root / "annotations" / annotations]
        self.annotation_path = locate(self.root, None, list(dict.fromkeys(candidates)),
                                      exists=Path.is_file, not_found="",
                                      none_found="ActivityNet annotation JSON not found")
        self._parsed: _Parsed | None = None

    def info(self) -> DatasetInfo:
        """Subset, JSON, version (``"demo-v1"`` on a demo set, else the JSON's
        ``version``), the class vocabulary, ``prompts`` (class -> phrase,
        :func:`label_phrase`) and, in ``extra``, counts."""
        parsed = self._parse()
        demo = demo_version(self.root)
        return DatasetInfo(
            name=self.name, root=str(self.root), split=self.subset,
            annotation_file=str(self.annotation_path),
            version=demo if demo is not None else parsed.version,
            classes=parsed.classes or None, prompts={c: label_phrase(c) for c in parsed.classes},
            extra={"classes_from": parsed.classes_from, **self._counts(),
                   "n_entries_of_other_subsets": parsed.n_other_subsets},
        )

    # internals

    def _read_json(self) -> dict[str, Any]:
        try:
            payload = read_json(self.annotation_path)
        except JsonFileError as error:
            raise DatasetError(self.annotation_path,
                               f"cannot read the JSON: {error.reason}") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("database"), dict):
            raise DatasetError(self.annotation_path, "expected an object with a 'database' object")
        return payload

    def _parse(self) -> _Parsed:
        if self._parsed is not None:
            return self._parsed
        payload = self._read_json()
        database: dict[str, Any] = payload["database"]
        file = self.annotation_path.name
        lookup = self._video_lookup()
        refs, malformed, missing, other, labels = [], [], [], 0, set()
        for number, (video_id, entry) in enumerate(database.items(), start=1):
            segments, reason = _segments(video_id, entry)
            labels |= {label for label, _, _ in segments}
            subset = entry.get("subset") if isinstance(entry, dict) else None
            if subset is not None and subset != self.subset:
                other += 1
                continue
            duration = entry.get("duration") if isinstance(entry, dict) else None
            if reason is None and duration is not None and _number(duration) is None:
                reason = f"entry {video_id!r}: duration {duration!r} is not a number"
            if reason is None and subset is None:
                reason = f"entry {video_id!r} has no 'subset'"
            if reason is not None:
                malformed.append(SampleError(f"row-{file}:{number}", self.annotation_path, reason))
                continue
            found = lookup(video_id, [f"v_{video_id}", video_id])
            if isinstance(found, SampleError):
                missing.append(found)
                continue
            refs.append(
                SampleRef(
                    sample_id=video_id,
                    path=str(found),
                    caption=None,
                    extra={"duration": None if duration is None else float(duration)},
                    annotation=TemporalSegments(tuple(segments)),
                )
            )
        if database and not refs and not malformed and not missing:
            raise DatasetError(
                self.annotation_path, f"no entry of subset {self.subset!r} in 'database'"
            )
        from_taxonomy = taxonomy_classes(payload.get("taxonomy"))
        classes = tuple(from_taxonomy if from_taxonomy is not None else sorted(labels))
        version = payload.get("version")
        self._parsed = _Parsed(
            refs,
            malformed,
            missing,
            other,
            classes,
            "taxonomy" if from_taxonomy is not None else "annotations",
            version if isinstance(version, str) else None,
        )
        return self._parsed
