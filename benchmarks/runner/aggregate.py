"""Aggregating a run: gather every rank's records, let the family finalize, write the summary.

Runs after resume and after the torchrun gather, over the records of the whole run sorted
by sample id, so a resumed run and an N-process run give the summary of one uninterrupted
process (timings aside). Only rank 0 finalizes and writes; the others receive its summary.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from benchmarks import distributed
from benchmarks.families.base import StoredRecord, TaskFamily
from benchmarks.provenance import git_commit, package_version, utc_timestamp
from benchmarks.runner.execute import Shard
from benchmarks.runner.plan import ResolvedTask, RunContext
from benchmarks.store import (
    EvaluatedIds,
    ResultStore,
    RunRecord,
    RunSummary,
    ShortClips,
    inputs_digest,
    write_bytes_atomic,
)

log = logging.getLogger("benchmarks")

EVALUATED_IDS = "evaluated_ids.txt"
MISSING_IDS = "missing_ids.txt"


def _write_lines(path: Path, lines: list[str]) -> str:
    """Write ``lines`` atomically; returns the file's sha256."""
    data = "".join(f"{line}\n" for line in lines).encode()
    write_bytes_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def stored_records(records: list[RunRecord], store: ResultStore) -> list[StoredRecord]:
    """The family's view of stored records (the one place one is built)."""
    return [
        StoredRecord(
            sample_id=r.sample_id,
            path=r.path,
            metrics=r.metrics,
            prediction=r.prediction,
            group=r.group,
            load_arrays=functools.partial(store.load_arrays, r) if r.arrays else None,
            cluster=r.cluster,
            fingerprint=r.fingerprint,
        )
        for r in records
    ]


def aggregate(
    task: ResolvedTask,
    ctx: RunContext,
    family: TaskFamily,
    store: ResultStore,
    shard: Shard,
    stopped: str | None,
    *,
    merged_shards: int | None = None,
) -> RunSummary:
    """The run's summary (written by rank 0 to ``summary.json``)."""
    info = ctx.dist
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
        records = sorted((r for recs, _ in gathered for r in recs), key=lambda r: r.sample_id)
        failures: dict[str, str] = {}
        for _, part in gathered:
            failures.update(part)
        summary = _summary(task, ctx, family, store, shard, records, failures, stopped)
        summary.merged_shards = merged_shards
        path = store.write_summary(summary)
        log.info("summary written to %s", path)
    return distributed.all_gather_objects(summary, info)[0]


def _summary(
    task: ResolvedTask,
    ctx: RunContext,
    family: TaskFamily,
    store: ResultStore,
    shard: Shard,
    records: list[RunRecord],
    failures: dict[str, str],
    stopped: str | None,
) -> RunSummary:
    evaluation = family.finalize(stored_records(records, store), task.info)
    scored = [r.sample_id for r in records]
    absent = sorted(shard.absent, key=lambda e: e.sample_id)
    listed = {r.sample_id for r in shard.refs} | {e.sample_id for e in shard.bad_rows}
    listed |= {e.sample_id for e in absent}
    pending = listed - set(scored) - set(failures) - {e.sample_id for e in absent}
    ids_hash = _write_lines(ctx.run_dir / EVALUATED_IDS, scored)
    files = {"evaluated_ids": EVALUATED_IDS, **evaluation.files}
    if absent:  # a partial download: a fact about the copy, counted once, not a failure
        _write_lines(ctx.run_dir / MISSING_IDS, [f"{e.sample_id}\t{e.path}" for e in absent])
        files["missing_ids"] = MISSING_IDS
    else:
        (ctx.run_dir / MISSING_IDS).unlink(missing_ok=True)
    return RunSummary(
        task=task.config.task,
        tokenizer=task.tokenizer_name,
        run_name=ctx.run_name,
        tokenizer_args=ctx.opts.tokenizer_args,
        metrics=evaluation.metrics,
        metrics_ci95=evaluation.ci95,
        ci_method=evaluation.ci_method,
        unavailable=family.unavailable(),
        higher_is_better={m.name: m.higher_is_better for m in family.metrics},
        groups=evaluation.groups,
        evaluation=evaluation.extra,
        n_samples=len(scored),
        n_failed=len(failures),
        n_missing=len(absent),
        n_pending=len(pending),
        n_listed=len(listed),
        limit=ctx.opts.limit,
        evaluated_ids=EvaluatedIds(
            file=EVALUATED_IDS, sha256=ids_hash, count=len(scored),
            inputs_sha256=inputs_digest({r.sample_id: r.fingerprint for r in records})),
        files=files,
        aggregation=family.aggregation,
        demo_data=ctx.is_demo,
        data_root=str(ctx.data_root),
        dataset=task.info.to_dict(),
        frames_per_clip=task.num_frames,
        short_clips=ShortClips(
            policy=family.short_clips,
            n_padded=sum(1 for r in records if r.padded_frames),
            padded_frames=sum(r.padded_frames for r in records),
        ),
        config=task.hash_payload,
        params=dict(vars(task.params)) if task.params is not None else None,
        config_hash=task.config_hash,
        tokenizer_spec=task.tokenizer.spec.to_dict(),
        version=package_version(),
        git_commit=git_commit(),
        seed=ctx.opts.seed,
        world_size=ctx.dist.world_size,
        device=str(ctx.device),
        timestamp=utc_timestamp(),
        stopped=stopped,
    )
