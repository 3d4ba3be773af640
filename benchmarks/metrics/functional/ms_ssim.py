"""Multi-scale SSIM (Wang, Simoncelli & Bovik, "Multi-scale structural similarity for
image quality assessment", Asilomar 2003, §2-§3).

MS-SSIM over M = 5 scales: scale 1 is the image, scale j + 1 is scale j low-pass filtered
and downsampled by 2. At scales 1…M−1 only the contrast-structure term ``cs_j`` (the mean
of ``(2σxy + C2) / (σx² + σy² + C2)``) is kept; at scale M the full SSIM ``s_M``
(luminance × contrast-structure). Then ``MS-SSIM = s_M^β_M · Π_{j<M} cs_j^β_j`` with the
paper's exponents β = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333) (§3.3, Table 1 of the paper,
fitted to the LIVE study).

As the authors' reference code (``msssim.m``, Z. Wang) does it:

- the SSIM statistics use the 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03 and
  "valid" filtering: only pixels whose window lies inside the image are averaged (the same
  window and borders as :func:`benchmarks.metrics.functional.ssim.ssim`);
- the low-pass filter is the 2×2 mean, with symmetric borders, keeping every second pixel:
  an odd row/column count rounds up, the last row/column averaged with itself.

A negative ``cs_j`` (anti-correlated images) has no real fractional power; like TensorFlow's
``tf.image.ssim_multiscale`` and torchmetrics' ``normalize="relu"``, terms are clamped at 0,
so such a frame scores 0. The coarsest scale must still hold one window: images need at
least 161 pixels on the shorter side (four halvings, rounded up, leave 11;
:func:`ms_ssim_min_size`).

Colour images: MS-SSIM per channel, averaged over channels (as ``ssim`` here and
``tf.image.ssim_multiscale`` do). Computed in float64.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.metrics.functional.psnr import _check_pair
from benchmarks.metrics.functional.ssim import K1, K2, RADIUS, gaussian_window

WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003, §3.3
# Pixels per chunk of channel-images (float64 maps): bounds memory on 1080p clips.
_CHUNK_PIXELS = 2**23


def ms_ssim_min_size(scales: int = len(WEIGHTS)) -> int:
    """Smallest height/width whose coarsest scale still holds an 11×11 window."""
    return (2 * RADIUS + 1) * 2 ** (scales - 1) - 2 ** (scales - 1) + 1


def _filter(x: Tensor, window: Tensor) -> Tensor:
    """Valid-mode separable Gaussian of ``(n, 1, h, w)`` → ``(n, 1, h - 10, w - 10)``."""
    taps = window.numel()
    x = F.conv2d(x, window.view(1, 1, taps, 1))
    return F.conv2d(x, window.view(1, 1, 1, taps))


def _stats(x: Tensor, y: Tensor, window: Tensor, data_range: float) -> tuple[Tensor, Tensor]:
    """Per image, the mean SSIM and the mean contrast-structure term (valid pixels).

    Args:
        x, y: ``(n, 1, h, w)`` float64.

    Returns:
        ``(n,)`` SSIM and ``(n,)`` cs.
    """
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    n = x.shape[0]
    maps = _filter(torch.cat([x, y, x * x, y * y, x * y]), window)  # (5n, 1, h', w')
    mx, my, xx, yy, xy = maps.split(n)
    var_x, var_y, cov = xx - mx * mx, yy - my * my, xy - mx * my
    cs = (2 * cov + c2) / (var_x + var_y + c2)
    luminance = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    return (luminance * cs).mean(dim=(1, 2, 3)), cs.mean(dim=(1, 2, 3))


def _downsample(x: Tensor) -> Tensor:
    """2×2 mean, every second pixel; an odd edge repeats its last row/column (symmetric)."""
    h, w = x.shape[-2:]
    if h % 2 or w % 2:
        x = F.pad(x, (0, w % 2, 0, h % 2), mode="replicate")
    return F.avg_pool2d(x, 2)


def _ms_ssim_images(x: Tensor, y: Tensor, data_range: float, weights: Tensor) -> Tensor:
    """``(n, h, w)`` pairs → ``(n,)`` MS-SSIM, float64."""
    window = gaussian_window().to(x.device)
    x, y = x[:, None].double(), y[:, None].double()
    factors = []
    for j in range(weights.numel()):
        sim, cs = _stats(x, y, window, data_range)
        last = j == weights.numel() - 1
        factors.append((sim if last else cs).clamp(min=0))
        if not last:
            x, y = _downsample(x), _downsample(y)
    stacked = torch.stack(factors, dim=1)  # (n, scales)
    return stacked.pow(weights.to(stacked)).prod(dim=1)


def ms_ssim(
    pred: Tensor,
    target: Tensor,
    data_range: float = 1.0,
    weights: tuple[float, ...] = WEIGHTS,
) -> Tensor:
    """MS-SSIM of each frame: the mean over channels of the per-channel MS-SSIM.

    Args:
        pred: ``(..., c, h, w)`` float, values in ``[0, data_range]``; ``h, w`` at least
            :func:`ms_ssim_min_size` (161 for five scales).
        target: same shape as ``pred``.
        data_range: the value range (1.0 for [0, 1] frames), sets C1 and C2.
        weights: the per-scale exponents, finest first (the paper's five by default).

    Returns:
        ``(...)`` float64.
    """
    _check_pair(pred, target, min_ndim=3, layout="(..., c, h, w)")
    if data_range <= 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    *lead, c, h, w = pred.shape
    need = ms_ssim_min_size(len(weights))
    if min(h, w) < need:
        raise ValueError(
            f"MS-SSIM with {len(weights)} scales needs frames of at least {need}x{need}, "
            f"got {h}x{w}"
        )
    x, y = pred.reshape(-1, h, w), target.reshape(-1, h, w)
    exponents = torch.tensor(weights, dtype=torch.float64)
    chunk = max(1, _CHUNK_PIXELS // (h * w))
    per_channel = torch.cat([
        _ms_ssim_images(x[s : s + chunk], y[s : s + chunk], data_range, exponents)
        for s in range(0, x.shape[0], chunk)
    ])
    return per_channel.view(*lead, c).mean(dim=-1)
