"""Class-conditional video generation: gFVD on UCF-101 (paper Table 8, Appendix C.2, E.2).

Per real clip (the reference split, train split 1 by default): its features (cached per
reference key, :mod:`benchmarks.features.stage`), and — with ``generated: match_real``,
the default — one generated clip of the same class, seeded by the run seed and the real
clip's id, so the generated set has the real set's class frequencies and a sharded or
resumed run generates the same clips. With ``generated: per_class``, ``clips_per_class``
clips of every class are generated in ``finalize`` instead. Generated clips come from a
generator of the ``--generator`` registry (:mod:`benchmarks.generators`): pixels, or a
tokenizer's codes that are decoded with the tokenizer under test.

``finalize``: the distance of the run's named protocol
(:mod:`benchmarks.features.protocols`; ``--task-arg protocol=...``, default the one of
``features``) between the real and generated features, summed in sample-id order
(:class:`~benchmarks.metrics.frechet.FeatureStats`): ``fvd`` (``fvd-styleganv``),
``fvd_videogpt``, ``cd_fvd``, ``jedi`` or ``fd_effnet_lite0``; the protocol's name, fields
and small-n flag under ``evaluation.protocols``.

Temporal quality (VBench's scores, :mod:`benchmarks.features.temporal`): each generated
clip's ``temporal_flickering`` (pixel-only, offline) and, with their local weights, the
consistency and motion-smoothness scores, averaged over the generated clips; the real
clips' scores beside them as ``<score>_real``. They are computed with or without a
feature extractor (the generator runs for them when the I3D is absent).

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
from benchmarks.features.stage import stats_of
from benchmarks.metrics.functional.mean_ci import mean_ci
from benchmarks.seeding import sample_seed
from benchmarks.tokenizers.base import to_tokenizer_range

log = logging.getLogger(__name__)

GRID_FILE = "generated_per_class.png"


@dataclass(frozen=True)
class GenerationParams(GeneratedParams):
    """Family-specific YAML keys: those of :class:`GeneratedParams`, and

    Attributes:
        generated: ``match_real`` (one generated clip per real clip, same class) or
            ``per_class`` (``clips_per_class`` clips of every class).
        clips_per_class: for ``per_class``.
        generation_batch: clips per generator call in ``per_class`` mode and the grid.
        grid_clips_per_class: clips per class in the picture (0: no picture).
    """

    generated: str = "match_real"
    clips_per_class: int = 0
    generation_batch: int = 16
    grid_clips_per_class: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
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
    unhashed_params = ("generation_batch", "grid_clips_per_class", *PATH_PARAMS)
    metrics: ClassVar[tuple[MetricInfo, ...]] = (*DISTANCE_METRICS, *TEMPORAL_METRIC_INFO)
    aggregation = (
        "Fréchet distance between Gaussians fitted to the real clips' and the generated "
        "clips' features (float64 sums in sample-id order; exact PSD square root); "
        "no per-sample mean, no CI; VBench temporal scores (temporal_flickering = 1 - mean "
        "|frame[i+1] - frame[i]| in [0, 1] units, no static filter; evaluation.temporal) "
        "per generated clip and per real clip (_real), mean over clips, 95% CI from "
        "Student's t"
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
        num_frames = self.tokenizer.spec.usable_num_frames(self.config.frames_per_clip)
        self._temporal.note_frames(num_frames)
        if self.extractor is None and not self._temporal.computed:
            return  # nothing to score the generated clips with
        self.run_seed = int(torch.initial_seed()) & 0xFFFFFFFF
        self.check_frames(num_frames)
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
        self.open_reference(info, refs, num_frames)

    # per batch ---------------------------------------------------------------------

    def _generate_features(
        self, class_ids: list[int], seeds: list[int]
    ) -> tuple[np.ndarray | None, dict[str, torch.Tensor]]:
        """Features (``None`` without an extractor) and temporal scores of generated clips."""
        with torch.inference_mode():
            video = self.generator.generate(class_ids, seeds).to_video(self.tokenizer)
            video = video.to(self.device)  # (b, 3, t, h, w) in [-1, 1]
            features = self.extractor(video) if self.extractor is not None else None
            return features, self.temporal_scores(video)

    def score(self, samples: list[Sample]) -> list[SampleResult]:
        labels = [s.ref.annotation.label for s in samples]
        if self.generator is None:
            return [SampleResult(group=label) for label in labels]
        ids = [s.ref.sample_id for s in samples]

        made: list[torch.Tensor] = []

        def real_video() -> torch.Tensor:  # (b, 3, t, h, w) in [-1, 1], made once
            if not made:
                made.append(to_tokenizer_range(
                    torch.stack([s.video for s in samples]).to(self.device)))
            return made[0]

        real = None
        if self.cache is not None:
            real = self.cache.features(ids, lambda: self.extractor(real_video()))  # (b, d)
        temporal = self.temporal_scores(real_video(), REAL) if self._temporal.computed else {}
        generated = None
        if self.params.generated == "match_real":
            class_ids = [int(s.ref.annotation.class_id) for s in samples]
            generated, scores = self._generate_features(
                class_ids, [_seed(self.run_seed, i) for i in ids])
            temporal.update(scores)
        out = []
        for i, label in enumerate(labels):
            arrays = {"real": real[i].astype(np.float64)} if real is not None else {}
            if generated is not None:
                arrays["generated"] = generated[i].astype(np.float64)
            out.append(SampleResult(metrics={m: float(v[i]) for m, v in temporal.items()},
                                    prediction={"class": label}, group=label,
                                    arrays=arrays or None))
        return out

    # whole run ---------------------------------------------------------------------

    def _per_class_features(
        self, class_ids: list[int]
    ) -> tuple[np.ndarray | None, dict[str, list[float]]]:
        """Features of ``clips_per_class`` generated clips of each class (``None`` without
        an extractor) and each clip's temporal scores."""
        per_class = range(self.params.clips_per_class)
        jobs = [(c, k) for c in class_ids for k in per_class]
        feats, temporal = [], {}
        size = self.params.generation_batch
        for start in tqdm(range(0, len(jobs), size), desc="generating", unit="batch"):
            chunk = jobs[start : start + size]
            features, scores = self._generate_features(
                [c for c, _ in chunk], [_seed(self.run_seed, f"{c}:{k}") for c, k in chunk])
            if features is not None:
                feats.append(features)
            for name, values in scores.items():
                temporal.setdefault(name, []).extend(values.tolist())
        return (np.concatenate(feats) if feats else None), temporal

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
        class_ids = [self.classes.index(c) for c in extra["classes_evaluated"]]
        # temporal scores: per clip, real (and match_real's generated) from the records
        temporal = mean_evaluation(records, list(TEMPORAL_NAMES), self.unavailable())
        metrics, ci95 = temporal.metrics, temporal.ci95
        feats = None
        if self.params.generated == "per_class" and self.generator is not None:
            feats, scores = self._per_class_features(class_ids)
            for name, values in scores.items():
                stats = mean_ci(values)
                metrics[name], ci95[name] = stats.mean, stats.ci95
        described = self.describe_temporal()
        if described:
            extra["temporal"] = described
        if self.extractor is None:
            return Evaluation(metrics=metrics, ci95=ci95, extra=extra)
        rows = [r.arrays() for r in records]
        rows = [(r, a) for r, a in zip(records, rows, strict=True) if "real" in a]
        if self.params.generated == "match_real":
            gen = stats_of((a["generated"] for _, a in rows), self.extractor.dim)
            classes_gen = "the real set's class frequencies (one per real clip)"
        else:
            gen = stats_of(feats, self.extractor.dim)
            classes_gen = (f"{self.params.clips_per_class} per evaluated class "
                           f"({len(class_ids)} of {len(self.classes)})")
        value, fields = self.distance([(r.sample_id, a["real"]) for r, a in rows], gen)
        files = self._grid(class_ids)
        extra.update({
            **fields, "n_clips": fields["n_real_clips"],
            "generated_classes": classes_gen,
            "generation_seed": self.run_seed,
            "seeds": "sha256('<run seed>:generate:<real clip id>') per clip (match_real); "
                     "'<class>:<k>' in place of the id for per_class",
            "generator_info": self.generator.describe() if self.generator else None,
        })
        return Evaluation(metrics={**metrics, self.metric: value}, ci95=ci95, extra=extra,
                          files=files)
