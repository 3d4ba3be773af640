"""Real sizes for zero-shot VIS (issue deliverable 5): one OVIS-sized video end to end.

A 36-frame 720x1280 synthetic video (``pyratok.demo.make_video`` at 720x720, placed on a
1280-wide canvas) in the OVIS layout with its masks, run through ``run --task ovis`` with
the bundled checkpoint: frames resized to shorter side 256 (the task's value), the CRF on
a grid whose longer side is ``--crf-max-side`` (default the task's 320), masks scored at
720x1280. Prints wall time and peak RSS (this process and its loader workers).

    python scripts/vis_real_size.py [--crf-max-side 320] [--frames 36]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_video(root: Path, frames: int) -> None:
    from PIL import Image
    from pycocotools import mask as mask_utils

    from pyratok.demo import make_video

    video = make_video(10_000_002, frames=frames, size=720, n_objects=3)
    canvas = np.zeros((frames, 720, 1280, 3), np.uint8)
    canvas[:] = video.frames[:, :, :1].mean(axis=(1, 2), keepdims=True).astype(np.uint8)
    canvas[:, :, 280:1000] = video.frames
    (root / "train" / "v0").mkdir(parents=True)
    names = []
    for f in range(frames):
        names.append(f"v0/{f:05d}.jpg")
        Image.fromarray(canvas[f]).save(root / "train" / names[-1], quality=90)
    anns = []
    from pyratok.demo_raster import SHAPES

    for n, (obj, masks) in enumerate(zip(video.objects, video.masks, strict=True), start=1):
        segs = []
        for m in masks:
            full = np.zeros((720, 1280), np.uint8)
            full[:, 280:1000] = m
            rle = mask_utils.encode(np.asfortranarray(full)) if m.any() else None
            segs.append(None if rle is None else
                        {"size": [720, 1280], "counts": rle["counts"].decode("ascii")})
        anns.append({"id": n, "video_id": 1, "category_id": SHAPES.index(obj.shape) + 1,
                     "iscrowd": 0, "segmentations": segs, "areas": None})
    data = {"videos": [{"id": 1, "file_names": names, "width": 1280, "height": 720,
                        "length": frames}],
            "annotations": anns,
            "categories": [{"id": i + 1, "name": s} for i, s in enumerate(SHAPES)]}
    (root / "annotations_train.json").write_text(json.dumps(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crf-max-side", type=int, default=320)
    parser.add_argument("--frames", type=int, default=36)
    args = parser.parse_args()
    import benchmarks

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ovis"
        write_video(root, args.frames)
        start = time.perf_counter()
        summary = benchmarks.evaluate(
            "ovis", "pyratok", data_root=str(root), output=Path(tmp) / "out", progress=False,
            crf_max_side=args.crf_max_side, templates=["a video of a {}"],
        )
        wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"frames": args.frames, "size": [720, 1280],
                      "crf_max_side": args.crf_max_side, "wall_s": round(wall, 1),
                      "peak_rss_main_MiB": round(own), "peak_rss_worker_MiB": round(children),
                      "n_results": summary["evaluation"]["n_results"],
                      "AP": summary["metrics"]["AP"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
