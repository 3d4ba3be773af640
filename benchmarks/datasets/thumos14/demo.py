"""The THUMOS14 demo set: untrimmed procedural videos of :mod:`pyratok.demo` in the THUMOS14
layout (:mod:`benchmarks.datasets.thumos14.reader`).

Built offline (nothing is downloaded) by :mod:`benchmarks.datasets.demo` on first use into
``thumos14-v1``. A smoke test of zero-shot temporal action localization, not THUMOS14:
scores on it are not comparable with any paper's.

Layout::

    annotation/<Class>_test.txt     video_name start end   (seconds), one file per class
    videos/video_test_<seed>.mp4

Videos: ``pyratok.demo.make_untrimmed(seed, frames=96, size=64)``, one shape that stays
still except during 1-2 action segments, each one of the 10 ``pyratok.demo_motion.MOTIONS``,
at the bundled checkpoint's 64x64. 24 videos, chosen from seeds 10,000,000 upward (the
checkpoint was trained on seeds below 1,000,000, so these are held out) by
:func:`select_videos`: seeds in order, each kept unless the slots left are needed for the
motions not yet seen, so every class occurs at least once. Video names are
``video_test_<8-digit seed>`` (:func:`video_name`, :func:`seed_of`).

Classes: the CamelCase of the motion, as THUMOS14 names its classes (``"moving left"`` ->
``MovingLeft``, file ``MovingLeft_test.txt``);
:func:`benchmarks.datasets.thumos14.reader.class_phrase` turns it back into the phrase the
checkpoint was aligned with, which the reader reports as
``info().prompts["MovingLeft"] == "moving left"``.

Times: a segment of frames ``[start, end)`` (end exclusive) is ``start / fps`` to
``end / fps`` seconds. Videos are H.264 at 8 fps, crf 6, every frame a keyframe, as
:mod:`benchmarks.datasets.kinetics.demo` writes them (intra-only coding is bit-reproducible).

This module also holds what the ActivityNet demo (:mod:`benchmarks.datasets.activitynet.demo`)
shares with it: :func:`select_videos`, :func:`segments_in_seconds` and :func:`write_demo_video`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from benchmarks.io.video import write_video
from pyratok.demo import DemoVideo, make_untrimmed
from pyratok.demo_motion import MOTIONS

FRAMES = 96
SIZE = 64  # the bundled checkpoint's frame size
FPS = 8
CRF = 6  # near-lossless; yuv420p chroma subsampling dominates the error
SEED_START = 10_000_000  # held out: the bundled checkpoint was trained on lower seeds
VIDEOS = 24
SPLIT = "test"
_PREFIX = "video_test_"


def motion_class(motion: str) -> str:
    """THUMOS-style class name of a motion: ``"moving left"`` -> ``"MovingLeft"``."""
    return "".join(word.capitalize() for word in motion.split())


def video_name(seed: int) -> str:
    """``video_test_<seed on 8 digits>``."""
    if not 0 <= seed < 10**8:
        raise ValueError(f"seed {seed} does not fit in 8 digits")
    return f"{_PREFIX}{seed:08d}"


def seed_of(name: str) -> int:
    """Inverse of :func:`video_name`."""
    digits = name.removeprefix(_PREFIX)
    if not name.startswith(_PREFIX) or len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"{name!r} is not a demo video name ({_PREFIX}<8-digit seed>)")
    return int(digits)


def select_videos(start_seed: int, count: int) -> Iterator[tuple[int, DemoVideo]]:
    """``count`` untrimmed videos from seeds ``start_seed`` upward covering every motion.

    A seed is kept if it shows a motion not seen yet, or if enough slots remain for the
    motions still missing; otherwise skipped. Deterministic.
    """
    if count < len(MOTIONS):
        raise ValueError(f"need at least {len(MOTIONS)} videos to cover every motion")
    missing, kept = set(MOTIONS), 0
    for seed in itertools.count(start_seed):
        video = make_untrimmed(seed, frames=FRAMES, size=SIZE)
        motions = {s.label for s in video.segments}
        if motions & missing or count - kept - 1 >= len(missing):
            missing -= motions
            kept += 1
            yield seed, video
            if kept == count:
                return


def segments_in_seconds(video: DemoVideo) -> list[tuple[str, float, float]]:
    """``(motion, start / FPS, end_exclusive / FPS)`` of each segment."""
    return [(s.label, s.start / FPS, s.end / FPS) for s in video.segments]


def write_demo_video(path: Path, video: DemoVideo) -> None:
    write_video(path, video.frames, fps=FPS, crf=CRF, keyframe_interval=1)


def build(root: Path) -> None:
    """Write the THUMOS14 demo layout into the empty folder ``root``."""
    lines: dict[str, list[str]] = {motion_class(m): [] for m in MOTIONS}
    for seed, video in select_videos(SEED_START, VIDEOS):
        name = video_name(seed)
        write_demo_video(root / "videos" / f"{name}.mp4", video)
        for motion, start, end in segments_in_seconds(video):
            lines[motion_class(motion)].append(f"{name} {start:.3f} {end:.3f}")
    annotation = root / "annotation"
    annotation.mkdir(parents=True)
    for cls, rows in lines.items():
        text = "".join(row + "\n" for row in rows)
        (annotation / f"{cls}_{SPLIT}.txt").write_text(text, encoding="utf-8")
