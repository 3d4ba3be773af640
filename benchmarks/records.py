"""What the result store holds, typed: a sample's record and a run's summary.

- :class:`RunRecord` — one line of ``samples.jsonl``;
- :class:`RunSummary` — ``summary.json`` of a run, versioned (``schema_version``);
  :meth:`RunSummary.read` reads every version written so far;
- :class:`ScoreSummary` — ``summary.json`` of ``score --output`` (a prediction file
  scored against its ground truth, no run behind it).

Import them from :mod:`benchmarks.store`, which writes and reads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, as_float, numbers, read_json
from benchmarks.typecheck import type_problem

# Version 1: summaries written before the schema was declared (no ``schema_version`` key).
# Version 2: the same keys, plus ``schema_version``.
# Version 3: adds ``ci_method`` (how ``metrics_ci95`` was computed; absent before: Student's
#   t) and ``evaluated_ids.inputs_sha256`` (the samples' input-file fingerprints); records
#   may carry ``cluster`` and ``fingerprint``. Older versions read with those unset.
SCHEMA_VERSION = 3


class SummaryError(ConfigError):
    """A ``summary.json`` this harness cannot read; the message names the file and why."""


@dataclass(frozen=True)
class RunRecord:
    """One scored sample, one line of ``samples.jsonl``.

    ``metrics`` hold the family's per-sample scalars (their names never collide with the
    record's own keys); ``arrays`` is the side file (``arrays/<key>.npz``) of its large
    arrays, if any; ``padded_frames`` counts the frames repeated to fill a short clip.
    ``cluster`` is the source the reader says the sample was cut from
    (``SampleRef.cluster``: samples of one cluster are resampled together for ``ci95`` and
    in ``compare``; not ``group``, which is for grouped aggregation); ``fingerprint`` is
    the content fingerprint of its input file
    (:func:`benchmarks.io.input_fingerprint.input_fingerprint`). Both are written only
    when set, and absent from records written before them.
    """

    sample_id: str
    path: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    prediction: Any = None
    group: str | None = None
    padded_frames: int = 0
    arrays: str | None = None
    config_hash: str | None = None
    cluster: str | None = None
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON line's keys, in the order the store has always written them (the
        newer optional keys after ``group``)."""
        out = {"sample_id": self.sample_id, "path": self.path, "metrics": self.metrics,
               "prediction": self.prediction, "group": self.group}
        if self.cluster is not None:
            out["cluster"] = self.cluster
        if self.fingerprint is not None:
            out["fingerprint"] = self.fingerprint
        if self.padded_frames:
            out["padded_frames"] = self.padded_frames
        if self.arrays:
            out["arrays"] = self.arrays
        if self.config_hash is not None:
            out["config_hash"] = self.config_hash
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """The record of one ``samples.jsonl`` line.

        Raises:
            RecordError: a key of the wrong type (:func:`record_problem`).
        """
        problem = record_problem(data)
        if problem:
            raise RecordError(problem)
        return cls(sample_id=data["sample_id"], path=data.get("path") or "",
                   metrics=numbers(data.get("metrics") or {}), prediction=data.get("prediction"),
                   group=data.get("group"), padded_frames=data.get("padded_frames") or 0,
                   arrays=data.get("arrays") or None, config_hash=data.get("config_hash"),
                   cluster=data.get("cluster"), fingerprint=data.get("fingerprint"))


class RecordError(ValueError):
    """A ``samples.jsonl`` record of the wrong shape: the reason, naming the key."""


def record_problem(data: Any) -> str | None:
    """Why ``data`` cannot be a :class:`RunRecord` (``None``: it can): a record tampered
    with or written by something else would otherwise crash a resumed run or a
    ``compare`` (an unhashable id), or count ``true`` as a metric of 1."""
    if not isinstance(data, dict):
        return f"expected an object, got {type(data).__name__}"
    sample_id = data.get("sample_id")
    if not isinstance(sample_id, str) or not sample_id:
        return f"sample_id: expected a non-empty string, got {_short(sample_id)}"
    for key in ("path", "group", "arrays", "config_hash", "cluster", "fingerprint"):
        if data.get(key) is not None and not isinstance(data[key], str):
            return f"{key}: expected a string or null, got {_short(data[key])}"
    padded = data.get("padded_frames")
    if padded is not None and (isinstance(padded, bool) or not isinstance(padded, int)
                               or padded < 0):
        return f"padded_frames: expected an integer >= 0, got {_short(padded)}"
    arrays = data.get("arrays")
    if arrays and (arrays.startswith("/") or ".." in arrays.split("/")):  # inside the run
        return f"arrays: expected a path inside the run folder, got {_short(arrays)}"
    metrics = data.get("metrics")
    if metrics is not None and not isinstance(metrics, dict):
        return f"metrics: expected an object, got {_short(metrics)}"
    for name, value in numbers(metrics or {}).items():
        if value is not None and as_float(value) is None:
            return f"metrics.{name}: expected a number or null, got {_short(value)}"
    return None


@dataclass(frozen=True)
class EvaluatedIds:
    """``evaluated_ids.txt``: the scored sample ids, one a line, and its sha256.

    ``inputs_sha256`` is the sha256 of the lines ``<id>\t<fingerprint>\n`` in id order
    (``-`` for a record without one), :func:`inputs_digest`: the same ids measured on other
    files give another digest (``check`` says so); ``None`` where no record has one.
    """

    file: str = "evaluated_ids.txt"
    sha256: str | None = None
    count: int | None = None
    inputs_sha256: str | None = None


def inputs_digest(fingerprints: Mapping[str, str | None]) -> str | None:
    """:attr:`EvaluatedIds.inputs_sha256` of ``{sample id: fingerprint}``; ``None`` where
    no sample has a fingerprint (records written before they were)."""
    if not any(fingerprints.values()):
        return None
    lines = "".join(f"{sid}\t{fingerprints[sid] or '-'}\n" for sid in sorted(fingerprints))
    return hashlib.sha256(lines.encode()).hexdigest()


@dataclass(frozen=True)
class ShortClips:
    """How clips shorter than ``frames_per_clip`` were handled, and how many there were."""

    policy: str = ""
    n_padded: int = 0
    padded_frames: int = 0


@dataclass(kw_only=True)
class RunSummary:
    """A finished run: ``summary.json``, written by the runner, read by every report.

    The JSON keys are the field names, in this order; ``limit``, ``stopped``,
    ``merged_shards`` and ``claim`` are written only when set. ``metrics`` map a name to
    its value (``None`` or NaN when undefined), ``metrics_ci95`` to its 95% half-width,
    computed as ``ci_method`` says, ``unavailable`` a metric that could not be computed to
    the reason; ``ci_method`` is written only when set.
    A summary of the paper's numbers (``tables --paper``) is marked ``claim=True``.
    """

    schema_version: int = SCHEMA_VERSION
    task: str
    tokenizer: str
    run_name: str = ""
    tokenizer_args: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float | None] = field(default_factory=dict)
    metrics_ci95: dict[str, float | None] = field(default_factory=dict)
    # how metrics_ci95 was computed: "student-t" or "cluster bootstrap (G clusters, R draws)"
    # (benchmarks.metrics.functional.cluster_ci); "" where there is no interval or the
    # summary predates the key (version < 3: Student's t)
    ci_method: str = ""
    unavailable: dict[str, str] = field(default_factory=dict)
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)  # the family's counts, settings
    n_samples: int = 0
    n_failed: int = 0  # media on disk that could not be scored
    n_missing: int = 0  # listed, media not on disk (ids in missing_ids.txt)
    n_pending: int = 0  # listed, not reached (a --strict stop)
    n_listed: int = 0
    limit: int | None = None  # the run's --limit (None: every listed sample)
    evaluated_ids: EvaluatedIds | None = None
    files: dict[str, str] = field(default_factory=dict)
    aggregation: str = ""
    demo_data: bool = False
    data_root: str | None = None
    dataset: dict[str, Any] = field(default_factory=dict)  # DatasetInfo.to_dict()
    frames_per_clip: int | None = None
    short_clips: ShortClips | None = None
    config: dict[str, Any] = field(default_factory=dict)  # the hashed configuration
    params: dict[str, Any] | None = None  # every family key, the unhashed ones too
    config_hash: str = ""
    tokenizer_spec: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    git_commit: str | None = None
    seed: int | None = None
    world_size: int | None = None
    device: str | None = None
    timestamp: str | None = None
    stopped: str | None = None  # why --strict stopped the run
    merged_shards: int | None = None  # the job-array shards it was merged from
    claim: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # keys of no field, kept as read

    @property
    def label(self) -> str:
        """The run's name (its tokenizer's for a summary that records none)."""
        return self.run_name or self.tokenizer

    @property
    def family(self) -> str:
        return str((self.config.get("task") or {}).get("family") or "")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or (f.name in _WRITTEN_WHEN_SET and not value):
                continue
            out[f.name] = asdict(value) if is_dataclass(value) else value
        ids = out.get("evaluated_ids")
        if isinstance(ids, dict) and ids.get("inputs_sha256") is None:  # as version 2 wrote
            del ids["inputs_sha256"]
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, data: Any, *, source: str | Path = "summary") -> RunSummary:
        """A summary of any version this harness knows; ``source`` names it in errors."""
        if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
            raise SummaryError(f"{source}: not a run summary (no 'metrics' mapping)")
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SummaryError(f"{source}: schema_version {version!r} is not a version")
        if version > SCHEMA_VERSION:
            raise SummaryError(
                f"{source}: schema_version {version} is newer than this harness reads "
                f"(up to {SCHEMA_VERSION}); update benchmarks to read it"
            )
        for key in ("task", "tokenizer"):
            if not isinstance(data.get(key), str):
                raise SummaryError(f"{source}: not a run summary (no {key!r})")
        known = {f.name for f in fields(cls)} - {"extra", "schema_version"}
        values = {k: v for k, v in data.items() if k in known}
        for key, value in list(values.items()):
            if value is None and key in _NOT_NONE:  # version 1 wrote null for "none"
                del values[key]
        for key in ("metrics", "metrics_ci95"):  # "nan", "inf", "-inf": how dumps writes them
            if isinstance(values.get(key), dict):
                values[key] = numbers(values[key])
        if isinstance(values.get("groups"), dict):
            values["groups"] = {g: numbers(v) for g, v in values["groups"].items()}
        check_summary_types(values, source)
        extra = {k: v for k, v in data.items() if k not in known and k != "schema_version"}
        try:
            if isinstance(values.get("evaluated_ids"), dict):
                values["evaluated_ids"] = EvaluatedIds(**values["evaluated_ids"])
            if isinstance(values.get("short_clips"), dict):
                values["short_clips"] = ShortClips(**values["short_clips"])
            return cls(**values, extra=extra)
        except TypeError as err:  # a nested entry of other keys
            raise SummaryError(f"{source}: not a run summary: {err}") from err

    @classmethod
    def read(cls, path: Path) -> RunSummary:
        """``path`` (a ``summary.json``) of any known version; a summary that records no
        run name takes its folder's."""
        path = Path(path)
        try:
            data = read_json(path, max_bytes=SMALL_BYTES)
        except JsonFileError as err:
            raise SummaryError(f"{path}: not a readable summary: {err.reason}") from None
        summary = cls.from_dict(data, source=path)
        if "run_name" not in data:
            summary.run_name = path.parent.name
        return summary


_WRITTEN_WHEN_SET = ("stopped", "merged_shards", "claim", "limit", "ci_method")
_NOT_NONE = ("tokenizer_args", "metrics_ci95", "unavailable", "higher_is_better", "groups",
             "evaluation", "files", "dataset", "config", "tokenizer_spec", "aggregation",
             "ci_method")


@dataclass(kw_only=True)
class ScoreSummary:
    """What ``score`` gives (and ``score --output`` writes as ``summary.json``): a family's
    evaluator run on a prediction file against the ground truth, no tokenizer involved."""

    schema_version: int = SCHEMA_VERSION
    task: str
    mode: str = "score"
    metrics: dict[str, float | None] = field(default_factory=dict)
    metrics_ci95: dict[str, float | None] = field(default_factory=dict)
    higher_is_better: dict[str, bool] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)  # path, sha256
    predictions: dict[str, str] = field(default_factory=dict)  # path, sha256
    aggregation: str = ""
    version: str | None = None
    git_commit: str | None = None
    timestamp: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def flat(self) -> dict[str, Any]:
        """The one JSON object ``score --json`` prints: metrics, then counts."""
        return {**self.metrics, **self.evaluation}


# what each key of a summary holds (a key absent from this table is not checked)
_COUNTS = ("n_samples", "n_failed", "n_missing", "n_pending", "n_listed", "limit",
           "merged_shards")
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    **{k: ((str,), "a string") for k in ("task", "tokenizer", "run_name", "aggregation",
                                         "config_hash", "ci_method")},
    **{k: ((str, type(None)), "a string or null") for k in (
        "data_root", "version", "git_commit", "device", "timestamp", "stopped")},
    **{k: ((int,), "an integer") for k in ("n_samples", "n_failed", "n_missing", "n_pending",
                                           "n_listed")},
    **{k: ((int, type(None)), "an integer or null") for k in (
        "frames_per_clip", "seed", "world_size", "merged_shards", "limit")},
    **{k: ((dict, type(None)), "an object or null") for k in ("evaluated_ids", "short_clips")},
    **{k: ((bool,), "true or false") for k in ("demo_data", "claim")},
    **{k: ((dict,), "an object") for k in (
        "tokenizer_args", "metrics", "metrics_ci95", "unavailable", "higher_is_better",
        "groups", "evaluation", "files", "dataset", "config", "tokenizer_spec")},
    "params": ((dict, type(None)), "an object or null"),
}


def check_summary_types(values: dict[str, Any], source: str | Path) -> None:
    """Refuse a summary key of the wrong JSON type with one line naming ``source`` and
    the key: a string metric or a non-string task would otherwise reach the reports."""
    for key, value in values.items():
        kinds, expected = _TYPES.get(key, ((object,), ""))
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise SummaryError(f"{source}: {key}: expected {expected}, got "
                               f"{type(value).__name__} {_short(value)}")
    for key in _COUNTS:  # a negative count is no count
        if isinstance(values.get(key), int) and values[key] < 0:
            raise SummaryError(f"{source}: {key}: expected an integer >= 0, got "
                               f"{_short(values[key])}")
    for key in ("metrics", "metrics_ci95"):
        _check_numbers(values.get(key, {}), source, key)
    for name, value in values.get("groups", {}).items():
        if not isinstance(value, dict):
            raise SummaryError(f"{source}: groups.{name}: expected an object, got "
                               f"{type(value).__name__} {_short(value)}")
        _check_numbers(value, source, f"groups.{name}")  # a group's metrics (rd reads them)
    for key, cls in (("evaluated_ids", EvaluatedIds), ("short_clips", ShortClips)):
        problem = type_problem(cls, values.get(key) or {})
        if problem:
            raise SummaryError(f"{source}: {key}.{problem}")
    task = values.get("config", {}).get("task")
    if task is not None and not isinstance(task, dict):  # the family is read from it
        raise SummaryError(f"{source}: config.task: expected an object, got "
                           f"{type(task).__name__} {_short(task)}")
    for key, kind, expected in (("higher_is_better", bool, "true or false"),
                                ("unavailable", str, "a string")):
        for name, value in values.get(key, {}).items():
            if not isinstance(value, kind):
                raise SummaryError(f"{source}: {key}.{name}: expected {expected}, got "
                                   f"{type(value).__name__} {_short(value)}")


def _check_numbers(values: dict[str, Any], source: str | Path, key: str) -> None:
    """Each value a number (a float can hold it: not a bool, not ``10**400``) or null."""
    for name, value in values.items():
        if value is not None and as_float(value) is None:
            raise SummaryError(f"{source}: {key}.{name}: expected a number or null, got "
                               f"{type(value).__name__} {_short(value)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
