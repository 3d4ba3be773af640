"""The Kinetics demo set: procedural clips of :mod:`pyratok.demo` in the Kinetics layout.

Built offline (nothing is downloaded, no wheel data) by :mod:`benchmarks.datasets.demo` on
first use into ``kinetics-v1``. A smoke test of zero-shot classification and linear
probing, not Kinetics: scores on it are not comparable with any paper's. It is, though,
the exact check of the bundled checkpoint that ``python -m pyratok.demo_eval`` runs.

Layout (the CVDF mirror's, see :mod:`benchmarks.datasets.kinetics.reader`)::

    annotations/train.csv, annotations/val.csv   label,youtube_id,time_start,time_end,split
    train/<youtube_id>_000000_000003.mp4
    val/<youtube_id>_000000_000003.mp4

Clips: ``pyratok.demo.make_video(seed, frames=17, size=64, n_objects=1)``, the size and
length the bundled checkpoint takes, one shape performing one motion; the class is
``pyratok.demo.class_of(video)``, one of the 49 ``pyratok.demo.CLASSES``.

- val: 100 clips, seeds 10,000,000 ... 10,000,099 (the seeds and clips of
  ``pyratok.demo_eval``'s zero-shot check). The demo checkpoint was trained on seeds
  below 1,000,000, so these are held out.
- train (for a linear probe): seeds from 11,000,000 upward, keeping the first 4 clips of
  each class (in seed order, deterministic) until every class has 4: 196 clips, every
  class present.

Labels are the class name with its article, ``"a circle moving left"`` (the article rule
of ``pyratok.demo.class_prompt``, which returns ``"a video of " + label``), so the prompt
template ``"a video of {}"`` applied to a label gives exactly ``class_prompt(cls)``.

``youtube_id`` is ``"dm-"`` + the 8-digit seed (``dm-10000042``, 11 characters like a
YouTube id; see :func:`youtube_id`, :func:`seed_of`). ``time_start`` is 0 and
``time_end`` the clip's length in whole seconds rounded up (17 frames at 8 fps: 3).
Videos are H.264 at crf 6, 8 fps, every frame a keyframe: x264's multithreaded
inter-frame coding is not bit-reproducible (about 1 encode in 100 differed), intra-only
coding is, so the set is byte-identical wherever it is built. Decoded frames are within a
mean absolute error of about 1.6/255 of the generator's (worst clip 2.7/255), mostly from
yuv420p chroma subsampling.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from benchmarks.datasets.kinetics.reader import clip_stem
from benchmarks.io.video import write_video
from pyratok.demo import CLASSES, DemoVideo, class_of, class_prompt, make_video

FRAMES = 17  # the bundled checkpoint's clip length (4k + 1)
SIZE = 64  # and its frame size
FPS = 8
CRF = 6  # near-lossless: yuv420p chroma subsampling, not the crf, dominates the error
CLIP_SECONDS = math.ceil(FRAMES / FPS)  # time_end of every clip

VAL_SEED_START = 10_000_000  # pyratok.demo_eval's held-out seeds
VAL_CLIPS = 100
TRAIN_SEED_START = 11_000_000
TRAIN_CLIPS_PER_CLASS = 4

_ID_PREFIX = "dm-"
HEADER = ("label", "youtube_id", "time_start", "time_end", "split")


def youtube_id(seed: int) -> str:
    """The demo clip's 11-character id: ``"dm-"`` + the seed on 8 digits."""
    if not 0 <= seed < 10**8:
        raise ValueError(f"seed {seed} does not fit in 8 digits")
    return f"{_ID_PREFIX}{seed:08d}"


def seed_of(clip_id: str) -> int:
    """Inverse of :func:`youtube_id`."""
    if not clip_id.startswith(_ID_PREFIX) or len(clip_id) != 11:
        raise ValueError(f"{clip_id!r} is not a demo clip id ({_ID_PREFIX}<8-digit seed>)")
    return int(clip_id[len(_ID_PREFIX) :])


def label_of(cls: str) -> str:
    """The CSV label of a ``pyratok.demo.CLASSES`` member: ``"a star moving up"``."""
    return class_prompt(cls).removeprefix("a video of ")


def val_seeds() -> list[int]:
    """Seeds of the val clips, in CSV order."""
    return list(range(VAL_SEED_START, VAL_SEED_START + VAL_CLIPS))


def build(root: Path) -> None:
    """Write the Kinetics demo set into the empty folder ``root``."""
    (root / "annotations").mkdir(parents=True)
    for split, clips in (("train", _train_clips()), ("val", _clips(val_seeds()))):
        rows = []
        for seed, video in clips:
            clip_id = youtube_id(seed)
            path = root / split / f"{clip_stem(clip_id, 0, CLIP_SECONDS)}.mp4"
            write_video(path, video.frames, fps=FPS, crf=CRF, keyframe_interval=1)
            rows.append((label_of(class_of(video)), clip_id, 0, CLIP_SECONDS, split))
        with (root / "annotations" / f"{split}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)


def _clips(seeds: Iterable[int]) -> Iterator[tuple[int, DemoVideo]]:
    for seed in seeds:
        yield seed, make_video(seed, frames=FRAMES, size=SIZE, n_objects=1)


def _train_clips() -> Iterator[tuple[int, DemoVideo]]:
    """The first ``TRAIN_CLIPS_PER_CLASS`` clips of each class from ``TRAIN_SEED_START``."""
    kept: Counter[str] = Counter()
    for seed, video in _clips(itertools.count(TRAIN_SEED_START)):
        cls = class_of(video)
        if kept[cls] < TRAIN_CLIPS_PER_CLASS:
            kept[cls] += 1
            yield seed, video
            if len(kept) == len(CLASSES) and min(kept.values()) == TRAIN_CLIPS_PER_CLASS:
                return
