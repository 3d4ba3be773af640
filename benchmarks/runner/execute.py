"""Executing a run on one rank: shard, skip what is done, decode, score, store.

This rank's shard is ``sorted_refs[rank::world_size]``; samples already recorded under the
same config hash are skipped; the rest are decoded in DataLoader workers (or, for short and
CPU runs, in a thread of this process one batch ahead: :func:`decode_workers`) and scored
in batches of equal-shape clips; each sample's result is appended to the store as soon as
it exists.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from tqdm import tqdm

from benchmarks.datasets.base import Sample, SampleError, SampleRef
from benchmarks.datasets.loader import make_loader
from benchmarks.families.base import SampleResult, TaskFamily
from benchmarks.runner.options import StrictStop
from benchmarks.runner.plan import ResolvedTask, RunContext
from benchmarks.runner.prefetch import Prefetch
from benchmarks.seeding import sample_seed
from benchmarks.store import ResultStore, RunRecord

log = logging.getLogger("benchmarks")

MIN_SAMPLES_FOR_WORKERS = 32  # shorter runs decode in-process (see Executor.loop)


def equal_shape_batches(items: list[Sample], batch_size: int) -> list[list[Sample]]:
    """Consecutive runs of equal-shape clips, at most ``batch_size`` each."""
    out: list[list[Sample]] = []
    for s in items:
        if out and len(out[-1]) < batch_size and out[-1][0].video.shape == s.video.shape:
            out[-1].append(s)
        else:
            out.append([s])
    return out


def decode_workers(ctx: RunContext, num_workers: int, n_clips: int) -> int:
    """DataLoader worker processes for a loop over ``n_clips``; 0 decodes in a thread of
    this process, one batch ahead of scoring (:mod:`~benchmarks.runner.prefetch`).

    Worker start-up and moving clips between processes cost ~0.3 s: more than they save on
    a short run (the 8-clip demo set: 0.39 s in-process vs 0.63 s with 2 workers). On the
    CPU, the tokenizer and the metrics already use the cores through torch's threads, and
    decoding processes compete with them (64 demo clips, identity, 2 cores: 22.5 s with 2
    workers, 9.6 s with the thread), so there the task file's ``num_workers`` is used only
    when the run asks for it (``--num-workers``, or ``num_workers`` in ``task_args``).
    """
    if n_clips < MIN_SAMPLES_FOR_WORKERS:
        return 0
    asked = ctx.opts.num_workers is not None or "num_workers" in ctx.opts.task_args
    return num_workers if asked or ctx.device.type != "cpu" else 0


@dataclass
class Shard:
    """The samples of a run and this rank's part of them."""

    refs: list[SampleRef]  # every sample of the run (after --limit), sorted by id
    bad_rows: list[SampleError]  # index rows that could not be listed
    absent: list[SampleError]  # listed in the run's id range, media not on disk, by id
    mine: list[SampleRef]  # this rank's shard


def limit_refs(
    refs: list[SampleRef], absent: list[SampleError], limit: int | None
) -> tuple[list[SampleRef], list[SampleError]]:
    """``refs`` and ``absent`` sorted by id, cut by ``--limit``.

    ``--limit N`` keeps the first ``N`` samples that are on disk, so a partial download
    still scores ``N``; an absent sample counts only when its id sorts before the last one
    kept (inside the range the run covers), never one beyond it.
    """
    refs = sorted(refs, key=lambda r: r.sample_id)
    absent = sorted(absent, key=lambda e: e.sample_id)
    if limit is None or len(refs) <= limit:
        return refs, absent
    refs = refs[:limit]
    last = refs[-1].sample_id
    return refs, [e for e in absent if e.sample_id < last]


def make_shard(task: ResolvedTask, ctx: RunContext) -> Shard:
    refs, absent = limit_refs(task.dataset.refs(), task.dataset.absent(), ctx.opts.limit)
    part = refs
    bad_rows = list(task.dataset.bad_rows())
    if ctx.shard is not None:  # a job-array shard, then torchrun ranks within it
        index, count = ctx.shard
        part = refs[index::count]
        bad_rows = bad_rows if index == 0 else []
    return Shard(
        refs=refs,
        bad_rows=bad_rows,
        absent=absent,
        mine=part[ctx.dist.rank :: ctx.dist.world_size],
    )


class Executor:
    """Scores this rank's shard into ``store`` with ``family``."""

    def __init__(
        self, task: ResolvedTask, ctx: RunContext, family: TaskFamily, store: ResultStore
    ) -> None:
        self.task, self.ctx, self.family, self.store = task, ctx, family, store

    def fail(self, err: SampleError, stage: str) -> None:
        log.error("failed %s: %s", err.sample_id, err)
        self.store.add_failure(
            {"sample_id": err.sample_id, "path": err.path, "reason": err.reason, "stage": stage}
        )
        if self.ctx.strict:
            raise StrictStop(f"--strict: {err.sample_id}: {err}")

    def _store(self, sample: Sample, result: SampleResult) -> None:
        if not isinstance(result, SampleResult):
            raise TypeError(
                f"family {self.family.name!r}.score must return SampleResult objects, "
                f"got {type(result).__name__}"
            )
        record = RunRecord(
            sample_id=sample.ref.sample_id,
            path=sample.ref.path,
            metrics={k: float(v) for k, v in result.metrics.items()},
            prediction=result.prediction,
            group=result.group,
            cluster=sample.ref.cluster,  # the source it was cut from (SampleRef.cluster)
            fingerprint=sample.fingerprint,
            # a short video (benchmarks.io.sampling.SHORT_CLIP_POLICY)
            padded_frames=sample.padded_frames or 0,
        )
        self.store.add_sample(record, result.arrays)

    def score(self, batch: list[Sample]) -> int:
        torch.manual_seed(sample_seed(self.ctx.opts.seed, batch[0].ref.sample_id))
        try:
            results = self.family.score(batch)
            if len(results) != len(batch):
                raise RuntimeError(f"score returned {len(results)} results for {len(batch)}")
        except Exception as exc:  # a tokenizer or metric error on this batch
            if len(batch) > 1:  # isolate the sample at fault
                return sum(self.score([s]) for s in batch)
            ref = batch[0].ref
            self.fail(SampleError(ref.sample_id, ref.path, f"{type(exc).__name__}: {exc}"),
                      "score")
            return 0
        for sample, result in zip(batch, results, strict=True):
            self._store(sample, result)
        return len(batch)

    def run(self, shard: Shard) -> None:
        """Record the bad index rows (rank 0), then score what is not done yet."""
        if self.ctx.dist.is_main:
            for err in shard.bad_rows:
                self.fail(err, "index")
        done = self.store.samples() if self.ctx.resume else {}
        self.loop([r for r in shard.mine if r.sample_id not in done])

    def loop(self, todo: list[SampleRef]) -> None:
        if not todo:
            return
        task, ctx, cfg = self.task, self.ctx, self.task.config
        workers = decode_workers(ctx, cfg.num_workers, len(todo))
        loader = make_loader(
            task.dataset,
            todo,
            num_frames=task.num_frames,
            batch_size=cfg.batch_size,
            num_workers=workers,
        )
        bar = tqdm(
            total=len(todo),
            desc=f"{cfg.task}/{ctx.run_name}",
            unit="clip",
            disable=not (ctx.opts.progress and ctx.dist.is_main),
            dynamic_ncols=True,
        )
        with bar, Prefetch(loader) if workers == 0 else nullcontext(loader) as batches:
            for n_batch, items in enumerate(batches):
                if n_batch == 0:  # what `python -m benchmarks.perf --case run` times start-up to
                    log.debug("first batch decoded (%d clips)", len(items))
                samples = []
                for item in items:
                    if isinstance(item, SampleError):
                        self.fail(item, "load")
                        bar.update(1)
                    else:
                        samples.append(item)
                for batch in equal_shape_batches(samples, cfg.batch_size):
                    self.score(batch)
                    bar.update(len(batch))
