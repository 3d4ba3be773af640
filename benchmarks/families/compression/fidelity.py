"""Fidelity of a decoded sequence, accumulated chunk by chunk (bounded memory).

The compression family streams a sequence in chunks of frames and adds each chunk here;
nothing of the clip is kept but sums. The metric code is the shared one
(:mod:`benchmarks.metrics`), computed as the reconstruction family computes it:

- ``psnr_y``: luma PSNR over the whole clip, 8-bit peak 255 — the mean squared error over
  every luma sample of the clip (the mean of equal-sized frames' MSEs), then
  ``10·log10(255² / MSE)``, as codec papers (and the JVET/VCEG common test conditions)
  report it; for a learned tokenizer the luma of its RGB output (BT.709, not rounded).
- ``psnr``: RGB PSNR in [0, 1] from the MSE over the whole clip (reconstruction's ``psnr``).
- ``ssim``: per frame the mean of the three channel-images' SSIM (11×11 Gaussian, σ = 1.5),
  averaged over the frames (reconstruction's ``ssim``).
- ``ms_ssim``: per frame the mean of the three channel-images' MS-SSIM (Wang, Simoncelli &
  Bovik 2003, five scales; :mod:`benchmarks.metrics.functional.ms_ssim`), averaged over the
  frames — the "SSIM" of Table 7's codec rows, which come from MAGVIT-v2's MS-SSIM column.
  Frames below 161 pixels on a side have no five-scale MS-SSIM: it is left out.
- ``lpips``: AlexNet LPIPS v0.1 per frame, averaged over the frames, when its weights exist.
- ``temporal_flickering_ref`` / ``_recon`` / ``_delta``: VBench's temporal flickering
  (:mod:`benchmarks.metrics.temporal`: ``1 - mean |frame[i+1] - frame[i]|`` on RGB in
  [0, 1]) of the source, of the decoded clip and their difference, over every consecutive
  pair of the clip (across chunk boundaries too), as the reconstruction family reports it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.metrics import ms_ssim, ms_ssim_min_size, mse, psnr_from_mse, ssim
from benchmarks.metrics.temporal import StreamedFlickering


class ClipFidelity:
    """Running sums of one clip's fidelity metrics.

    Args:
        lpips: a loaded LPIPS module (frames in [0, 1]) or ``None``.
    """

    def __init__(self, lpips=None) -> None:
        self.lpips = lpips
        self.frames = 0
        self._mse_y = 0.0
        self._mse_rgb = 0.0
        self._ssim = 0.0
        self._ms_ssim = 0.0
        self._ms_ssim_ok = True
        self._lpips = 0.0
        self._flicker = StreamedFlickering(time_dim=0, data_range=1.0)

    @torch.inference_mode()
    def add(self, *, y_pred: Tensor, y_ref: Tensor, rgb_pred: Tensor, rgb_ref: Tensor) -> None:
        """One chunk of frames.

        Args:
            y_pred, y_ref: ``(t, h, w)`` float luma on the 8-bit scale (0…255).
            rgb_pred, rgb_ref: ``(t, 3, h, w)`` float RGB in [0, 1].
        """
        t = y_ref.shape[0]
        if rgb_ref.shape[0] != t or y_pred.shape != y_ref.shape or rgb_pred.shape != rgb_ref.shape:
            raise ValueError(
                f"chunk shapes differ: luma {tuple(y_pred.shape)} vs {tuple(y_ref.shape)}, "
                f"RGB {tuple(rgb_pred.shape)} vs {tuple(rgb_ref.shape)}"
            )
        self._mse_y += float(mse(y_pred.unsqueeze(1).double(), y_ref.unsqueeze(1).double()).sum())
        self._mse_rgb += float(mse(rgb_pred, rgb_ref).sum())
        channel_ssim = ssim(rgb_pred.unsqueeze(-3), rgb_ref.unsqueeze(-3), data_range=1.0)  # (t, 3)
        self._ssim += float(channel_ssim.mean(dim=1).sum())
        if min(rgb_ref.shape[-2:]) >= ms_ssim_min_size():
            self._ms_ssim += float(ms_ssim(rgb_pred, rgb_ref, data_range=1.0).sum())
        else:
            self._ms_ssim_ok = False
        if self.lpips is not None:
            device = next(self.lpips.parameters()).device
            self._lpips += float(self.lpips(rgb_pred.to(device), rgb_ref.to(device)).sum())
        self._flicker.add(rgb_ref, rgb_pred)
        self.frames += t

    def result(self) -> dict[str, float]:
        """``psnr_y``, ``psnr``, ``ssim`` (``ms_ssim``, ``lpips``) of the frames added so far."""
        if not self.frames:
            raise ValueError("no frame was added")
        n = self.frames
        out = {
            "psnr_y": float(psnr_from_mse(torch.tensor(self._mse_y / n), 255.0)),
            "psnr": float(psnr_from_mse(torch.tensor(self._mse_rgb / n), 1.0)),
            "ssim": self._ssim / n,
        }
        if self._ms_ssim_ok:
            out["ms_ssim"] = self._ms_ssim / n
        if self.lpips is not None:
            out["lpips"] = self._lpips / n
        out.update(self._flicker.result())  # clips of two frames or more
        return out
