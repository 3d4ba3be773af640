"""NVIDIA TokenBench: reconstruction of whole clips in four domains, as its
``token_bench/metrics_cli.py`` scores them (github.com/NVlabs/TokenBench).

Per clip, every frame (the preprocessed clips hold at most ``max(ceil(10·fps), 300)``), read
window by window (:mod:`benchmarks.tokenizers.windows`: ``temporal_window`` frames at a
time, 17 by default as Cosmos-Tokenizer's ``video_lib.py``), the reconstruction rounded to
8-bit as a saved video is:

- ``psnr``: ``20·log10(255 / (sqrt(MSE) + eps))`` with the MSE over the whole clip (every
  frame, pixel and channel) and ``eps`` float32's machine epsilon (``metrics_cli.PSNR``);
- ``ssim``: scikit-image's default SSIM per frame (7 × 7 uniform window, data range 255,
  channels averaged; :mod:`benchmarks.metrics.functional.ssim_uniform`), averaged over the
  clip (``metrics_cli.SSIM``);
- ``lpips_vgg``: LPIPS v0.1 with the VGG-16 trunk (``lpips.LPIPS(net="vgg")``,
  :mod:`benchmarks.metrics.lpips`) per frame at full size, the frames mapped as
  ``metrics_cli.LPIPS`` maps them (``2 * (x / 255 - 0.5)`` in float64, then float32) and
  scored one frame pair per call as it does, averaged over the clip's frames. Its weights
  (torchvision's ``vgg16-397923af.pth`` in the torch hub cache, the lpips wheel's
  ``vgg.pth``) are not downloaded: without them it is listed unavailable with the reason;
  ``lpips: false`` skips it (VGG-16 at 1080p is slow on a CPU). It is not the AlexNet
  ``lpips`` of other tasks;
- ``temporal_flickering_ref`` / ``_recon`` / ``_delta``: VBench's temporal flickering
  (:mod:`benchmarks.metrics.temporal`, ``1 − mean |frame[i+1] − frame[i]| / 255``) over
  every consecutive pair of the clip (across window boundaries too), of the reference, of
  the 8-bit reconstruction and their difference, as the reconstruction family reports it
  (not a TokenBench metric);
- ``rfvd``: the Fréchet distance of I3D features of reference and reconstructed clips under
  the harness's FVD protocol (StyleGAN-V's TorchScript I3D, its first 16 frames at 224 × 224,
  :mod:`benchmarks.features.i3d`). TokenBench's ``fvd.py`` feeds the same network the first
  300 frames, short side scaled to 224 and centre-cropped: its rFVD values are not this
  protocol's.

Then the mean over clips (TokenBench's number, the micro average: ``psnr``, …), each
domain's mean (``evaluation.groups``) and their mean (the macro average: ``psnr_macro``,
``ssim_macro``). The row records the tokenizer's compression (``t × h × w``) and the
temporal window, as the leaderboard does.

Not done as TokenBench does: its reconstructions are written as mp4 files and read back
(a lossy encode of the reconstruction, with whatever settings the user's tokenizer script
used); here the 8-bit reconstruction is scored as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import av
import numpy as np
import torch
from torch import Tensor

from benchmarks.families.base import (
    Evaluation,
    MetricInfo,
    SampleResult,
    StoredRecord,
    TaskFamily,
    mean_evaluation,
)
from benchmarks.families.reconstruction.rfvd import RfvdStage
from benchmarks.metrics.codebook import CONTINUOUS, merged_codes, run_usage
from benchmarks.metrics.codebook import METRICS as CODEBOOK_METRICS
from benchmarks.metrics.functional.ssim_uniform import ssim_uniform
from benchmarks.metrics.lpips import LPIPS, lpips_if_available
from benchmarks.metrics.temporal import StreamedFlickering
from benchmarks.tokenizers.windows import reconstruct_window

PEAK = 255.0  # metrics_cli: _UINT8_MAX_F
EPS = float(np.finfo(np.float32).eps)  # metrics_cli: _FLOAT32_EPS, added to sqrt(MSE)
MACRO = ("psnr", "ssim")
PAIRED = ("ref", "recon", "delta")
# metrics_cli.LPIPS calls the network on one frame pair at a time; at 1080p VGG-16's first
# tap alone is 64 x 1080 x 1920 float32 (0.5 GB) per image, so memory stays bounded too.
LPIPS_FRAMES = 1


@dataclass(frozen=True)
class TokenBenchParams:
    """Family-specific YAML keys.

    Attributes:
        temporal_window: frames reconstructed at a time (Cosmos-Tokenizer's default 17);
            ``None``: the whole clip in one pass.
        lpips: compute ``lpips_vgg`` (its VGG-16 weights must be in the torch hub cache;
            slow at 1080p without a GPU).
        rfvd, features, i3d_path: the rFVD (see the module docstring).
    """

    temporal_window: int | None = 17
    lpips: bool = True
    rfvd: bool = True
    features: str = "i3d"
    i3d_path: str | None = None

    def __post_init__(self) -> None:
        w = self.temporal_window
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"temporal_window: a number of frames (at least 1) or null, "
                             f"got {w!r}")


class TokenBenchFamily(TaskFamily[TokenBenchParams]):
    name = "tokenbench"
    requires = ("decode",)
    Params = TokenBenchParams
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("psnr", True, "dB"),
        MetricInfo("ssim", True),
        MetricInfo("lpips_vgg", False),
        MetricInfo("rfvd", False),
        MetricInfo("rfd_effnet_lite0", False),
        MetricInfo("temporal_flickering_ref", True),
        MetricInfo("temporal_flickering_recon", True),
        MetricInfo("temporal_flickering_delta", True),
        MetricInfo("psnr_macro", True, "dB"),
        MetricInfo("ssim_macro", True),
        MetricInfo("codebook_usage", True),
        MetricInfo("codebook_perplexity", True),
    )
    aggregation = (
        "per clip, every frame, reconstructed temporal_window frames at a time and rounded "
        "to 8 bit: psnr = 20 log10(255 / (sqrt(MSE over the clip) + float32 eps)), ssim = "
        "scikit-image default SSIM (7x7 uniform window) per frame, averaged; lpips_vgg = "
        "LPIPS v0.1, VGG-16 trunk, per frame on 2 (x/255 - 0.5), averaged (TokenBench "
        "metrics_cli.py); then the mean over clips (micro), per domain (groups) and the "
        "mean of the domain means (psnr_macro, ssim_macro); temporal_flickering (VBench) = "
        "1 - mean |frame[i+1] - frame[i]| / 255 over all consecutive pairs, of the reference "
        "(_ref), the reconstruction (_recon), _delta = recon - ref; rfvd: I3D Frechet distance, "
        "16 frames at 224x224 (StyleGAN-V protocol); 95% CI from Student's t, or a cluster "
        "bootstrap where clips share a source (EgoExo-4D take, Panda-70M video: ci_method)"
    )
    short_clips = "not applicable: every frame of every clip is scored"

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or TokenBenchParams(), tokenizer, device=device)
        self._rfvd = RfvdStage(enabled=self.params.rfvd, features=self.params.features,
                               i3d_path=self.params.i3d_path, device=device)
        self._lpips, self._lpips_reason = lpips_if_available(self.params.lpips, device,
                                                             net="vgg")

    @classmethod
    def weight_files(cls, params: Any) -> list[Path]:
        from benchmarks.features.i3d import found_file
        from benchmarks.metrics.lpips import checkpoint_path, linear_weights_path

        p = params or TokenBenchParams()
        found = [found_file(p.i3d_path) if p.rfvd and p.features == "i3d" else None]
        if p.lpips:
            found += [checkpoint_path("vgg"), linear_weights_path("vgg")]
        return [f for f in found if f is not None and f.is_file()]

    def sampling_text(self, num_frames: int) -> str:
        window = self.params.temporal_window
        return f"every frame, {window or 'all'} frames per window"

    def setup(self, dataset, info) -> None:
        self._rfvd.setup(info, self.config.sampling)
        self._domains = info.extra.get("clips_per_domain", {})

    def unavailable(self) -> dict[str, str]:
        out = {"lpips_vgg": self._lpips_reason} if self._lpips_reason else {}
        out.update(self._rfvd.unavailable())
        if self.tokenizer.spec.vocab_size is None:
            out.update(dict.fromkeys(CODEBOOK_METRICS, CONTINUOUS))
        return out

    # scoring ----------------------------------------------------------------------------

    @torch.inference_mode()
    def score(self, samples) -> list[SampleResult]:
        return [self._score_clip(s.ref) for s in samples]

    def _score_clip(self, ref) -> SampleResult:
        need = self._rfvd.extractor.protocol.frames if self._rfvd.extractor else 0
        squared, values, ssims, codes = 0.0, 0, [], []
        flicker = StreamedFlickering(time_dim=1, data_range=PEAK)  # across windows too
        lpips_sum, lpips_frames = 0.0, 0
        first_ref: list[Tensor] = []
        first_rec: list[Tensor] = []
        for frames in _windows(ref.path, self.params.temporal_window, ref.extra["frames"]):
            target = torch.from_numpy(frames).permute(3, 0, 1, 2).float()  # (3, t, h, w)
            video = (target / (PEAK / 2) - 1).unsqueeze(0).to(self.device)
            recon, encoded = reconstruct_window(self.tokenizer, video)
            rec8 = ((recon[0].float().clamp(-1, 1) + 1) * (PEAK / 2)).round().cpu()
            diff = rec8.double() - target.double()
            squared += float((diff * diff).sum())
            values += diff.numel()
            ssims += ssim_uniform(rec8.transpose(0, 1), target.transpose(0, 1),
                                  data_range=PEAK).tolist()
            if encoded.indices is not None:
                codes.append(encoded.indices)
            if self._lpips is not None:
                lpips_sum += _lpips_sum(self._lpips, rec8, target)
                lpips_frames += target.shape[1]
            flicker.add(target, rec8)
            if sum(f.shape[1] for f in first_ref) < need:
                first_ref.append(target)
                first_rec.append(rec8)
        psnr = 20 * math.log10(PEAK / (math.sqrt(squared / values) + EPS))
        arrays: dict[str, np.ndarray] = merged_codes(codes) if codes else {}
        if need:
            real = torch.cat(first_ref, dim=1).unsqueeze(0) / (PEAK / 2) - 1
            fake = torch.cat(first_rec, dim=1).unsqueeze(0) / (PEAK / 2) - 1
            arrays.update(self._rfvd.arrays([ref.sample_id], real.to(self.device),
                                            fake.to(self.device))[0])
        metrics = {"psnr": psnr, "ssim": float(np.mean(ssims))}
        if lpips_frames:
            metrics["lpips_vgg"] = lpips_sum / lpips_frames
        metrics.update(flicker.result())  # clips of two frames or more
        prediction = {"frames": int(ref.extra["frames"]), "domain": ref.extra["domain"]}
        return SampleResult(metrics=metrics, prediction=prediction, group=ref.extra["domain"],
                            arrays=arrays or None)

    def finalize(self, records: list[StoredRecord], info) -> Evaluation:
        per_clip = ["psnr", "ssim", "lpips_vgg", *(f"temporal_flickering_{k}" for k in PAIRED)]
        evaluation = mean_evaluation(records, per_clip, self.unavailable())
        for name in MACRO:
            means = [g[name] for g in evaluation.groups.values() if g.get(name) is not None]
            evaluation.metrics[f"{name}_macro"] = float(np.mean(means)) if means else None
        metrics, extra = self._rfvd.finalize(records)
        evaluation.metrics.update(metrics)
        evaluation.extra.update(extra)
        usage, extra = run_usage(records, self.tokenizer.spec.vocab_size, run_dir=self.run_dir)
        evaluation.metrics.update(usage)
        evaluation.extra.update(extra)
        spec = self.tokenizer.spec
        evaluation.extra.update({
            "compression": f"{spec.temporal_compression}x{spec.spatial_compression}x"
                           f"{spec.spatial_compression}",
            "temporal_window": self.params.temporal_window,
            **({"lpips_vgg_weights": self._lpips.weights_loaded}
               if self._lpips is not None else {}),
            "clips_per_domain": {d: sum(r.group == d for r in records) for d in
                                 sorted({r.group for r in records if r.group})},
        })
        return evaluation


def _lpips_sum(model: LPIPS, rec8: Tensor, target: Tensor) -> float:
    """Sum over a window's frames of LPIPS between the 8-bit reconstruction and the
    reference (both ``(3, t, h, w)`` float holding 0..255), :data:`LPIPS_FRAMES` pairs a
    call, each mapped as ``metrics_cli.LPIPS`` maps them."""
    device = model.shift.device
    total = 0.0
    for start in range(0, target.shape[1], LPIPS_FRAMES):
        pair = [_lpips_input(x[:, start:start + LPIPS_FRAMES]).to(device) for x in (rec8, target)]
        total += float(model.forward_signed(*pair).double().sum())
    return total


def _lpips_input(frames: Tensor) -> Tensor:
    """``metrics_cli.LPIPS``: ``2 * (x / 255 - 0.5)`` in float64 (its frames are uint8 over
    a Python float), then float32; ``(3, t, h, w)`` → ``(t, 3, h, w)``."""
    return (2 * (frames.double() / PEAK - 0.5)).float().transpose(0, 1)


def _windows(path: str, window: int | None, frames: int) -> Iterator[np.ndarray]:
    """The first ``frames`` frames of the video at ``path`` as ``(t, h, w, 3)`` uint8 RGB
    windows of ``window`` frames (the last shorter), decoded once, in order."""
    size = window or frames
    pending: list[np.ndarray] = []
    seen = 0
    with av.open(path) as container:
        for frame in container.decode(video=0):
            pending.append(frame.to_ndarray(format="rgb24"))
            seen += 1
            if len(pending) == size or seen == frames:
                yield np.stack(pending)
                pending = []
            if seen == frames:
                return
    if pending:
        yield np.stack(pending)
