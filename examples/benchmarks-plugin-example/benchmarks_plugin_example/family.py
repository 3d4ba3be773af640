"""``temporal_flicker``: how much a tokenizer changes a clip's frame-to-frame differences.

A tokenizer that codes frames independently can reconstruct each frame well and still
flicker. Per clip, with frames ``x_k`` and reconstructions ``y_k`` in [0, 1] and
``Δx_k = x_k − x_{k−1}``:

- ``flicker_mae`` = mean over pixels, channels and k ≥ 1 of ``|Δy_k − Δx_k|``;
- ``mae`` = mean over pixels, channels and frames of ``|y_k − x_k|`` (per-frame error, for
  comparison).

Both are averaged over clips with a Student-t 95% CI (the harness's default ``finalize``).
It shows what a family plug-in implements: ``name``, ``metrics``, ``requires`` and
``score``, registered in the ``benchmarks.families`` entry-point group.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from benchmarks.datasets.base import Sample
from benchmarks.families.base import MetricInfo, SampleResult, TaskFamily
from benchmarks.tokenizers.base import from_tokenizer_range, to_tokenizer_range


def flicker_mae(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``(b,)`` mean ``|Δrecon − Δtarget|`` of ``(b, c, t, h, w)`` clips (t ≥ 2)."""
    d_recon = recon[:, :, 1:] - recon[:, :, :-1]
    d_target = target[:, :, 1:] - target[:, :, :-1]
    return (d_recon - d_target).abs().flatten(1).mean(1)


class TemporalFlickerFamily(TaskFamily):
    name = "temporal_flicker"
    requires = ("decode",)
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("flicker_mae", False),
        MetricInfo("mae", False),
    )
    aggregation = (
        "frames in [0, 1]; per clip, the mean absolute difference between the "
        "reconstruction's and the input's frame-to-frame changes (flicker_mae) and between "
        "the frames (mae); mean over clips, 95% CI from Student's t"
    )

    @torch.inference_mode()
    def score(self, samples: list[Sample]) -> list[SampleResult]:
        target = torch.stack([s.video for s in samples]).to(self.device)  # (b, 3, t, h, w) [0, 1]
        if target.shape[2] < 2:
            raise ValueError(f"{self.name}: needs clips of 2 frames or more (frames_per_clip), "
                             f"got {target.shape[2]}")
        video = to_tokenizer_range(target)  # the tokenizer boundary takes [-1, 1]
        recon = self.tokenizer.decode(self.tokenizer.encode(video)).float().clamp(-1, 1)
        recon = from_tokenizer_range(recon)
        flicker = flicker_mae(recon, target)
        mae = (recon - target).abs().flatten(1).mean(1)
        return [SampleResult(metrics={"flicker_mae": float(f), "mae": float(m)})
                for f, m in zip(flicker, mae, strict=True)]
