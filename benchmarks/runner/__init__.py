"""The evaluation behind ``benchmarks.evaluate`` and ``python -m benchmarks run``.

Three separate pieces, driven by :func:`run`:

- :mod:`~benchmarks.runner.plan` — task file, demo policy, tokenizer, dataset and its
  metadata, run folder ``<output>/<task>/<run name>``, config hash: a
  :class:`~benchmarks.runner.plan.ResolvedTask` (what is measured) and a
  :class:`~benchmarks.runner.plan.RunContext` (where and how);
- :mod:`~benchmarks.runner.execute` — this rank's shard minus what is already stored,
  decoded in DataLoader workers, scored by the family, appended to the store;
- :mod:`~benchmarks.runner.aggregate` — every rank's records gathered, the family's
  dataset-level ``finalize``, ``summary.json`` (a :class:`~benchmarks.store.RunSummary`).

Exit codes: see :mod:`benchmarks.runner.options`.
"""

from __future__ import annotations

import logging

from benchmarks import distributed
from benchmarks.config import ConfigError
from benchmarks.datasets.media import warn_links_outside
from benchmarks.runner.aggregate import aggregate
from benchmarks.runner.execute import MIN_SAMPLES_FOR_WORKERS, Executor, make_shard
from benchmarks.runner.guard import check_same_config, write_run_config
from benchmarks.runner.lock import RunLock
from benchmarks.runner.options import (
    DEFAULT_OUTPUT,
    EXIT_FAILURES,
    EXIT_OK,
    EXIT_STRICT,
    EXIT_USAGE,
    Interrupted,
    RunOptions,
    RunResult,
    StrictStop,
)
from benchmarks.runner.plan import (
    ResolvedTask,
    RunContext,
    RunPlan,
    build_family,
    default_run_name,
    plan_run,
    resolve_task,
)
from benchmarks.store import ResultStore

log = logging.getLogger("benchmarks")

__all__ = [
    "DEFAULT_OUTPUT",
    "EXIT_FAILURES",
    "EXIT_OK",
    "EXIT_STRICT",
    "EXIT_USAGE",
    "MIN_SAMPLES_FOR_WORKERS",
    "ResolvedTask",
    "RunContext",
    "RunOptions",
    "RunPlan",
    "RunResult",
    "build_family",
    "default_run_name",
    "plan_run",
    "resolve_task",
    "run",
]


def run(opts: RunOptions) -> RunResult:
    """Run one task with one tokenizer; see :class:`RunOptions`."""
    task, ctx = plan_run(opts)
    ctx = ctx.in_shard_folder()  # a shard writes only inside its own folder
    info = ctx.dist
    lock, problem = None, None
    if info.is_main:  # rank 0 owns the folder; the other ranks write through its lock
        try:
            lock = RunLock(ctx.run_dir).acquire()
            if ctx.resume:
                check_same_config(task, ctx.run_dir)
            else:
                ResultStore.clear(ctx.run_dir)
            write_run_config(task, ctx.run_dir)
        except ConfigError as err:
            if lock is not None:
                lock.release()
            problem = str(err)
    problem = distributed.all_gather_objects(problem, info)[0]
    if problem:
        raise ConfigError(problem)
    try:
        return _run_locked(task, ctx)
    finally:
        if lock is not None:
            lock.release()


def _run_locked(task: ResolvedTask, ctx: RunContext) -> RunResult:
    info = ctx.dist
    store = ResultStore(ctx.run_dir, config_hash=task.config_hash)
    family = task.build_family(ctx.device, ctx.run_dir)
    if ctx.is_demo and info.is_main:
        log.warning(
            "no --data-root given: running on the bundled DEMO set at %s, not the real %s "
            "benchmark",
            ctx.data_root,
            task.config.dataset,
        )
    if info.is_main:  # the data root's symlink policy: followed, said once
        warn_links_outside(task.dataset.refs(), ctx.data_root, log)
    shard = make_shard(task, ctx)
    family.sample_ids = frozenset(r.sample_id for r in shard.refs)
    if info.is_main:
        done = store.samples() if ctx.resume else {}
        log.info(
            "%s × %s: %d samples (%d already done), %s, device %s, output %s",
            task.config.task,
            ctx.run_name,
            len(shard.refs),
            len({r.sample_id for r in shard.refs} & set(done)),
            family.sampling_text(task.num_frames),
            ctx.device,
            ctx.run_dir,
        )
    if not shard.refs and not shard.bad_rows and not shard.absent:
        raise ConfigError(
            f"{task.info.annotation_file or ctx.data_root}: the dataset lists no samples "
            f"(is --data-root the {task.config.dataset} folder in its official layout?)"
        )
    stopped = None
    try:
        family.setup(task.dataset, task.info)
        Executor(task, ctx, family, store).run(shard)
    except StrictStop as stop:
        stopped = str(stop)
    except KeyboardInterrupt:
        saved = len({r.sample_id for r in shard.refs} & set(store.samples()))
        store.close()
        raise Interrupted(ctx.run_dir, saved, len(shard.refs)) from None
    finally:
        family.close()
    stopped_any = distributed.any_true(stopped is not None, info)
    if ctx.shard is not None:
        from benchmarks.runner.shards import write_shard_done

        distributed.all_gather_objects(None, info)  # every rank of the shard is done
        done_shard = write_shard_done(task, ctx, store, len(shard.refs)) if info.is_main else None
        done_shard = distributed.all_gather_objects(done_shard, info)[0]
        store.close()
        code = EXIT_STRICT if stopped_any else (EXIT_FAILURES if done_shard.n_failed else EXIT_OK)
        return RunResult(summary=done_shard, run_dir=ctx.run_dir, exit_code=code)
    summary = aggregate(task, ctx, family, store, shard, stopped)
    store.close()
    if stopped_any:
        code = EXIT_STRICT
    elif (summary.n_failed or not summary.n_samples
          or (summary.n_missing and ctx.strict)):  # absent files fail only under --strict
        code = EXIT_FAILURES
    else:
        code = EXIT_OK
    return RunResult(summary=summary, run_dir=ctx.run_dir, exit_code=code)
