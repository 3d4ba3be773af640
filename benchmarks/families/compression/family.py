"""Video compression on MCL-JCV (paper Table 7, Appendix C.1; dataset Appendix E.2).

Table 7 compares codecs and tokenizers "at 0.034 bitrate" (bits per pixel) by PSNR, SSIM
and LPIPS. Per sequence (the first ``frames_per_clip`` frames):

- **Codecs** (``h264``, ``hevc``, ``vvc``; :mod:`benchmarks.tokenizers.codecs`): the 8-bit
  yuv420p planes are encoded as they are, the codec's knob is searched until the stream is
  within ``tolerance`` of ``target_bpp`` (or fixed by ``quality``), the raw elementary
  stream is written to ``<run>/bitstreams/<sequence>.<264|265|266>`` and *that file* is
  decoded for scoring. ``bits = 8 × file size``, ``bpp = bits / (W × H × frames)``.
- **Learned tokenizers**: the clip as BT.709 limited-range RGB, encoded and decoded;
  ``bpp_tokens = bits_per_token × token indices of the actual grid (all levels) / pixels``
  (``Encoded.bits``); ``bpp_entropy`` — the ideal code length of those indices under their
  own empirical frequencies in the clip (per level, ``−Σ log2 p``; the frequency table
  itself is not counted), a lower bound for an entropy coder, named as such.

Fidelity (:mod:`benchmarks.families.compression.fidelity`): ``psnr_y`` (luma, whole clip, peak
255), RGB ``psnr``/``ssim``/``lpips`` as the reconstruction family computes them, and
``ms_ssim`` (five-scale MS-SSIM, Wang et al. 2003) and VBench's temporal flickering of
source, decoded clip and their difference (``temporal_flickering_ref/_recon/_delta``, as
the reconstruction family). Table 7's "SSIM" column is MS-SSIM: its
HEVC, VVC ("VCC"), MAGVIT and MAGVIT-v2 rows are MAGVIT-v2's (Yu et al., ICLR 2024,
arXiv:2310.05737) video-compression table on MCL-JCV, whose columns are LPIPS, PSNR and
MS-SSIM; ``tables --paper 7`` fills it from ``ms_ssim``. A run with a sequence below 161
pixels on a side (the demo set) has no MS-SSIM and says so under ``unavailable``. For
codecs, source and decoded frames are streamed in chunks of ``chunk_frames`` (memory stays
at a chunk whatever the clip length); a learned tokenizer needs the clip it encodes in
memory (``t × 3 × h × w`` float32), scored in chunks likewise.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.families.base import (  # generation's list is alike in shape: no fold
    Evaluation,
    MetricInfo,
    SampleResult,
    StoredRecord,
    TaskFamily,
    mean_evaluation,
)
from benchmarks.families.compression.fidelity import ClipFidelity
from benchmarks.io.paths import file_stem
from benchmarks.io.yuv import YuvFrame, rgb_to_luma, rgb_to_yuv, yuv_to_rgb
from benchmarks.metrics import lpips_if_available, ms_ssim_min_size
from benchmarks.metrics.codebook import CONTINUOUS, clip_codes, run_usage
from benchmarks.metrics.codebook import METRICS as CODEBOOK_METRICS
from benchmarks.tokenizers.base import from_tokenizer_range, to_tokenizer_range
from benchmarks.tokenizers.codecs.base import CodecSettings, CodecTokenizer, YuvSequence

log = logging.getLogger(__name__)

BITSTREAMS = "bitstreams"
SOURCES = ".sources"  # decoded clips as yuv420p while they are scored
DECODED_FPS = 25.0  # what the codecs are told for a decoded clip (bpp does not depend on it)


@dataclass(frozen=True)
class CompressionParams:
    """Family-specific YAML keys.

    Attributes:
        target_bpp: the rate codecs are brought to (Table 7: 0.034).
        tolerance: a codec's rate must land within ``±tolerance`` of the target.
        max_trials: encodes a codec's rate search may take per sequence.
        quality: a fixed codec knob (x264/x265 CRF, VVenC QP) instead of the rate search —
            the ``qps`` sweep sets it.
        codecs: per codec registry name, ``{preset: …, options: {name: value}}``.
        lpips: compute LPIPS (its AlexNet weights must be on this machine).
        chunk_frames: frames scored at a time (memory bound).
    """

    target_bpp: float = 0.034
    tolerance: float = 0.1
    max_trials: int = 10
    quality: float | None = None
    codecs: dict[str, dict[str, Any]] | None = None
    lpips: bool = True
    chunk_frames: int = 8

    def __post_init__(self) -> None:
        if not self.target_bpp > 0:
            raise ValueError(f"target_bpp: must be positive, got {self.target_bpp}")
        if not 0 < self.tolerance < 1:
            raise ValueError(f"tolerance: must be in (0, 1), got {self.tolerance}")
        for key in ("max_trials", "chunk_frames"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: must be at least 1, got {getattr(self, key)}")


class CompressionFamily(TaskFamily[CompressionParams]):
    name = "compression"
    Params = CompressionParams
    requires = ("decode",)
    # a sweep over a list-valued --task-arg: one run per value of the scalar key
    sweeps: ClassVar[dict[str, str]] = {"rates": "target_bpp", "qps": "quality"}
    prediction_files: ClassVar[dict[str, str]] = {
        f"{BITSTREAMS}/": "each clip's bitstream as the codec wrote it (<sample_id>.<codec "
                         "extension>), every bit of it counted in bpp",
    }
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("bpp", False, "bit/px"),
        MetricInfo("bpp_tokens", False, "bit/px"),
        MetricInfo("bpp_entropy", False, "bit/px"),
        MetricInfo("bits", False, "bit"),
        MetricInfo("psnr_y", True, "dB"),
        MetricInfo("psnr", True, "dB"),
        MetricInfo("ssim", True),
        MetricInfo("ms_ssim", True),
        MetricInfo("lpips", False),
        MetricInfo("temporal_flickering_ref", True),
        MetricInfo("temporal_flickering_recon", True),
        MetricInfo("temporal_flickering_delta", True),
        MetricInfo("codebook_usage", True),
        MetricInfo("codebook_perplexity", True),
    )
    aggregation = (
        "per sequence: codecs' bpp = 8 x stream file size / (W x H x frames); learned "
        "tokenizers' bpp_tokens = bits_per_token x token indices / pixels, bpp_entropy = "
        "empirical-frequency code length of the indices / pixels; psnr_y = luma PSNR (peak "
        "255) from the MSE over the whole clip; RGB psnr (data range 1) likewise; ssim "
        "(11x11 Gaussian, sigma 1.5) per frame as the mean of the channel SSIMs, averaged "
        "over frames; ms_ssim (Wang et al. 2003, 5 scales) per frame likewise; lpips (AlexNet "
        "v0.1) per frame, averaged; temporal_flickering (VBench) = 1 - mean |frame[i+1] - "
        "frame[i]| (RGB in [0, 1]) over all consecutive pairs, of the source (_ref), the "
        "decoded clip (_recon), _delta = recon - ref; then mean over sequences, "
        "95% CI from Student's t (a cluster bootstrap where the dataset declares clusters: "
        "ci_method); BT.709 limited-range RGB; discrete tokenizers: "
        "codebook_usage = distinct token indices over the run (levels pooled) / vocab_size, "
        "codebook_perplexity = 2^entropy (bits) of the pooled index frequencies"
    )
    short_clips = (
        "refused: a sequence shorter than frames_per_clip is a failure (the MCL-JCV sources "
        "are 5 s long, more than the 96 frames scored; repeated frames would code at a rate "
        "that is not the source's)"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or CompressionParams(), tokenizer, device=device)
        self.is_codec = isinstance(tokenizer, CodecTokenizer)
        self._decoded = False  # set by setup: the reader gives decoded clips, not .yuv files
        self._lpips, self._lpips_reason = lpips_if_available(self.params.lpips, device)
        self._ms_ssim_reason: str | None = None

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        problem = super().check_tokenizer(tokenizer, params)
        if problem or not isinstance(tokenizer, CodecTokenizer):
            return problem
        params = params or CompressionParams()
        name = tokenizer.spec.name
        if params.codecs is None or name not in params.codecs:
            return f"the task file has no settings for codec {name!r} (key codecs: {{{name}: …}})"
        settings = params.codecs[name]
        unknown = sorted(set(settings) - {"preset", "options"})
        if unknown:
            return f"codecs: {name}: unknown key {unknown[0]!r} (allowed: preset, options)"
        if params.quality is not None and not (
            tokenizer.knob.low <= params.quality <= tokenizer.knob.high
        ):
            return (
                f"quality {params.quality}: {name}'s {tokenizer.knob.name} must be in "
                f"[{tokenizer.knob.low:g}, {tokenizer.knob.high:g}]"
            )
        return None

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        """Raw sequences (MCL-JCV: ``ref.extra`` names width, height, fps) are coded as they
        are; a reader of decoded clips (a user's folder of videos) gives RGB clips, which are
        converted to 8-bit BT.709 yuv420p first (:meth:`_decoded_sequence`)."""
        refs = dataset.refs()
        self._decoded = bool(refs) and not {"width", "height", "fps"} <= refs[0].extra.keys()

    def unavailable(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.is_codec:
            reason = "a codec's rate is bpp, counted from its stream"
            out["bpp_tokens"] = out["bpp_entropy"] = reason
        else:
            out["bpp"] = "a learned tokenizer's rate is bpp_tokens (no stream is written)"
            if "bits" not in self.tokenizer.spec.capabilities:
                reason = (
                    f"tokenizer {self.tokenizer.spec.name!r} is continuous (no token indices): "
                    "it has no rate"
                )
                out["bpp_tokens"] = out["bpp_entropy"] = out["bits"] = reason
        if self.tokenizer.spec.vocab_size is None:
            out.update(dict.fromkeys(CODEBOOK_METRICS, CONTINUOUS))
        if self._lpips_reason:
            out["lpips"] = self._lpips_reason
        if self._ms_ssim_reason:
            out["ms_ssim"] = self._ms_ssim_reason
        return out

    # scoring ----------------------------------------------------------------------------

    def _sequence(self, sample: Sample) -> YuvSequence:
        extra = sample.ref.extra
        return YuvSequence(
            path=Path(sample.ref.path),
            width=int(extra["width"]),
            height=int(extra["height"]),
            fps=float(extra["fps"]),
            frames=int(extra["frames"]),
        )

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        return [self._score_one(s) for s in samples]

    def _score_one(self, sample: Sample) -> SampleResult:
        if not self._decoded:
            return self._score_sequence(sample.ref.sample_id, self._sequence(sample))
        sequence = self._decoded_sequence(sample)
        try:
            return self._score_sequence(sample.ref.sample_id, sequence)
        finally:
            sequence.path.unlink(missing_ok=True)

    def _score_sequence(self, sample_id: str, sequence: YuvSequence) -> SampleResult:
        if self.is_codec:
            return self._score_codec(sample_id, sequence)
        return self._score_learned(sample_id, sequence)

    def _decoded_sequence(self, sample: Sample) -> YuvSequence:
        """A decoded clip ``(3, t, h, w)`` in [0, 1] as the sequence every metric compares
        against: each frame converted to 8-bit BT.709 limited-range yuv420p (the codecs'
        input; an odd last row or column dropped, as 4:2:0 needs even sizes), written to a
        temporary file in the run folder (removed once scored). The rate in bits per pixel
        does not depend on the frame rate; the codecs are told ``DECODED_FPS``."""
        if self.run_dir is None:
            raise RuntimeError("the compression family writes sources: run_dir is not set")
        if sample.padded_frames:  # the family's short-clip policy: refused, never repeated
            raise ValueError(f"the video is shorter than frames_per_clip "
                             f"({sample.padded_frames} frame(s) short): {self.short_clips}")
        video = sample.video
        h, w = video.shape[-2] // 2 * 2, video.shape[-1] // 2 * 2
        if h == 0 or w == 0:
            raise ValueError(f"a {video.shape[-2]}x{video.shape[-1]} clip has no 4:2:0 frame")
        folder = self.run_dir / SOURCES
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{file_stem(sample.ref.sample_id)}.yuv"
        with path.open("wb") as f:
            for frame in video[:, :, :h, :w].unbind(1):  # (3, h, w) each
                yuv = rgb_to_yuv(frame)
                f.write(yuv.y.tobytes() + yuv.u.tobytes() + yuv.v.tobytes())
        return YuvSequence(path=path, width=w, height=h, fps=DECODED_FPS,
                           frames=int(video.shape[1]))

    def _chunks(self, frames, size: int):
        chunk: list = []
        for item in frames:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _score_codec(self, sample_id: str, sequence: YuvSequence) -> SampleResult:
        tok: CodecTokenizer = self.tokenizer  # type: ignore[assignment]
        p = self.params
        raw = (p.codecs or {})[tok.spec.name]
        settings = CodecSettings(
            preset=str(raw.get("preset", "medium")),
            options={str(k): str(v) for k, v in (raw.get("options") or {}).items()},
        )
        if p.quality is None:
            search = tok.compress(
                sequence,
                target_bpp=p.target_bpp,
                tolerance=p.tolerance,
                max_trials=p.max_trials,
                settings=settings,
            )
            stream, knob, trials = search.stream, search.knob, search.trials
        else:
            knob = p.quality
            stream = tok.encode_at(sequence, knob=knob, settings=settings)
            trials = [(knob, 8 * len(stream) / sequence.pixels)]
        if self.run_dir is None:
            raise RuntimeError("the compression family writes bitstreams: run_dir is not set")
        folder = self.run_dir / BITSTREAMS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{file_stem(sample_id)}.{tok.extension}"
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(stream)
        os.replace(tmp, path)
        bits = 8 * path.stat().st_size  # every bit of the file the decoder reads
        bpp = bits / sequence.pixels
        fidelity = ClipFidelity(self._lpips)
        decoded = tok.decode_file(path)
        n_decoded = 0
        for chunk in self._chunks(zip(sequence.read(), decoded, strict=False), p.chunk_frames):
            refs, preds = [c[0] for c in chunk], [c[1] for c in chunk]
            n_decoded += len(chunk)
            self._add_yuv(fidelity, preds, refs)
        n_decoded += sum(1 for _ in decoded)
        if n_decoded != sequence.frames:
            raise RuntimeError(
                f"{path}: decoded {n_decoded} frames, the sequence has {sequence.frames}"
            )
        within = p.quality is not None or abs(bpp / p.target_bpp - 1) <= p.tolerance
        if not within:
            log.warning(
                "%s: %s reached %.4f bpp, not within ±%g%% of %.4f (closest of %d trials)",
                sample_id,
                tok.spec.name,
                bpp,
                100 * p.tolerance,
                p.target_bpp,
                len(trials),
            )
        metrics = {"bits": float(bits), "bpp": bpp, **fidelity.result()}
        prediction = {
            "bitstream": f"{BITSTREAMS}/{path.name}",
            "bytes": bits // 8,
            "frames": sequence.frames,
            "width": sequence.width,
            "height": sequence.height,
            "knob": {tok.knob.name: knob},
            "target_bpp": None if p.quality is not None else p.target_bpp,
            "within_tolerance": within,
            "trials": [{tok.knob.name: k, "bpp": r} for k, r in trials],
            "settings": {"preset": settings.preset, "options": settings.options},
        }
        return SampleResult(metrics=metrics, prediction=prediction, group=sample_id)

    def _add_yuv(self, fidelity: ClipFidelity, preds: list[YuvFrame], refs: list[YuvFrame]) -> None:
        y_ref = torch.stack([torch.from_numpy(f.y.astype("float32")) for f in refs])
        y_pred = torch.stack([torch.from_numpy(f.y.astype("float32")) for f in preds])
        if y_pred.shape != y_ref.shape:
            raise RuntimeError(
                f"decoded frames are {tuple(y_pred.shape[1:])}, the source {tuple(y_ref.shape[1:])}"
            )
        fidelity.add(
            y_pred=y_pred,
            y_ref=y_ref,
            rgb_pred=torch.stack([yuv_to_rgb(f) for f in preds]),
            rgb_ref=torch.stack([yuv_to_rgb(f) for f in refs]),
        )

    @torch.inference_mode()
    def _score_learned(self, sample_id: str, sequence: YuvSequence) -> SampleResult:
        frames = list(sequence.read())
        ref_rgb = torch.stack([yuv_to_rgb(f) for f in frames])  # (t, 3, h, w) in [0, 1]
        video = to_tokenizer_range(ref_rgb.permute(1, 0, 2, 3).unsqueeze(0)).to(self.device)
        encoded = self.tokenizer.encode(video, None)
        recon = self.tokenizer.decode(encoded).float().clamp(-1, 1)  # (1, 3, t, h, w)
        if recon.shape != video.shape:
            raise RuntimeError(
                f"tokenizer {self.tokenizer.spec.name!r} returned {tuple(recon.shape)} for "
                f"{tuple(video.shape)}"
            )
        pred_rgb = from_tokenizer_range(recon[0].permute(1, 0, 2, 3)).cpu()  # (t, 3, h, w)
        fidelity = ClipFidelity(self._lpips)
        y_ref = torch.stack([torch.from_numpy(f.y.astype("float32")) for f in frames])
        step = self.params.chunk_frames
        for s in range(0, len(frames), step):
            fidelity.add(
                y_pred=rgb_to_luma(pred_rgb[s : s + step]),
                y_ref=y_ref[s : s + step],
                rgb_pred=pred_rgb[s : s + step],
                rgb_ref=ref_rgb[s : s + step],
            )
        metrics = fidelity.result()
        prediction: dict[str, Any] = {"frames": sequence.frames}
        if encoded.bits is not None and encoded.indices is not None:
            metrics["bits"] = float(encoded.bits[0])
            metrics["bpp_tokens"] = float(encoded.bits[0]) / sequence.pixels
            metrics["bpp_entropy"] = empirical_bits(encoded.indices) / sequence.pixels
            prediction["tokens"] = int(sum(idx[0].numel() for idx in encoded.indices))
            codes = clip_codes(encoded.indices, 0)  # codebook usage, pooled in finalize
            return SampleResult(metrics=metrics, prediction=prediction, group=sample_id,
                                arrays=codes)
        return SampleResult(metrics=metrics, prediction=prediction, group=sample_id)

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        small = [r for r in records if "ms_ssim" not in r.metrics]
        if small:  # a mean over the large sequences only would be another set's number
            self._ms_ssim_reason = (
                f"frames too small: {len(small)} of {len(records)} sequences have frames "
                f"below {ms_ssim_min_size()} pixels on a side (e.g. {small[0].sample_id}); "
                "five-scale MS-SSIM needs at least that"
            )
        evaluation = mean_evaluation(records, [m.name for m in self.metrics], self.unavailable())
        usage, extra = run_usage(records, self.tokenizer.spec.vocab_size, run_dir=self.run_dir)
        evaluation.metrics.update(usage)
        evaluation.extra.update(extra)
        if self.is_codec:
            evaluation.extra["target_bpp"] = (
                None if self.params.quality is not None else self.params.target_bpp
            )
            evaluation.extra["off_target"] = sorted(
                r.sample_id
                for r in records
                if isinstance(r.prediction, dict) and not r.prediction.get("within_tolerance", True)
            )
            evaluation.files["bitstreams"] = BITSTREAMS
        return evaluation


def empirical_bits(indices: list[torch.Tensor]) -> float:
    """Code length of clip 0's token indices under their own empirical frequencies, per
    level: ``Σ_c n_c · log2(N / n_c)`` bits (the frequency table is not counted)."""
    total = 0.0
    for level in indices:
        values = level[0].reshape(-1)
        _, counts = torch.unique(values, return_counts=True)
        n = values.numel()
        c = counts.double()
        total += float((c * torch.log2(n / c)).sum())
    return total if math.isfinite(total) else float("nan")
