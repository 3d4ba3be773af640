"""VBench's temporal-quality scores, re-derived from its code (functional, torch only).

VBench (Huang et al., "VBench: Comprehensive Benchmark Suite for Video Generative Models",
CVPR 2024, §3.1 "Temporal Quality"), code at github.com/Vchitect/VBench, commit 45e79ec:

- ``temporal_flickering`` (``vbench/temporal_flickering.py``: ``mae_seq``, ``cal_score``):
  the mean absolute difference (MAD) of each pair of consecutive frames, over pixels and
  channels of 8-bit frames, averaged over the pairs; the clip's score is
  ``(255 - MAD) / 255``, in [0, 1], higher = steadier. Here frames are floats in a range of
  width ``data_range``, so the score is ``1 - MAD / data_range``: the same number on frames
  that hold 8-bit values (``k / 255``), and no 8-bit rounding on others (a resized clip, a
  tokenizer's output). VBench scores only videos its static filter keeps
  (``static_filter.py``: RAFT optical flow, "please ensure the video is static"); this
  function scores the clip it is given (see :mod:`benchmarks.features.temporal`).
- ``subject_consistency`` / ``background_consistency`` (``vbench/subject_consistency.py``,
  ``vbench/background_consistency.py``): per frame ``i >= 1`` of a clip,
  ``(max(0, cos(f[i-1], f[i])) + max(0, cos(f[0], f[i]))) / 2`` on per-frame features
  ``f`` (DINO ViT-B/16, CLIP ViT-B/32), averaged over the clip's ``t - 1`` frames
  (VBench's ``video_results``). :func:`frame_consistency`.
- ``motion_smoothness`` (``vbench/motion_smoothness.py``: ``motion_score``, ``vfi_score``):
  the frames at even indices go through a frame-interpolation model (AMT-S, one
  iteration, ``embt = 1/2``); each predicted middle frame is compared with the true odd
  frame between its two inputs (MAD of 8-bit frames), averaged, and mapped as flickering
  is: ``1 - MAD / data_range``. :func:`interpolation_smoothness` takes the predictions.

All scores are per clip; VBench's dimension score is their mean over videos (flickering,
motion smoothness) or over all frame pairs pooled (the two consistencies; the same as the
mean over clips when every clip has the same length, as in a task of this harness).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

MIN_FRAMES = {"consecutive": 2, "interpolation": 3}  # frames a clip needs for a score


def _frames_axis_check(video: Tensor, need: int, what: str) -> None:
    if video.ndim < 4:
        raise ValueError(f"{what}: expected (..., c, t, h, w), got {tuple(video.shape)}")
    if video.shape[-3] < need:
        raise ValueError(f"{what}: needs clips of at least {need} frames, got "
                         f"{video.shape[-3]}")


def consecutive_mad(video: Tensor) -> Tensor:
    """Mean absolute difference of consecutive frames, averaged over the pairs.

    Args:
        video: ``(..., c, t, h, w)``, ``t >= 2``, any value range.

    Returns:
        ``(...)`` float64, in the video's units (every pair has the same pixel count, so
        the mean over pairs of per-pair means is the mean over all differences).
    """
    _frames_axis_check(video, MIN_FRAMES["consecutive"], "temporal_flickering")
    diff = (video[..., :, 1:, :, :] - video[..., :, :-1, :, :]).abs()  # (..., c, t-1, h, w)
    return diff.flatten(-4).mean(dim=-1, dtype=torch.float64)


def temporal_flickering(video: Tensor, *, data_range: float = 1.0) -> Tensor:
    """VBench's temporal-flickering score of each clip: ``1 - MAD / data_range``.

    Args:
        video: ``(..., c, t, h, w)``, values in a range of width ``data_range``
            ([0, 1]: 1.0; [-1, 1]: 2.0; 8-bit: 255).

    Returns:
        ``(...)`` float64 in [0, 1]; 1 for a still clip.
    """
    return 1.0 - consecutive_mad(video) / data_range


class StreamedFlickering:
    """:func:`temporal_flickering` of a reference clip and its reconstruction, fed in
    consecutive chunks of frames (bounded memory): float64 sums of the consecutive-frame
    differences, the pair across each chunk boundary included.

    Args:
        time_dim: the frames axis of the chunks (``(c, t, h, w)``: 1; ``(t, c, h, w)``: 0).
        data_range: the width of the frames' value range (8-bit: 255; [0, 1]: 1).
    """

    def __init__(self, *, time_dim: int, data_range: float) -> None:
        self.time_dim, self.data_range = time_dim, data_range
        self._sums = {"ref": 0.0, "recon": 0.0}  # summed |frame[i+1] - frame[i]|
        self._values = 0
        self._last: tuple[Tensor, Tensor] | None = None  # the previous chunk's last frames

    def add(self, ref: Tensor, recon: Tensor) -> None:
        """The next frames of the clip (same shape, ``time_dim`` their frames)."""
        d = self.time_dim
        ref, recon = ref.double(), recon.double()
        if self._last is not None:
            ref, recon = torch.cat([self._last[0], ref], d), torch.cat([self._last[1], recon], d)
        steps = ref.shape[d] - 1
        for key, frames in (("ref", ref), ("recon", recon)):
            diff = frames.narrow(d, 1, steps) - frames.narrow(d, 0, steps)
            self._sums[key] += float(diff.abs().sum())
        self._values += ref.narrow(d, 1, steps).numel()
        self._last = (ref.narrow(d, steps, 1), recon.narrow(d, steps, 1))

    def result(self) -> dict[str, float]:
        """``temporal_flickering_ref`` / ``_recon`` / ``_delta`` (recon − ref); empty for a
        clip of one frame."""
        if not self._values:
            return {}
        ref, recon = (1 - self._sums[k] / self._values / self.data_range
                      for k in ("ref", "recon"))
        return {"temporal_flickering_ref": ref, "temporal_flickering_recon": recon,
                "temporal_flickering_delta": recon - ref}


def frame_consistency(features: Tensor) -> Tensor:
    """VBench's subject/background-consistency score from per-frame features.

    Args:
        features: ``(..., t, d)``, ``t >= 2``: one feature vector per frame.

    Returns:
        ``(...)`` float64 in [0, 1]: the mean over frames ``i >= 1`` of
        ``(max(0, cos(f[i-1], f[i])) + max(0, cos(f[0], f[i]))) / 2``.
    """
    if features.ndim < 2 or features.shape[-2] < 2:
        raise ValueError(f"frame_consistency: expected (..., t >= 2, d) features, got "
                         f"{tuple(features.shape)}")
    unit = F.normalize(features.double(), dim=-1)
    to_previous = (unit[..., 1:, :] * unit[..., :-1, :]).sum(-1).clamp(min=0)  # (..., t-1)
    to_first = (unit[..., 1:, :] * unit[..., :1, :]).sum(-1).clamp(min=0)
    return ((to_previous + to_first) / 2).mean(dim=-1)


def interpolation_inputs(video: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """What a frame interpolator sees and must predict (VBench's ``extract_frame``).

    Args:
        video: ``(..., c, t, h, w)``, ``t >= 3``.

    Returns:
        ``(first, second, target)``, each ``(..., c, k, h, w)`` with ``k = ceil(t/2) - 1``:
        frames ``0, 2, 4 …`` paired with the next even frame, and the odd frame between.
    """
    _frames_axis_check(video, MIN_FRAMES["interpolation"], "motion_smoothness")
    even = video[..., :, 0::2, :, :]
    k = even.shape[-3] - 1
    return even[..., :, :-1, :, :], even[..., :, 1:, :, :], video[..., :, 1 : 2 * k : 2, :, :]


def interpolation_smoothness(predicted: Tensor, target: Tensor, *,
                             data_range: float = 1.0) -> Tensor:
    """VBench's motion-smoothness score: ``1 - MAD(predicted, target) / data_range``.

    Args:
        predicted, target: ``(..., c, k, h, w)``: the interpolated middle frames and the
            true ones (:func:`interpolation_inputs`).

    Returns:
        ``(...)`` float64 in [0, 1].
    """
    if predicted.shape != target.shape:
        raise ValueError(f"motion_smoothness: predicted {tuple(predicted.shape)} vs target "
                         f"{tuple(target.shape)}")
    mad = (predicted - target).abs().flatten(-4).mean(dim=-1, dtype=torch.float64)
    return 1.0 - mad / data_range
