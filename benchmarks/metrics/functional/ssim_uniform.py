"""SSIM as scikit-image computes it by default: a 7 × 7 uniform window, sample covariances.

``skimage.metrics.structural_similarity(a, b, data_range=R, channel_axis=-1)`` with its
defaults (``win_size=7``, ``gaussian_weights=False``, ``use_sample_covariance=True``,
``K1=0.01``, ``K2=0.03``) is what NVIDIA TokenBench's ``metrics_cli.py`` scores per frame.
scikit-image filters the whole image (``mode="reflect"``) and then averages the SSIM map
with a border of ``(win_size − 1) // 2`` cropped away: every kept position's window lies
inside the image, so the mean is the one over the *valid* 7 × 7 windows, which is what
``avg_pool2d`` without padding gives. Channels are scored separately and averaged.

This is not the harness's default SSIM (:mod:`benchmarks.metrics.functional.ssim`: an
11 × 11 Gaussian window, σ = 1.5, as Wang et al. 2004 and most papers): a task names which.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

WINDOW = 7  # skimage's default win_size
K1, K2 = 0.01, 0.03


def ssim_uniform(pred: Tensor, target: Tensor, *, data_range: float) -> Tensor:
    """``(n, c, h, w)`` → ``(n,)``: each image's SSIM, the mean of its channels' SSIMs.

    Computed in float64 (as scikit-image does); frames must be at least 7 pixels a side.
    """
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(f"expected two (n, c, h, w) tensors of one shape, got "
                         f"{tuple(pred.shape)} and {tuple(target.shape)}")
    if min(pred.shape[-2:]) < WINDOW:
        raise ValueError(f"SSIM needs frames of at least {WINDOW}x{WINDOW} pixels, got "
                         f"{tuple(pred.shape[-2:])}")
    x, y = pred.double(), target.double()
    n, c, h, w = x.shape
    stack = torch.stack([x, y, x * x, y * y, x * y]).reshape(5 * n * c, 1, h, w)
    means = F.avg_pool2d(stack, WINDOW, stride=1).view(5, n, c, h - WINDOW + 1, w - WINDOW + 1)
    ux, uy, uxx, uyy, uxy = means
    points = WINDOW * WINDOW
    cov = points / (points - 1)  # sample covariance, skimage's use_sample_covariance
    vx, vy, vxy = cov * (uxx - ux * ux), cov * (uyy - uy * uy), cov * (uxy - ux * uy)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    ssim_map = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return ssim_map.mean(dim=(-2, -1)).mean(dim=1)

