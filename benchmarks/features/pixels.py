"""``pixels8``: a network-free clip feature for tests and sanity checks.

Each of the clip's 16 frames (FVD protocol preparation, 224×224) is average-pooled to
8×8 RGB; the frames are averaged in 4 equal temporal chunks: 4 × 3 × 8 × 8 = 768 values.
Reported as ``fd_pixels8`` — a pixel-statistics distance, not a learned perceptual one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor

DIM = 4 * 3 * 8 * 8


class PixelFeatures(ClipFeatureExtractor):
    def __init__(self) -> None:
        super().__init__(name="pixels8", metric_name="fd_pixels8", dim=DIM,
                         weights="none (average pooling)")

    def forward(self, clip: Tensor) -> Tensor:
        b, c, t = clip.shape[:3]
        frames = F.adaptive_avg_pool2d(clip.transpose(1, 2).flatten(0, 1), 8)  # (b·t, 3, 8, 8)
        chunks = frames.view(b, 4, t // 4, c, 8, 8).mean(dim=2)  # (b, 4, 3, 8, 8)
        return chunks.flatten(1)


def create_pixels8(*, device: torch.device | str = "cpu", **_: object) -> PixelFeatures:
    return PixelFeatures()
