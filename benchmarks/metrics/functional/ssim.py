"""Structural similarity (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004, §III-B and §III-C).

SSIM with an 11×11 Gaussian window (σ = 1.5), K1 = 0.01, K2 = 0.03 and population
(co)variances, computed per channel and averaged over channels. It equals
``skimage.metrics.structural_similarity(a, b, channel_axis=..., data_range=...,
gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`` to float rounding.

Borders, as scikit-image handles them: skimage filters the whole image (``mode="reflect"``,
``truncate=3.5`` → radius ``int(3.5·1.5 + 0.5) = 5``, an 11-tap kernel), then crops
``(win_size - 1) // 2 = 5`` pixels from every border of the SSIM map before averaging. The
kept pixels are exactly those whose window lies inside the image, so the padding never
reaches them: we filter in "valid" mode only and average the same ``(h - 10) × (w - 10)``
pixels. Frames must be at least 11×11.

How it is fast: the four maps ``x', y', x'² + y'², x'y'`` (all SSIM needs) are filtered by
the separable Gaussian as two batched GEMMs with a banded ``(16, 26)`` matrix over
overlapping 26-row (then 26-column) windows, one channel-image at a time on the CPU so the
maps stay in cache, all at once on accelerators.

Precision: float32 on the CPU (float64 for float64 input, and always on accelerators so
TF32 settings cannot matter). Each image pair is shifted by its mean before the second
moments, so ``E[x'²] - E[x']²`` cancels little; the map is summed in float64. Against
skimage: ~1e-8 on natural images, below 5e-5 on adversarial ones (half-black/half-white
frames with 1e-4 noise, where the cancellation is at its worst).
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.metrics.functional.psnr import _check_pair

SIGMA = 1.5
RADIUS = 5  # int(truncate * sigma + 0.5) with skimage's truncate = 3.5: an 11-tap window
K1 = 0.01
K2 = 0.03

# Output rows/columns per GEMM block: small blocks waste fewer multiplications on the band's
# zeros ((_BLOCK + 10) per output instead of 11); 16 was fastest on AVX-512 with MKL.
_BLOCK = 16
# Pixels per chunk on the CPU (channel-images × h × w): the chunk's maps stay in L2/L3.
_CPU_CHUNK_PIXELS = 2**16
# On accelerators one chunk holds up to this many pixels (bounded for memory only).
_DEVICE_CHUNK_PIXELS = 2**25


def gaussian_window(sigma: float = SIGMA, radius: int = RADIUS) -> Tensor:
    """The normalised 1-D Gaussian kernel of ``scipy.ndimage.gaussian_filter``.

    Returns:
        ``(2 * radius + 1,)`` float64, summing to 1.
    """
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    weights = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return weights / weights.sum()


def _band(block: int, window: Tensor) -> Tensor:
    """``(block, block + taps - 1)`` matrix whose row ``i`` holds the window at column ``i``."""
    taps = window.numel()
    band = window.new_zeros(block, block + taps - 1)
    for i in range(block):
        band[i, i : i + taps] = window
    return band


class _ChunkFilter:
    """Valid-mode separable filtering of ``(h_pad, 4, n, w_pad)`` buffers by banded GEMMs.

    The input is zero-padded to whole blocks of rows and columns so that each pass is one
    batched GEMM over overlapping windows (a strided view, no copy); outputs past
    ``h_out``/``w_out`` are padding and are discarded by the caller. Buffers are allocated
    once per chunk size and reused.
    """

    def __init__(self, h: int, w: int, *, dtype: torch.dtype, device: torch.device) -> None:
        self.h, self.w = h, w
        self.h_out, self.w_out = h - 2 * RADIUS, w - 2 * RADIUS
        self.row_blocks = -(-self.h_out // _BLOCK)
        self.col_blocks = -(-self.w_out // _BLOCK)
        self.h_pad = self.row_blocks * _BLOCK + 2 * RADIUS
        self.w_pad = self.col_blocks * _BLOCK + 2 * RADIUS
        self.dtype, self.device = dtype, device
        band = _band(_BLOCK, gaussian_window()).to(device=device, dtype=dtype)  # (B, B + 10)
        self.rows_band = band.expand(self.row_blocks, *band.shape)
        self.cols_band = band.t().expand(self.col_blocks, *band.t().shape)  # (cb, B + 10, B)
        self._buffers: dict[int, tuple[Tensor, Tensor, Tensor]] = {}

    def buffers(self, n: int) -> tuple[Tensor, Tensor, Tensor]:
        """Input ``(h_pad, 4, n, w_pad)``, row-filtered ``(rb·B, 4, n, w_pad)``, output."""
        if n not in self._buffers:
            kw = {"dtype": self.dtype, "device": self.device}
            rows = self.row_blocks * _BLOCK
            self._buffers[n] = (
                torch.zeros(self.h_pad, 4, n, self.w_pad, **kw),
                torch.empty(rows, 4, n, self.w_pad, **kw),
                torch.empty(self.col_blocks, rows, 4, n, _BLOCK, **kw),
            )
        return self._buffers[n]

    def __call__(self, n: int) -> Tensor:
        """Filter the ``n``-image input buffer.

        Returns:
            ``(col_blocks, h_out, 4, n, B)``: output column ``j·B + k`` of each map lives at
            ``[j, :, :, :, k]``; in the last block, columns at or past ``w_out`` are padding.
        """
        src, rows, out = self.buffers(n)
        taps = 2 * RADIUS + 1
        width = 4 * n * self.w_pad
        # Row windows: block i reads input rows [i·B, i·B + B + 10).
        windows = src.as_strided(
            (self.row_blocks, _BLOCK + taps - 1, width), (_BLOCK * width, width, 1)
        )
        torch.bmm(self.rows_band, windows, out=rows.view(self.row_blocks, _BLOCK, width))
        lines = rows.view(-1, self.w_pad)  # (rb·B·4·n, w_pad)
        windows = lines.as_strided(
            (self.col_blocks, lines.shape[0], _BLOCK + taps - 1), (_BLOCK, self.w_pad, 1)
        )
        torch.bmm(windows, self.cols_band, out=out.view(self.col_blocks, lines.shape[0], _BLOCK))
        return out[:, : self.h_out]


def _compute_dtype(x: Tensor) -> torch.dtype:
    # Accelerators run in float64 so TF32 matmul settings can never change the metric.
    if x.dtype == torch.float64 or x.device.type != "cpu":
        return torch.float64
    return torch.float32


def _half_ssim_map(
    a: Tensor, b: Tensor, q: Tensor, p: Tensor, *, centre: Tensor, c1: float
) -> Tensor:
    """Half the SSIM map from the filtered maps of images shifted by ``-centre``.

    With ``x' = x - c`` and ``y' = y - c``: ``a = E[x'] = μx - c``, ``b = E[y'] = μy - c``,
    ``q = E[x'² + y'²] + C2`` and ``p = E[x'y'] + C2/2`` (the constants are added before
    filtering, where they cost nothing). Then, with ``L = 2c(a + b) + 2c² + C1``::

        2μxμy + C1 = 2ab + L            μx² + μy² + C1 = a² + b² + L
        (2σxy + C2) / 2 = p - ab        σx² + σy² + C2 = q - a² - b²

    The factor 2 of ``2σxy + C2`` is left to the caller (one multiply on the sum instead of
    one per pixel). Inputs may be overwritten.

    Args:
        a, b, q, p: ``(..., m, k)`` filtered maps of ``m`` images.
        centre: ``(m, 1)`` the shift ``c`` of each image.

    Returns:
        ``(..., m, k)``, half the SSIM of each pixel.
    """
    shared = torch.add(a, b).mul_(2 * centre).add_(2 * centre * centre + c1)  # L
    lum_num = torch.addcmul(shared, a, b, value=2)
    lum_den = torch.addcmul(shared, a, a).addcmul_(b, b)
    half_cs_num = torch.addcmul(p, a, b, value=-1)
    cs_den = torch.addcmul(q, a, a, value=-1).addcmul_(b, b, value=-1)
    return lum_num.mul_(half_cs_num).div_(lum_den.mul_(cs_den))


@torch.no_grad()
def _mean_ssim(x: Tensor, y: Tensor, data_range: float) -> Tensor:
    """Mean SSIM of each single-channel image.

    Args:
        x, y: ``(n, h, w)`` float, same shape, ``h, w >= 11``.

    Returns:
        ``(n,)`` float64.
    """
    n, h, w = x.shape
    dtype = _compute_dtype(x)
    filt = _ChunkFilter(h, w, dtype=dtype, device=x.device)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    c2_full = torch.tensor(c2, dtype=dtype, device=x.device)
    c2_half = torch.tensor(c2 / 2, dtype=dtype, device=x.device)
    budget = _CPU_CHUNK_PIXELS if x.device.type == "cpu" else _DEVICE_CHUNK_PIXELS
    chunk = max(1, min(n, budget // (h * w)))
    keep = filt.w_out - (filt.col_blocks - 1) * _BLOCK  # valid columns in the last block
    totals = torch.empty(n, dtype=torch.float64, device=x.device)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        xs, ys = x[start : start + m], y[start : start + m]
        # Shift each image pair by its mean: float32's E[x'²] - E[x']² then cancels little
        # wherever the image is near its mean (flat, fades, black or white frames).
        centre = (xs.mean(dim=(1, 2), dtype=dtype) + ys.mean(dim=(1, 2), dtype=dtype)) / 2
        src = filt.buffers(m)[0][:h, :, :, :w].permute(1, 2, 0, 3)  # (4, m, h, w) view
        xc = torch.sub(xs, centre[:, None, None], out=src[0])
        yc = torch.sub(ys, centre[:, None, None], out=src[1])
        torch.addcmul(c2_full, xc, xc, out=src[2]).addcmul_(yc, yc)  # only σx² + σy² is needed
        torch.addcmul(c2_half, xc, yc, out=src[3])
        a, b, q, p = filt(m).unbind(2)  # each (col_blocks, h_out, m, B)
        half_ssim = _half_ssim_map(a, b, q, p, centre=centre[:, None], c1=c1)
        half_ssim[-1, ..., keep:] = 0  # padding columns
        # float32 sums of col_blocks·B values per row, then float64 over the rows.
        row_sums = half_ssim.sum(dim=(0, 3))  # (h_out, m)
        totals[start : start + m] = row_sums.sum(dim=0, dtype=torch.float64)
    return totals * (2 / (filt.h_out * filt.w_out))


def ssim(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """SSIM of each frame: the mean over channels of the per-channel mean SSIM.

    Args:
        pred: ``(..., c, h, w)`` float, values in ``[0, data_range]``; ``h, w >= 11``.
        target: same shape as ``pred``.
        data_range: the value range (1.0 for [0, 1] frames), sets C1 and C2.

    Returns:
        ``(...)`` float64. Borders: the ``(h - 10) × (w - 10)`` pixels whose 11×11 window
        lies inside the frame are averaged, as skimage does by cropping 5 pixels from each
        border of its reflect-padded SSIM map (see the module docstring).
    """
    _check_pair(pred, target, min_ndim=3, layout="(..., c, h, w)")
    return _ssim(pred, target, data_range=data_range, scale=1.0, offset=0.0)


def ssim_of_mapped(
    pred: Tensor, target: Tensor, *, scale: float, offset: float, data_range: float = 1.0
) -> Tensor:
    """``ssim(scale · pred + offset, scale · target + offset)`` without materialising the map.

    The harness compares tokenizer outputs in [-1, 1] as [0, 1] frames with
    ``scale = offset = 0.5``; on the CPU kernel the map costs nothing.
    """
    _check_pair(pred, target, min_ndim=3, layout="(..., c, h, w)")
    return _ssim(pred, target, data_range=data_range, scale=scale, offset=offset)


def _ssim(pred: Tensor, target: Tensor, *, data_range: float, scale: float, offset: float):
    if data_range <= 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    *lead, c, h, w = pred.shape
    win = 2 * RADIUS + 1
    if h < win or w < win:
        raise ValueError(f"SSIM needs frames of at least {win}x{win}, got {h}x{w}")
    x, y = pred.reshape(-1, h, w), target.reshape(-1, h, w)
    if _use_cpu_kernel(x):
        per_channel = _mean_ssim_cpu(x, y, data_range, scale=scale, offset=offset)
    else:
        if (scale, offset) != (1.0, 0.0):
            x, y = x * scale + offset, y * scale + offset
        per_channel = _mean_ssim(x, y, data_range)
    return per_channel.view(*lead, c).mean(dim=-1)


def _use_cpu_kernel(x: Tensor) -> bool:
    """The fused numba kernel serves float32/16 CPU tensors when numba is installed."""
    if x.device.type != "cpu" or x.dtype == torch.float64:
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@torch.no_grad()
def _mean_ssim_cpu(
    x: Tensor, y: Tensor, data_range: float, *, scale: float = 1.0, offset: float = 0.0
) -> Tensor:
    import numpy as np

    from benchmarks.metrics.functional.ssim_cpu import mean_ssim_images

    win = gaussian_window().numpy().astype(np.float32)
    c1, c2 = np.float32((K1 * data_range) ** 2), np.float32((K2 * data_range) ** 2)
    xs = x.detach().to(torch.float32).contiguous().numpy()
    ys = y.detach().to(torch.float32).contiguous().numpy()
    affine = np.float32(scale), np.float32(offset)
    return torch.from_numpy(mean_ssim_images(xs, ys, win, c1, c2, *affine))
