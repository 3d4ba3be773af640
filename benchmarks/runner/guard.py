"""A run folder holds one configuration: a rerun with another one is stopped, not mixed.

``<run>/config.json`` records the hashed configuration when a run starts. Resuming into a
folder whose records or summary carry another config hash would silently replace that
run's summary, so it is refused, naming what differs and the two ways out
(``--run-name`` to keep both, ``--no-resume`` to replace it). A run whose weights changed
on disk (the fingerprints in ``config["weights"]``) is refused naming the changed file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json
from benchmarks.runner.plan import ResolvedTask
from benchmarks.store import SAMPLES, SUMMARY, read_jsonl, write_json_atomic

RUN_CONFIG = "config.json"


def write_run_config(task: ResolvedTask, run_dir: Path) -> None:
    write_json_atomic(run_dir / RUN_CONFIG,
                      {"config_hash": task.config_hash, "config": task.hash_payload})


def flatten_config(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested config → ``{"a.b.c": leaf}``, so two configs can be diffed key by key."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten_config(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


WEIGHTS = "weights:"  # flattened key prefix of a fingerprinted file (plan.py "weights")


def _weights_flat(config: dict[str, Any]) -> dict[str, Any]:
    """``flatten_config`` with each weight file one key (its path holds dots)."""
    files = config.get("weights") or {}
    rest = {k: v for k, v in config.items() if k != "weights"}
    return {**flatten_config(rest), **{f"{WEIGHTS}{f}": v for f, v in files.items()}}


def _short(fingerprint: str | None) -> str:
    if fingerprint is None:
        return "not recorded"
    size, _, digest = fingerprint.partition(":")
    return f"{size}:{digest[:12]}"


def _recorded(run_dir: Path) -> tuple[str | None, dict[str, Any] | None]:
    """The config hash (and payload, if known) of what the folder already holds."""
    for name in (RUN_CONFIG, SUMMARY):
        try:
            data = read_json(run_dir / name, max_bytes=SMALL_BYTES)
            return data["config_hash"], data.get("config")
        except (JsonFileError, KeyError, TypeError, AttributeError):
            continue
    for record in read_jsonl(run_dir / SAMPLES):
        if "config_hash" in record:
            return record["config_hash"], None
    return None, None


def check_same_config(task: ResolvedTask, run_dir: Path) -> None:
    """Raise ``ConfigError`` if ``run_dir`` holds a run of another configuration."""
    old_hash, old_config = _recorded(run_dir)
    if old_hash is None or old_hash == task.config_hash:
        return
    what = "another configuration"
    if old_config is not None:
        old, new = _weights_flat(old_config), _weights_flat(task.hash_payload)
        changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        if changed and all(k.startswith(WEIGHTS) for k in changed):
            if "weights" not in old_config:
                raise ConfigError(
                    f"{run_dir} was recorded before runs fingerprinted their weights, so "
                    "they cannot be checked: keep both with --run-name NAME, or replace it "
                    "with --no-resume"
                )
            file = changed[0].removeprefix(WEIGHTS)
            more = f" and {len(changed) - 1} more file(s)" if len(changed) > 1 else ""
            raise ConfigError(
                f"{run_dir} was scored with other weights: {file}{more} changed since "
                f"(size:sha256 {_short(old.get(changed[0]))} -> {_short(new.get(changed[0]))})"
                ": keep both with --run-name NAME, or replace it with --no-resume"
            )
        if changed:
            shown = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in changed[:3])
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            what = f"another configuration ({shown}{more})"
    raise ConfigError(
        f"{run_dir} holds a run with {what}: keep both with --run-name NAME, or "
        "replace it with --no-resume"
    )
