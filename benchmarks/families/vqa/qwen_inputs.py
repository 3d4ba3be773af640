"""Qwen2.5-VL inputs built without its processor: MVBench's prompt and the video patches.

A Qwen2.5-VL folder (``save_pretrained`` layout) holds the model, its tokenizer
(``tokenizer.json`` …) and, for a released model, ``preprocessor_config.json``. The
processor classes are not used (their image/video processors want torchvision); instead
this file does what Qwen2-VL's video processor does, with the folder's constants where it
has them (``patch_size``, ``temporal_patch_size``, ``merge_size``, ``min_pixels``,
``max_pixels``, ``image_mean``, ``image_std``) and Qwen2-VL's video defaults otherwise:

- ``smart_resize``: each side rounded to a multiple of ``patch_size * merge_size`` (28),
  the area then scaled into [min_pixels, max_pixels]; bicubic;
- normalised by the CLIP mean and std; frames repeated at the end to a multiple of
  ``temporal_patch_size``;
- cut into ``(grid_t * grid_h * grid_w, 3 * temporal_patch_size * patch * patch)`` patches
  in the processor's order, ``video_grid_thw = (grid_t, grid_h, grid_w)``, and
  ``grid_t * grid_h * grid_w / merge_size**2`` ``<|video_pad|>`` tokens in the prompt.

The prompt is MVBench's (its ``qa_template`` and ``answer_prompt``) in Qwen's chat format::

    <|im_start|>system\\n{system}<|im_end|>\\n<|im_start|>user\\n<|vision_start|>
    <|video_pad|>… <|vision_end|>Question: {q}\\nOptions:\\n(A) …\\n(B) …{suffix}<|im_end|>
    \\n<|im_start|>assistant\\nBest option:(
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.families.vqa.answerers import VQAItem
from benchmarks.families.vqa.parse import option_letter
from benchmarks.io.jsonfile import SMALL_BYTES, read_json
from benchmarks.tokenizers.base import from_tokenizer_range

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # OPENAI_CLIP_MEAN, Qwen2-VL's default
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
VISION_START, VIDEO_PAD, VISION_END = "<|vision_start|>", "<|video_pad|>", "<|vision_end|>"


@dataclass(frozen=True)
class VideoPatching:
    """Qwen2-VL's video preprocessing constants (defaults: its video processor's)."""

    patch_size: int = 14
    temporal_patch_size: int = 2
    merge_size: int = 2
    min_pixels: int = 128 * 28 * 28
    max_pixels: int = 768 * 28 * 28
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    fps: float = 2.0  # frames per second the processor assumes: second_per_grid_ts = tps / fps

    @classmethod
    def from_folder(cls, folder: Path) -> VideoPatching:
        """The folder's preprocessor constants where it has them."""
        values: dict = {}
        for name in ("preprocessor_config.json", "video_preprocessor_config.json"):
            if (folder / name).is_file():
                values.update(read_json(folder / name, max_bytes=SMALL_BYTES))
        size = values.get("size") or {}
        keep = {
            "patch_size": values.get("patch_size"),
            "temporal_patch_size": values.get("temporal_patch_size"),
            "merge_size": values.get("merge_size"),
            "min_pixels": values.get("min_pixels", size.get("shortest_edge")),
            "max_pixels": values.get("max_pixels", size.get("longest_edge")),
            "mean": tuple(values["image_mean"]) if "image_mean" in values else None,
            "std": tuple(values["image_std"]) if "image_std" in values else None,
        }
        return cls(**{k: v for k, v in keep.items() if v is not None})

    def resized(self, height: int, width: int) -> tuple[int, int]:
        """Qwen2-VL's ``smart_resize``."""
        factor = self.patch_size * self.merge_size
        h = max(factor, round(height / factor) * factor)
        w = max(factor, round(width / factor) * factor)
        if h * w > self.max_pixels:
            beta = math.sqrt(height * width / self.max_pixels)
            h = max(factor, math.floor(height / beta / factor) * factor)
            w = max(factor, math.floor(width / beta / factor) * factor)
        elif h * w < self.min_pixels:
            beta = math.sqrt(self.min_pixels / (height * width))
            h = math.ceil(height * beta / factor) * factor
            w = math.ceil(width * beta / factor) * factor
        return h, w

    def patches(self, video: Tensor) -> tuple[Tensor, Tensor]:
        """``video`` ``(3, t, h, w)`` in [-1, 1] → ``(pixel_values_videos, video_grid_thw)``:
        ``(grid_t·grid_h·grid_w, 3·tps·p·p)`` float and ``(1, 3)`` int64."""
        frames = from_tokenizer_range(video.permute(1, 0, 2, 3).float())  # (t, 3, h, w) in [0, 1]
        h, w = self.resized(frames.shape[2], frames.shape[3])
        frames = F.interpolate(frames, size=(h, w), mode="bicubic", align_corners=False)
        mean = torch.tensor(self.mean, device=frames.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=frames.device).view(1, 3, 1, 1)
        frames = (frames - mean) / std
        tps, p, m = self.temporal_patch_size, self.patch_size, self.merge_size
        if frames.shape[0] % tps:  # repeat the last frame, as the processor does
            pad = tps - frames.shape[0] % tps
            frames = torch.cat([frames, frames[-1:].expand(pad, -1, -1, -1)])
        gt, gh, gw = frames.shape[0] // tps, h // p, w // p
        x = frames.reshape(gt, tps, 3, gh // m, m, p, gw // m, m, p)
        x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)  # (gt, gh/m, gw/m, m, m, 3, tps, p, p)
        flat = x.reshape(gt * gh * gw, 3 * tps * p * p)
        return flat, torch.tensor([[gt, gh, gw]], dtype=torch.long)

    def n_tokens(self, grid_thw: Tensor) -> int:
        """``<|video_pad|>`` tokens of one video in the prompt."""
        return int(grid_thw.prod()) // self.merge_size**2


def question_text(item: VQAItem, suffix: str) -> str:
    """MVBench's ``qa_template``: ``Question: …\\nOptions:\\n(A) …`` (then ``suffix``)."""
    text = f"Question: {item.question}\nOptions:\n"
    text += "".join(f"({option_letter(i)}) {c}\n" for i, c in enumerate(item.candidates))
    return text.rstrip() + suffix


def chat_prompt(item: VQAItem, n_vision: int, *, system: str, suffix: str,
                answer_prompt: str) -> str:
    """The whole prompt with ``n_vision`` ``<|video_pad|>`` placeholders."""
    vision = VISION_START + VIDEO_PAD * n_vision + VISION_END
    return (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{vision}"
            f"{question_text(item, suffix)}<|im_end|>\n<|im_start|>assistant\n{answer_prompt}")
