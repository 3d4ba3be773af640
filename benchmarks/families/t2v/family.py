"""Text-to-video generation on WebVid captions: FVD and temporal consistency (paper Table 2).

Per real clip (its caption from the reader): the real clip's features (cached per
reference key, :mod:`benchmarks.features.stage`) and one generated clip, conditioned on
that caption and seeded by the run seed and the real clip's id — so a sharded or resumed
run generates the same clips. Generated clips come from a text-conditioned generator of
the ``--generator`` registry (:mod:`benchmarks.generators`): pixels, or a tokenizer's codes
decoded with the tokenizer under test (``ar-text``: "with / without PyraTok" is the same
prior over two tokenizers' codes).

Metrics:

- the distance of the run's named protocol (:mod:`benchmarks.features.protocols`;
  ``--task-arg protocol=...``, default the one of ``features``) between the real and
  generated clips' features, summed in sample-id order, as the ``generation`` family
  computes gFVD (:mod:`benchmarks.families.generated`): ``fvd`` (``fvd-styleganv``, I3D),
  ``fvd_videogpt``, ``cd_fvd``, ``jedi`` or ``fd_effnet_lite0`` (the offline stand-in under
  its own name); the protocol's name, fields and small-n flag under
  ``evaluation.protocols``;
- ``tc_effnet_lite0`` / ``tc_clip``: temporal consistency of the generated clips, 100 × the
  mean cosine similarity of consecutive frames' image embeddings
  (:mod:`benchmarks.metrics.functional.temporal_consistency`), mean over clips with a 95%
  CI; the real clips' TC on the same embedder is recorded beside it
  (``evaluation.tc_real``). The paper's TC values (185–246) do not fit this ≤ 100 scale.
- VBench's temporal scores (:mod:`benchmarks.features.temporal`), as for gFVD:
  ``temporal_flickering`` (pixel-only, offline) and, with their local weights, the
  consistency and motion-smoothness scores of each generated clip, mean over clips with a
  95% CI; the real clips' as ``<score>_real``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.datasets.demo import demo_version
from benchmarks.families.base import (
    Evaluation,
    MetricInfo,
    SampleResult,
    StoredRecord,
    mean_evaluation,
)
from benchmarks.families.generated import (
    DISTANCE_METRICS,
    PATH_PARAMS,
    REAL,
    TEMPORAL_METRIC_INFO,
    TEMPORAL_NAMES,
    GeneratedClipsFamily,
    GeneratedParams,
)
from benchmarks.features.frames import NAMES as TC_EMBEDDERS
from benchmarks.features.frames import FrameEmbedder, open_frame_embedder
from benchmarks.features.stage import stats_of
from benchmarks.metrics.functional.temporal_consistency import temporal_consistency
from benchmarks.seeding import sample_seed
from benchmarks.tokenizers.base import to_tokenizer_range

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class T2VParams(GeneratedParams):
    """Family-specific YAML keys: those of :class:`GeneratedParams` (``generator``: a
    text-conditioned one, ``ar-text``, ``diffusers-t2v`` ...), and

    Attributes:
        tc: the frame embedders of temporal consistency (``effnet_lite0``, ``clip``).
        clip: a local CLIP folder for ``tc_clip`` (none: ``tc_clip`` is unavailable; not
            VBench's ``clip_path``).
    """

    tc: tuple[str, ...] = TC_EMBEDDERS
    clip: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "tc", tuple(self.tc))
        unknown = [n for n in self.tc if n not in TC_EMBEDDERS]
        if unknown:
            raise ValueError(f"tc: {unknown[0]!r}, expected some of {', '.join(TC_EMBEDDERS)}")


class T2VFamily(GeneratedClipsFamily[T2VParams]):
    conditions_on = "text"
    name = "t2v"
    needs_annotation = None  # captions (SampleRef.caption), no annotation
    Params = T2VParams
    unhashed_params = PATH_PARAMS
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        *DISTANCE_METRICS,
        MetricInfo("tc_effnet_lite0", True),
        MetricInfo("tc_clip", True),
        *TEMPORAL_METRIC_INFO,
    )
    aggregation = (
        "Fréchet distance between Gaussians fitted to the real and generated clips' features "
        "(float64 sums in sample-id order; no CI); tc_*: mean over generated clips of 100 × "
        "the mean cosine of consecutive frames' embeddings, 95% CI from Student's t; VBench "
        "temporal scores per generated clip and per real clip (_real), mean over clips, 95% "
        "CI from Student's t"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or T2VParams(), tokenizer, device=device)
        self.embedders: dict[str, FrameEmbedder] = {}
        self._tc_missing: dict[str, str] = {}
        for name in TC_EMBEDDERS:
            if name not in self.params.tc:
                self._tc_missing[f"tc_{name}"] = f"not computed: tc lists {list(self.params.tc)}"
                continue
            embedder, why = open_frame_embedder(name, device=device, clip_path=self.params.clip)
            if embedder is None:
                self._tc_missing[f"tc_{name}"] = why or "embedder unavailable"
            else:
                self.embedders[embedder.metric_name] = embedder

    # planning ----------------------------------------------------------------------

    def unavailable(self) -> dict[str, str]:
        out = {**self._tc_missing, **super().unavailable()}
        if self.metric != "fd_effnet_lite0":
            out.setdefault("fd_effnet_lite0", f"not computed: this run reports {self.metric} "
                                              f"(protocol {self.protocol.name})")
        return out

    # setup -------------------------------------------------------------------------

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        from benchmarks.config import ConfigError
        from benchmarks.generators.base import GeneratorContext
        from benchmarks.generators.select import cache_dir, create_generator

        self.info = info
        self.run_seed = int(torch.initial_seed()) & 0xFFFFFFFF
        num_frames = self.tokenizer.spec.usable_num_frames(self.config.frames_per_clip)
        self.check_frames(num_frames)
        if self.embedders and num_frames < 2:
            raise ConfigError(f"task {self.config.task!r}: clips of {num_frames} frame(s); "
                              "temporal consistency needs at least 2")
        self._temporal.note_frames(num_frames)
        refs = sorted((r for r in dataset.refs()
                       if self.sample_ids is None or r.sample_id in self.sample_ids),
                      key=lambda r: r.sample_id)
        if not refs:
            raise ConfigError(f"{info.annotation_file}: none of its clips is on disk under "
                              f"{info.root} (is --data-root the folder holding the videos?)")
        uncaptioned = [r.sample_id for r in refs if not (r.caption or "").strip()]
        if uncaptioned:
            raise ConfigError(f"{info.annotation_file}: clip {uncaptioned[0]} has no caption "
                              f"({len(uncaptioned)} such); text-to-video needs one per clip")
        frame_size = tuple(dataset.load(refs[0], num_frames=num_frames).video.shape[-2:])
        context = GeneratorContext(
            tokenizer=self.tokenizer, dataset=dataset, classes=(), num_frames=num_frames,
            frame_size=frame_size, device=self.device,
            is_demo=demo_version(info.root) is not None, cache_dir=cache_dir())
        self.generator = create_generator(self.params.generator, self.params.generator_args,
                                          context)
        if self.extractor is None:
            log.warning("%s unavailable: %s", self.metric, self._reason)
        self.open_reference(info, refs, num_frames)

    # per batch ---------------------------------------------------------------------

    def _shared_effnet(self) -> FrameEmbedder | None:
        """The tc_effnet_lite0 embedder when the Fréchet extractor is the same network at
        the same 224×224 frames (protocol ``fd-effnet-lite0``: every frame resized to
        224×224, bilinear, no crop, no quantisation): one pass gives both (the clip feature
        is the mean of the protocol's frames' per-frame vectors, as
        ``EffNetLite0Extractor.forward``)."""
        if self.extractor is not None and self.protocol.name == "fd-effnet-lite0":
            return self.embedders.get("tc_effnet_lite0")
        return None

    def _features_and_tc(self, video: torch.Tensor, *, features_wanted: bool = True,
                         ) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Fréchet features ``(b, d)`` (``None`` without an extractor, or when not wanted
        and not free) and each embedder's per-clip TC ``(b,)`` of ``video``
        ``(b, 3, t, h, w)`` in [-1, 1]."""
        tc: dict[str, np.ndarray] = {}
        features = None
        shared = self._shared_effnet()
        for name, embedder in self.embedders.items():
            per_frame = embedder.per_frame(video)  # (b, t, d)
            tc[name] = temporal_consistency(per_frame).cpu().numpy()
            if embedder is shared:
                clip = self.extractor.protocol
                first = per_frame[:, : clip.span : clip.stride]  # (b, frames, 1280)
                features = first.mean(dim=1).double().cpu().numpy()  # (b, 1280)
        if features is None and self.extractor is not None and features_wanted:
            features = self.extractor(video)
        return features, tc

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        ids = [s.ref.sample_id for s in samples]
        captions = [str(s.ref.caption) for s in samples]
        real_video = to_tokenizer_range(torch.stack([s.video for s in samples]).to(self.device))
        seeds = [sample_seed(self.run_seed, f"generate:{i}") for i in ids]
        with torch.inference_mode():
            video = self.generator.generate(captions, seeds).to_video(self.tokenizer)
            video = video.to(self.device)  # (b, 3, t, h, w) in [-1, 1]
            generated, tc = self._features_and_tc(video)
            cached = self.cache is not None and self.cache.has(ids)
            real_features, tc_real = self._features_and_tc(real_video,
                                                           features_wanted=not cached)
            temporal = {**self.temporal_scores(video), **self.temporal_scores(real_video, REAL)}
        if self.cache is not None:
            real = self.cache.features(ids, lambda: real_features)  # (b, d)
        arrays: list[dict[str, np.ndarray]] = [{} for _ in samples]
        metrics: list[dict[str, float]] = [{} for _ in samples]
        for i in range(len(samples)):
            if self.cache is not None:
                arrays[i]["real"] = real[i].astype(np.float64)
                arrays[i]["generated"] = generated[i].astype(np.float64)
            metrics[i].update({m: float(v[i]) for m, v in temporal.items()})
            for name in tc:
                metrics[i][name] = float(tc[name][i])
                arrays[i][f"{name}_real"] = np.asarray([tc_real[name][i]], np.float64)
        return [SampleResult(metrics=m, prediction={"caption": c}, arrays=a or None)
                for m, c, a in zip(metrics, captions, arrays, strict=True)]

    # whole run ---------------------------------------------------------------------

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        unavailable = self.unavailable()
        evaluation = mean_evaluation(records, [*self.embedders, *TEMPORAL_NAMES], unavailable)
        evaluation.groups = {}
        rows = [r.arrays() for r in records]
        extra: dict[str, Any] = {
            "generator": self.params.generator,
            "generator_args": self.params.generator_args or {},
            "generator_info": self.generator.describe() if self.generator else None,
            "split": info.split, "n_clips": len(records),
            "generation_seed": self.run_seed,
            "seeds": "sha256('<run seed>:generate:<real clip id>') per clip, conditioned on "
                     "that clip's caption",
            "tc_definition": "100 × mean over consecutive frame pairs of the cosine of their "
                             "image embeddings, mean over generated clips (≤ 100)",
            "tc_embedders": {n: e.describe() for n, e in self.embedders.items()},
            "tc_real": {n: float(np.mean([a[f"{n}_real"][0] for a in rows if f"{n}_real" in a]))
                        for n in self.embedders if any(f"{n}_real" in a for a in rows)},
        }
        described = self.describe_temporal()
        if described:
            extra["temporal"] = described
        if self.extractor is not None:
            pairs = [(r.sample_id, a) for r, a in zip(records, rows, strict=True)
                     if "real" in a and "generated" in a]
            gen = stats_of((a["generated"] for _, a in pairs), self.extractor.dim)
            value, fields = self.distance([(i, a["real"]) for i, a in pairs], gen)
            evaluation.metrics[self.metric] = value
            extra.update(fields)
        evaluation.extra = extra
        return evaluation
