"""The evaluation behind ``benchmarks.evaluate`` and ``python -m benchmarks run``.

Three separate pieces, driven by :func:`run`:

- :mod:`~benchmarks.runner.plan` — task file, demo policy, tokenizer, dataset and its
  metadata, run folder ``<output>/<task>/<run name>``, config hash;
- :mod:`~benchmarks.runner.execute` — this rank's shard minus what is already stored,
  decoded in DataLoader workers, scored by the family, appended to the store;
- :mod:`~benchmarks.runner.aggregate` — every rank's records gathered, the family's
  dataset-level ``finalize``, ``summary.json``.

Exit codes: see :mod:`benchmarks.runner.options`.
"""

from __future__ import annotations

import logging

from benchmarks import distributed
from benchmarks.config import ConfigError
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
from benchmarks.runner.plan import RunPlan, default_run_name, plan_run, resolve_task
from benchmarks.store import ResultStore

log = logging.getLogger("benchmarks")

__all__ = [
    "DEFAULT_OUTPUT",
    "EXIT_FAILURES",
    "EXIT_OK",
    "EXIT_STRICT",
    "EXIT_USAGE",
    "MIN_SAMPLES_FOR_WORKERS",
    "RunOptions",
    "RunPlan",
    "RunResult",
    "default_run_name",
    "plan_run",
    "resolve_task",
    "run",
]


def run(opts: RunOptions) -> RunResult:
    """Run one task with one tokenizer; see :class:`RunOptions`."""
    plan = plan_run(opts)
    if opts.shard is not None:  # a shard writes only inside its own folder
        import dataclasses

        from benchmarks.runner.shards import shard_dir

        plan = dataclasses.replace(plan, run_dir=shard_dir(plan.run_dir, opts.shard))
    info = plan.dist
    lock, problem = None, None
    if info.is_main:  # rank 0 owns the folder; the other ranks write through its lock
        try:
            lock = RunLock(plan.run_dir).acquire()
            if opts.resume:
                check_same_config(plan)
            else:
                ResultStore.clear(plan.run_dir)
            write_run_config(plan)
        except ConfigError as err:
            if lock is not None:
                lock.release()
            problem = str(err)
    problem = distributed.all_gather_objects(problem, info)[0]
    if problem:
        raise ConfigError(problem)
    try:
        return _run_locked(plan)
    finally:
        if lock is not None:
            lock.release()


def _run_locked(plan: RunPlan) -> RunResult:
    opts, info = plan.opts, plan.dist
    store = ResultStore(plan.run_dir, config_hash=plan.config_hash)
    family = plan.family_cls(plan.config, plan.params, plan.tokenizer, device=plan.device)
    family.run_dir, family.artifacts_dir = plan.run_dir, plan.run_dir / "plots"
    if plan.is_demo and info.is_main:
        log.warning(
            "no --data-root given: running on the bundled DEMO set at %s, not the real %s "
            "benchmark",
            plan.data_root,
            plan.config.dataset,
        )
    shard = make_shard(plan)
    family.sample_ids = frozenset(r.sample_id for r in shard.refs)
    if info.is_main:
        done = store.samples() if opts.resume else {}
        log.info(
            "%s × %s: %d samples (%d already done), %s, device %s, output %s",
            plan.config.task,
            plan.run_name,
            len(shard.refs),
            len({r.sample_id for r in shard.refs} & set(done)),
            family.sampling_text(plan.num_frames),
            plan.device,
            plan.run_dir,
        )
    if not shard.refs and not shard.bad_rows and not shard.absent:
        raise ConfigError(
            f"{plan.info.annotation_file or plan.data_root}: the dataset lists no samples "
            f"(is --data-root the {plan.config.dataset} folder in its official layout?)"
        )
    stopped = None
    try:
        family.setup(plan.dataset, plan.info)
        Executor(plan, family, store).run(shard)
    except StrictStop as stop:
        stopped = str(stop)
    except KeyboardInterrupt:
        saved = len({r.sample_id for r in shard.refs} & set(store.samples()))
        store.close()
        raise Interrupted(plan.run_dir, saved, len(shard.refs)) from None
    finally:
        family.close()
    stopped_any = distributed.any_true(stopped is not None, info)
    if opts.shard is not None:
        from benchmarks.runner.shards import write_shard_done

        distributed.all_gather_objects(None, info)  # every rank of the shard is done
        summary = write_shard_done(plan, store, len(shard.refs)) if info.is_main else {}
        summary = distributed.all_gather_objects(summary, info)[0]
        store.close()
        code = EXIT_STRICT if stopped_any else (EXIT_FAILURES if summary["n_failed"] else EXIT_OK)
        return RunResult(summary=summary, run_dir=plan.run_dir, exit_code=code)
    summary = aggregate(plan, family, store, shard, stopped)
    store.close()
    if stopped_any:
        code = EXIT_STRICT
    elif (summary["n_failed"] or not summary["n_samples"]
          or (summary["n_missing"] and opts.strict)):  # absent files fail only under --strict
        code = EXIT_FAILURES
    else:
        code = EXIT_OK
    return RunResult(summary=summary, run_dir=plan.run_dir, exit_code=code)
