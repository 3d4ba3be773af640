"""Raw 8-bit yuv420p (I420) files: frame-by-frame reading and BT.709 colour conversion.

An I420 frame of ``w × h`` pixels is ``w·h`` luma bytes, then ``(w/2)·(h/2)`` Cb and as
many Cr bytes (planar, no header), so frame ``i`` starts at byte ``i · 1.5 · w · h``.
Frames are read one at a time (``np.fromfile`` with an offset): memory stays at one frame
whatever the clip length.

Colour: ITU-R BT.709 with *limited* ("studio", "TV") range, the range MCL-JCV's sources
and every H.264/HEVC/VVC test sequence use — luma 16…235, chroma 16…240 around 128:

    Y  = 16 + 219 · (0.2126 R + 0.7152 G + 0.0722 B)
    Cb = 128 + 224 · (B − Y') / 1.8556,   Cr = 128 + 224 · (R − Y') / 1.5748

with R, G, B in [0, 1] and Y' the bracketed luma. Chroma is upsampled to full size by
repeating each sample over its 2×2 block (nearest neighbour; no filter is implied by the
format). RGB out of range is clipped to [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from benchmarks.io.regular import open_regular

KR, KB = 0.2126, 0.0722  # BT.709 luma coefficients
KG = 1.0 - KR - KB


@dataclass(frozen=True)
class YuvFrame:
    """One 8-bit 4:2:0 frame as planes: ``y`` ``(h, w)``, ``u``/``v`` ``(h/2, w/2)``, uint8."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @classmethod
    def from_i420(cls, data: np.ndarray, width: int, height: int) -> YuvFrame:
        """Split one I420 frame (``1.5·w·h`` bytes, any shape) into planes (views)."""
        flat = np.asarray(data, dtype=np.uint8).reshape(-1)
        n, c = width * height, (width // 2) * (height // 2)
        if flat.size != n + 2 * c:
            raise ValueError(
                f"an I420 {width}x{height} frame has {n + 2 * c} bytes, got {flat.size}"
            )
        y = flat[:n].reshape(height, width)
        u = flat[n : n + c].reshape(height // 2, width // 2)
        v = flat[n + c :].reshape(height // 2, width // 2)
        return cls(y, u, v)

    def to_i420(self) -> np.ndarray:
        """``(1.5·h, w)`` uint8, the layout ``av.VideoFrame.from_ndarray(…, "yuv420p")`` takes."""
        h, w = self.y.shape
        return np.concatenate([self.y.reshape(-1), self.u.reshape(-1), self.v.reshape(-1)]).reshape(
            h * 3 // 2, w
        )


def frame_bytes(width: int, height: int) -> int:
    """Bytes of one 8-bit yuv420p frame."""
    return width * height + 2 * (width // 2) * (height // 2)


def count_frames(path: str | Path, width: int, height: int) -> int:
    """Whole frames in a yuv420p file (a trailing partial frame is not counted)."""
    return Path(path).stat().st_size // frame_bytes(width, height)


def read_yuv_frames(
    path: str | Path, width: int, height: int, *, start: int = 0, count: int | None = None
) -> Iterator[YuvFrame]:
    """Frames ``start … start+count−1`` of a yuv420p file, one at a time.

    Raises:
        ValueError: the file holds fewer frames than asked for.
    """
    size = frame_bytes(width, height)
    available = count_frames(path, width, height)
    count = available - start if count is None else count
    if start < 0 or count < 0 or start + count > available:
        raise ValueError(
            f"{path}: {available} frames of {width}x{height}, asked for frames "
            f"{start}…{start + count - 1}"
        )
    with open_regular(path) as handle:
        handle.seek(start * size)
        for _ in range(count):
            data = np.frombuffer(handle.read(size), dtype=np.uint8)
            yield YuvFrame.from_i420(data, width, height)


# colour -------------------------------------------------------------------------------------


def yuv_to_rgb(frame: YuvFrame) -> Tensor:
    """BT.709 limited-range yuv420p → RGB ``(3, h, w)`` float32 in [0, 1] (clipped)."""
    y = (torch.from_numpy(frame.y.astype(np.float32)) - 16.0) / 219.0
    up = [
        torch.from_numpy(p.astype(np.float32)).repeat_interleave(2, 0).repeat_interleave(2, 1)
        for p in (frame.u, frame.v)
    ]
    h, w = frame.y.shape
    cb, cr = ((c[:h, :w] - 128.0) / 224.0 for c in up)
    r = y + 2 * (1 - KR) * cr
    b = y + 2 * (1 - KB) * cb
    g = (y - KR * r - KB * b) / KG
    return torch.stack([r, g, b]).clamp_(0.0, 1.0)


def rgb_to_luma(rgb: Tensor) -> Tensor:
    """BT.709 limited-range luma ``Y`` (float, 16…235, not rounded) of RGB ``(…, 3, h, w)``
    in [0, 1]."""
    r, g, b = rgb.unbind(-3)
    return 16.0 + 219.0 * (KR * r + KG * g + KB * b)


def rgb_to_yuv(rgb: Tensor) -> YuvFrame:
    """RGB ``(3, h, w)`` in [0, 1] → 8-bit BT.709 limited-range yuv420p (chroma: the mean
    of each 2×2 block; ``h`` and ``w`` even)."""
    rgb = rgb.float().clamp(0, 1)
    r, g, b = rgb.unbind(0)
    luma = KR * r + KG * g + KB * b
    cb = (b - luma) / (2 * (1 - KB))
    cr = (r - luma) / (2 * (1 - KR))
    h, w = luma.shape

    def pool(c: Tensor) -> Tensor:
        return c.reshape(h // 2, 2, w // 2, 2).mean(dim=(1, 3))

    def to8(x: Tensor) -> np.ndarray:
        return x.round().clamp_(0, 255).to(torch.uint8).numpy()

    return YuvFrame(
        y=to8(16.0 + 219.0 * luma),
        u=to8(128.0 + 224.0 * pool(cb)),
        v=to8(128.0 + 224.0 * pool(cr)),
    )
