"""``python -m benchmarks score``: a family's evaluator on an official prediction file.

No tokenizer is built and no video is read: the task's ground-truth reader and its
dataset-level evaluator run on the two files. Malformed files, unknown labels or ids and
wrong types raise :class:`~benchmarks.families.base.ScoreInputError` naming the file and
the entry (exit 2 in the CLI).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.families.base import Evaluation
from benchmarks.io.regular import open_regular
from benchmarks.store import ScoreSummary


def _file(path: str | Path, flag: str, *, folder_ok: bool = False) -> Path:
    p = Path(path).expanduser()
    if not (p.is_file() or (folder_ok and p.is_dir())):
        what = "not a regular file (a FIFO, device or socket)" if p.exists() and not \
            p.is_dir() else f"no such file{' or folder' if folder_ok else ''}"
        raise ConfigError(f"{flag} {p}: {what}")
    return p


def score_files(
    task: str,
    *,
    annotations: str | Path,
    predictions: str | Path,
    include_paths: list[str] | None = None,
    task_args: dict[str, Any] | None = None,
) -> ScoreSummary:
    """Evaluate ``predictions`` against ``annotations`` with ``task``'s evaluator.

    Returns:
        ``metrics``, ``metrics_ci95``, ``groups``, ``evaluation`` (counts ...), the two
        files with their sha256, and provenance.
    """
    from benchmarks.provenance import git_commit, package_version, utc_timestamp
    from benchmarks.runner.plan import resolve_task

    config, params, family_cls = resolve_task(
        task, include_paths=list(include_paths or []), overrides=dict(task_args or {})
    )
    if not family_cls.supports_score():
        raise ConfigError(
            f"task {task!r} (family {family_cls.name!r}) has no score mode: its metrics need "
            "the tokenizer's output; use 'run'"
        )
    # a family whose ground truth is a folder (MVBench's json/) declares it
    folder_ok = family_cls.score_inputs.annotations_folder
    gt_path = _file(annotations, "--annotations", folder_ok=folder_ok)
    pred_path = _file(predictions, "--predictions")
    params = family_cls.score_params(config, params)
    ground_truth = family_cls.score_ground_truth(gt_path, params)
    preds = family_cls.score_predictions(pred_path, ground_truth, params)
    evaluation: Evaluation = family_cls.score_evaluate(ground_truth, preds, params)
    return ScoreSummary(
        task=config.task,
        metrics=evaluation.metrics,
        metrics_ci95=evaluation.ci95,
        higher_is_better={m.name: m.higher_is_better for m in family_cls.metrics},
        groups=evaluation.groups,
        evaluation=evaluation.extra,
        annotations={"path": str(gt_path.resolve()), "sha256": _sha256(gt_path)},
        predictions={"path": str(pred_path.resolve()), "sha256": _sha256(pred_path)},
        aggregation=family_cls.aggregation,
        version=package_version(),
        git_commit=git_commit(),
        timestamp=utc_timestamp(),
    )


def _sha256(path: Path) -> str:
    if path.is_dir():  # over the folder's JSON and text files (never its videos), by path
        digest = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix in (".json", ".txt")):
            digest.update(f"{file.relative_to(path).as_posix()}\0{_sha256(file)}\n".encode())
        return digest.hexdigest()
    digest = hashlib.sha256()
    with open_regular(path) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
