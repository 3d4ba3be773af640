"""Accumulating PSNR and SSIM on ``torchmetrics.Metric``: thin shells over the functions.

``ClipPSNR`` follows the reconstruction protocol: PSNR per clip from the MSE over the whole
clip, then the mean over clips. ``FrameSSIM`` is the mean of per-frame SSIM. States are
float64 sums reduced with ``sum``, so distributed sync is exact up to summation order.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from benchmarks.metrics.functional.psnr import clip_psnr
from benchmarks.metrics.functional.ssim import ssim
from benchmarks.metrics.summable import SummableMetric


def _clip_psnr_update(pred: Tensor, target: Tensor, data_range: float) -> dict[str, Tensor]:
    """Summed PSNR of the finite clips, the clip count and the count of identical clips."""
    values = clip_psnr(pred, target, data_range).flatten()
    identical = values == math.inf
    return {
        "psnr_sum": values[~identical].sum(),
        "clips": torch.tensor(float(values.numel()), dtype=torch.float64),
        "identical_clips": identical.sum().to(torch.float64),
    }


def _clip_psnr_compute(psnr_sum: Tensor, clips: Tensor, identical_clips: Tensor) -> Tensor:
    """Mean PSNR over clips: ``+inf`` if any clip is identical, NaN if there is none."""
    if clips == 0 or psnr_sum.isnan():
        return torch.tensor(math.nan, dtype=torch.float64)
    if identical_clips > 0:
        return torch.tensor(math.inf, dtype=torch.float64)
    return psnr_sum / clips


def _frame_ssim_update(pred: Tensor, target: Tensor, data_range: float) -> dict[str, Tensor]:
    """Summed SSIM and the frame count."""
    values = ssim(pred, target, data_range)
    return {
        "ssim_sum": values.sum(),
        "frames": torch.tensor(float(values.numel()), dtype=torch.float64),
    }


def _frame_ssim_compute(ssim_sum: Tensor, frames: Tensor) -> Tensor:
    """Mean SSIM over frames; NaN if there is none."""
    if frames == 0:
        return torch.tensor(math.nan, dtype=torch.float64)
    return ssim_sum / frames


class ClipPSNR(SummableMetric):
    """Mean over clips of the per-clip PSNR (dB), each from the MSE over the whole clip.

    ``update(pred, target)`` takes ``(..., t, c, h, w)`` float clips; every leading index is
    one clip. Identical clips have PSNR ``+inf`` and make the mean ``+inf``.

    Args:
        data_range: the value range of the frames (1.0 for [0, 1]).
    """

    higher_is_better = True
    state_names = ("psnr_sum", "clips", "identical_clips")

    def __init__(self, data_range: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_range = data_range

    def update(self, pred: Tensor, target: Tensor) -> None:
        self._add(_clip_psnr_update(pred, target, self.data_range))

    def compute(self) -> Tensor:
        return _clip_psnr_compute(self.psnr_sum, self.clips, self.identical_clips)


# ClipPSNR's shape (data_range, update, compute): each metric declares its own states and
# functional pair, as torchmetrics' classes do; a shared base would hide which is which
class FrameSSIM(SummableMetric):
    """Mean over frames of SSIM (11×11 Gaussian window, σ = 1.5; see ``ssim``).

    ``update(pred, target)`` takes ``(..., c, h, w)`` float frames; every leading index is
    one frame.

    Args:
        data_range: the value range of the frames (1.0 for [0, 1]).
    """

    higher_is_better = True
    state_names = ("ssim_sum", "frames")

    def __init__(self, data_range: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_range = data_range

    def update(self, pred: Tensor, target: Tensor) -> None:
        self._add(_frame_ssim_update(pred, target, self.data_range))

    def compute(self) -> Tensor:
        return _frame_ssim_compute(self.ssim_sum, self.frames)
