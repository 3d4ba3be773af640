"""Tiny THUMOS14 and ActivityNet copies in the layouts the untrimmed readers accept."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames

FRAMES, FPS, HEIGHT, WIDTH = 12, 4, 32, 48  # every test video: 3 s at 4 fps, 32x48

# THUMOS14 layouts: where each official copy keeps its class files.
THUMOS_LAYOUTS = {
    "evalkit": "annotation",
    "zip": "TH14_Temporal_Annotations_Test/annotations/annotation",
    "annotations": "annotations",
}

# (class file stem -> lines); "video_test_0000009" is annotated but has no video file,
# "video_test_0000270" is one of the default exclusions, "video_test_0000005" only Ambiguous.
THUMOS_FILES: dict[str, list[str]] = {
    "BaseballPitch": [
        "video_test_0000001  0.2  1.1",  # two spaces, as the official files have
        "video_test_0000001 2.0 2.5",
        "video_test_0000270 0.0 1.0",
    ],
    "CliffDiving": ["video_test_0000002 0.5 1.5", "video_test_0000002 2.0 2.8"],
    "Diving": ["video_test_0000002 2.0 2.8"],  # repeats the second CliffDiving instance
    "CleanAndJerk": [
        "video_test_0000003 1.0",  # malformed: two fields (line 1)
        "video_test_0000003 2.0 1.0",  # reversed (line 2)
        "video_test_0000003 0.5 x",  # not a number (line 3)
        "",
        "video_test_0000003 0.5 2.0",
        "video_test_0000009 0.0 1.0",
    ],
    "Ambiguous": ["video_test_0000001 1.5 1.8", "video_test_0000005 0.0 1.0"],
}
THUMOS_VIDEOS = {  # video name -> extension / folder ("videos" or "" = root)
    "video_test_0000001": (".mp4", "videos"),
    "video_test_0000002": (".avi", ""),
    "video_test_0000003": (".mkv", "videos"),
    "video_test_0000005": (".mp4", "videos"),
    "video_test_0000270": (".mp4", "videos"),
}
CODECS = {".avi": "mpeg4", ".webm": "libvpx"}  # what those containers take; else H.264


def write_test_video(path: Path, *, seed: int = 0, frames: int = FRAMES) -> Path:
    """A small moving-pattern video at ``FPS``."""
    extension = path.suffix
    write_video(
        path,
        moving_frames(seed, frames=frames, height=HEIGHT, width=WIDTH),
        fps=FPS,
        codec=CODECS.get(extension, "libx264"),
        faststart=extension == ".mp4",
    )
    return path


def write_thumos(
    root: Path,
    *,
    layout: str = "evalkit",
    files: Mapping[str, Sequence[str]] = THUMOS_FILES,
    videos: Mapping[str, tuple[str, str]] = THUMOS_VIDEOS,
    split: str = "test",
) -> Path:
    """``<Class>_<split>.txt`` files in ``THUMOS_LAYOUTS[layout]`` and the videos."""
    folder = root / THUMOS_LAYOUTS[layout]
    folder.mkdir(parents=True, exist_ok=True)
    for stem, lines in files.items():
        (folder / f"{stem}_{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for k, (name, (extension, subfolder)) in enumerate(sorted(videos.items())):
        write_test_video(root / subfolder / f"{name}{extension}", seed=k)
    return folder


def activitynet_entry(
    subset: str, segments: Iterable[tuple[str, float, float]], duration: Any = 3.0
) -> dict[str, Any]:
    return {
        "subset": subset,
        "duration": duration,
        "url": "",
        "annotations": [{"segment": [s, e], "label": label} for label, s, e in segments],
    }


# ids: "aaa" as v_aaa.mp4 in videos/, "bbb" as bbb.mp4 at the root, "ccc" as v_ccc.webm,
# "ddd" with no video, "eee" reversed segment, "fff" of the training subset.
ACTIVITYNET_DATABASE: dict[str, Any] = {
    "aaa": activitynet_entry("validation", [("Playing guitarra", 1.0, 2.0), ("BMX", 0.0, 0.5)]),
    "bbb": activitynet_entry("validation", [("Playing guitarra", 0.5, 2.5)]),
    "ccc": activitynet_entry("validation", [("Long jump", 0.0, 3.0)], duration=3),
    "ddd": activitynet_entry("validation", [("BMX", 0.0, 1.0)]),
    "eee": activitynet_entry("validation", [("BMX", 2.0, 1.0)]),
    "fff": activitynet_entry("training", [("Zumba", 0.0, 1.0)]),
}
ACTIVITYNET_VIDEOS = {"aaa": "videos/v_aaa.mp4", "bbb": "bbb.mp4", "ccc": "videos/v_ccc.webm"}
TAXONOMY = [
    {"nodeId": 0, "nodeName": "Root", "parentId": None, "parentName": None},
    {"nodeId": 1, "nodeName": "Sports", "parentId": 0, "parentName": "Root"},
    {"nodeId": 2, "nodeName": "BMX", "parentId": 1, "parentName": "Sports"},
    {"nodeId": 3, "nodeName": "Long jump", "parentId": 1, "parentName": "Sports"},
    {"nodeId": 4, "nodeName": "Playing guitarra", "parentId": 0, "parentName": "Root"},
    {"nodeId": 5, "nodeName": "Zumba", "parentId": 1, "parentName": "Sports"},
    {"nodeId": 6, "nodeName": "Archery", "parentId": 1, "parentName": "Sports"},  # no video
]


def write_activitynet(
    root: Path,
    *,
    database: Mapping[str, Any] = ACTIVITYNET_DATABASE,
    videos: Mapping[str, str] = ACTIVITYNET_VIDEOS,
    taxonomy: list[dict[str, Any]] | None = TAXONOMY,
    name: str = "activity_net.v1-3.min.json",
) -> Path:
    """The annotation JSON and the videos; ``taxonomy=None`` leaves the key out."""
    root.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {"version": "VERSION 1.3", "database": dict(database)}
    if taxonomy is not None:
        payload["taxonomy"] = taxonomy
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload), encoding="utf-8")
    for k, relative in enumerate(sorted(videos.values())):
        write_test_video(root / relative, seed=k)
    return path
