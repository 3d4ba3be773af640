"""Reconstruction family (paper §4.1, Table 1: WebVid-10M and COCO-Val).

Per sample: PSNR, SSIM, LPIPS, encode/decode latency and VBench's temporal scores.

Aggregation rule (stated in every summary): frames are compared in [0, 1] (data range
1.0) after the tokenizer's output is clamped to [-1, 1] and mapped back; PSNR per clip
from the mean squared error over the whole clip, then averaged over clips; SSIM per frame
(11×11 Gaussian, σ = 1.5), averaged over the clip's frames, then over clips; LPIPS
(AlexNet, lpips v0.1) per frame, averaged likewise. Latency: wall time of ``encode`` and
``decode`` per clip (a call's time over its clips) after a warm-up call, with
``torch.cuda.synchronize`` on GPU; with ``latency_frames`` set, timed on a clip of that
many frames made from the sample, in a pass of its own
(:mod:`benchmarks.families.reconstruction.latency`), the metrics' clip being reconstructed
untimed. Every record states what was timed (clip shape, clips per call, device by name,
dtype); the summary gives it as ``evaluation.latency``.

Temporal quality (VBench's scores, :mod:`benchmarks.features.temporal`): each score on the
reference clip (``<score>_ref``), on its reconstruction (``<score>_recon``) and
``<score>_delta = recon - ref``. An absolute VBench score saturates near 1; the difference
on the same clip is what the tokenizer changed (negative: it added flicker or lost
consistency). ``temporal_flickering`` is pixel-only and always computed on clips of two
frames or more; the network-based scores need their local weights (task arguments
``dino_path``, ``clip_path``, ``vfi_path``; ``temporal_effnet=true`` for the offline
EfficientNet-Lite0 stand-in) and are listed under ``unavailable`` with the reason otherwise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor

from benchmarks.datasets.base import Sample
from benchmarks.families.base import MetricInfo, SampleResult, TaskFamily
from benchmarks.families.reconstruction.latency import (
    LatencySetting,
    device_name,
    summarize,
    timing_clip,
    tokenizer_dtype,
)
from benchmarks.families.reconstruction.rfvd import RfvdStage
from benchmarks.features.temporal import METRICS as TEMPORAL_METRICS
from benchmarks.features.temporal import (
    PAIRED_SUFFIXES,
    TemporalOptions,
    TemporalScorer,
    paired,
    paired_unavailable,
)
from benchmarks.io.paths import file_stem
from benchmarks.metrics import clip_psnr, lpips_if_available, ssim_of_mapped
from benchmarks.metrics.codebook import CONTINUOUS, clip_codes, run_usage
from benchmarks.metrics.codebook import METRICS as CODEBOOK_METRICS
from benchmarks.tokenizers.base import Encoded, from_tokenizer_range, to_tokenizer_range

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconstructionParams:
    """Family-specific YAML keys.

    Attributes:
        data_range: value range the metrics use; frames are compared in [0, 1].
        warmup: untimed calls on the first batch before latency is measured.
        lpips: compute LPIPS (its AlexNet weights must be in the torch hub cache).
        examples: save this many side-by-side pictures (input frames over their
            reconstruction) as ``<run>/plots/<sample_id>.png``.
        rfvd, features, protocol, i3d_path, weights_path: the optional rFVD under a
            named distance protocol (``protocol``: ``fvd-styleganv``, ``fvd-videogpt``,
            ``cd-fvd``, ``jedi`` ...; default: the one of ``features``); its weights file
            at ``weights_path`` (``i3d_path`` for the I3D)
            (see :mod:`benchmarks.families.reconstruction.rfvd`).
        latency_frames: frames of the clip encode/decode are timed on (Table 1: 25);
            ``None`` times the scored clip itself. A tokenizer that cannot take that many
            frames is timed on the longest length it takes below it (recorded as timed).
        temporal, temporal_effnet, dino_path, clip_path, vfi_path: VBench's temporal
            scores (:class:`~benchmarks.features.temporal.TemporalOptions`).
    """

    data_range: float = 1.0
    warmup: int = 1
    latency_frames: int | None = None
    lpips: bool = True
    examples: int = 4
    rfvd: bool = False  # rFVD (benchmarks/families/reconstruction/rfvd.py)
    features: str = "i3d"  # rFVD features: i3d (rfvd) or effnet_lite0 (rfd_effnet_lite0)
    protocol: str | None = None  # a named distance protocol (list --protocols)
    i3d_path: str | None = None
    weights_path: str | None = None  # the protocol's weights file (folder for jedi)
    temporal: bool = True  # VBench temporal scores (benchmarks/features/temporal.py)
    temporal_effnet: bool = False
    dino_path: str | None = None
    clip_path: str | None = None
    vfi_path: str | None = None

    def __post_init__(self) -> None:
        from benchmarks.features.protocols import resolve

        resolve(self.protocol, self.features)  # an unknown or mismatched protocol: one line
        if self.latency_frames is not None and self.latency_frames < 1:
            raise ValueError(f"latency_frames: must be at least 1, got {self.latency_frames}")


class ReconstructionFamily(TaskFamily[ReconstructionParams]):
    name = "reconstruction"
    requires = ("decode",)  # the metrics compare the input with its reconstruction
    Params = ReconstructionParams
    # paths: their files' contents are in the config hash (benchmarks/runner/weights.py)
    unhashed_params = ("examples", "i3d_path", "weights_path", "dino_path", "clip_path",
                       "vfi_path")
    # declared, as every family declares them (alike in shape across families by design)
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("psnr", True, "dB"),
        MetricInfo("ssim", True),
        MetricInfo("lpips", False),
        MetricInfo("encode_ms", False, "ms"),
        MetricInfo("decode_ms", False, "ms"),
        MetricInfo("rfvd", False),
        MetricInfo("rfd_effnet_lite0", False),
        MetricInfo("rfvd_videogpt", False),
        MetricInfo("rcd_fvd", False),
        MetricInfo("rjedi", False),
        MetricInfo("codebook_usage", True),
        MetricInfo("codebook_perplexity", True),
        # VBench scores, higher = steadier; _delta = recon - ref, the reconstruction's change
        *(MetricInfo(f"{m}{s}", True) for m in TEMPORAL_METRICS for s in PAIRED_SUFFIXES),
    )
    aggregation = (
        "frames in [0, 1] (data range 1.0); PSNR per clip from the mean squared error over "
        "the whole clip, then averaged over clips; SSIM (11x11 Gaussian, sigma 1.5) per "
        "frame, averaged over the clip, then over clips; LPIPS (AlexNet, v0.1) per frame, "
        "averaged likewise; latency per clip (call time / clips per call) after warm-up, "
        "on the clip shape, device and dtype recorded under evaluation.latency; 95% CI "
        "from Student's t, or a cluster bootstrap where the dataset declares clusters "
        "(ci_method); discrete tokenizers: codebook_usage = distinct token indices "
        "over the run (levels pooled) / vocab_size, codebook_perplexity = 2^entropy (bits) "
        "of the pooled index frequencies (per level under evaluation.codebook); VBench "
        "temporal scores (temporal_flickering = 1 - mean |frame[i+1] - frame[i]| in [0, 1] "
        "units, every clip, no static filter; consistencies and motion smoothness as VBench "
        "defines them, evaluation.temporal) per clip on the reference (_ref) and the "
        "reconstruction (_recon), _delta = recon - ref per clip, each averaged over clips"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or ReconstructionParams(), tokenizer, device=device)
        self._warm = False
        self._examples_saved = 0
        self._writer = None  # thread that encodes example pictures
        self._pending: list = []
        self._rfvd = RfvdStage(enabled=self.params.rfvd, features=self.params.features,
                               i3d_path=self.params.i3d_path, device=device,
                               protocol=self.params.protocol,
                               weights_path=self.params.weights_path)
        self._temporal = TemporalScorer(TemporalOptions.of(self.params), device=device)
        self._lpips, self._lpips_reason = lpips_if_available(self.params.lpips, device)
        if self._lpips_reason:
            log.debug("LPIPS unavailable: %s", self._lpips_reason)

    @classmethod
    def weight_files(cls, params: Any) -> list[Path]:
        from benchmarks.features.protocols import resolve

        p = params or ReconstructionParams()
        if not p.rfvd:
            return []
        path = p.weights_path or p.i3d_path
        return [f for w in resolve(p.protocol, p.features).weights
                if (f := w.found(path)) is not None]

    def unavailable(self) -> dict[str, str]:
        out = {"lpips": self._lpips_reason} if self._lpips_reason else {}
        if self.tokenizer.spec.vocab_size is None:
            out.update(dict.fromkeys(CODEBOOK_METRICS, CONTINUOUS))
        out.update(paired_unavailable(self._temporal.unavailable()))
        return {**out, **self._rfvd.unavailable()}

    def setup(self, dataset, info) -> None:
        self._rfvd.setup(info, self.config.sampling)
        self._temporal.note_frames(self.tokenizer.spec.usable_num_frames(
            self.config.frames_per_clip))

    def finalize(self, records, info):
        evaluation = super().finalize(records, info)
        metrics, extra = self._rfvd.finalize(records)
        evaluation.metrics.update(metrics)
        evaluation.extra.update(extra)
        usage, extra = run_usage(records, self.tokenizer.spec.vocab_size, run_dir=self.run_dir)
        evaluation.metrics.update(usage)
        evaluation.extra.update(extra)
        latency = summarize((r.prediction or {}).get("latency") for r in records
                            if isinstance(r.prediction, dict))
        if latency is not None:
            evaluation.extra["latency"] = latency
        described = self._temporal.describe()
        if described:
            evaluation.extra["temporal"] = described
        return evaluation

    def _save_examples(
        self, samples: list[Sample], pred: Tensor, ref: Tensor, psnr_clip: Tensor
    ) -> None:
        """Input frames (top) over reconstructed frames (bottom), up to 4 frames per clip.

        ``pred``/``ref`` are ``(b, 3, t, h, w)`` in [-1, 1], read and not changed after
        this call; the picture is made and encoded in a background thread (see
        :meth:`close`), so scoring the next clip does not wait for it.
        """
        if self.artifacts_dir is None:
            return
        for i, sample in enumerate(samples):
            if self._examples_saved >= self.params.examples:
                return
            name = f"{file_stem(sample.ref.sample_id)}_psnr{float(psnr_clip[i]):.2f}.png"
            if self._writer is None:
                from concurrent.futures import ThreadPoolExecutor

                self._writer = ThreadPoolExecutor(max_workers=1)
                self.artifacts_dir.mkdir(parents=True, exist_ok=True)
            self._pending.append(self._writer.submit(
                _write_example, self.artifacts_dir / name, ref[i], pred[i]))
            self._examples_saved += 1

    def close(self) -> None:
        if self._writer is not None:
            for job in self._pending:
                job.result()
            self._writer.shutdown()
            self._writer, self._pending = None, []

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    @torch.inference_mode()
    def _roundtrip(
        self, video: Tensor, texts: list[str] | None
    ) -> tuple[Tensor, Encoded, float, float]:
        self._sync()
        t0 = time.perf_counter()
        encoded = self.tokenizer.encode(video, texts)
        self._sync()
        t1 = time.perf_counter()
        recon = self.tokenizer.decode(encoded)
        self._sync()
        t2 = time.perf_counter()
        return recon, encoded, (t1 - t0) * 1e3, (t2 - t1) * 1e3

    @torch.inference_mode()
    def score(self, samples: list[Sample]) -> list[SampleResult]:
        if len(samples) == 1:  # a view, no copy
            target = samples[0].video.unsqueeze(0)
        else:
            target = torch.stack([s.video for s in samples])
        target = target.to(self.device, non_blocking=True)  # (b, 3, t, h, w) in [0, 1]
        texts = [s.ref.caption or "" for s in samples]
        video = to_tokenizer_range(target)
        timed = self._timed_clip(video)
        if not self._warm:
            for _ in range(self.params.warmup):
                self._roundtrip(timed, texts)
            self._warm = True
        recon, encoded, encode_ms, decode_ms = self._roundtrip(timed, texts)
        if timed is not video:  # the metrics' clip, untimed
            recon, encoded = self._roundtrip(video, texts)[:2]
        setting = LatencySetting(
            frames=timed.shape[2], height=timed.shape[3], width=timed.shape[4],
            batch_size=len(samples), device=device_name(self.device),
            dtype=tokenizer_dtype(self.tokenizer, video.dtype),
        ).to_dict()
        if recon.shape != video.shape:
            raise RuntimeError(
                f"tokenizer {self.tokenizer.spec.name!r} returned {tuple(recon.shape)} "
                f"for an input of {tuple(video.shape)}"
            )
        # Compared in [-1, 1] as [0, 1] frames without a pass to convert them: PSNR does not
        # see the offset (range 2 in [-1, 1] is range 1 in [0, 1]); SSIM gets the map fused
        # in. An exact reconstruction compares equal bit for bit (PSNR inf, SSIM 1).
        pred = _clamped(recon.float())  # (b, 3, t, h, w)
        dr = self.params.data_range
        # Channel-first layout, no copies: the clip MSE is over all of (3, t, h, w) whatever
        # their order, and a frame's SSIM is the mean of its channel-images' SSIMs.
        psnr_clip = clip_psnr(pred, video, data_range=2 * dr)  # (b,)
        channel_ssim = ssim_of_mapped(
            pred.unsqueeze(-3), video.unsqueeze(-3), scale=dr / 2, offset=dr / 2, data_range=dr
        )  # (b, 3, t)
        ssim_clip = channel_ssim.mean(dim=1).mean(dim=1)  # per frame, then over the clip
        lpips_clip = None
        if self._lpips is not None:
            b, t = pred.shape[0], pred.shape[2]
            frames_p = from_tokenizer_range(pred.transpose(1, 2).flatten(0, 1))  # (b·t, 3, h, w)
            frames_r = from_tokenizer_range(video.transpose(1, 2).flatten(0, 1))
            lpips_clip = self._lpips(frames_p, frames_r).view(b, t).mean(1)
        self._save_examples(samples, pred, video, psnr_clip)
        temporal_ref, temporal_recon = self._temporal.scores(video), self._temporal.scores(pred)
        n = len(samples)
        side = self._rfvd.arrays([s.ref.sample_id for s in samples], video, pred)
        if encoded.indices is not None:  # codebook usage, pooled over the run in finalize
            side = [{**side[i], **clip_codes(encoded.indices, i)} for i in range(len(samples))]
        records = []
        for i in range(n):
            rec = {
                "psnr": float(psnr_clip[i]),
                "ssim": float(ssim_clip[i]),
                "encode_ms": encode_ms / n,
                "decode_ms": decode_ms / n,
            }
            if lpips_clip is not None:
                rec["lpips"] = float(lpips_clip[i])
            rec.update(paired(temporal_ref, temporal_recon, i))
            records.append(SampleResult(metrics=rec, prediction={"latency": setting},
                                        arrays=side[i] or None))
        return records

    def _timed_clip(self, video: Tensor) -> Tensor:
        """The clip latency is measured on: ``video`` itself, or ``latency_frames`` of it."""
        wanted = self.params.latency_frames
        if wanted is None:
            return video
        frames = self.tokenizer.spec.usable_num_frames(wanted)
        if frames == 0:
            raise ValueError(
                f"latency_frames {wanted}: tokenizer {self.tokenizer.spec.name!r} takes no "
                f"clip of at most {wanted} frames ({self.tokenizer.spec.frame_convention})"
            )
        return timing_clip(video, frames)


def _clamped(video: Tensor) -> Tensor:
    """``video.clamp(-1, 1)``; ``video`` itself when it is in range already (a check that
    reads it once instead of a copy; NaN fails the check and is clamped as before)."""
    low, high = torch.aminmax(video)
    if bool(low >= -1) and bool(high <= 1):
        return video
    return video.clamp(-1, 1)


@torch.inference_mode()
def _write_example(path: Path, ref: Tensor, pred: Tensor) -> None:
    """``ref`` over ``pred`` (each ``(3, t, h, w)`` in [-1, 1]), 4 frames across, as PNG."""
    from PIL import Image

    t = ref.shape[1]
    picks = sorted({round(k * (t - 1) / 3) for k in range(4)})
    frames = torch.stack([ref[:, picks], pred[:, picks]])  # (2, 3, k, h, w): rows, frames
    rows, _, k, h, w = frames.shape
    pixels = from_tokenizer_range(frames).mul_(255).round_().byte()
    # (rows, c, k, h, w) -> (rows·h, k·w, c): the frames side by side, input row on top
    grid = pixels.permute(0, 3, 2, 4, 1).reshape(rows * h, k * w, 3).cpu().numpy()
    Image.fromarray(grid).save(path, compress_level=1)  # fast, still lossless
