"""MS-SSIM (Wang, Simoncelli & Bovik 2003) against torchmetrics' pieces and by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from benchmarks.metrics import ms_ssim, ms_ssim_min_size
from benchmarks.metrics.functional.ms_ssim import WEIGHTS

tm_image = pytest.importorskip("torchmetrics.functional.image")


def _pair(seed: int, shape=(2, 3, 192, 208), noise: float = 0.05):
    g = torch.Generator().manual_seed(seed)
    x = F.avg_pool2d(torch.rand(shape, generator=g, dtype=torch.float64).flatten(0, 1)[:, None],
                     3, 1, 1).view(shape)  # smooth enough that every scale has structure
    y = (x + noise * torch.randn(shape, generator=g, dtype=torch.float64)).clamp(0, 1)
    return y, x


def _reference(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Wang's msssim.m built from torchmetrics' SSIM: its Gaussian window, constants and
    valid-pixel contrast term per scale, and at the last scale its full SSIM map cropped to
    the valid pixels (torchmetrics' own MS-SSIM averages the reflect-padded border there);
    one channel-image at a time, then averaged over channels."""
    n, c, h, w = pred.shape
    x, y = pred.reshape(n * c, 1, h, w), target.reshape(n * c, 1, h, w)
    factors = []
    for j in range(len(WEIGHTS)):
        if j < len(WEIGHTS) - 1:
            _, cs = tm_image.structural_similarity_index_measure(
                x, y, data_range=1.0, reduction="none", return_contrast_sensitivity=True)
            factors.append(cs)
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)  # even sizes: the 2x2 mean
        else:
            _, full = tm_image.structural_similarity_index_measure(
                x, y, data_range=1.0, reduction="none", return_full_image=True)
            factors.append(full[..., 5:-5, 5:-5].mean(dim=(1, 2, 3)))
    out = torch.ones(n * c, dtype=torch.float64)
    for f, beta in zip(factors, WEIGHTS, strict=True):
        out = out * f.clamp(min=0) ** beta
    return out.view(n, c).mean(dim=1)


@pytest.mark.slow
@pytest.mark.parametrize("seed,noise", [(0, 0.02), (1, 0.08), (2, 0.2)])
def test_matches_the_reference_built_from_torchmetrics(seed, noise):
    pred, target = _pair(seed, noise=noise)
    ours = ms_ssim(pred, target)
    assert ours.shape == (2,)
    torch.testing.assert_close(ours, _reference(pred, target), rtol=0, atol=1e-10)
    # torchmetrics' MS-SSIM (channels pooled, padded last-scale border) is close, not equal
    theirs = tm_image.multiscale_structural_similarity_index_measure(
        pred[:, :1], target[:, :1], data_range=1.0, reduction="none")
    torch.testing.assert_close(ms_ssim(pred[:, :1], target[:, :1]), theirs, rtol=0, atol=5e-3)


def test_identical_frames_give_one_and_the_weights_sum_to_one():
    _, target = _pair(3)
    torch.testing.assert_close(ms_ssim(target, target), torch.ones(2, dtype=torch.float64))
    assert math.isclose(sum(WEIGHTS), 1.0, abs_tol=1e-4)  # 0.9999: the paper's rounding


def test_a_brightness_shift_leaves_structure_and_costs_only_luminance():
    """A constant offset changes no (co)variance, so every cs_j is exactly 1 and MS-SSIM is
    the last scale's luminance term to the power 0.1333: for x and x + d with C1 = 1e-4,
    l = (2 mu (mu + d) + C1) / (mu^2 + (mu + d)^2 + C1) per pixel."""
    target = torch.full((1, 1, 176, 176), 0.4, dtype=torch.float64)
    target[..., ::2, :] += 0.1  # stripes: structure at the finest scale only
    pred = target + 0.1
    # after four 2x2 means every pixel is 0.45 (target) and 0.55 (pred)
    mu, nu, c1 = 0.45, 0.55, 1e-4
    luminance = (2 * mu * nu + c1) / (mu * mu + nu * nu + c1)
    assert float(ms_ssim(pred, target)) == pytest.approx(luminance ** WEIGHTS[-1], abs=1e-12)


def test_odd_sizes_round_up_and_small_frames_are_refused():
    assert ms_ssim_min_size() == 161  # 161 -> 81 -> 41 -> 21 -> 11
    pred, target = _pair(4, shape=(1, 3, 161, 171))
    value = float(ms_ssim(pred, target))
    assert 0 < value < 1
    with pytest.raises(ValueError, match="at least 161x161, got 160x171"):
        ms_ssim(pred[..., :160, :], target[..., :160, :])
