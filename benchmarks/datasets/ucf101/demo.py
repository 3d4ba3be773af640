"""The UCF-101 demo set: procedural clips of :mod:`pyratok.demo` in the UCF-101 layout.

Built offline by :mod:`benchmarks.datasets.demo` on first use into ``ucf101-v1``. A smoke
test of class-conditional generation (gFVD), not UCF-101: scores on it are not
comparable with any paper's.

- Classes: the 10 motions of ``pyratok.demo_motion.MOTIONS`` in CamelCase
  (``MovingLeft`` ... ``Disappearing``), one shape performing one motion per clip
  (``make_video(seed, frames=17, size=32, n_objects=1)``; the class is the motion).
- Seeds from 10,000,000 upward (held out from the bundled checkpoint's training seeds),
  clips kept in seed order until every class has 12: groups g08-g16 (9 clips per class,
  train split 1) and g01-g03 (3 per class, test split 1), one clip ``c01`` per group,
  as in UCF-101's split 1 (test = groups 1-7).
- 32×32 frames (not the checkpoint's 64): the pyratok codes of a 17-frame 32×32 clip are
  688 tokens, short enough for the tiny autoregressive generator to train on 2 CPU cores
  in minutes (2,752 at 64×64).
- ``.avi`` files (MPEG-4 Part 2 in AVI, as UCF-101's xvid), every frame a keyframe at
  q 2, so the set is byte-identical wherever it is built.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import av
import numpy as np

from pyratok.demo import make_video
from pyratok.demo_motion import MOTIONS

FRAMES = 17
SIZE = 32
FPS = 8
SEED_START = 10_000_000
TRAIN_GROUPS = tuple(range(8, 17))
TEST_GROUPS = (1, 2, 3)


def class_name(motion: str) -> str:
    """``"moving left"`` → ``"MovingLeft"`` (UCF-101's CamelCase class names)."""
    return "".join(word.capitalize() for word in motion.split())


CLASSES = [class_name(m) for m in MOTIONS]


def write_avi(path: Path, frames: np.ndarray, *, fps: int = FPS) -> None:
    """``(t, h, w, 3)`` uint8 → MPEG-4 Part 2 AVI, intra-only (reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = 1
        stream.codec_context.qscale = 2
        stream.codec_context.options = {"qscale": "2", "flags": "+qscale", "threads": "1"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame),
                                                                    format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def build(root: Path) -> None:
    """Write the UCF-101 demo set into the empty folder ``root``."""
    lists = root / "ucfTrainTestlist"
    lists.mkdir(parents=True)
    (lists / "classInd.txt").write_text(
        "".join(f"{i} {c}\n" for i, c in enumerate(CLASSES, 1)), encoding="utf-8")
    groups = TEST_GROUPS + TRAIN_GROUPS
    kept: Counter[str] = Counter()
    train, test = [], []
    for seed in itertools.count(SEED_START):
        video = make_video(seed, frames=FRAMES, size=SIZE, n_objects=1)
        cls = class_name(video.objects[0].motion)
        if kept[cls] >= len(groups):
            if min(kept[c] for c in CLASSES) >= len(groups):
                break
            continue
        group = groups[kept[cls]]
        kept[cls] += 1
        rel = f"{cls}/v_{cls}_g{group:02d}_c01.avi"
        write_avi(root / "UCF-101" / rel, np.asarray(video.frames))
        if group in TEST_GROUPS:
            test.append(rel)
        else:
            train.append(f"{rel} {CLASSES.index(cls) + 1}")
    for name, rows in (("trainlist01.txt", train), ("testlist01.txt", test)):
        (lists / name).write_text("".join(f"{r}\n" for r in sorted(rows)), encoding="utf-8")
