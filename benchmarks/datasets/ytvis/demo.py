"""The YouTube-VIS 2021 and OVIS demo sets: procedural clips of :mod:`pyratok.demo` with
their per-frame instance masks, in the official layouts
(:mod:`benchmarks.datasets.ytvis.reader`).

Built offline (nothing is downloaded) by :mod:`benchmarks.datasets.demo` on first use. A
smoke test of zero-shot video instance segmentation, not YouTube-VIS or OVIS: scores on it
are not comparable with any paper's.

Clips: ``pyratok.demo.make_video(seed, frames=17, size=64)``: 1-3 flat-coloured shapes on
a textured background at the bundled checkpoint's 64x64, each shape a track whose masks
are its visible pixels after occlusion (``DemoVideo.masks``). Seeds from 10,000,000 upward
(the checkpoint was trained on seeds below 1,000,000, so these are held out).

- ``ytvis2021`` (:func:`build`): 16 clips, seeds in order. Layout
  ``train/instances.json`` + ``train/JPEGImages/<video>/<frame:05d>.jpg``.
- ``ovis`` (:func:`build_occluded`): 12 clips with at least two shapes whose outlines
  overlap in some frame (the later-drawn one hides part of the other), as OVIS's heavy
  occlusion; the first such seeds. Layout ``annotations_train.json`` +
  ``train/<video>/<frame:05d>.jpg``.

Categories: the colours the generator paints (``pyratok.demo.PALETTE``, 8 names), named
``"<colour> shape"``, ids 1-8 in palette order; a track's category is its shape's colour.
Why colour and not the shape's name: the bundled checkpoint barely names shapes (its
TRAINING.md: the right shape 26% of the time, chance 20%), and on held-out clips its tokens
read shapes at chance, so a shape vocabulary could not tell a working pipeline from a
broken one; its tokens name colours (84% of the finest level's object tokens). Frames are
JPEG quality 95. Masks are compressed RLE; a frame where a shape is invisible is ``null``,
as in the official files; ``areas`` are the mask areas (``null`` where absent).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from pyratok.demo import PALETTE, DemoVideo, make_video
from pyratok.demo_raster import SHAPE_BOUND

FRAMES = 17
SIZE = 64  # the bundled checkpoint's frame size
SEED_START = 10_000_000  # held out: the bundled checkpoint was trained on lower seeds
VIDEOS = 16
OCCLUDED_VIDEOS = 12
_MAX_SCAN = 5000
COLOURS = list(PALETTE)  # the categories, in palette order


def _overlapping(video: DemoVideo) -> bool:
    """Two shapes whose bounding outlines intersect in some frame."""
    objs = video.objects
    for i in range(len(objs)):
        for j in range(i + 1, len(objs)):
            a, b = objs[i], objs[j]
            dist = np.linalg.norm(a.centres - b.centres, axis=1)
            reach = 0.8 * (SHAPE_BOUND[a.shape] * a.radii + SHAPE_BOUND[b.shape] * b.radii)
            visible = (a.opacity > 0.5) & (b.opacity > 0.5)
            if np.any((dist < reach) & visible):
                return True
    return False


def select_videos(count: int, *, occluded: bool) -> Iterator[tuple[int, DemoVideo]]:
    kept = 0
    for seed in range(SEED_START, SEED_START + _MAX_SCAN):
        video = make_video(seed, frames=FRAMES, size=SIZE)
        if occluded and not (len(video.objects) >= 2 and _overlapping(video)):
            continue
        yield seed, video
        kept += 1
        if kept == count:
            return
    raise RuntimeError(f"only {kept} of {count} demo clips in {_MAX_SCAN} seeds")


def _rle(mask: np.ndarray) -> dict | None:
    from pycocotools import mask as mask_utils

    if not mask.any():
        return None
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _write(root: Path, annotation: Path, frames_dir: Path, count: int, *,
           occluded: bool) -> None:
    from PIL import Image

    videos, annotations = [], []
    for number, (seed, video) in enumerate(select_videos(count, occluded=occluded), start=1):
        name = f"{seed:08d}"
        (frames_dir / name).mkdir(parents=True)
        file_names = []
        for f, frame in enumerate(video.frames):
            file_names.append(f"{name}/{f:05d}.jpg")
            Image.fromarray(frame).save(frames_dir / file_names[-1], quality=95)
        videos.append({"id": number, "file_names": file_names, "width": SIZE,
                       "height": SIZE, "length": FRAMES})
        for obj, masks in zip(video.objects, video.masks, strict=True):
            segs = [_rle(m) for m in masks]
            if all(s is None for s in segs):
                continue
            annotations.append({
                "id": len(annotations) + 1, "video_id": number,
                "category_id": COLOURS.index(obj.colour) + 1, "iscrowd": 0,
                "segmentations": segs,
                "areas": [None if s is None else int(m.sum())
                          for s, m in zip(segs, masks, strict=True)],
                "bboxes": [None] * FRAMES, "height": SIZE, "width": SIZE, "length": 1,
            })
    data = {"info": {"description": "PyraTok demo set (NOT the real benchmark)"},
            "videos": videos, "annotations": annotations,
            "categories": [{"id": i + 1, "name": f"{c} shape", "supercategory": "shape"}
                           for i, c in enumerate(COLOURS)]}
    annotation.parent.mkdir(parents=True, exist_ok=True)
    annotation.write_text(json.dumps(data), encoding="utf-8")


def build(root: Path) -> None:
    """The YouTube-VIS 2021 demo layout into the empty folder ``root``."""
    _write(root, root / "train" / "instances.json", root / "train" / "JPEGImages", VIDEOS,
           occluded=False)


def build_occluded(root: Path) -> None:
    """The OVIS demo layout into the empty folder ``root``."""
    _write(root, root / "annotations_train.json", root / "train", OCCLUDED_VIDEOS,
           occluded=True)
