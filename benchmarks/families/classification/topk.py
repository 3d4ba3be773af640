"""Top-k classification accuracy over a whole dataset, and the files ``score`` reads.

Counting (the rule every path uses — a run's ``finalize`` and ``score`` alike):

- a prediction is a list of labels, best first; a single label is its own top-5 (a list
  of one); only the first ``k`` of a longer list count;
- a ground-truth video absent from the predictions counts as wrong and in ``n_missing``;
- top-1 / top-5 are in percent of every ground-truth video (``n_videos``), with a 95%
  Student-t interval over the per-video 0/100 outcomes (a cluster bootstrap where a run's
  clips share a source: ``ci_method``).

Files: ground truth is the official Kinetics annotation CSV
(``label,youtube_id,time_start,time_end,split``); predictions are a JSON object
``{youtube_id: label}`` or ``{youtube_id: [labels, best first]}``. A label outside the
class vocabulary (the labels of the ground-truth CSV and of the other splits' CSVs beside
it, as the reader builds it), an id not in the ground truth, or a value of the wrong type
is a :class:`ScoreInputError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.families.base import Evaluation, ScoreInputError
from benchmarks.io.jsonfile import JsonFileError, read_json


@dataclass(frozen=True)
class TopKResult:
    """Per-video outcomes (0 or 100) in ground-truth id order, and the counts."""

    ids: tuple[str, ...]
    top1: tuple[float, ...]
    topk: tuple[float, ...]
    n_missing: int


def count_topk(
    ground_truth: Mapping[str, str], predictions: Mapping[str, Sequence[str]], *, k: int = 5
) -> TopKResult:
    """Score ``predictions`` (id → labels, best first) against ``ground_truth`` (id → label)."""
    ids = tuple(sorted(ground_truth))
    top1, topk, missing = [], [], 0
    for vid in ids:
        labels = list(predictions.get(vid) or [])[:k]
        if vid not in predictions:
            missing += 1
        truth = ground_truth[vid]
        top1.append(100.0 if labels[:1] == [truth] else 0.0)
        topk.append(100.0 if truth in labels else 0.0)
    return TopKResult(ids=ids, top1=tuple(top1), topk=tuple(topk), n_missing=missing)


def topk_evaluation(result: TopKResult, *, k: int = 5,
                    clusters: Mapping[str, str | None] | None = None) -> Evaluation:
    """``top1`` / ``top{k}`` in percent with 95% CIs; counts in ``extra``. ``clusters``
    (id → the source a clip was cut from, a run's records' ``cluster``): where some
    share one, the interval is the cluster bootstrap's
    (:mod:`benchmarks.metrics.functional.cluster_ci`), else Student's t."""
    from benchmarks.metrics.functional.cluster_ci import Clusters, clustered_mean_cis
    from benchmarks.metrics.functional.mean_ci import mean_ci

    grouped = Clusters.of([(clusters or {}).get(i) for i in result.ids])
    metrics, ci95 = {}, {}
    columns = {name: (list(values), list(range(len(values))))
               for name, values in (("top1", result.top1), (f"top{k}", result.topk))}
    if result.ids and grouped.clustered:
        stats = clustered_mean_cis(columns, grouped)
    else:
        stats = {name: mean_ci(values) for name, (values, _) in columns.items() if values}
    for name in columns:
        metrics[name] = stats[name].mean if name in stats else None
        ci95[name] = stats[name].ci95 if name in stats else None
    return Evaluation(
        metrics=metrics,
        ci95=ci95,
        ci_method=grouped.method(),
        extra={"n_videos": len(result.ids), "n_missing": result.n_missing},
    )


@dataclass(frozen=True)
class GroundTruth:
    """``labels``: id → label of the evaluated videos; ``vocabulary``: every class name
    (the labels of this file and of the other splits' CSVs beside it, as the reader's)."""

    labels: dict[str, str]
    vocabulary: frozenset[str]


def read_ground_truth_csv(path: Path) -> GroundTruth:
    """Kinetics annotation CSV → :class:`GroundTruth`; any bad row is an error."""
    from benchmarks.datasets.kinetics.reader import SPLITS, read_kinetics_csv

    def rows_of(csv_path: Path) -> list:
        try:
            rows, errors = read_kinetics_csv(csv_path)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise ScoreInputError(csv_path, "file", str(err)) from err
        if errors:
            raise ScoreInputError(csv_path, errors[0].sample_id, errors[0].reason)
        return rows

    out: dict[str, str] = {}
    for row in rows_of(path):
        if not row.label:
            raise ScoreInputError(path, f"line {row.line}", "no label (a test-split file?)")
        out[row.youtube_id] = row.label
    if not out:
        raise ScoreInputError(path, "file", "no annotated videos")
    vocabulary = set(out.values())
    for split in SPLITS:
        for name in (f"{split}.csv", "validate.csv" if split == "val" else None):
            sibling = path.parent / name if name else None
            if sibling and sibling.is_file() and sibling.resolve() != path.resolve():
                vocabulary |= {r.label for r in rows_of(sibling) if r.label}
    return GroundTruth(labels=out, vocabulary=frozenset(vocabulary))


def read_predictions_json(path: Path, ground_truth: GroundTruth) -> dict[str, list[str]]:
    """``{id: label}`` or ``{id: [labels]}`` JSON, checked against ``ground_truth``."""
    try:
        raw = read_json(path)
    except JsonFileError as err:
        raise ScoreInputError(path, "file", err.reason) from None
    if not isinstance(raw, dict):
        raise ScoreInputError(path, "file", f"expected a JSON object of id → label(s), got "
                              f"{type(raw).__name__}")
    labels = ground_truth.vocabulary
    out: dict[str, list[str]] = {}
    for vid, value in raw.items():
        entry = f"entry {vid!r}"
        if vid not in ground_truth.labels:
            raise ScoreInputError(path, entry, "id not in the ground truth")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ScoreInputError(path, entry, "expected a label or a non-empty list of labels")
        for label in value:
            if not isinstance(label, str):
                raise ScoreInputError(path, entry, f"label {label!r} is not a string")
            if label not in labels:
                raise ScoreInputError(path, entry, f"unknown label {label!r}")
        out[vid] = value
    return out
