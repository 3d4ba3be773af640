"""Tiny datasets in the official layouts, written into a temporary folder by tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

WEBVID_COLUMNS = ["videoid", "contentUrl", "duration", "page_dir", "name"]


def moving_frames(seed: int, *, frames: int = 20, height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth, moving, deterministic test pattern, ``(t, h, w, 3)`` uint8."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=3)
    out = np.empty((frames, height, width, 3), np.uint8)
    for t in range(frames):
        for c in range(3):
            wave = np.sin(xx / 7.0 + yy / 11.0 + phase[c] + 0.3 * t)
            out[t, :, :, c] = np.clip(127 + 100 * wave, 0, 255).astype(np.uint8)
    return out


def write_webvid(
    root: Path, *, n: int = 4, frames: int = 20, size: tuple[int, int] = (48, 64)
) -> list[str]:
    """``<root>/results_10M_val.csv`` + ``videos/<page_dir>/<videoid>.mp4``; returns ids."""
    from benchmarks.io.video import write_video

    ids = []
    rows = []
    for i in range(n):
        vid, page = f"{1000 + i}", f"{i // 2:03d}_{i // 2:03d}"
        path = root / "videos" / page / f"{vid}.mp4"
        write_video(path, moving_frames(i, frames=frames, height=size[0], width=size[1]), fps=25)
        rows.append([vid, f"https://example.invalid/{vid}.mp4", "PT00H00M01S", page, f"clip {i}"])
        ids.append(vid)
    with (root / "results_10M_val.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(WEBVID_COLUMNS)
        writer.writerows(rows)
    return ids


def webvid_video_path(root: Path, videoid: str) -> Path:
    return next((root / "videos").glob(f"*/{videoid}.mp4"))


def write_coco(root: Path, *, n: int = 3, size: tuple[int, int] = (40, 56)) -> list[str]:
    """``annotations/captions_val2017.json`` + ``val2017/<12-digit id>.jpg``."""
    from PIL import Image

    (root / "val2017").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    for i in range(n):
        image_id = 139 + i
        name = f"{image_id:012d}.jpg"
        Image.fromarray(moving_frames(10 + i, frames=1, height=size[0], width=size[1])[0]).save(
            root / "val2017" / name, quality=95
        )
        images.append({"id": image_id, "file_name": name, "height": size[0], "width": size[1]})
        anns.append({"id": 500 + i, "image_id": image_id, "caption": f"picture {i}"})
    payload = {"images": images, "annotations": anns}
    (root / "annotations" / "captions_val2017.json").write_text(json.dumps(payload))
    return [str(139 + i) for i in range(n)]
