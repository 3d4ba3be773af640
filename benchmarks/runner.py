"""The evaluation loop behind ``benchmarks.evaluate`` and ``python -m benchmarks run``.

list samples → skip those already recorded under the same config hash → decode the rest
in DataLoader workers → score batches with the task family → append records → aggregate
every record (old and new) into a summary.

Exit codes (``RunResult.exit_code``, also the CLI's):
    0  every sample was scored;
    1  the run finished, but one or more samples failed (see ``failures.jsonl``);
    2  bad usage: unknown task/tokenizer, bad task file or argument, missing data;
    3  ``--strict`` stopped the run at the first failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from benchmarks import distributed
from benchmarks.config import ConfigError, TaskConfig, config_hash, discover_tasks, load_task
from benchmarks.data import DATASETS
from benchmarks.data.base import Sample, SampleError, SampleRef
from benchmarks.data.loader import make_loader
from benchmarks.families import TASK_FAMILIES
from benchmarks.families.base import TaskFamily
from benchmarks.metrics import MeanCI
from benchmarks.store import ResultStore
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import VideoTokenizer

log = logging.getLogger("benchmarks")

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3
DEFAULT_OUTPUT = Path("results") / "runs"
MIN_SAMPLES_FOR_WORKERS = 32  # shorter runs decode in-process (see _loop)


class StrictStop(RuntimeError):
    """``--strict`` and a sample failed."""


@dataclass
class RunOptions:
    """Everything a run depends on; see ``python -m benchmarks run --help``."""

    task: str
    tokenizer: str | VideoTokenizer
    tokenizer_args: dict[str, Any] = field(default_factory=dict)
    task_args: dict[str, Any] = field(default_factory=dict)
    data_root: str | Path | None = None
    output: str | Path | None = None
    limit: int | None = None
    seed: int = 0
    device: str | None = None
    batch_size: int | None = None
    num_workers: int | None = None
    resume: bool = True
    strict: bool = False
    include_paths: list[str] = field(default_factory=list)
    progress: bool = True


@dataclass
class RunResult:
    summary: dict[str, Any]
    run_dir: Path
    exit_code: int


def _git_commit() -> str | None:
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


def _package_version() -> str:
    from benchmarks import __version__

    return __version__


def _sample_seed(seed: int, sample_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def resolve_task(
    name: str, *, include_paths: list[str], overrides: dict[str, Any]
) -> tuple[TaskConfig, Any, type[TaskFamily]]:
    tasks = discover_tasks(include_paths)
    if name not in tasks:
        import difflib

        close = difflib.get_close_matches(name, tasks, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ConfigError(f"unknown task {name!r}{hint} (known: {', '.join(sorted(tasks))})")
    path = tasks[name]
    import yaml

    family_name = (yaml.safe_load(path.read_text()) or {}).get("family")
    if family_name is None:
        raise ConfigError(f"{path}: missing required key 'family'")
    family_cls = TASK_FAMILIES.get(str(family_name))
    config, params = load_task(path, params_cls=family_cls.Params, overrides=overrides)
    return config, params, family_cls


def _resolve_data_root(config: TaskConfig, data_root: str | Path | None) -> tuple[Path, bool]:
    if data_root is not None:
        root = Path(data_root).expanduser().resolve()
        if not root.is_dir():
            raise ConfigError(f"--data-root {root}: no such folder")
        return root, False
    from benchmarks.data.demo import DEMO_TASKS, demo_root

    if config.dataset not in DEMO_TASKS:
        raise ConfigError(
            f"task {config.task!r} has no bundled demo set: pass --data-root pointing at "
            f"the {config.dataset} data in its official layout"
        )
    return demo_root(config.dataset), True


def _create_tokenizer(opts: RunOptions, device: torch.device) -> tuple[VideoTokenizer, str]:
    if isinstance(opts.tokenizer, VideoTokenizer):
        tok = opts.tokenizer
    else:
        tok = TOKENIZERS.get(opts.tokenizer)(**opts.tokenizer_args)
    return tok.to(device).eval(), tok.spec.name


def _batches(items: list[Sample], batch_size: int) -> list[list[Sample]]:
    """Consecutive runs of equal-shape clips, at most ``batch_size`` each."""
    out: list[list[Sample]] = []
    for s in items:
        if out and len(out[-1]) < batch_size and out[-1][0].video.shape == s.video.shape:
            out[-1].append(s)
        else:
            out.append([s])
    return out


class _Run:
    """State of one run on one rank."""

    def __init__(self, opts: RunOptions) -> None:
        self.opts = opts
        self.dist, self.device = distributed.setup(opts.device)
        overrides = dict(opts.task_args)
        if opts.batch_size is not None:
            overrides["batch_size"] = opts.batch_size
        if opts.num_workers is not None:
            overrides["num_workers"] = opts.num_workers
        self.config, self.params, family_cls = resolve_task(
            opts.task, include_paths=opts.include_paths, overrides=overrides
        )
        self.data_root, self.is_demo = _resolve_data_root(self.config, opts.data_root)
        torch.manual_seed(opts.seed)
        self.tokenizer, self.tokenizer_name = _create_tokenizer(opts, self.device)
        self.family = family_cls(self.config, self.params, self.tokenizer, device=self.device)
        self.num_frames = self.tokenizer.spec.usable_num_frames(self.config.frames_per_clip)
        if self.num_frames == 0:
            raise ConfigError(
                f"tokenizer {self.tokenizer_name!r} accepts no clip of at most "
                f"{self.config.frames_per_clip} frames"
            )
        self.dataset = DATASETS.get(self.config.dataset)(
            self.data_root, sampling=self.config.sampling
        )
        output = Path(opts.output).expanduser() if opts.output else DEFAULT_OUTPUT
        self.run_dir = output / self.config.task / self.tokenizer_name
        self.family.artifacts_dir = self.run_dir / "plots"
        self.hash_payload = {
            "task": self.config.to_dict(),
            "params": {
                k: v for k, v in vars(self.params).items() if k not in family_cls.unhashed_params
            }
            if self.params is not None
            else None,
            "tokenizer": self.tokenizer_name,
            "tokenizer_args": opts.tokenizer_args,
            "data_root": str(self.data_root),
            "num_frames": self.num_frames,
            "seed": opts.seed,
        }
        # Speed settings and descriptive keys do not change scores: out of the hash.
        for key in ("batch_size", "num_workers", "description", "paper_table", "paper_columns"):
            self.hash_payload["task"].pop(key)
        self.config_hash = config_hash(self.hash_payload)

    # ------------------------------------------------------------------------------

    def _fail(self, store: ResultStore, err: SampleError, kind: str) -> None:
        log.error("failed %s: %s", err.sample_id, err)
        store.add_failure(
            {"sample_id": err.sample_id, "path": err.path, "reason": err.reason, "stage": kind}
        )
        if self.opts.strict:
            raise StrictStop(f"--strict: {err.sample_id}: {err}")

    def _score(self, store: ResultStore, batch: list[Sample]) -> int:
        torch.manual_seed(_sample_seed(self.opts.seed, batch[0].ref.sample_id))
        try:
            records = self.family.score(batch)
        except Exception as exc:  # a tokenizer or metric error on this batch
            if len(batch) > 1:  # isolate the sample at fault
                return sum(self._score(store, [s]) for s in batch)
            ref = batch[0].ref
            err = SampleError(ref.sample_id, ref.path, f"{type(exc).__name__}: {exc}")
            self._fail(store, err, "score")
            return 0
        for sample, rec in zip(batch, records, strict=True):
            store.add_sample(
                {"sample_id": sample.ref.sample_id, "path": sample.ref.path, **rec}
            )
        return len(batch)

    def run(self) -> RunResult:
        opts, info = self.opts, self.dist
        if not opts.resume and info.is_main:
            ResultStore.clear(self.run_dir)
        distributed.barrier(info)
        store = ResultStore(self.run_dir, config_hash=self.config_hash)
        if self.is_demo and info.is_main:
            log.warning(
                "no --data-root given: running on the bundled DEMO set at %s "
                "(a few real clips shipped in installed wheels), not the real %s benchmark",
                self.data_root,
                self.config.dataset,
            )
        refs = sorted(self.dataset.refs(), key=lambda r: r.sample_id)
        bad_rows = self.dataset.bad_rows()
        if opts.limit is not None:
            refs = refs[: opts.limit]
        shard = refs[info.rank :: info.world_size]
        done = store.samples() if opts.resume else {}
        todo = [r for r in shard if r.sample_id not in done]
        if info.is_main:
            log.info(
                "%s × %s: %d samples (%d already done), %d frames per clip, device %s, "
                "output %s",
                self.config.task,
                self.tokenizer_name,
                len(refs),
                len({r.sample_id for r in refs} & set(done)),
                self.num_frames,
                self.device,
                self.run_dir,
            )
        stopped = None
        try:
            if info.is_main:
                for err in bad_rows:
                    self._fail(store, err, "index")
            self._loop(store, todo)
        except StrictStop as stop:
            stopped = str(stop)
        finally:
            self.family.close()
        stopped_any = distributed.any_true(stopped is not None, info)
        summary = self._summarise(store, shard, refs, bad_rows, stopped)
        store.close()
        if stopped_any:
            code = EXIT_STRICT
        elif summary["n_failed"]:
            code = EXIT_FAILURES
        else:
            code = EXIT_OK
        return RunResult(summary=summary, run_dir=self.run_dir, exit_code=code)

    def _loop(self, store: ResultStore, todo: list[SampleRef]) -> None:
        if not todo:
            return
        cfg = self.config
        loader = make_loader(
            self.dataset,
            todo,
            num_frames=self.num_frames,
            batch_size=cfg.batch_size,
            # Worker start-up and moving clips between processes cost ~0.3 s: more than
            # overlapping decode with scoring saves on a short run (measured on the 8-clip
            # demo set: 0.39 s in-process vs 0.63 s with 2 workers).
            num_workers=cfg.num_workers if len(todo) >= MIN_SAMPLES_FOR_WORKERS else 0,
        )
        bar = tqdm(
            total=len(todo),
            desc=f"{cfg.task}/{self.tokenizer_name}",
            unit="clip",
            disable=not (self.opts.progress and self.dist.is_main),
            dynamic_ncols=True,
        )
        with bar:
            for items in loader:
                samples = []
                for item in items:
                    if isinstance(item, SampleError):
                        self._fail(store, item, "load")
                        bar.update(1)
                    else:
                        samples.append(item)
                for batch in _batches(samples, cfg.batch_size):
                    self._score(store, batch)
                    bar.update(len(batch))

    def _summarise(
        self,
        store: ResultStore,
        shard: list[SampleRef],
        refs: list[SampleRef],
        bad_rows: list[SampleError],
        stopped: str | None,
    ) -> dict[str, Any]:
        info = self.dist
        in_run = {r.sample_id for r in refs}
        mine = {r.sample_id for r in shard}
        records = [r for sid, r in store.samples().items() if sid in mine]
        failed_ids = set(store.failures()) - set(store.samples())
        my_failed = len(failed_ids & mine) + (len(bad_rows) if info.is_main else 0)
        # The family's declared metrics, in a fixed order: every rank syncs the same
        # metric states in the same order.
        names = [m.name for m in self.family.metrics]
        unavailable = self.family.unavailable()
        metrics: dict[str, float | None] = {}
        ci95: dict[str, float | None] = {}
        for name in names:
            if name in unavailable:
                continue
            meter = MeanCI().to("cpu")
            values = [r[name] for r in records if name in r]
            if values:
                meter.update(torch.tensor(values, dtype=torch.float64))
            stats = meter.compute()
            if stats.count == 0:
                continue
            metrics[name] = stats.mean
            ci95[name] = stats.ci95
        n_samples = distributed.all_reduce_sum(len(records), info)
        n_failed = distributed.all_reduce_sum(my_failed, info)
        spec = self.tokenizer.spec.to_dict()
        summary = {
            "task": self.config.task,
            "tokenizer": self.tokenizer_name,
            "metrics": metrics,
            "metrics_ci95": ci95,
            "unavailable": unavailable,
            "higher_is_better": {m.name: m.higher_is_better for m in self.family.metrics},
            "n_samples": n_samples,
            "n_failed": n_failed,
            "n_listed": len(in_run) + len(bad_rows),
            "aggregation": self.family.aggregation,
            "demo_data": self.is_demo,
            "data_root": str(self.data_root),
            "frames_per_clip": self.num_frames,
            "config": self.hash_payload,
            "config_hash": self.config_hash,
            "tokenizer_spec": spec,
            "version": _package_version(),
            "git_commit": _git_commit(),
            "seed": self.opts.seed,
            "world_size": info.world_size,
            "device": str(self.device),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        if stopped:
            summary["stopped"] = stopped
        if info.is_main:
            path = store.write_summary(summary)
            log.info("summary written to %s", path)
        distributed.barrier(info)
        return summary


def run(opts: RunOptions) -> RunResult:
    """Run one task with one tokenizer; see :class:`RunOptions`."""
    return _Run(opts).run()
