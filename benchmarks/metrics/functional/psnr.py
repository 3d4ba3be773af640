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

    Each squared difference is taken in the inputs' precision, as scikit-image takes it
    (relative error ~1e-7 for float32, far below what PSNR can show; identical inputs still
    give exactly 0), and summed in float64 so long clips do not lose precision. CPU float32
    and float64 tensors go through one single-threaded numba pass
    (:mod:`~benchmarks.metrics.functional.psnr_cpu`); others (accelerators, half
    precision, tensors that need a gradient) through torch.
    """
    count = math.prod(pred.shape[-dims:])
    if _use_cpu_kernel(pred, target):
        from benchmarks.metrics.functional.psnr_cpu import squared_error_sums

        x, y = _rows(pred, dims), _rows(target, dims, like=pred)
        sums = torch.from_numpy(squared_error_sums(x, y))
        return (sums / count).view(pred.shape[:-dims])
    diff = pred - target
    rows = diff.square_().sum(dim=-1)  # rows of w values in the input precision: fast
    total = rows.sum(dim=tuple(range(-(dims - 1), 0)), dtype=torch.float64) if dims > 1 else rows
    return total.to(torch.float64) / count


def _use_cpu_kernel(pred: Tensor, target: Tensor) -> bool:
    if pred.device.type != "cpu" or pred.dtype not in (torch.float32, torch.float64):
        return False
    if pred.numel() == 0:
        return False
    if pred.dtype != target.dtype or target.device.type != "cpu":
        return False
    if torch.is_grad_enabled() and (pred.requires_grad or target.requires_grad):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _rows(x: Tensor, dims: int, *, like: Tensor | None = None):
    """``x`` as a C-contiguous ``(units, values)`` numpy array, one row per unit (the last
    ``dims`` dimensions), without a copy where the unit's values are one dense block.

    A sum does not care about the order of its terms, so the unit's dimensions are first
    put in memory order (largest stride first) — the order of ``like``'s, so that the
    values of ``x`` and ``like`` still pair up. A transposed ``(c, t, h, w)`` view of a
    ``(t, c, h, w)`` clip is read in place.
    """
    x = x.detach()
    ref = x if like is None else like
    if ref.is_contiguous() and x.is_contiguous():
        return x.view(-1, math.prod(x.shape[x.ndim - dims:])).numpy()
    lead = x.ndim - dims
    order = sorted(range(lead, x.ndim), key=lambda d: -ref.stride(d))
    units = x.permute(*range(lead), *order).reshape(-1, *(x.shape[d] for d in order))
    return units.contiguous().view(units.shape[0], -1).numpy()


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
