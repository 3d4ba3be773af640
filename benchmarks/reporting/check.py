"""``python -m benchmarks check``: run summaries against a committed baseline, for CI.

Baseline format (``results/baselines/<name>.json``)::

    {
      "format": 1,
      "tolerances": {                       # allowed |now - baseline|: max(abs, rel * |baseline|)
        "default": {"abs": 1e-6, "rel": 1e-6},
        "metrics": {"psnr": {"abs": 0.01}, "encode_ms": {"ignore": true}},
        "tasks": {"thumos14": {"average_mAP": {"abs": 0.05}}}   # per task, wins over "metrics"
      },
      "runs": {
        "<task>/<run name>": {
          "task": "...", "run_name": "...", "n_samples": 8,
          "evaluated_ids_sha256": "...",    # the sample set the values were measured on
          "inputs_sha256": "...",           # its input files' content fingerprints
          "metrics": {"psnr": {"value": 14.01, "higher_is_better": true}, ...}
        }
      }
    }

A metric moved when ``|now - baseline|`` exceeds its tolerance; it is a regression when it
moved in the wrong direction (``higher_is_better`` of the run's summary, i.e. the family's
``MetricInfo``; unknown direction: any move), when it became undefined or is no longer
reported, when a baseline run is missing from the runs folder, when a run was measured on
another sample set, or when it was measured on the same sample ids but other input files
(``inputs_sha256``: :attr:`benchmarks.records.EvaluatedIds.inputs_sha256`, a digest of every
sample's content fingerprint; the ``(inputs)`` row, and the metrics that moved say "input
files differ", so a changed data copy is not read as the tokenizer's regression; a baseline
or a summary without the digest is not checked). Improvements and new metrics are
reported, never fatal. ``--tolerances FILE`` (JSON or YAML, the ``tolerances`` mapping)
overrides the baseline's; ``--update`` rewrites the baseline's values from the runs, keeping
its tolerances.

Exit: 0 nothing regressed; 1 a regression (each named); 2 bad usage (no such file ...).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json
from benchmarks.io.regular import read_text
from benchmarks.reporting.baseline_schema import check_baseline, check_tolerances
from benchmarks.reporting.numbers import BASELINE, format_number
from benchmarks.store import RunSummary

FORMAT = 1
DEFAULT_TOLERANCE = {"abs": 1e-6, "rel": 1e-6}


@dataclass(frozen=True)
class Row:
    """One compared metric of one run."""

    run: str
    metric: str
    baseline: float | None
    now: float | None
    tolerance: float | None
    verdict: str  # "ok", "improved", "REGRESSED", "new", "MISSING", "ignored"
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict in ("REGRESSED", "MISSING")


def run_key(summary: RunSummary) -> str:
    return f"{summary.task}/{summary.label}"


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = read_json(path, max_bytes=SMALL_BYTES)
    except JsonFileError as err:
        why = (f"not a readable JSON baseline: {err.reason}" if path.exists()
               else "no such file (create it with --update)")
        raise ConfigError(f"--baseline {path}: {why}") from None
    check_baseline(data, f"--baseline {path}", version=FORMAT)
    return data


def read_tolerances(path: Path) -> dict[str, Any]:
    import yaml

    from benchmarks import safe_yaml

    try:
        data = safe_yaml.load(read_text(path))
    except FileNotFoundError:
        raise ConfigError(f"--tolerances {path}: no such file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, safe_yaml.YamlTooLarge) as err:
        reason = str(err).replace("\n", " ")
        raise ConfigError(f"--tolerances {path}: not readable JSON/YAML: {reason}") from None
    key = ""
    if isinstance(data, dict) and "tolerances" in data:
        data, key = data["tolerances"], "tolerances"
    if not isinstance(data, dict):
        raise ConfigError(f"--tolerances {path}: expected a mapping (default/metrics/tasks)")
    check_tolerances(data, f"--tolerances {path}", key=key)
    return data


def tolerance_for(tolerances: dict[str, Any], task: str, metric: str) -> dict[str, Any]:
    """The tolerance entry of ``metric`` in ``task``: task entry > metric entry > default."""
    out = {**DEFAULT_TOLERANCE, **(tolerances.get("default") or {})}
    out.update((tolerances.get("metrics") or {}).get(metric) or {})
    out.update(((tolerances.get("tasks") or {}).get(task) or {}).get(metric) or {})
    return out


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def compare_metric(
    run: str, metric: str, base: float | None, now: float | None,
    higher_is_better: bool | None, tol: dict[str, Any],
) -> Row:
    if tol.get("ignore"):
        return Row(run, metric, base, now, None, "ignored")
    if base is None and now is None:
        return Row(run, metric, base, now, None, "ok", "undefined in both")
    if now is None:
        return Row(run, metric, base, now, None, "REGRESSED", "now undefined")
    if base is None:
        return Row(run, metric, base, now, None, "improved", "newly defined")
    allowed = max(float(tol.get("abs", 0.0)), float(tol.get("rel", 0.0)) * abs(base))
    delta = now - base
    if base == now or abs(delta) <= allowed:
        return Row(run, metric, base, now, allowed, "ok")
    if higher_is_better is None:
        return Row(run, metric, base, now, allowed, "REGRESSED", "direction unknown")
    better = delta > 0 if higher_is_better else delta < 0
    return Row(run, metric, base, now, allowed, "improved" if better else "REGRESSED")


def check(
    summaries: list[RunSummary], baseline: dict[str, Any], tolerances: dict[str, Any]
) -> list[Row]:
    """One row per baseline metric (and per new metric) of every run."""
    by_key = {run_key(s): s for s in summaries}
    rows: list[Row] = []
    for key, entry in sorted(baseline["runs"].items()):
        task = entry.get("task", key.split("/")[0])
        summary = by_key.get(key)
        if summary is None:
            rows.append(Row(key, "(run)", None, None, None, "MISSING",
                            "run not found in the runs folder"))
            continue
        ids = summary.evaluated_ids.sha256 if summary.evaluated_ids else None
        other_set = bool(entry.get("evaluated_ids_sha256")) and ids != entry["evaluated_ids_sha256"]
        if other_set:
            rows.append(Row(key, "(samples)", entry.get("n_samples"), summary.n_samples,
                            None, "REGRESSED",
                            "measured on another sample set (evaluated_ids sha256 differs)"))
        inputs = summary.evaluated_ids.inputs_sha256 if summary.evaluated_ids else None
        other_files = (not other_set and bool(entry.get("inputs_sha256")) and inputs is not None
                       and inputs != entry["inputs_sha256"])
        if other_files:
            rows.append(Row(key, "(inputs)", None, None, None, "REGRESSED",
                            "same sample ids, different input files (inputs_sha256 differs: "
                            "the data copy changed; compare the runs' samples.jsonl "
                            "fingerprints, or --update if the new files are meant)"))
        first_metric = len(rows)
        metrics = summary.metrics
        hib = summary.higher_is_better
        for name, base in sorted((entry.get("metrics") or {}).items()):
            tol = tolerance_for(tolerances, task, name)
            direction = hib.get(name, base.get("higher_is_better"))
            if name not in metrics:
                if tol.get("ignore"):
                    rows.append(Row(key, name, _number(base.get("value")), None, None, "ignored"))
                    continue
                reason = summary.unavailable.get(name, "not in the summary")
                rows.append(Row(key, name, _number(base.get("value")), None, None, "MISSING",
                                str(reason).split(". ")[0]))
                continue
            rows.append(compare_metric(key, name, _number(base.get("value")),
                                       _number(metrics[name]), direction, tol))
        if other_files:  # what moved was measured on other files
            rows[first_metric:] = [
                replace(r, note="; ".join(filter(None, [r.note, "input files differ"])))
                if r.verdict in ("REGRESSED", "improved") else r for r in rows[first_metric:]]
        for name in sorted(set(metrics) - set(entry.get("metrics") or {})):
            rows.append(Row(key, name, None, _number(metrics[name]), None, "new",
                            "not in the baseline"))
    for key in sorted(set(by_key) - set(baseline["runs"])):
        rows.append(Row(key, "(run)", None, None, None, "new", "run not in the baseline"))
    return rows


def updated_baseline(
    summaries: list[RunSummary], baseline: dict[str, Any] | None
) -> dict[str, Any]:
    """The baseline rewritten from ``summaries`` (its tolerances and description kept)."""
    old = baseline or {}
    runs = {}
    for s in summaries:
        runs[run_key(s)] = {
            "task": s.task,
            "run_name": s.label,
            "tokenizer": s.tokenizer,
            "tokenizer_args": s.tokenizer_args,
            "demo_data": s.demo_data,
            "n_samples": s.n_samples,
            "evaluated_ids_sha256": s.evaluated_ids.sha256 if s.evaluated_ids else None,
            **({"inputs_sha256": s.evaluated_ids.inputs_sha256}
               if s.evaluated_ids and s.evaluated_ids.inputs_sha256 else {}),
            "metrics": {
                name: {"value": _number(v), "higher_is_better": s.higher_is_better.get(name)}
                for name, v in sorted(s.metrics.items())
            },
        }
    return {
        "format": FORMAT,
        "description": old.get("description", "metric baseline for python -m benchmarks check"),
        "tolerances": old.get("tolerances") or {"default": dict(DEFAULT_TOLERANCE)},
        "runs": dict(sorted(runs.items())),
    }


def render(rows: list[Row], *, show_all: bool = False) -> str:
    """A markdown table of what moved (every row with ``show_all``) and a count line."""
    shown = [r for r in rows if show_all or r.verdict not in ("ok", "ignored")]
    lines = []
    if shown:
        lines += ["| run | metric | baseline | now | delta | tolerance | verdict |",
                  "|---|---|---|---|---|---|---|"]
        for r in shown:
            delta = (format_number(r.now - r.baseline, BASELINE)
                     if r.now is not None and r.baseline is not None
                     and not (math.isinf(r.now) or math.isinf(r.baseline)) else "—")
            verdict = r.verdict + (f" ({r.note})" if r.note else "")
            baseline, now = format_number(r.baseline, BASELINE), format_number(r.now, BASELINE)
            lines.append(f"| {r.run} | {r.metric} | {baseline} | {now} | {delta} | "
                         f"{format_number(r.tolerance, BASELINE)} | {verdict} |")
    counts = {v: sum(r.verdict == v for r in rows)
              for v in ("ok", "improved", "new", "ignored", "REGRESSED", "MISSING")}
    lines.append(", ".join(f"{n} {v.lower()}" for v, n in counts.items() if n)
                 or "nothing to compare")
    return "\n".join(lines)


def run_check(
    baseline_path: Path, runs: Path, *, tolerances_path: Path | None = None,
    update: bool = False, show_all: bool = False,
) -> tuple[int, str]:
    """``(exit code, report)`` of ``python -m benchmarks check``."""
    from benchmarks.reporting.tables import load_summaries
    from benchmarks.store import write_json_atomic

    if not runs.is_dir():
        raise ConfigError(f"--runs {runs}: no such folder")
    summaries, unreadable = load_summaries(runs, skipped=True)
    for path, reason in unreadable:  # a run in the baseline is then MISSING
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if update:
        baseline = read_baseline(baseline_path) if baseline_path.exists() else None
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(baseline_path, updated_baseline(summaries, baseline))
        return 0, f"baseline {baseline_path} rewritten from {len(summaries)} run(s) in {runs}"
    baseline = read_baseline(baseline_path)
    tolerances = baseline.get("tolerances") or {}
    if tolerances_path is not None:
        override = read_tolerances(tolerances_path)
        tolerances = {
            "default": {**(tolerances.get("default") or {}), **(override.get("default") or {})},
            "metrics": {**(tolerances.get("metrics") or {}), **(override.get("metrics") or {})},
            "tasks": {**(tolerances.get("tasks") or {}), **(override.get("tasks") or {})},
        }
    rows = check(summaries, baseline, tolerances)
    failed = [r for r in rows if r.failed]
    text = render(rows, show_all=show_all)
    if failed:
        names = ", ".join(f"{r.run} {r.metric}" for r in failed)
        text += f"\nregression: {names}"
    return (1 if failed else 0), text
