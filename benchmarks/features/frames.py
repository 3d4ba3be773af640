"""Per-frame image embeddings, for temporal consistency (``tc_<name>``).

- ``effnet_lite0``: the ImageNet EfficientNet-Lite0 of :mod:`benchmarks.features.effnet`
  (offline, in a wheel): every frame resized to 224×224 (bilinear), ImageNet mean/std,
  ``extract_features`` average-pooled over space: 1280-d. Reported as ``tc_effnet_lite0``.
- ``clip``: a local CLIP folder (``clip=PATH``; transformers ``CLIPModel`` or
  ``CLIPVisionModelWithProjection``, ``save_pretrained`` layout): every frame's shorter
  side resized to the model's ``image_size`` (bicubic, antialiased) and centre-cropped, as
  ``CLIPImageProcessor`` does, OpenAI CLIP mean/std, the projected image embedding.
  Reported as ``tc_clip``. No CLIP weights ship offline.

Letters: b clips, t frames, n = b·t frames, d channels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.features.base import FeatureUnavailable
from benchmarks.features.frame_encoders import CLIP_MEAN, CLIP_STD  # OpenAI CLIP's mean/std
from benchmarks.tokenizers.base import from_tokenizer_range

FRAME_BATCH = 64  # frames per network call (bounded memory)
NAMES = ("effnet_lite0", "clip")


@dataclass
class FrameEmbedder:
    """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, t, d)`` float64 per-frame embeddings.

    Attributes:
        name: ``effnet_lite0`` or ``clip``.
        weights: where the weights came from.
        embed: ``(n, 3, h, w)`` in [-1, 1] → ``(n, d)`` (resizing and normalising itself).
        preprocessing: how frames are prepared (recorded in the summary).
    """

    name: str
    weights: str
    embed: Callable[[Tensor], Tensor]
    preprocessing: str

    @property
    def metric_name(self) -> str:
        return f"tc_{self.name}"

    @torch.no_grad()
    def per_frame(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, t, d)`` in the network's dtype."""
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"expected a (b, 3, t, h, w) video, got {tuple(video.shape)}")
        b, _, t = video.shape[:3]
        frames = video.float().transpose(1, 2).flatten(0, 1).clamp(-1, 1)  # (n, 3, h, w)
        out = torch.cat([self.embed(chunk) for chunk in frames.split(FRAME_BATCH)])
        return out.view(b, t, -1)

    def __call__(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, t, d)`` float64 on the CPU."""
        return self.per_frame(video).double().cpu()

    def describe(self) -> dict[str, Any]:
        return {"embedder": self.name, "metric": self.metric_name, "weights": self.weights,
                "preprocessing": self.preprocessing}


def _effnet(device: torch.device) -> FrameEmbedder:
    from benchmarks.features.effnet import create_effnet_lite0

    net = create_effnet_lite0(device=device)

    def embed(frames: Tensor) -> Tensor:
        frames = F.interpolate(frames.to(device), size=(224, 224), mode="bilinear",
                               align_corners=False)
        return net.frame_features(frames)

    return FrameEmbedder("effnet_lite0", net.weights, embed,
                         "224×224 bilinear, ImageNet mean/std, spatial mean of "
                         "extract_features (1280-d)")


def _clip(path: str | None, device: torch.device) -> FrameEmbedder:
    if not path:
        raise FeatureUnavailable("tc_clip needs a local CLIP folder: --task-arg clip=DIR "
                                 "(transformers CLIPModel save_pretrained layout); none ships "
                                 "offline")
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise FeatureUnavailable(f"clip={path}: no config.json there (a transformers CLIP "
                                 "folder is expected)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoConfig, CLIPModel, CLIPVisionModelWithProjection

    config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    if config.model_type == "clip":
        model = CLIPModel.from_pretrained(str(folder), local_files_only=True)
        size = int(config.vision_config.image_size)
    elif config.model_type == "clip_vision_model":
        model = CLIPVisionModelWithProjection.from_pretrained(str(folder), local_files_only=True)
        size = int(config.image_size)
    else:
        raise FeatureUnavailable(f"clip={path}: model_type {config.model_type!r}, expected "
                                 "clip or clip_vision_model")
    model = model.to(device).eval()
    mean = torch.tensor(CLIP_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, device=device).view(1, 3, 1, 1)

    def embed(frames: Tensor) -> Tensor:
        pixels = from_tokenizer_range(frames.to(device))  # (n, 3, h, w) in [0, 1]
        h, w = pixels.shape[-2:]
        scale = size / min(h, w)
        resized = (max(size, round(h * scale)), max(size, round(w * scale)))
        pixels = F.interpolate(pixels, size=resized, mode="bicubic", align_corners=False,
                               antialias=True).clamp(0, 1)
        top, left = (resized[0] - size) // 2, (resized[1] - size) // 2
        pixels = (pixels[..., top : top + size, left : left + size] - mean) / std
        if isinstance(model, CLIPModel):
            out = model.get_image_features(pixel_values=pixels)
            return out if torch.is_tensor(out) else out.pooler_output
        return model(pixel_values=pixels).image_embeds

    return FrameEmbedder("clip", str(folder.resolve()), embed,
                         f"shorter side to {size} (bicubic, antialias), centre crop {size}, "
                         "CLIP mean/std, projected image embedding")


def open_frame_embedder(name: str, *, device: torch.device, clip_path: str | None = None,
                        ) -> tuple[FrameEmbedder | None, str | None]:
    """``(embedder, None)``, or ``(None, reason)`` when its weights are missing."""
    if name not in NAMES:
        raise ValueError(f"tc embedder {name!r}: expected one of {', '.join(NAMES)}")
    try:
        return (_effnet(device) if name == "effnet_lite0" else _clip(clip_path, device)), None
    except FeatureUnavailable as err:
        return None, str(err)
