"""The ``example-squares`` demo set: a few synthetic clips of one moving square.

The harness builds it on first use (no ``--data-root``) into
``$PYRATOK_CACHE/demo/example-squares-v1`` and marks it as demo data; it runs in about a
second and needs only numpy and the harness's video writer. A smoke test of the plug-in,
not a benchmark.

- ``CLIPS`` clips, one per seed from ``SEED_START`` upward (held out, like the harness's
  own procedural demo sets: nothing trained here ever saw these seeds). Each seed draws
  a background colour, a square's colour, side and start, and a velocity of 1-4 pixels
  per frame along each axis; the square moves in a straight line and bounces off the borders.
- ``FRAMES`` frames of ``SIZE × SIZE`` pixels at ``FPS``, H.264 lossless (crf 0), so the
  frames the reader decodes are the same wherever the set is built.

Layout (:mod:`.dataset`)::

    <root>/squares.csv          clip_id,file,seed
    <root>/clips/<clip_id>.mp4
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from benchmarks.io.video import write_video

CLIPS = 6
FRAMES = 12
SIZE = 64
FPS = 8
SEED_START = 10_000_000
INDEX = "squares.csv"
COLUMNS = ("clip_id", "file", "seed")


def draw_clip(seed: int, *, frames: int = FRAMES, size: int = SIZE) -> np.ndarray:
    """``(frames, size, size, 3)`` uint8: one square moving over a plain background."""
    rng = np.random.default_rng(seed)
    background, colour = rng.integers(0, 256, size=(2, 3), dtype=np.uint8)
    side = int(rng.integers(size // 8, size // 3))
    position = rng.integers(0, size - side, size=2).astype(np.int64)  # (y, x)
    velocity = rng.integers(1, 5, size=2) * rng.choice([-1, 1], size=2)  # never still
    clip = np.empty((frames, size, size, 3), dtype=np.uint8)
    for k in range(frames):
        clip[k] = background
        y, x = position
        clip[k, y : y + side, x : x + side] = colour
        position = position + velocity
        for axis in range(2):  # bounce off the borders
            if not 0 <= position[axis] <= size - side:
                velocity[axis] = -velocity[axis]
                position[axis] = np.clip(position[axis], 0, size - side)
    return clip


def build(root: Path) -> None:
    """Write the demo set into the empty folder ``root`` (the harness's demo cache calls
    this through the reader's ``demo``)."""
    rows = []
    for index in range(CLIPS):
        seed = SEED_START + index
        clip_id = f"square-{index:02d}"
        file = f"clips/{clip_id}.mp4"
        write_video(root / file, draw_clip(seed), fps=FPS, crf=0)
        rows.append([clip_id, file, seed])
    with (root / INDEX).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
