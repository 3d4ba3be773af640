"""Tests for pyratok.masking: exact frame counts, cosine schedule statistics, pixel effects."""

from __future__ import annotations

import math

import pytest
import torch

from pyratok.masking import cosine_mask_ratio, mask_video

torch.set_num_threads(1)


def _video(b: int = 2, t: int = 10, size: int = 32, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((b, 3, t, size, size), generator=gen) * 1.8 - 0.9  # no exact zeros


@pytest.mark.parametrize("t", [5, 10, 17, 33])
def test_exact_number_of_masked_frames_and_key_frame_kept(t: int) -> None:
    out = mask_video(_video(b=4, t=t), generator=torch.Generator().manual_seed(1))
    assert out.frame_mask.shape == (4, t) and out.frame_mask.dtype == torch.bool
    assert out.frame_mask.sum(dim=1).tolist() == [round(0.3 * t)] * 4
    assert not out.frame_mask[:, 0].any() and not out.patch_mask[:, 0].any()
    assert out.patch_mask.shape == (4, t, 32 // 8, 32 // 8)
    # whole-frame masking is reflected in the patch mask and the pixels
    assert out.patch_mask[out.frame_mask].all()
    assert (out.video.permute(0, 2, 1, 3, 4)[out.frame_mask] == 0).all()


def test_masked_pixels_are_zero_and_the_rest_untouched() -> None:
    video = _video()
    before = video.clone()
    out = mask_video(video, generator=torch.Generator().manual_seed(2), patch=4)
    assert torch.equal(video, before), "the input must not be modified"
    pixel = out.pixel_mask[:, None].expand_as(video)  # (b, c, t, h, w)
    assert pixel.any() and (~pixel).any()
    assert (out.video[pixel] == 0).all()
    assert torch.equal(out.video[~pixel], video[~pixel])
    assert out.pixel_mask.shape == (2, 10, 32, 32)


def test_deterministic_by_generator() -> None:
    video = _video()
    a = mask_video(video, generator=torch.Generator().manual_seed(3))
    b = mask_video(video, generator=torch.Generator().manual_seed(3))
    c = mask_video(video, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a.video, b.video) and torch.equal(a.patch_mask, b.patch_mask)
    assert not torch.equal(a.patch_mask, c.patch_mask)


def test_cosine_schedule_statistics() -> None:
    """Per-frame spatial ratios follow r = cos(π/2 · u): mean 2/π, P(r < 1/2) = 1/3."""
    video = torch.ones(64, 1, 33, 64, 64)
    out = mask_video(video, generator=torch.Generator().manual_seed(5), patch=4)
    spatial_only = ~out.frame_mask
    spatial_only[:, 0] = False
    ratios = out.patch_mask[spatial_only].float().mean(dim=(1, 2))  # (n_frames,)
    assert ratios.numel() == 64 * (33 - 1 - round(0.3 * 33))
    assert ratios.mean().item() == pytest.approx(2 / math.pi, abs=0.02)
    assert (ratios < 0.5).float().mean().item() == pytest.approx(1 / 3, abs=0.03)
    assert ratios.min() < 0.1 and ratios.max() > 0.9


def test_cosine_mask_ratio_endpoints() -> None:
    r = cosine_mask_ratio(torch.tensor([0.0, 1.0 / 3.0, 1.0]))
    torch.testing.assert_close(r, torch.tensor([1.0, math.sqrt(3) / 2, 0.0]), atol=1e-6, rtol=0)


def test_temporal_only_and_errors() -> None:
    out = mask_video(_video(t=10), generator=torch.Generator().manual_seed(6), spatial=False)
    assert torch.equal(out.patch_mask, out.frame_mask[:, :, None, None].expand_as(out.patch_mask))
    none = mask_video(_video(), generator=torch.Generator(), frame_mask_ratio=0.0, spatial=False)
    assert not none.patch_mask.any()
    with pytest.raises(ValueError, match="divisible"):
        mask_video(torch.zeros(1, 3, 4, 30, 32), generator=torch.Generator())
    with pytest.raises(ValueError, match="frame_mask_ratio"):
        mask_video(_video(), generator=torch.Generator(), frame_mask_ratio=1.0)
