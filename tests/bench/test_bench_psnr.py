"""PSNR speed: our batched ``clip_psnr`` vs scikit-image frame by frame, 17×3×256×256.

Run with ``python -m pytest tests/bench/test_bench_psnr.py --benchmark-enable``; without it
each case runs once as a test that the values agree. Same batch as the SSIM bench (a real
clip against a JPEG-compressed copy, float32 in [0, 1]); the clip PSNR is compared with
scikit-image's PSNR of the whole clip (one MSE over all frames and channels).
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from benchmarks.metrics import clip_psnr
from tests.bench.test_bench_ssim import batch  # noqa: F401  (fixture)

pytestmark = pytest.mark.benchmark(group="psnr 17x3x256x256")


def test_bench_psnr_ours(benchmark, batch):  # noqa: F811
    pred, target = batch
    result = benchmark(clip_psnr, pred.transpose(0, 1)[None], target.transpose(0, 1)[None])
    expected = peak_signal_noise_ratio(target.double().numpy(), pred.double().numpy(),
                                       data_range=1.0)
    np.testing.assert_allclose(float(result[0]), expected, atol=1e-4)


def test_bench_psnr_skimage(benchmark, batch):  # noqa: F811
    pred, target = (x.numpy() for x in batch)
    result = benchmark(peak_signal_noise_ratio, target, pred, data_range=1.0)
    assert np.isfinite(result)
