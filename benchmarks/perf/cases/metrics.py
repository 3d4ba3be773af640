"""PSNR and SSIM of one batch, ours vs scikit-image frame by frame.

The batch: 17 real 256×256 frames against their JPEG copy, float32 in [0, 1], ``(t, c, h,
w)``. PSNR is the clip's (one MSE over every frame and channel, the paper's Table 1
convention), compared with scikit-image's ``peak_signal_noise_ratio`` of the whole clip;
SSIM is per frame, compared with ``structural_similarity`` (Gaussian 11×11, σ 1.5, the
population covariance: Wang et al. 2004, as the paper's SSIM) frame by frame.

The references get the float32 arrays a researcher holds (scikit-image then computes in
float32, its fastest; float64 copies would make it ~1.3× slower and flatter us). Both
references run on one thread; ``clip_psnr`` does too. The SSIM kernel runs its images on
numba's threads by default, so the SSIM row is repeated with numba held to one thread:
the like-for-like ratio. Compilation is cached and the warm-up round is untimed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from benchmarks.perf.case import Case, Goal, PerfContext, Row, speedup
from benchmarks.perf.measure import interleave
from benchmarks.perf.media import distorted_pair

PSNR_TOLERANCE = 1e-6  # dB
SSIM_TOLERANCE = 1e-4


def _batch(quick: bool) -> tuple[torch.Tensor, torch.Tensor]:
    pred, target = distorted_pair(frames=3 if quick else 17, size=64 if quick else 256)

    def to_tensor(x: np.ndarray) -> torch.Tensor:  # (t, h, w, c) uint8 -> (t, c, h, w)
        return torch.from_numpy(x).permute(0, 3, 1, 2).float().div(255).contiguous()

    return to_tensor(pred), to_tensor(target)


def _skimage_ssim(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    from skimage.metrics import structural_similarity

    return np.array([structural_similarity(p, t, channel_axis=0, data_range=1.0,
                                           gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False)
                     for p, t in zip(pred, target, strict=True)])


def run(ctx: PerfContext) -> list[Row]:
    from skimage.metrics import peak_signal_noise_ratio

    from benchmarks.metrics import clip_psnr, ssim

    pred, target = _batch(ctx.quick)
    pred_np, target_np = pred.numpy(), target.numpy()
    shape = "×".join(str(s) for s in pred.shape)
    clip = (pred.transpose(0, 1)[None], target.transpose(0, 1)[None])  # (1, c, t, h, w)

    ours_psnr = float(clip_psnr(*clip)[0])
    reference_psnr = peak_signal_noise_ratio(target_np, pred_np, data_range=1.0)
    times = interleave({"ours": lambda: clip_psnr(*clip),
                        "skimage": lambda: peak_signal_noise_ratio(target_np, pred_np,
                                                                   data_range=1.0)},
                       repeats=ctx.repeats)
    psnr_gap = abs(ours_psnr - reference_psnr)
    rows = [Row("psnr", f"PSNR of a {shape} clip", "clip_psnr", "scikit-image",
                times["ours"], times["skimage"], speedup(times["ours"], times["skimage"]),
                "× faster", Goal(">=", 3),
                gap=psnr_gap, tolerance=PSNR_TOLERANCE)]

    reference_ssim = _skimage_ssim(pred_np, target_np)
    ssim_gap = float(np.abs(ssim(pred, target).numpy() - reference_ssim).max())
    for row_id, threads in (("ssim", None), ("ssim-1thread", 1)):
        with _numba_threads(threads):
            times = interleave({"ours": lambda: ssim(pred, target),
                                "skimage": lambda: _skimage_ssim(pred_np, target_np)},
                               repeats=ctx.repeats)
            used = _numba_thread_count()
        rows.append(Row(row_id, f"SSIM per frame of a {shape} clip, {used} thread(s)",
                        f"ssim (numba, {used} thread{'s' if used > 1 else ''})",
                        "scikit-image per frame", times["ours"], times["skimage"],
                        speedup(times["ours"], times["skimage"]), "× faster", Goal(">=", 10),
                        gap=ssim_gap, tolerance=SSIM_TOLERANCE))
    return rows


def _numba_thread_count() -> int:
    import numba

    return numba.get_num_threads()


@contextmanager
def _numba_threads(threads: int | None) -> Iterator[None]:
    """numba's thread count held at ``threads`` (``None``: left as it is) for the block."""
    import numba

    before = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(before)


CASE = Case(id="metrics", order=20, run=run, needs=("skimage", "numba"))
