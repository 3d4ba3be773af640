"""Fitting clips onto a model's latent grid, and trimming decoded video back to the clip.

A VAE takes clips whose frame size is a multiple of its spatial compression and whose
length follows its frame convention (``k * multiple + 1`` frames for a causal model):
``encode`` pads by edge replication to such a size, ``decode`` crops to the encoded one.
Used by the diffusers VAEs (``benchmarks.tokenizers.diffusers_vae``) and the PyraTok release
adapter.
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.base import FrameConvention


def pad_video(
    video: Tensor, *, spatial_multiple: int, frames_to: int, front_frames: int = 0
) -> Tensor:
    """Pad ``(b, 3, t, h, w)`` by edge replication at the end of ``t``, ``h`` and ``w``.

    ``h`` and ``w`` grow to multiples of ``spatial_multiple``; ``t`` grows to ``frames_to``,
    and then ``front_frames`` copies of frame 0 go before the clip (a model whose first
    latent step codes that many frames, VidTok's causal one: ``frames_to + front_frames``
    frames in all).
    """
    _, _, t, h, w = video.shape
    pad_t = frames_to - t
    pad_h = -h % spatial_multiple
    pad_w = -w % spatial_multiple
    if pad_t < 0:
        raise ValueError(f"cannot pad {t} frames down to {frames_to}")
    if front_frames < 0:
        raise ValueError(f"front_frames must be >= 0, got {front_frames}")
    if pad_t == pad_h == pad_w == front_frames == 0:
        return video
    # F.pad order: (w_left, w_right, h_top, h_bottom, t_front, t_back)
    return F.pad(video, (0, pad_w, 0, pad_h, front_frames, pad_t), mode="replicate")


def padded_num_frames(num_frames: int, *, convention: FrameConvention, multiple: int) -> int:
    """Smallest clip length ``>= num_frames`` the model takes (``k * multiple + 1`` if causal)."""
    if convention == "causal":
        return num_frames + (-(num_frames - 1)) % multiple
    if convention == "blocks":
        return max(multiple, math.ceil(num_frames / multiple) * multiple)
    return num_frames


def crop_video(video: Tensor, *, num_frames: int, frame_size: tuple[int, int]) -> Tensor:
    """Trim ``(b, 3, t, h, w)`` to ``num_frames`` and ``frame_size``, clamp to [-1, 1]."""
    h, w = frame_size
    if video.shape[2] < num_frames or video.shape[3] < h or video.shape[4] < w:
        raise ValueError(
            f"decoded video {tuple(video.shape)} is smaller than the encoded clip "
            f"({num_frames} frames of {h}x{w})"
        )
    return video[:, :, :num_frames, :h, :w].clamp(-1.0, 1.0)
