"""PSNR and SSIM of one batch, ours vs scikit-image frame by frame.

The batch: 17 real 256×256 frames against their JPEG copy, float32 in [0, 1], ``(t, c, h,
w)``. PSNR is the clip's (one MSE over every frame and channel, the paper's Table 1
convention), compared with scikit-image's ``peak_signal_noise_ratio`` of the whole clip;
SSIM is per frame, compared with ``structural_similarity`` (Gaussian 11×11, σ 1.5, the
population covariance: Wang et al. 2004, as the paper's SSIM) frame by frame.
"""

from __future__ import annotations

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
    ours_ssim = ssim(pred, target).numpy()
    times = interleave({"ours": lambda: ssim(pred, target),
                        "skimage": lambda: _skimage_ssim(pred_np, target_np)},
                       repeats=ctx.repeats)
    ssim_gap = float(np.abs(ours_ssim - reference_ssim).max())
    rows.append(Row("ssim", f"SSIM per frame of a {shape} clip", "ssim", "scikit-image per frame",
                    times["ours"], times["skimage"], speedup(times["ours"], times["skimage"]),
                    "× faster", Goal(">=", 10),
                    gap=ssim_gap, tolerance=SSIM_TOLERANCE))
    return rows


CASE = Case(id="metrics", order=20, run=run, needs=("skimage",))
