"""What the generation families share: a generator of the ``--generator`` registry scored
by a named distance protocol against real clips, and VBench's temporal scores of the
clips (``generation``: class-conditional gFVD, Table 8; ``t2v``: text-to-video, Table 2).
Not a family itself: a base each of them subclasses, so neither imports the other.

Shared here, so both families behave the same:

- the run's distance protocol (:mod:`benchmarks.features.protocols`;
  ``--task-arg protocol=...``, default the one of ``features``), its extractor, the
  metric's name, the weight files it loads and why a distance is not reported;
- the reference cache of the run's real clips, keyed by the protocol and the clip set;
- the distance between the real and generated statistics and what the summary records
  beside it (``evaluation.protocols``: name, fields, fingerprint, small-n flag);
- VBench's temporal scores (:mod:`benchmarks.features.temporal`): ``<score>`` on the
  generated clips, ``<score>_real`` on the real ones.

A subclass declares ``conditions_on`` (what its clips are conditioned on) and a ``Params``
dataclass that extends :class:`GeneratedParams` (the keys both families read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from torch import Tensor

from benchmarks.datasets.base import DatasetInfo, SampleRef
from benchmarks.families.base import MetricInfo, TaskFamily
from benchmarks.features.protocols import resolve
from benchmarks.features.stage import (
    ReferenceCache,
    clip_set,
    key_hash,
    open_extractor,
    reference_key,
    stats_of,
)
from benchmarks.features.temporal import METRICS as TEMPORAL_METRICS
from benchmarks.features.temporal import TemporalOptions, TemporalScorer
from benchmarks.metrics.frechet import FeatureStats

ParamsT = TypeVar("ParamsT")

REAL = "_real"  # suffix of the real clips' temporal scores
TEMPORAL_NAMES = (*TEMPORAL_METRICS, *(f"{m}{REAL}" for m in TEMPORAL_METRICS))
DISTANCE_METRICS = (
    MetricInfo("fvd", False),
    MetricInfo("fd_effnet_lite0", False),
    MetricInfo("fvd_videogpt", False),
    MetricInfo("cd_fvd", False),
    MetricInfo("jedi", False),
)
# VBench scores of the generated clips (higher = steadier), and of the real ones
TEMPORAL_METRIC_INFO = tuple(MetricInfo(name, True) for name in TEMPORAL_NAMES)
# paths: their files' contents are in the config hash (benchmarks/runner/weights.py)
PATH_PARAMS = ("i3d_path", "weights_path", "dino_path", "clip_path", "vfi_path")


@dataclass(frozen=True)
class GeneratedParams:
    """The YAML keys of every generation family (``--generator`` / ``--generator-arg`` set
    the first two).

    Attributes:
        generator: generator registry name (``ar``, ``ar-text``, ``noise`` ...).
        generator_args: keyword arguments of its factory.
        features: feature extractor: ``i3d`` (FVD) or ``effnet_lite0`` (``fd_effnet_lite0``).
        protocol: a named distance protocol (``fvd-styleganv``, ``fvd-videogpt``,
            ``cd-fvd``, ``jedi`` ...; default: the one of ``features``).
        i3d_path: the TorchScript I3D file (default: ``$PYRATOK_I3D``, the torch hub cache).
        weights_path: the protocol's weights file (a folder for ``jedi``).
        fvd_frames: frames per clip the Fréchet extractor sees (the first ones; FVD: 16).
        temporal, temporal_effnet, dino_path, clip_path, vfi_path: VBench's temporal
            scores (:class:`~benchmarks.features.temporal.TemporalOptions`; ``clip_path``
            is VBench's CLIP ViT-B/32 of ``background_consistency``).
    """

    generator: str = ""
    generator_args: dict[str, Any] | None = None
    features: str = "i3d"
    protocol: str | None = None
    i3d_path: str | None = None
    weights_path: str | None = None
    fvd_frames: int = 16
    temporal: bool = True  # VBench temporal scores (benchmarks/features/temporal.py)
    temporal_effnet: bool = False
    dino_path: str | None = None
    clip_path: str | None = None
    vfi_path: str | None = None

    def __post_init__(self) -> None:
        resolve(self.protocol, self.features)  # an unknown or mismatched protocol: one line


class GeneratedClipsFamily(TaskFamily[ParamsT]):
    conditions_on: ClassVar[str] = "class"

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params, tokenizer, device=device)
        p: Any = self.params
        self.protocol = resolve(p.protocol, p.features)
        self.extractor, self._reason = open_extractor(
            self.protocol.extractor, device=device, i3d_path=p.i3d_path,
            weights_path=p.weights_path, protocol=self.protocol)
        self.metric = self.protocol.metric
        self._temporal = TemporalScorer(TemporalOptions.of(p), device=device)
        self.generator = None
        self.cache: ReferenceCache | None = None
        self.key: dict[str, Any] = {}
        self.run_seed = 0

    # planning ----------------------------------------------------------------------

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        from benchmarks.generators.select import generator_problem

        return generator_problem(params.generator, params.features, wanted=cls.conditions_on,
                                 family=cls.name)

    @classmethod
    def run_name_suffix(cls, params) -> str:
        from benchmarks.generators.select import run_suffix

        return run_suffix(params.generator, params.generator_args)

    @classmethod
    def weight_files(cls, params: Any) -> list[Path]:
        p = params if params is not None else cls.Params()  # type: ignore[misc]
        path = p.weights_path or p.i3d_path
        return [f for w in resolve(p.protocol, p.features).weights
                if (f := w.found(path)) is not None]

    def unavailable(self) -> dict[str, str]:
        why = self._temporal.unavailable()
        out = {**why, **{f"{m}{REAL}": r for m, r in why.items()}}
        if self.extractor is None:
            out[self.metric] = (f"{self.protocol.name}: "
                                + (self._reason or "feature extractor unavailable"))
        if self.protocol.metric != "fvd":
            from benchmarks.features.i3d import missing_reason

            p: Any = self.params
            why_fvd = missing_reason(p.i3d_path)
            out["fvd"] = (f"not computed: this run uses protocol {self.protocol.name} "
                          f"(reported as {self.metric}, not fvd)"
                          + (f"; and {why_fvd}" if why_fvd else
                             "; pass --task-arg protocol=fvd-styleganv"))
        return out

    # setup -------------------------------------------------------------------------

    def check_frames(self, num_frames: int) -> None:
        """A clip too short for the protocol's extractor: one line (no check without one)."""
        from benchmarks.config import ConfigError

        if self.extractor is None:
            return
        p: Any = self.params
        needed = max(p.fvd_frames, self.extractor.protocol.span)
        if num_frames < needed:
            raise ConfigError(f"task {self.config.task!r}: clips of {num_frames} frames, the "
                              f"protocol {self.protocol.name} needs {needed}")

    def open_reference(self, info: DatasetInfo, refs: Iterable[SampleRef],
                       num_frames: int) -> None:
        """The reference cache of the run's real clips ``refs`` (with an extractor)."""
        if self.extractor is None:
            return
        self.key = reference_key(info, self.extractor, distance=self.protocol,
                                 frames_per_clip=num_frames,
                                 sampling=self.config.sampling.__dict__)
        self.key["clips"] = clip_set(r.sample_id for r in refs)
        self.cache = ReferenceCache(self.key)

    # per batch ---------------------------------------------------------------------

    def temporal_scores(self, video: Tensor, suffix: str = "") -> dict[str, Tensor]:
        """Each clip's temporal scores ``(b,)`` of ``video`` ``(b, 3, t, h, w)`` in [-1, 1],
        named ``<score><suffix>`` (``{}`` when none is computed)."""
        if not self._temporal.computed:
            return {}
        return {f"{m}{suffix}": v for m, v in self._temporal.scores(video).items()}

    # whole run ---------------------------------------------------------------------

    def describe_temporal(self) -> dict[str, Any]:
        """What each computed temporal score is (``{}`` when none is)."""
        return self._temporal.describe()

    def distance(self, real_rows: list[tuple[str, np.ndarray]], gen: FeatureStats,
                 ) -> tuple[float | None, dict[str, Any]]:
        """The protocol's distance between the real clips' features (``(sample id, (d,))``
        in sample-id order) and the generated set's statistics, and the summary fields
        beside it; the real set's statistics are saved in the reference cache."""
        real = stats_of((a for _, a in real_rows), self.extractor.dim)
        value = self.protocol.value(real, gen) if real.n >= 2 and gen.n >= 2 else None
        stats_file = self.cache.save_stats(real, [i for i, _ in real_rows]) if real.n else None
        return value, {
            "metric": self.metric, "n_real_clips": real.n, "n_generated_clips": gen.n,
            "frames": self.extractor.protocol.frames,
            "resolution": self.extractor.protocol.resolution,
            "features": self.extractor.describe(),
            "reference_key": self.key, "reference_key_hash": key_hash(self.key),
            "reference_stats": str(stats_file) if stats_file else None,
            "reference_cache_hits_rank0": self.cache.hits,
            "protocols": {self.metric: self.protocol.record(
                min(real.n, gen.n), self.extractor.weights_loaded)},
        }
