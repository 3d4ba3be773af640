"""Latent-grid arithmetic: which frames and pixels a latent cell covers.

A level with stride ``(s_t, s_h, s_w)`` (frames, pixels, pixels) maps a clip of ``t`` frames
at ``h × w`` onto a grid of latent steps and cells. Along time there are two layouts:

- causal (Wan, CogVideoX, Mochi, PyraTok): step 0 codes frame 0 alone, step ``j ≥ 1`` codes
  frames ``(j − 1)·s_t + 1 … j·s_t``, so frame ``f ≥ 1`` lies in step ``(f − 1) // s_t + 1``;
- blocks (everything else): step ``j`` codes frames ``j·s_t … (j + 1)·s_t − 1``, frame ``f``
  lies in step ``f // s_t``.

A causal model that restarts its causal state every ``window`` frames (the PyraTok release:
17-frame windows of 5 steps) repeats that layout per window: window ``k`` starts at frame
``k·window`` and step ``k·(1 + (window − 1) // s_t)``.

The *valid* grid keeps the cells that cover at least one real frame / pixel; what adapters
pad on (to ``1 + 8k`` frames, to a multiple of 16 pixels) lies beyond it. Along ``h``:
``ceil(h / s_h)`` cells, likewise ``w``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _check(num_frames: int, stride: int, window: int | None, causal: bool) -> None:
    if num_frames < 1 or stride < 1:
        raise ValueError(f"need num_frames >= 1 and stride >= 1, got {num_frames}, {stride}")
    if window is not None and (not causal or window < 1 or (window - 1) % stride):
        raise ValueError(
            f"window={window} needs a causal layout and window = 1 + k * stride (stride {stride})"
        )


def _steps_per_window(stride: int, window: int) -> int:
    return 1 + (window - 1) // stride


def num_valid_steps(
    num_frames: int, *, stride: int, causal: bool, window: int | None = None
) -> int:
    """Latent steps that cover at least one of frames ``0 … num_frames − 1``.

    Causal: ``1 + ceil((t − 1) / s)`` (per window); blocks: ``ceil(t / s)``.
    """
    _check(num_frames, stride, window, causal)
    if not causal:
        return math.ceil(num_frames / stride)
    if window is None:
        return 1 + math.ceil((num_frames - 1) / stride)
    full, rest = divmod(num_frames, window)
    steps = full * _steps_per_window(stride, window)
    return steps + (1 + math.ceil((rest - 1) / stride) if rest else 0)


def valid_grid(
    num_frames: int,
    frame_size: tuple[int, int],
    *,
    stride: tuple[int, int, int],
    causal: bool,
    window: int | None = None,
) -> tuple[int, int, int]:
    """``(t', h', w')`` of the valid (unpadded) region of a level with ``stride`` (t, h, w)."""
    s_t, s_h, s_w = stride
    h, w = frame_size
    t_valid = num_valid_steps(num_frames, stride=s_t, causal=causal, window=window)
    return t_valid, math.ceil(h / s_h), math.ceil(w / s_w)


def frame_to_step(
    num_frames: int, *, stride: int, causal: bool, window: int | None = None
) -> Tensor:
    """``(num_frames,)`` int64: the latent step each input frame lies in (see module doc)."""
    _check(num_frames, stride, window, causal)
    frames = torch.arange(num_frames, dtype=torch.int64)
    if not causal:
        return frames // stride
    if window is None:
        return torch.where(frames == 0, 0, (frames - 1) // stride + 1)
    k, r = frames // window, frames % window
    local = torch.where(r == 0, 0, (r - 1) // stride + 1)
    return k * _steps_per_window(stride, window) + local


def step_frames(
    step: int, *, num_frames: int, stride: int, causal: bool, window: int | None = None
) -> range:
    """The input frames latent step ``step`` covers, clipped to ``0 … num_frames − 1``."""
    valid = num_valid_steps(num_frames, stride=stride, causal=causal, window=window)
    if not 0 <= step < valid:
        raise ValueError(f"step {step} is outside the {valid} valid steps of {num_frames} frames")
    if not causal:
        start, stop = step * stride, (step + 1) * stride
    else:
        base = 0
        if window is not None:
            k, step = divmod(step, _steps_per_window(stride, window))
            base = k * window
        if step == 0:
            start, stop = base, base + 1
        else:
            start, stop = base + (step - 1) * stride + 1, base + step * stride + 1
    return range(start, min(stop, num_frames))
