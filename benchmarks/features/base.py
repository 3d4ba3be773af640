"""What a clip feature extractor is: a frozen network mapping clips to one vector each.

How clips are prepared for it is a :class:`ClipProtocol`, part of a named distance
protocol (:mod:`benchmarks.features.protocols`). The default is the harness's FVD
(``fvd-styleganv``): the first 16 frames of each clip, every frame resized to 224×224
(bilinear), values in [-1, 1], layout ``(b, c, t, h, w)``.
"""

from __future__ import annotations

import math
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
        frames: frames per clip fed to the network (the first ``frames`` of the clip,
            every ``stride``-th).
        resolution: the network's frame size ``resolution × resolution``.
        value_range: the network's input range.
        layout: the network's input layout.
        stride: take every ``stride``-th frame.
        resize: ``"bilinear to r×r"`` (the whole frame, aspect not kept) or ``"shorter
            side to r, bilinear (size rounded up)"`` (then cropped by ``crop``).
        crop: ``"none"`` or ``"center"``.
        quantize: ``"none"`` or ``"floor(255·x) uint8"`` (frames in [0, 1] truncated to
            uint8 first, as code that feeds ``(x * 255).astype(uint8)`` does).
        normalisation: applied by the extractor itself (recorded, e.g. ImageNet mean/std).
    """

    frames: int = 16
    resolution: int = 224
    value_range: tuple[float, float] = (-1.0, 1.0)
    layout: str = "b c t h w"
    stride: int = 1
    resize: str = "bilinear to r×r"
    crop: str = "none"
    quantize: str = "none"
    normalisation: str = "none"

    def __post_init__(self) -> None:
        if self.resize not in RESIZE_RULES or self.crop not in ("none", "center"):
            raise ValueError(f"resize {self.resize!r} / crop {self.crop!r}: expected one of "
                             f"{RESIZE_RULES} and none|center")
        if self.quantize not in ("none", QUANTIZE_UINT8):
            raise ValueError(f"quantize {self.quantize!r}: expected none or {QUANTIZE_UINT8!r}")

    @property
    def span(self) -> int:
        """Frames of the clip the protocol reads: ``(frames − 1) · stride + 1``."""
        return (self.frames - 1) * self.stride + 1

    def to_dict(self) -> dict[str, Any]:
        return {"frames": self.frames, "stride": self.stride, "resolution": self.resolution,
                "resize": self.resize, "crop": self.crop, "value_range": list(self.value_range),
                "quantize": self.quantize, "normalisation": self.normalisation,
                "layout": self.layout}


RESIZE_RULES = ("bilinear to r×r", "shorter side to r, bilinear (size rounded up)")
QUANTIZE_UINT8 = "floor(255·x) uint8"


def _resize_frames(frames: Tensor, protocol: ClipProtocol) -> Tensor:
    """``(n, 3, h, w)`` → ``(n, 3, r, r)`` by the protocol's resize and crop rules."""
    size = protocol.resolution
    h, w = frames.shape[-2:]
    if protocol.resize == RESIZE_RULES[0]:
        if (h, w) != (size, size):
            frames = F.interpolate(frames, size=(size, size), mode="bilinear",
                                   align_corners=False)
        return frames
    scale = size / min(h, w)  # VideoGPT videogpt/data.py preprocess
    target = (size, math.ceil(w * scale)) if h < w else (math.ceil(h * scale), size)
    if target != (h, w):
        frames = F.interpolate(frames, size=target, mode="bilinear", align_corners=False)
    top, left = (frames.shape[-2] - size) // 2, (frames.shape[-1] - size) // 2
    return frames[..., top : top + size, left : left + size]


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
        weights_loaded: digests of the weights files loaded (:mod:`benchmarks.features.weights`).
    """

    name: str
    metric_name: str
    dim: int
    weights: str
    protocol: ClipProtocol = field(default_factory=ClipProtocol)
    extra: dict[str, Any] = field(default_factory=dict)
    weights_loaded: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"extractor": self.name, "metric": self.metric_name, "dim": self.dim,
                "weights": self.weights, **self.protocol.to_dict(), **self.extra}

    def prepare(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` in [-1, 1] → the protocol's ``frames`` frames at its
        resolution, ``(b, 3, frames, r, r)`` float32 in the protocol's value range."""
        p = self.protocol
        frames, size = p.frames, p.resolution
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"expected a (b, 3, t, h, w) video, got {tuple(video.shape)}")
        if video.shape[2] < p.span:
            raise ValueError(f"the FVD protocol needs {p.span} frames, got {video.shape[2]}")
        b = video.shape[0]
        clip = video[:, :, : p.span : p.stride].float()
        if p.quantize == QUANTIZE_UINT8:  # [-1, 1] → uint8 levels by truncation → [-1, 1]
            clip = torch.floor((clip.clamp(-1, 1) + 1) * 127.5) / 127.5 - 1
        clip = _resize_frames(clip.transpose(1, 2).flatten(0, 1), p)  # (b·t, 3, r, r)
        clip = clip.clamp(-1, 1).reshape(b, frames, 3, size, size).transpose(1, 2)
        low, high = p.value_range
        if (low, high) != (-1.0, 1.0):
            clip = (clip + 1) * ((high - low) / 2) + low
        return clip

    @torch.no_grad()
    def __call__(self, video: Tensor) -> np.ndarray:
        """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, dim)`` float64 features."""
        return self.forward(self.prepare(video)).double().cpu().numpy()

    def forward(self, clip: Tensor) -> Tensor:
        """``(b, 3, frames, r, r)`` in [-1, 1] → ``(b, dim)``."""
        raise NotImplementedError

    def to(self, device: torch.device) -> ClipFeatureExtractor:
        return self
