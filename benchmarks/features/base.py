"""What a clip feature extractor is: a frozen network mapping clips to one vector each.

The FVD protocol (StyleGAN-V's, Skorokhodov et al. 2022, which follows Unterthiner et al.
2018): the first ``frames`` (16) frames of each clip, every frame resized to 224×224
(bilinear), values in [-1, 1], layout ``(b, c, t, h, w)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


class FeatureUnavailable(RuntimeError):
    """An extractor's weights are missing: the message says what to place where."""


@dataclass(frozen=True)
class ClipProtocol:
    """How clips are prepared for an extractor (recorded in every summary).

    Attributes:
        frames: frames per clip fed to the network (the first ``frames`` of the clip).
        resolution: frames are resized to ``resolution × resolution`` (bilinear).
        value_range: the network's input range.
        layout: the network's input layout.
    """

    frames: int = 16
    resolution: int = 224
    value_range: tuple[float, float] = (-1.0, 1.0)
    layout: str = "b c t h w"

    def to_dict(self) -> dict[str, Any]:
        return {"frames": self.frames, "resolution": self.resolution,
                "value_range": list(self.value_range), "layout": self.layout}


@dataclass
class ClipFeatureExtractor:
    """A frozen clip → vector network.

    Attributes:
        name: registry name (``"i3d"``, ``"effnet_lite0"``).
        metric_name: what a distance over these features is called (``"fvd"``,
            ``"fd_effnet_lite0"``); the reconstruction family prefixes ``r``.
        dim: feature dimension.
        weights: where the weights came from.
        protocol: clip preparation.
        extra: further facts for the summary.
    """

    name: str
    metric_name: str
    dim: int
    weights: str
    protocol: ClipProtocol = field(default_factory=ClipProtocol)
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"extractor": self.name, "metric": self.metric_name, "dim": self.dim,
                "weights": self.weights, **self.protocol.to_dict(), **self.extra}

    def prepare(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` in [-1, 1] → the first ``frames`` frames at the protocol's
        resolution, ``(b, 3, frames, r, r)`` float32 in [-1, 1]."""
        frames, size = self.protocol.frames, self.protocol.resolution
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"expected a (b, 3, t, h, w) video, got {tuple(video.shape)}")
        if video.shape[2] < frames:
            raise ValueError(f"the FVD protocol needs {frames} frames, got {video.shape[2]}")
        b = video.shape[0]
        clip = video[:, :, :frames].float().transpose(1, 2).flatten(0, 1)  # (b·t, 3, h, w)
        if clip.shape[-2:] != (size, size):
            clip = F.interpolate(clip, size=(size, size), mode="bilinear", align_corners=False)
        return clip.clamp(-1, 1).view(b, frames, 3, size, size).transpose(1, 2)

    @torch.no_grad()
    def __call__(self, video: Tensor) -> np.ndarray:
        """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, dim)`` float64 features."""
        return self.forward(self.prepare(video)).double().cpu().numpy()

    def forward(self, clip: Tensor) -> Tensor:
        """``(b, 3, frames, r, r)`` in [-1, 1] → ``(b, dim)``."""
        raise NotImplementedError

    def to(self, device: torch.device) -> ClipFeatureExtractor:
        return self
