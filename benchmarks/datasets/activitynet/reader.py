"""ActivityNet v1.3 untrimmed videos with their temporal action annotations (Caba Heilbron
et al., "ActivityNet: A Large-Scale Video Benchmark for Human Activity Understanding",
CVPR 2015), for temporal action localization.

Untrimmed videos are streamed, not loaded: a task family reads the frames it needs itself
(a 30-minute video must run in bounded memory), so :meth:`ActivityNetDataset.load` decodes
nothing. It probes the file (:func:`benchmarks.io.video.probe_video`) and returns
``Sample(ref, video=torch.zeros(3, 0, 1, 1))``, an empty video tensor, whose
``ref.extra`` holds the probe (``num_frames``, ``fps``, ``height``, ``width``) next to the
annotation fields; a missing or unreadable file raises ``SampleError(id, path, reason)``.

Every ref's ``extra``: ``segments`` ``[(label, start_s, end_s), ...]`` sorted by start, in
seconds; ``duration`` (seconds, from the JSON; ``None`` if it has none).

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

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.datasets.base import (
    DatasetError,
    DatasetInfo,
    DemoSet,
    IndexedDataset,
    Sample,
    SampleError,
    SampleRef,
    load_untrimmed,
)
from benchmarks.datasets.demo import demo_version
from benchmarks.io.paths import relative_text as _relative
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


def _listing(folder: Path) -> frozenset[str]:
    if not folder.is_dir():
        return frozenset()
    with os.scandir(folder) as entries:
        return frozenset(e.name for e in entries if e.is_file())


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


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


class ActivityNetDataset(IndexedDataset):
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
    demo = DemoSet(
        1, "benchmarks.datasets.activitynet.demo:build",
        "untrimmed procedural videos of pyratok.demo",
    )

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        sampling: FrameSampling,
        subset: str = "validation",
        annotations: str = DEFAULT_ANNOTATIONS,
    ) -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.subset = subset
        if not self.root.is_dir():
            raise DatasetError(self.root, "ActivityNet root folder not found")
        candidates = [self.root / annotations, self.root / "annotations" / annotations]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise DatasetError(
                self.root,
                "ActivityNet annotation JSON not found; looked for "
                + ", ".join(_relative(p, self.root) for p in dict.fromkeys(candidates)),
            )
        self.annotation_path = found
        self.video_dirs = [self.root / "videos", self.root]
        self._parsed: _Parsed | None = None

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Probe the video; ``video`` is empty ``(3, 0, 1, 1)``, the probe is in
        ``ref.extra`` (``num_frames``, ``fps``, ``height``, ``width``). ``num_frames`` is
        ignored: the whole video is the sample.

        Raises:
            SampleError: missing or unreadable video.
        """
        return load_untrimmed(ref)

    def info(self) -> DatasetInfo:
        """Subset, JSON, version (``"demo-v1"`` on a demo set, else the JSON's
        ``version``), the class vocabulary and, in ``extra``, counts and ``prompts``
        (class -> phrase, :func:`label_phrase`)."""
        parsed = self._parse()
        demo = demo_version(self.root)
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split=self.subset,
            annotation_file=str(self.annotation_path),
            version=demo if demo is not None else parsed.version,
            classes=parsed.classes or None,
            extra={
                "prompts": {c: label_phrase(c) for c in parsed.classes},
                "classes_from": parsed.classes_from,
                "n_videos": len(parsed.refs),
                "n_videos_missing": len(parsed.missing),
                "n_malformed_rows": len(parsed.malformed),
                "n_segments": sum(len(r.extra["segments"]) for r in parsed.refs),
                "n_entries_of_other_subsets": parsed.n_other_subsets,
            },
        )

    # internals

    def _read_json(self) -> dict[str, Any]:
        try:
            payload = json.loads(self.annotation_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DatasetError(self.annotation_path, f"cannot read the JSON: {error}") from error
        if not isinstance(payload, dict) or not isinstance(payload.get("database"), dict):
            raise DatasetError(self.annotation_path, "expected an object with a 'database' object")
        return payload

    def _find(self, video_id: str, listings: list[tuple[Path, frozenset[str]]]) -> Path | None:
        for stem in (f"v_{video_id}", video_id):
            for ext in VIDEO_EXTENSIONS:
                for folder, names in listings:
                    if stem + ext in names:
                        return folder / (stem + ext)
        return None

    def _parse(self) -> _Parsed:
        if self._parsed is not None:
            return self._parsed
        payload = self._read_json()
        database: dict[str, Any] = payload["database"]
        file = self.annotation_path.name
        listings = [(folder, _listing(folder)) for folder in self.video_dirs]
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
            found = self._find(video_id, listings)
            if found is None:
                exts = ",".join(e.lstrip(".") for e in VIDEO_EXTENSIONS)
                folders = ", ".join(_relative(f, self.root) + "/" for f in self.video_dirs)
                missing.append(
                    SampleError(
                        video_id,
                        self.video_dirs[0] / f"v_{video_id}.mp4",
                        f"video not found (looked for v_{video_id}.{{{exts}}} and "
                        f"{video_id}.{{{exts}}} in {folders})",
                    )
                )
                continue
            refs.append(
                SampleRef(
                    sample_id=video_id,
                    path=str(found),
                    caption=None,
                    extra={
                        "segments": segments,
                        "duration": None if duration is None else float(duration),
                    },
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
