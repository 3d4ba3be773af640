"""The shape of a ``check`` baseline file and of a ``--tolerances`` mapping, checked once
on reading, so a wrong type is one line naming the file and the key (exit 2), never a
traceback or a silently ignored tolerance halfway through the comparison.

The format itself is documented in :mod:`benchmarks.reporting.check`.
"""

from __future__ import annotations

from typing import Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import NON_FINITE, as_float, finite_float

TOLERANCE_KEYS = ("abs", "rel", "ignore")
METRIC_KEYS = ("value", "higher_is_better")  # what `check --update` writes per metric


def check_baseline(data: Any, source: str, *, version: int) -> None:
    """Refuse a baseline that is not ``{format, runs: {key: {metrics: {...}}}, ...}``.

    Args:
        source: how the file is named in errors (``--baseline PATH``).
        version: the ``format`` this harness reads.
    """
    if not isinstance(data, dict) or not isinstance(data.get("runs"), dict):
        raise ConfigError(f"{source}: not a baseline (no 'runs' mapping)")
    if data.get("format") != version or isinstance(data.get("format"), bool):
        raise ConfigError(f"{source}: format: expected {version}, got "
                          f"{_shown(data.get('format'))}")
    check_tolerances(data.get("tolerances") or {}, source, key="tolerances")
    for run, entry in data["runs"].items():
        where = f"runs.{run}"
        _expect(isinstance(entry, dict), source, where, "an object", entry)
        for key in ("task", "run_name", "tokenizer"):
            if key in entry:
                _expect(isinstance(entry[key], str), source, f"{where}.{key}", "a string",
                        entry[key])
        # what the sample-set row shows and compares (`check --update` writes them)
        for digest in ("evaluated_ids_sha256", "inputs_sha256"):
            value = entry.get(digest)
            _expect(value is None or isinstance(value, str), source, f"{where}.{digest}",
                    "a string or null", value)
        count = entry.get("n_samples")
        _expect(count is None or (_is_number(count) and isinstance(count, int) and count >= 0),
                source, f"{where}.n_samples", "an integer >= 0 or null", count)
        metrics = entry.get("metrics", {})
        _expect(isinstance(metrics, dict), source, f"{where}.metrics", "an object", metrics)
        for name, metric in metrics.items():
            at = f"{where}.metrics.{name}"
            _expect(isinstance(metric, dict), source, at, 'an object {"value": ...}', metric)
            for key in metric:  # a tolerance put here would be silently ignored
                _expect(key in METRIC_KEYS, source, f"{at}.{key}", "a key of value, "
                        "higher_is_better (tolerances go under 'tolerances')", key)
            value = metric.get("value")
            _expect(value is None or _is_number(value) or (isinstance(value, str)
                                                          and value in NON_FINITE), source,
                    f"{at}.value", "a number or null", value)
            hib = metric.get("higher_is_better")
            _expect(hib is None or isinstance(hib, bool), source, f"{at}.higher_is_better",
                    "true, false or null", hib)


def check_tolerances(data: Any, source: str, *, key: str = "") -> None:
    """Refuse a tolerances mapping (``default``, ``metrics``, ``tasks``) of wrong types;
    ``key`` is where it sits in the file (``""``: the whole file)."""

    def at(name: str) -> str:
        return f"{key}.{name}" if key else name

    _expect(isinstance(data, dict), source, key or "(the file)", "an object", data)
    for name in data:
        _expect(name in ("default", "metrics", "tasks"), source, at(name),
                "one of default, metrics, tasks", name)
    _check_entry(data.get("default") or {}, source, at("default"))
    metrics = data.get("metrics") or {}
    _expect(isinstance(metrics, dict), source, at("metrics"), "an object", metrics)
    for metric, entry in metrics.items():
        _check_entry(entry, source, at(f"metrics.{metric}"))
    tasks = data.get("tasks") or {}
    _expect(isinstance(tasks, dict), source, at("tasks"), "an object", tasks)
    for task, per_metric in tasks.items():
        _expect(isinstance(per_metric, dict), source, at(f"tasks.{task}"), "an object",
                per_metric)
        for metric, entry in per_metric.items():
            _check_entry(entry, source, at(f"tasks.{task}.{metric}"))


def _check_entry(entry: Any, source: str, where: str) -> None:
    _expect(isinstance(entry, dict), source, where, 'an object {"abs", "rel", "ignore"}',
            entry)
    for name, value in entry.items():
        _expect(name in TOLERANCE_KEYS, source, f"{where}.{name}",
                "a key of abs, rel, ignore", name)
        if name == "ignore":
            _expect(isinstance(value, bool), source, f"{where}.ignore", "true or false", value)
        else:
            _expect(finite_float(value) is not None and value >= 0, source,
                    f"{where}.{name}", "a finite number >= 0", value)


def _is_number(value: Any) -> bool:
    return as_float(value) is not None  # not a bool, nor an int past the float range


def _expect(ok: bool, source: str, key: str, expected: str, value: Any) -> None:
    if not ok:
        raise ConfigError(f"{source}: {key}: expected {expected}, got {_shown(value)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
