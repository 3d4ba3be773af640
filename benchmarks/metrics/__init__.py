"""Metrics: functional PSNR/SSIM/LPIPS, and accumulating ``torchmetrics`` classes.

Functional (torch only)::

    psnr(pred, target, data_range=1.0)       # (..., c, h, w) -> (...), +inf if identical
    mse(pred, target)                        # (..., c, h, w) -> (...)
    psnr_from_mse(mse, data_range=1.0)
    clip_psnr(pred, target, data_range=1.0)  # (..., t, c, h, w) -> (...), MSE over the clip
    ssim(pred, target, data_range=1.0)       # (..., c, h, w) -> (...), matches skimage
    ms_ssim(pred, target, data_range=1.0)    # (..., c, h, w) -> (...), Wang et al. 2003
    load_lpips(device, net="alex"|"vgg")     # LPIPS(pred, target): (..., 3, h, w) -> (...)

Accumulating (``ClipPSNR``, ``FrameSSIM``, ``MeanCI``) subclass ``torchmetrics.Metric``;
they are imported on first use because torchmetrics imports scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from benchmarks.metrics.functional.ms_ssim import ms_ssim, ms_ssim_min_size
from benchmarks.metrics.functional.psnr import clip_psnr, mse, psnr, psnr_from_mse
from benchmarks.metrics.functional.ssim import ssim, ssim_of_mapped
from benchmarks.metrics.lpips import (
    LPIPS,
    LpipsUnavailable,
    load_lpips,
    lpips_if_available,
    lpips_unavailable_reason,
)

if TYPE_CHECKING:
    from benchmarks.metrics.accumulators import ClipPSNR, FrameSSIM
    from benchmarks.metrics.mean_ci import MeanCI, MeanCIResult

_LAZY = {
    "ClipPSNR": "benchmarks.metrics.accumulators",
    "FrameSSIM": "benchmarks.metrics.accumulators",
    "MeanCI": "benchmarks.metrics.mean_ci",
    "MeanCIResult": "benchmarks.metrics.mean_ci",
}

__all__ = [
    "LPIPS",
    "ClipPSNR",
    "FrameSSIM",
    "LpipsUnavailable",
    "MeanCI",
    "MeanCIResult",
    "clip_psnr",
    "load_lpips",
    "lpips_if_available",
    "lpips_unavailable_reason",
    "ms_ssim",
    "ms_ssim_min_size",
    "mse",
    "psnr",
    "psnr_from_mse",
    "ssim",
    "ssim_of_mapped",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
