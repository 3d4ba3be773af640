"""Peak signal-to-noise ratio, per frame and per clip.

``PSNR = 10 · log10(data_range² / MSE)``, as ``skimage.metrics.peak_signal_noise_ratio``
computes it: the squared error is averaged in float64 over every pixel of the unit being
scored (a frame ``(c, h, w)`` or a whole clip ``(t, c, h, w)``). Identical inputs give
``MSE = 0`` and ``PSNR = +inf``.

The reconstruction protocol scores PSNR per *clip* from the MSE over the whole clip (not the
mean of per-frame PSNRs, which over-weights near-perfect frames), then averages over clips.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _check_pair(pred: Tensor, target: Tensor, *, min_ndim: int, layout: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )
    if pred.ndim < min_ndim:
        raise ValueError(f"expected a tensor shaped {layout}, got {tuple(pred.shape)}")
    if not (pred.is_floating_point() and target.is_floating_point()):
        raise TypeError(f"expected float tensors, got {pred.dtype} and {target.dtype}")


def _mean_squared_error(pred: Tensor, target: Tensor, dims: int) -> Tensor:
    """Float64 mean of the squared difference over the last ``dims`` dimensions.

    The difference, its square and the sum of each row are taken in the inputs' precision
    (relative error ~1e-7 for float32, far below what PSNR can show; identical inputs still
    give exactly 0); rows are summed in float64 so long clips do not lose precision.
    """
    diff = pred - target
    rows = diff.square_().sum(dim=-1)  # rows of w values in the input precision: fast
    total = rows.sum(dim=tuple(range(-(dims - 1), 0)), dtype=torch.float64) if dims > 1 else rows
    return total.to(torch.float64) / math.prod(diff.shape[-dims:])


def mse(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error of each frame.

    Args:
        pred: ``(..., c, h, w)`` float.
        target: same shape as ``pred``.

    Returns:
        ``(...)`` float64, the mean over ``c, h, w``.
    """
    _check_pair(pred, target, min_ndim=3, layout="(..., c, h, w)")
    return _mean_squared_error(pred, target, dims=3)


def psnr_from_mse(mse: Tensor, data_range: float = 1.0) -> Tensor:
    """PSNR in dB from a mean squared error.

    Args:
        mse: any shape, non-negative.
        data_range: the value range of the signal (1.0 for [0, 1], 255 for 8-bit).

    Returns:
        Same shape as ``mse``, float64; ``+inf`` where ``mse == 0``.
    """
    if data_range <= 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    mse = torch.as_tensor(mse, dtype=torch.float64)
    # x / 0 is +inf and log10(+inf) is +inf: identical inputs need no special case.
    return 10.0 * torch.log10(data_range**2 / mse)


def psnr(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """PSNR of each frame.

    Args:
        pred: ``(..., c, h, w)`` float, values in ``[0, data_range]``.
        target: same shape as ``pred``.
        data_range: the value range (1.0 for [0, 1] frames).

    Returns:
        ``(...)`` float64 in dB; ``+inf`` for identical frames.
    """
    return psnr_from_mse(mse(pred, target), data_range)


def clip_psnr(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """PSNR of each clip, from the MSE over all of the clip's frames.

    Args:
        pred: ``(..., t, c, h, w)`` float, values in ``[0, data_range]``.
        target: same shape as ``pred``.
        data_range: the value range (1.0 for [0, 1] frames).

    Returns:
        ``(...)`` float64 in dB; ``+inf`` for identical clips.
    """
    _check_pair(pred, target, min_ndim=4, layout="(..., t, c, h, w)")
    return psnr_from_mse(_mean_squared_error(pred, target, dims=4), data_range)
