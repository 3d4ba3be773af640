"""skimage-default SSIM (TokenBench's) against scikit-image itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from benchmarks.metrics.functional.ssim_uniform import ssim_uniform


@pytest.mark.parametrize("shape", [(7, 7), (20, 33), (48, 64)])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_matches_scikit_image_defaults(shape, dtype, rtol):
    # TokenBench passes float32 frames: scikit-image then computes in float32
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, *shape, 3)).astype(dtype)
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(dtype)
    expected = [structural_similarity(x, y, data_range=255.0, channel_axis=-1)
                for x, y in zip(a, b, strict=True)]
    got = ssim_uniform(torch.from_numpy(b).permute(0, 3, 1, 2),
                       torch.from_numpy(a).permute(0, 3, 1, 2), data_range=255.0)
    np.testing.assert_allclose(got.numpy(), expected, rtol=rtol, atol=0)


def test_identical_frames_score_one_and_small_frames_are_refused():
    x = torch.rand(2, 3, 9, 9)
    assert torch.allclose(ssim_uniform(x, x, data_range=1.0), torch.ones(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="at least 7x7"):
        ssim_uniform(torch.rand(1, 3, 6, 9), torch.rand(1, 3, 6, 9), data_range=1.0)
