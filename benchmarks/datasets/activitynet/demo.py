"""The ActivityNet v1.3 demo set: untrimmed procedural videos of :mod:`pyratok.demo` in the
ActivityNet layout (:mod:`benchmarks.datasets.activitynet.reader`).

Built offline (nothing is downloaded) by :mod:`benchmarks.datasets.demo` on first use into
``activitynet-v1``. A smoke test of zero-shot temporal action localization, not
ActivityNet: scores on it are not comparable with any paper's.

Layout::

    activity_net.v1-3.min.json    {"version", "taxonomy", "database"}
    videos/v_<id>.mp4

Videos: as the THUMOS14 demo's (:mod:`benchmarks.datasets.thumos14.demo`: ``make_untrimmed(seed,
frames=96, size=64)``, 8 fps, intra-only H.264), 24 of them chosen by
:func:`~benchmarks.datasets.thumos14.demo.select_videos` from seeds 10,500,000 upward (held
out, and disjoint from the THUMOS14 demo's), every motion present at least once. Ids are
``"dm-"`` + the 8-digit seed (11 characters like a YouTube id;
:func:`benchmarks.datasets.kinetics.demo.youtube_id`).

JSON: ``taxonomy`` is a root node and one leaf per motion of ``pyratok.demo_motion.MOTIONS``
(``nodeId``, ``nodeName``, ``parentId``, ``parentName`` as in the real file); every
``database`` entry is of subset ``"validation"`` with ``duration`` = frames / fps (12 s)
and ``annotations`` ``{"segment": [start / fps, end_exclusive / fps], "label": motion}``.
The labels are the motion phrases the bundled checkpoint was aligned with
(``"moving left"``), so they are their own prompts.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.datasets.activitynet.reader import DEFAULT_ANNOTATIONS
from benchmarks.datasets.kinetics.demo import youtube_id
from benchmarks.datasets.thumos14.demo import (
    FPS,
    FRAMES,
    SIZE,
    segments_in_seconds,
    select_videos,
    write_demo_video,
)
from pyratok.demo_motion import MOTIONS

SEED_START = 10_500_000  # held out, and after the THUMOS14 demo's seeds
VIDEOS = 24
SUBSET = "validation"
VERSION = "VERSION 1.3"


def taxonomy() -> list[dict[str, object]]:
    """A root node and one leaf per motion, in the real file's node format."""
    root = {"nodeId": 0, "nodeName": "Root", "parentId": None, "parentName": None}
    leaves = [
        {"nodeId": k, "nodeName": motion, "parentId": 0, "parentName": "Root"}
        for k, motion in enumerate(MOTIONS, start=1)
    ]
    return [root, *leaves]


def build(root: Path) -> None:
    """Write the ActivityNet demo layout into the empty folder ``root``."""
    database = {}
    for seed, video in select_videos(SEED_START, VIDEOS):
        video_id = youtube_id(seed)
        write_demo_video(root / "videos" / f"v_{video_id}.mp4", video)
        database[video_id] = {
            "subset": SUBSET,
            "duration": FRAMES / FPS,
            "resolution": f"{SIZE}x{SIZE}",
            "url": "",
            "annotations": [
                {"segment": [start, end], "label": motion}
                for motion, start, end in segments_in_seconds(video)
            ],
        }
    payload = {"version": VERSION, "taxonomy": taxonomy(), "database": database}
    (root / DEFAULT_ANNOTATIONS).write_text(
        json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
