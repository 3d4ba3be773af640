"""The picture of a generation run: generated clips per class, one row per class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from benchmarks.tokenizers.base import from_tokenizer_range

FRAMES_SHOWN = 4


def clip_strip(video: Tensor) -> np.ndarray:
    """``(3, t, h, w)`` in [-1, 1] → ``(h, 4·w, 3)`` uint8: 4 evenly spaced frames."""
    t = video.shape[1]
    picks = sorted({round(k * (t - 1) / (FRAMES_SHOWN - 1)) for k in range(FRAMES_SHOWN)})
    strip = torch.cat(video[:, picks].unbind(1), dim=-1)  # (3, h, k·w)
    pixels = from_tokenizer_range(strip).mul_(255).round().clamp(0, 255).byte()
    return pixels.permute(1, 2, 0).numpy()


def write_grid(path: Path, rows: dict[str, list[Tensor]], *, gap: int = 2) -> Path:
    """One row per class (in the given order), its clips side by side, white gaps."""
    from PIL import Image, ImageDraw

    strips = {name: [clip_strip(c.float().cpu()) for c in clips] for name, clips in rows.items()}
    h, w = next(iter(strips.values()))[0].shape[:2]
    per_row = max(len(s) for s in strips.values())
    label_w = 8 * max(len(n) for n in strips) + 6
    canvas = np.full(((h + gap) * len(strips), label_w + (w + gap) * per_row, 3), 255, np.uint8)
    for r, clips in enumerate(strips.values()):
        for c, strip in enumerate(clips):
            y, x = r * (h + gap), label_w + c * (w + gap)
            canvas[y : y + h, x : x + w] = strip
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    for r, name in enumerate(strips):
        draw.text((2, r * (h + gap) + max(0, h // 2 - 6)), name, fill=(0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, compress_level=1)
    return path
