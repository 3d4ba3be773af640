"""Class-conditional video generation: gFVD on UCF-101 (paper Table 8, Appendix C.2, E.2).

Per real clip (the reference split, train split 1 by default): its features (cached per
reference key, :mod:`benchmarks.features.stage`), and — with ``generated: match_real``,
the default — one generated clip of the same class, seeded by the run seed and the real
clip's id, so the generated set has the real set's class frequencies and a sharded or
resumed run generates the same clips. With ``generated: per_class``, ``clips_per_class``
clips of every class are generated in ``finalize`` instead. Generated clips come from a
generator of the ``--generator`` registry (:mod:`benchmarks.generators`): pixels, or a
tokenizer's codes that are decoded with the tokenizer under test.

``finalize``: the Fréchet distance between the Gaussians of the real and generated
features, summed in sample-id order (:class:`~benchmarks.metrics.frechet.FeatureStats`),
named by the extractor: ``fvd`` (I3D, StyleGAN-V's protocol) or ``fd_effnet_lite0``.

What is present is what is scored. A partial download (class folders or clips absent:
the runner's ``n_missing``) or ``--limit`` leaves some classes without a real clip; the
evaluated classes are those of the run's real clips, and ``per_class`` generation, the
class grid and the generator's needs (:attr:`GeneratorContext.requested_classes`) keep to
them. The summary records ``classes_evaluated``, ``n_clips`` (per class too) and, from the
reader, ``classes_absent`` (classes with no clip on disk). The reference key of the
feature cache holds the run's clip set (count and sha256 of the sorted ids), so a
partial copy never shares cached features or statistics with a full one, nor a
``--limit`` run with a whole one.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.datasets.annotation import ClassLabel
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.datasets.demo import demo_version
from benchmarks.families.base import Evaluation, MetricInfo, SampleResult, StoredRecord
from benchmarks.families.generated import GeneratedClipsFamily
from benchmarks.features.stage import (
    ReferenceCache,
    clip_set,
    key_hash,
    reference_key,
    stats_of,
)
from benchmarks.seeding import sample_seed
from benchmarks.tokenizers.base import to_tokenizer_range

log = logging.getLogger(__name__)

GRID_FILE = "generated_per_class.png"


@dataclass(frozen=True)
class GenerationParams:
    """Family-specific YAML keys (``--generator`` / ``--generator-arg`` set the first two).

    Attributes:
        generator: generator registry name (``ar``, ``real-copy``, ``noise`` ...).
        generator_args: keyword arguments of its factory.
        features: feature extractor: ``i3d`` (FVD) or ``effnet_lite0`` (``fd_effnet_lite0``).
        i3d_path: the TorchScript I3D file (default: ``$PYRATOK_I3D``, the torch hub cache).
        fvd_frames: frames per clip the extractor sees (the first ones; FVD: 16).
        generated: ``match_real`` (one generated clip per real clip, same class) or
            ``per_class`` (``clips_per_class`` clips of every class).
        clips_per_class: for ``per_class``.
        generation_batch: clips per generator call in ``per_class`` mode and the grid.
        grid_clips_per_class: clips per class in the picture (0: no picture).
    """

    generator: str = ""
    generator_args: dict[str, Any] | None = None
    features: str = "i3d"
    i3d_path: str | None = None
    fvd_frames: int = 16
    generated: str = "match_real"
    clips_per_class: int = 0
    generation_batch: int = 16
    grid_clips_per_class: int = 3

    def __post_init__(self) -> None:
        if self.generated not in ("match_real", "per_class"):
            raise ValueError(f"generated: {self.generated!r}, expected match_real or per_class")
        if self.generated == "per_class" and self.clips_per_class < 1:
            raise ValueError("generated: per_class needs clips_per_class >= 1")


def _seed(run_seed: int, key: str) -> int:
    return sample_seed(run_seed, f"generate:{key}")


class GenerationFamily(GeneratedClipsFamily[GenerationParams]):
    conditions_on = "class"
    name = "generation"
    needs_annotation = ClassLabel
    Params = GenerationParams
    unhashed_params = ("generation_batch", "grid_clips_per_class", "i3d_path")
    metrics: ClassVar[tuple[MetricInfo, ...]] = (
        MetricInfo("fvd", False),
        MetricInfo("fd_effnet_lite0", False),
    )
    aggregation = (
        "Fréchet distance between Gaussians fitted to the real clips' and the generated "
        "clips' features (float64 sums in sample-id order; exact PSD square root); "
        "no per-sample mean, no CI"
    )

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params or GenerationParams(), tokenizer, device=device)

    # setup -------------------------------------------------------------------------

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        from benchmarks.config import ConfigError
        from benchmarks.generators.base import GeneratorContext
        from benchmarks.generators.select import cache_dir, create_generator

        self.info = info
        self.classes = info.classes or ()
        if self.extractor is None:
            log.warning("%s unavailable: %s", self.metric, self._reason)
            return
        self.run_seed = int(torch.initial_seed()) & 0xFFFFFFFF
        num_frames = self.tokenizer.spec.usable_num_frames(self.config.frames_per_clip)
        if num_frames < self.params.fvd_frames:
            raise ConfigError(f"task {self.config.task!r}: clips of {num_frames} frames, the "
                              f"protocol needs fvd_frames={self.params.fvd_frames}")
        # the run's real clips: on disk, within --limit (the runner's ids), sorted by id
        refs = sorted((r for r in dataset.refs()
                       if self.sample_ids is None or r.sample_id in self.sample_ids),
                      key=lambda r: r.sample_id)
        if not refs:  # every listed clip absent: the videos are not where the lists say
            raise ConfigError(f"{info.annotation_file}: none of its clips is on disk under "
                              f"{info.root} (is --data-root the folder holding the videos?)")
        frame_size = tuple(dataset.load(refs[0], num_frames=num_frames).video.shape[-2:])
        context = GeneratorContext(
            tokenizer=self.tokenizer, dataset=dataset, classes=tuple(self.classes),
            num_frames=num_frames, frame_size=frame_size, device=self.device,
            is_demo=demo_version(info.root) is not None, cache_dir=cache_dir(),
            requested_classes=tuple(sorted({int(r.annotation.class_id) for r in refs})))
        self.generator = create_generator(self.params.generator, self.params.generator_args,
                                          context)
        self.key = reference_key(info, self.extractor, frames_per_clip=num_frames,
                                 sampling=self.config.sampling.__dict__)
        self.key["clips"] = clip_set(r.sample_id for r in refs)
        self.cache = ReferenceCache(self.key)

    # per batch ---------------------------------------------------------------------

    def _generate_features(self, class_ids: list[int], seeds: list[int]) -> np.ndarray:
        with torch.inference_mode():
            video = self.generator.generate(class_ids, seeds).to_video(self.tokenizer)
            return self.extractor(video.to(self.device))

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        labels = [s.ref.annotation.label for s in samples]
        if self.extractor is None:
            return [SampleResult(group=label) for label in labels]
        ids = [s.ref.sample_id for s in samples]

        def real_features() -> np.ndarray:
            video = to_tokenizer_range(torch.stack([s.video for s in samples]).to(self.device))
            return self.extractor(video)

        real = self.cache.features(ids, real_features)  # (b, d)
        generated = None
        if self.params.generated == "match_real":
            class_ids = [int(s.ref.annotation.class_id) for s in samples]
            generated = self._generate_features(class_ids, [_seed(self.run_seed, i) for i in ids])
        out = []
        for i, label in enumerate(labels):
            arrays = {"real": real[i].astype(np.float64)}
            if generated is not None:
                arrays["generated"] = generated[i].astype(np.float64)
            out.append(SampleResult(prediction={"class": label}, group=label, arrays=arrays))
        return out

    # whole run ---------------------------------------------------------------------

    def _per_class_features(self, class_ids: list[int]) -> tuple[np.ndarray, int]:
        per_class = range(self.params.clips_per_class)
        jobs = [(c, k) for c in class_ids for k in per_class]
        feats = []
        size = self.params.generation_batch
        for start in tqdm(range(0, len(jobs), size), desc="generating", unit="batch"):
            chunk = jobs[start : start + size]
            feats.append(self._generate_features(
                [c for c, _ in chunk], [_seed(self.run_seed, f"{c}:{k}") for c, k in chunk]))
        return np.concatenate(feats), len(jobs)

    def _grid(self, class_ids: list[int]) -> dict[str, str]:
        n = self.params.grid_clips_per_class
        if n < 1 or self.run_dir is None or self.generator is None or not class_ids:
            return {}
        from benchmarks.families.generation.grid import write_grid

        rows = {}
        with torch.inference_mode():
            for c in class_ids:
                name = self.classes[c]
                seeds = [_seed(self.run_seed, f"grid:{c}:{k}") for k in range(n)]
                rows[name] = list(self.generator.generate([c] * n, seeds).to_video(self.tokenizer))
        write_grid(self.run_dir / "plots" / GRID_FILE, rows)
        return {"generated_grid": f"plots/{GRID_FILE}"}

    def _class_counts(self, records: list[StoredRecord], info: DatasetInfo) -> dict[str, Any]:
        """The classes the run evaluated (``classInd.txt`` order) and its clips per class."""
        counts = Counter(r.group for r in records if r.group is not None)
        evaluated = [c for c in self.classes if counts[c]]
        return {"classes_evaluated": evaluated, "n_classes_evaluated": len(evaluated),
                "n_clips": len(records), "n_clips_per_class": {c: counts[c] for c in evaluated},
                "classes_absent": list(info.extra.get("classes_absent", []))}

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        extra: dict[str, Any] = {"generator": self.params.generator,
                                 "generator_args": self.params.generator_args or {},
                                 "split": info.split, "n_real_clips": len(records),
                                 **self._class_counts(records, info)}
        if self.extractor is None:
            return Evaluation(metrics={}, extra=extra)
        rows = [r.arrays() for r in records]
        rows = [(r, a) for r, a in zip(records, rows, strict=True) if "real" in a]
        class_ids = [self.classes.index(c) for c in extra["classes_evaluated"]]
        real = stats_of((a["real"] for _, a in rows), self.extractor.dim)
        if self.params.generated == "match_real":
            gen = stats_of((a["generated"] for _, a in rows), self.extractor.dim)
            classes_gen = "the real set's class frequencies (one per real clip)"
        else:
            feats, _ = self._per_class_features(class_ids)
            gen = stats_of(feats, self.extractor.dim)
            classes_gen = (f"{self.params.clips_per_class} per evaluated class "
                           f"({len(class_ids)} of {len(self.classes)})")
        value = real.distance(gen) if real.n >= 2 and gen.n >= 2 else None
        stats_file = self.cache.save_stats(real, [r.sample_id for r, _ in rows]) if real.n else None
        files = self._grid(class_ids)
        extra.update({
            "metric": self.metric,
            "n_real_clips": real.n, "n_clips": real.n, "n_generated_clips": gen.n,
            "generated_classes": classes_gen,
            "frames": self.extractor.protocol.frames,
            "resolution": self.extractor.protocol.resolution,
            "generation_seed": self.run_seed,
            "seeds": "sha256('<run seed>:generate:<real clip id>') per clip (match_real); "
                     "'<class>:<k>' in place of the id for per_class",
            "features": self.extractor.describe(),
            "generator_info": self.generator.describe() if self.generator else None,
            "reference_key": self.key, "reference_key_hash": key_hash(self.key),
            "reference_stats": str(stats_file) if stats_file else None,
            "reference_cache_hits_rank0": self.cache.hits,
        })
        return Evaluation(metrics={self.metric: value}, extra=extra, files=files)
