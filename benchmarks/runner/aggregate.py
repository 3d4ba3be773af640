"""Aggregating a run: gather every rank's records, let the family finalize, write the summary.

Runs after resume and after the torchrun gather, over the records of the whole run sorted
by sample id, so a resumed run and an N-process run give the summary of one uninterrupted
process (timings aside). Only rank 0 finalizes and writes; the others receive its summary.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import subprocess
from pathlib import Path
from typing import Any

from benchmarks import distributed
from benchmarks.families.base import StoredRecord, TaskFamily
from benchmarks.runner.execute import Shard
from benchmarks.runner.plan import RunPlan
from benchmarks.store import ResultStore, write_bytes_atomic

log = logging.getLogger("benchmarks")

EVALUATED_IDS = "evaluated_ids.txt"
MISSING_IDS = "missing_ids.txt"


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    from benchmarks import __version__

    return __version__


def _write_lines(path: Path, lines: list[str]) -> str:
    """Write ``lines`` atomically; returns the file's sha256."""
    data = "".join(f"{line}\n" for line in lines).encode()
    write_bytes_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def stored_records(raw: list[dict[str, Any]], store: ResultStore) -> list[StoredRecord]:
    return [
        StoredRecord(
            sample_id=r["sample_id"],
            path=r.get("path", ""),
            metrics=r.get("metrics") or {},
            prediction=r.get("prediction"),
            group=r.get("group"),
            load_arrays=functools.partial(store.load_arrays, r) if r.get("arrays") else None,
        )
        for r in raw
    ]


def aggregate(
    plan: RunPlan,
    family: TaskFamily,
    store: ResultStore,
    shard: Shard,
    stopped: str | None,
) -> dict[str, Any]:
    """The run's summary (written by rank 0 to ``summary.json``)."""
    info = plan.dist
    mine = {r.sample_id for r in shard.mine}
    done = store.samples()
    failed = store.failures()
    bad_ids = {e.sample_id for e in shard.bad_rows} if info.is_main else set()
    my_records = [done[sid] for sid in sorted(mine & set(done))]
    my_failed = {
        sid: rec.get("reason", "")
        for sid, rec in failed.items()
        if (sid in mine or sid in bad_ids) and sid not in done
    }
    gathered = distributed.all_gather_objects((my_records, my_failed), info)
    summary = None
    if info.is_main:
        records = sorted((r for recs, _ in gathered for r in recs), key=lambda r: r["sample_id"])
        failures: dict[str, str] = {}
        for _, part in gathered:
            failures.update(part)
        summary = _summary(plan, family, store, shard, records, failures, stopped)
        path = store.write_summary(summary)
        log.info("summary written to %s", path)
    return distributed.all_gather_objects(summary, info)[0]


def _summary(
    plan: RunPlan,
    family: TaskFamily,
    store: ResultStore,
    shard: Shard,
    records: list[dict[str, Any]],
    failures: dict[str, str],
    stopped: str | None,
) -> dict[str, Any]:
    evaluation = family.finalize(stored_records(records, store), plan.info)
    scored = [r["sample_id"] for r in records]
    absent = sorted(shard.absent, key=lambda e: e.sample_id)
    listed = {r.sample_id for r in shard.refs} | {e.sample_id for e in shard.bad_rows}
    listed |= {e.sample_id for e in absent}
    pending = listed - set(scored) - set(failures) - {e.sample_id for e in absent}
    ids_hash = _write_lines(plan.run_dir / EVALUATED_IDS, scored)
    files = {"evaluated_ids": EVALUATED_IDS, **evaluation.files}
    if absent:  # a partial download: a fact about the copy, counted once, not a failure
        _write_lines(plan.run_dir / MISSING_IDS, [f"{e.sample_id}\t{e.path}" for e in absent])
        files["missing_ids"] = MISSING_IDS
    else:
        (plan.run_dir / MISSING_IDS).unlink(missing_ok=True)
    summary: dict[str, Any] = {
        "task": plan.config.task,
        "tokenizer": plan.tokenizer_name,
        "run_name": plan.run_name,
        "tokenizer_args": plan.opts.tokenizer_args,
        "metrics": evaluation.metrics,
        "metrics_ci95": evaluation.ci95,
        "unavailable": family.unavailable(),
        "higher_is_better": {m.name: m.higher_is_better for m in family.metrics},
        "groups": evaluation.groups,
        "evaluation": evaluation.extra,
        "n_samples": len(scored),
        "n_failed": len(failures),  # media on disk that could not be scored
        "n_missing": len(absent),  # listed, media not on disk (ids in missing_ids.txt)
        "n_pending": len(pending),  # listed, not reached (a --strict stop)
        "n_listed": len(listed),
        "evaluated_ids": {"file": EVALUATED_IDS, "sha256": ids_hash, "count": len(scored)},
        "files": files,
        "aggregation": family.aggregation,
        "demo_data": plan.is_demo,
        "data_root": str(plan.data_root),
        "dataset": plan.info.to_dict(),
        "frames_per_clip": plan.num_frames,
        "short_clips": {
            "policy": family.short_clips,
            "n_padded": sum(1 for r in records if r.get("padded_frames")),
            "padded_frames": sum(r.get("padded_frames", 0) for r in records),
        },
        "config": plan.hash_payload,
        # every family key, the unhashed ones too (tau grids, plots ...), as run
        "params": dict(vars(plan.params)) if plan.params is not None else None,
        "config_hash": plan.config_hash,
        "tokenizer_spec": plan.tokenizer.spec.to_dict(),
        "version": package_version(),
        "git_commit": git_commit(),
        "seed": plan.opts.seed,
        "world_size": plan.dist.world_size,
        "device": str(plan.device),
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if stopped:
        summary["stopped"] = stopped
    return summary

