"""The task-family interface the runner drives, and what a family hands back.

A family is called in three stages (see ``docs/architecture.md``):

1. ``setup(dataset, info)`` once, before the loop, with the dataset's metadata (class list,
   annotation file, version): text embeddings of class prompts, a probe, ground truth.
2. ``score(samples)`` per batch: one :class:`SampleResult` per sample — per-sample
   ``metrics`` (averaged with a 95% CI), a JSON ``prediction`` (top-k labels, segments,
   an answer letter …), an optional ``group`` (sub-task, video id) and optional large
   ``arrays`` that go to a side file, never into the JSONL.
3. ``finalize(records)`` once, after resume and after the torchrun gather, over every
   stored record of the run: the dataset-level evaluation (mAP, top-k over a vocabulary,
   Fréchet distances …). The default is the mean/CI of each per-sample metric, per group
   and overall.

What a family can do and needs is declared on its class, never probed: ``requires``
(tokenizer capabilities), ``sweeps`` (list keys that expand into one run per value),
``prediction_files`` (the files a run writes and their official formats). A family that
can score an official prediction file without a tokenizer (``python -m benchmarks
score``) also subclasses :class:`ScoreMode`, declaring its ``score_inputs`` and
implementing the three ``score_*`` class methods. ``family_problems`` of
:mod:`benchmarks.families.conformance` checks a family class against this contract (a
plug-in's tests can run it on theirs).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import torch

from benchmarks.config import TaskConfig
from benchmarks.datasets.annotation import Annotation
from benchmarks.datasets.base import Dataset, DatasetInfo, Sample
from benchmarks.io.jsonfile import SMALL_BYTES
from benchmarks.io.regular import read_text
from benchmarks.io.sampling import SHORT_CLIP_POLICY
from benchmarks.tokenizers.base import VideoTokenizer

# Keys of a stored record that the store itself writes: a family's names live under
# "metrics" / "prediction", so they can never collide with these.
RECORD_KEYS = ("sample_id", "path", "metrics", "prediction", "group", "arrays", "config_hash",
               "padded_frames", "cluster", "fingerprint")


@dataclass(frozen=True)
class MetricInfo:
    """How a metric reads in tables: its name, direction and unit."""

    name: str
    higher_is_better: bool
    unit: str = ""


@dataclass
class SampleResult:
    """What ``score`` returns for one sample.

    Attributes:
        metrics: per-sample scalars, averaged over samples (mean, 95% CI) unless
            ``finalize`` says otherwise. Names must be declared in the family's ``metrics``.
        prediction: JSON-able output kept per sample (labels, segments, tracks ...).
        group: optional group key (sub-task, video id) for grouped aggregation.
        arrays: optional named numpy arrays (features, masks): written to a per-run side
            file, loaded back by ``finalize`` through :meth:`StoredRecord.arrays`.
    """

    metrics: dict[str, float] = field(default_factory=dict)
    prediction: Any = None
    group: str | None = None
    arrays: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class StoredRecord:
    """One scored sample as read back from the store (fresh and resumed alike).

    ``cluster``: the source it was cut from (``SampleRef.cluster``); ``fingerprint``: its
    input file's content fingerprint; ``None`` where the record has none.
    """

    sample_id: str
    path: str
    metrics: Mapping[str, float]
    prediction: Any
    group: str | None
    load_arrays: Callable[[], dict[str, np.ndarray]] | None = field(default=None, repr=False)
    cluster: str | None = None
    fingerprint: str | None = None

    def arrays(self) -> dict[str, np.ndarray]:
        """The sample's side-file arrays (``{}`` if it stored none)."""
        return self.load_arrays() if self.load_arrays is not None else {}


@dataclass
class Evaluation:
    """What ``finalize`` (and ``score`` mode) returns.

    Attributes:
        metrics: dataset-level values (name → value; ``None`` where undefined).
        ci95: 95% CI half-widths where the family can give one.
        groups: per-group metrics (group → name → value), ``{}`` if ungrouped.
        extra: further JSON-able facts for the summary (counts, per-split numbers ...).
        files: run-folder files the evaluation wrote (name → relative path).
        ci_method: how ``ci95`` was computed (the summary's ``ci_method``): ``"student-t"``
            or :meth:`~benchmarks.metrics.functional.cluster_ci.Clusters.method`'s
            cluster bootstrap; ``""`` where there is no interval.
    """

    metrics: dict[str, float | None]
    ci95: dict[str, float | None] = field(default_factory=dict)
    groups: dict[str, dict[str, float | None]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    ci_method: str = ""


class ScoreInputError(ValueError):
    """A ground-truth or prediction file is malformed: names the file and the entry."""

    def __init__(self, path: str | Path, entry: str, reason: str) -> None:
        super().__init__(f"{path}: {entry}: {reason}")


def read_score_ids(path: str | Path, *, known: Collection[str] | None = None,
                   what: str = "id", source: str | Path = "the ground truth") -> list[str]:
    """The ids of a ``score_ids`` file (a run's ``evaluated_ids.txt``: one id a line, blank
    lines skipped), in file order: ``score`` then evaluates exactly the run's samples.

    Args:
        known: the ids the ground truth lists; an id outside them is an error.
        what, source: how that error names an id and the ground truth.

    Raises:
        ScoreInputError: no such file, unreadable, no id in it, or an id not ``known``.
    """
    file = Path(path).expanduser()
    try:
        if file.stat().st_size > SMALL_BYTES:
            raise OSError(f"{file.stat().st_size} bytes, over the {SMALL_BYTES}-byte bound")
        lines = read_text(file).splitlines()  # a device or a FIFO is refused, never read
    except (OSError, UnicodeDecodeError) as error:
        raise ScoreInputError(file, "score_ids", f"cannot be read (a run's evaluated_ids.txt "
                              f"is expected): {error}") from None
    ids = [line.strip() for line in lines if line.strip()]
    if not ids:
        raise ScoreInputError(file, "score_ids", "lists no id")
    if known is not None:
        unknown = [i for i in ids if i not in known]
        if unknown:
            shown = unknown[0] if len(unknown[0]) <= 80 else unknown[0][:77] + "..."
            raise ScoreInputError(path, shown, f"{what} not in {source} "
                                  f"({len(unknown)} such id(s))")
    return ids


ParamsT = TypeVar("ParamsT")  # a family's Params dataclass
ScoreParamsT = TypeVar("ScoreParamsT")  # what the score_* methods receive as params
GroundTruthT = TypeVar("GroundTruthT")  # an official ground-truth file, as read
PredictionsT = TypeVar("PredictionsT")  # an official prediction file, as read


class TaskFamily(ABC, Generic[ParamsT]):
    """Scores a dataset with a tokenizer.

    Subclasses declare ``name``, ``metrics`` and optionally a ``Params`` dataclass for
    their own YAML keys (``TaskFamily[TheirParams]`` types ``self.params``), and implement
    :meth:`score`; whole-dataset tasks also implement :meth:`setup` and :meth:`finalize`.

    Args:
        config: the task's common configuration.
        params: an instance of ``Params`` (or ``None``).
        tokenizer: the tokenizer under test, already on ``device``.
        device: where tensors go.
    """

    name: ClassVar[str]
    metrics: ClassVar[tuple[MetricInfo, ...]]
    Params: ClassVar[type | None] = None
    aggregation: ClassVar[str] = ("mean over samples, 95% CI from Student's t (a cluster "
                                  "bootstrap where the dataset declares clusters: ci_method)")
    # what happens to a video shorter than the clip (recorded in every summary): the one
    # policy of benchmarks.io.sampling for families that sample fixed-length clips
    short_clips: ClassVar[str] = (
        f"{SHORT_CLIP_POLICY}: a video shorter than the clip is kept and the clip filled by "
        "repeating its last frame (mmaction2 repeat_last, TSN, MVBench get_index)"
    )
    # Params keys that change no score (pictures, logging): kept out of the config hash.
    unhashed_params: ClassVar[tuple[str, ...]] = ()
    # Params keys that only `score` reads (a finished run's ids): set in a run, refused.
    score_only_params: ClassVar[tuple[str, ...]] = ()
    # Tokenizer capabilities (TokenizerSpec.capabilities) every run of the family needs;
    # check_tokenizer refuses a tokenizer without them (a family whose needs depend on its
    # params adds those there).
    requires: ClassVar[tuple[str, ...]] = ()
    # Sweeps: {list key: scalar key}. `--task-arg rates=[0.1,0.2]` expands into one run per
    # value with the scalar Params field set (compression: rates -> target_bpp); the list
    # key is no field: the expansion consumes it.
    sweeps: ClassVar[Mapping[str, str]] = {}
    # The files a run writes into its folder beside the store's own (a name, or a folder
    # ending in "/"), each with its official format: what `score` or a benchmark's server
    # reads back. `python -m benchmarks list` shows them.
    prediction_files: ClassVar[Mapping[str, str]] = {}
    # The kind of ground truth the family reads from SampleRef.annotation (a class of
    # benchmarks.datasets.annotation); a task pairing it with a reader that declares
    # another kind is refused before the run. None: the family reads none (any dataset).
    needs_annotation: ClassVar[type[Annotation] | None] = None

    def __init__(
        self,
        config: TaskConfig,
        params: ParamsT,
        tokenizer: VideoTokenizer,
        *,
        device: torch.device,
    ) -> None:
        for name in self.score_only_params:
            if getattr(params, name, None) is not None:
                raise ValueError(f"{name} is a 'score' option (what a finished run "
                                 "evaluated); a run picks its samples with --limit or the "
                                 "task's dataset_args")
        self.config = config
        self.params: ParamsT = params
        self.tokenizer = tokenizer
        self.device = device
        # where a family may write files (pictures, per-split tables ...); set by the runner
        self.artifacts_dir: Path | None = None
        self.run_dir: Path | None = None
        # the ids of the run's samples (on disk, within --limit), set by the runner before
        # setup: a family counting over the dataset's own list (MVBench's questions) keeps
        # to these, so a partial download or --limit never counts outside the run
        self.sample_ids: frozenset[str] | None = None

    @classmethod
    def check_tokenizer(cls, tokenizer: VideoTokenizer, params: Any) -> str | None:
        """Why ``tokenizer`` cannot run this task with ``params`` (``None``: it can)."""
        missing = [c for c in cls.requires if c not in tokenizer.spec.capabilities]
        if missing:
            return (
                f"tokenizer {tokenizer.spec.name!r} lacks {', '.join(missing)} "
                f"(it has: {', '.join(sorted(tokenizer.spec.capabilities)) or 'none'})"
            )
        return None

    @classmethod
    def weight_files(cls, params: Any) -> list[Path]:
        """Model files a run loads from a default place no path parameter names (the I3D
        of FVD): fingerprinted into the config hash beside the tokenizer's weights and
        every path parameter's files (``benchmarks/runner/weights.py``)."""
        return []

    @classmethod
    def run_name_suffix(cls, params: Any) -> str:
        """Appended to the default run name (a generation task adds its generator)."""
        return ""

    def sampling_text(self, num_frames: int) -> str:
        """How a sample's frames are read, for the run's start-up log line."""
        return f"{num_frames} frames per clip"

    def setup(self, dataset: Dataset, info: DatasetInfo) -> None:
        """Prepare with the dataset's metadata before the loop (once per rank)."""

    def unavailable(self) -> dict[str, str]:
        """Metrics this run cannot compute honestly, with the reason for each."""
        return {}

    @abstractmethod
    def score(self, samples: list[Sample]) -> list[SampleResult]:
        """One :class:`SampleResult` per sample, in order."""

    def finalize(self, records: list[StoredRecord], info: DatasetInfo) -> Evaluation:
        """The dataset-level evaluation over every stored record of the run."""
        return mean_evaluation(records, [m.name for m in self.metrics], self.unavailable())

    def bootstrap_statistics(self, records: list[StoredRecord], info: DatasetInfo) -> Any:
        """What ``compare`` caches once to score a bootstrap draw cheaply, or ``None`` (the
        default): ``compare`` then re-runs :meth:`finalize` on every draw. A family that
        returns something implements :meth:`evaluate_statistics`, equal to ``finalize``."""
        return None

    def evaluate_statistics(self, statistics: Any, order: np.ndarray) -> dict[str, float | None]:
        """The metrics of :meth:`finalize` on ``[records[i] for i in order]`` (``records``
        as given to :meth:`bootstrap_statistics`; a record drawn k times enters k times,
        in the order ``finalize`` would see it), from ``statistics``."""
        raise NotImplementedError(f"family {self.name!r} declares no bootstrap statistics")

    def close(self) -> None:
        """Finish background work (pictures being written ...); called once per run."""

    @classmethod
    def supports_score(cls) -> bool:
        """Whether ``python -m benchmarks score`` can evaluate the family's files."""
        return issubclass(cls, ScoreMode)


@dataclass(frozen=True)
class ScoreInputs:
    """What ``python -m benchmarks score`` takes for a family.

    Attributes:
        annotations_folder: ``--annotations`` may be a folder (MVBench's ``json/``,
            THUMOS14's annotation folder as shipped), not only a file.
    """

    annotations_folder: bool = False


class ScoreMode(ABC, Generic[ScoreParamsT, GroundTruthT, PredictionsT]):
    """The score mode (no tokenizer, no video): a family's evaluator on official files.

    A family subclasses it beside :class:`TaskFamily` with the types its three readers
    pass on, e.g. ``ScoreMode[ClassificationParams, GroundTruth, dict[str, list[str]]]``.
    """

    score_inputs: ClassVar[ScoreInputs] = ScoreInputs()

    @classmethod
    def score_params(cls, config: TaskConfig, params: Any) -> ScoreParamsT:
        """What the three ``score_*`` methods receive as ``params``: the family's own by
        default; a family whose evaluated subset comes from the task's ``dataset_args``
        (a held-out draw) folds them in, so ``score`` evaluates what ``run`` evaluated."""
        return params

    @classmethod
    @abstractmethod
    def score_ground_truth(cls, path: Path, params: ScoreParamsT) -> GroundTruthT:
        """Read an official ground-truth file; raise :class:`ScoreInputError` on bad input."""

    @classmethod
    @abstractmethod
    def score_predictions(cls, path: Path, ground_truth: GroundTruthT,
                          params: ScoreParamsT) -> PredictionsT:
        """Read an official prediction file against ``ground_truth``."""

    @classmethod
    @abstractmethod
    def score_evaluate(cls, ground_truth: GroundTruthT, predictions: PredictionsT,
                       params: ScoreParamsT) -> Evaluation:
        """Evaluate ``predictions`` against ``ground_truth``."""


def mean_evaluation(
    records: list[StoredRecord], names: list[str], unavailable: Mapping[str, str]
) -> Evaluation:
    """Mean and 95% CI of each per-sample metric, overall, and the means per group.

    The interval is Student's t, or the cluster bootstrap where some of the records share
    a ``cluster`` (:mod:`benchmarks.metrics.functional.cluster_ci`); ``ci_method`` says
    which.
    """
    from benchmarks.metrics.functional.cluster_ci import Clusters, clustered_mean_cis
    from benchmarks.metrics.functional.mean_ci import mean_ci

    clusters = Clusters.of([r.cluster for r in records])

    def summarise(rows: list[StoredRecord], *, interval: bool) -> tuple[dict, dict]:
        columns = {}
        for name in names:
            kept = [i for i, r in enumerate(rows) if name in r.metrics]
            if name not in unavailable and kept:
                columns[name] = ([rows[i].metrics[name] for i in kept], kept)
        if interval and clusters.clustered:  # one draw matrix for every metric
            stats = clustered_mean_cis(columns, clusters)
        else:
            stats = {name: mean_ci(values) for name, (values, _) in columns.items()}
        return ({n: s.mean for n, s in stats.items()}, {n: s.ci95 for n, s in stats.items()})

    metrics, ci95 = summarise(records, interval=True)
    groups: dict[str, dict[str, float | None]] = {}
    keys = sorted({r.group for r in records if r.group is not None})
    for key in keys:
        groups[key] = summarise([r for r in records if r.group == key], interval=False)[0]
    return Evaluation(metrics=metrics, ci95=ci95, groups=groups,
                      ci_method=clusters.method() if ci95 else "")
