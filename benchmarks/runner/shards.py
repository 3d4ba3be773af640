"""Job arrays: ``run --shard i/N`` scores one part of a run, ``merge`` joins the parts.

Shard ``i`` of ``N`` (``0 <= i < N``, as ``$SLURM_ARRAY_TASK_ID`` with ``--array=0-(N-1)``)
takes ``sorted_refs[i::N]`` (then ``[rank::world_size]`` under torchrun inside the shard),
a deterministic partition of the run's sample ids. It writes only inside
``<run>/shards/<i>-of-<N>/``: its own ``.lock``, ``config.json``, ``samples.jsonl``,
``arrays/``, ``failures.jsonl`` and, once finished, ``shard.json`` (the run's options and
counts), so concurrent jobs never write one file. No shard finalizes.

``python -m benchmarks merge RUN_DIR`` checks that all N shards finished under one config
hash, re-plans the run from the recorded options (the same config hash, or it refuses),
takes the run folder's lock, imports the shards' records and side files into the run's own
store, and aggregates as an unsharded run does: the same ``finalize`` over the same records
sorted by id, so the summary (metrics, ``evaluated_ids`` sha256) is the unsharded one's.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json
from benchmarks.io.output import output_folder
from benchmarks.store import ResultStore, write_json_atomic

if TYPE_CHECKING:
    from benchmarks.runner.options import RunResult
    from benchmarks.runner.plan import ResolvedTask, RunContext

SHARDS = "shards"
SHARD_DONE = "shard.json"
_SHARD = re.compile(r"^(\d+)/(\d+)$")
_FOLDER = re.compile(r"^(\d+)-of-(\d+)$")


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` → ``(i, N)``; a bad value is a ``ConfigError`` naming it."""
    match = _SHARD.match(text.strip())
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise ConfigError(f"--shard {text!r}: expected i/N with 0 <= i < N, e.g. 0/4")
    return int(match[1]), int(match[2])


def shard_dir(run_dir: Path, shard: tuple[int, int]) -> Path:
    return Path(run_dir) / SHARDS / f"{shard[0]}-of-{shard[1]}"


@dataclass(frozen=True)
class ShardDone:
    """``shard.json``: the options to re-plan the run from, and what this shard holds."""

    shard: tuple[int, int]
    config_hash: str
    options: dict[str, Any]  # RunOptions as JSON, less shard and progress
    n_samples: int
    n_failed: int
    n_listed: int

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shard": list(self.shard)}

    @classmethod
    def read(cls, path: Path) -> ShardDone:
        try:
            data = read_json(path, max_bytes=SMALL_BYTES)
        except JsonFileError as err:
            raise ConfigError(f"{path}: not a readable {SHARD_DONE} ({err.reason}); rerun "
                              "that shard") from None
        problem = _shard_problem(data)
        if problem:
            raise ConfigError(f"{path}: not a readable {SHARD_DONE} ({problem}); rerun that "
                              "shard")
        try:
            return cls(**{**data, "shard": tuple(data["shard"])})
        except (ValueError, TypeError, KeyError) as err:
            raise ConfigError(f"{path}: not a readable {SHARD_DONE} ({err}); rerun that "
                              "shard") from err


def _shard_problem(data: Any) -> str | None:
    """Why ``data`` is no ``shard.json`` (``None``: it is one): each key of its type, the
    options those ``RunOptions`` takes (``merge`` re-plans the run from them)."""
    from benchmarks.runner.options import RunOptions
    from benchmarks.typecheck import type_problem

    if not isinstance(data, dict):
        return f"expected an object, got {type(data).__name__}"
    missing = [f.name for f in fields(ShardDone) if f.name not in data]
    if missing:
        return f"missing key(s) {', '.join(missing)}"
    problem = type_problem(ShardDone, data)
    if problem:
        return problem
    shard = data.get("shard")
    if isinstance(shard, list) and len(shard) == 2 and not 0 <= shard[0] < shard[1]:
        return f"shard: expected [i, N] with 0 <= i < N, got {shard}"
    options = data.get("options", {})
    known = {f.name for f in fields(RunOptions)} - {"shard", "progress"}
    unknown = sorted(str(k) for k in options if k not in known)
    if unknown:
        return f"options: unknown key(s) {', '.join(unknown)}"
    if not isinstance(options.get("tokenizer"), str):  # a registered name, never an object
        return f"options.tokenizer: expected a registered name, got {options.get('tokenizer')!r}"
    problem = type_problem(RunOptions, options)
    return f"options.{problem}" if problem else None


def write_shard_done(
    task: ResolvedTask, ctx: RunContext, store: ResultStore, n_listed: int
) -> ShardDone:
    """Write this shard's ``shard.json`` (its last file: the shard is finished)."""
    if not isinstance(ctx.opts.tokenizer, str):
        raise ConfigError("--shard needs a registered tokenizer name (merge re-creates it)")
    assert ctx.shard is not None
    opts = {k: v for k, v in asdict(ctx.opts).items() if k not in ("shard", "progress")}
    for key in ("data_root", "output"):
        if opts[key] is not None:
            opts[key] = str(Path(opts[key]).expanduser().resolve())
    done = ShardDone(
        shard=ctx.shard,
        config_hash=task.config_hash,
        options=opts,
        n_samples=len(store.samples()),
        n_failed=len(store.failures()),
        n_listed=n_listed,
    )
    write_json_atomic(ctx.run_dir / SHARD_DONE, done.to_dict())
    return done


def finished_shards(run_dir: Path) -> list[tuple[Path, ShardDone]]:
    """Every shard of ``run_dir``, checked complete and consistent."""
    folders = sorted((p for p in (run_dir / SHARDS).glob("*-of-*") if _FOLDER.match(p.name)),
                     key=lambda p: int(_FOLDER.match(p.name)[1]))
    if not folders:
        raise ConfigError(f"{run_dir}: no shards (run with --shard i/N first)")
    counts = {int(_FOLDER.match(p.name)[2]) for p in folders}
    if len(counts) > 1:
        raise ConfigError(f"{run_dir}: shards of different N ({sorted(counts)}); remove the "
                          f"stale ones under {run_dir / SHARDS}")
    n = counts.pop()
    have = {int(_FOLDER.match(p.name)[1]): p for p in folders}
    missing = [i for i in range(n) if i not in have or not (have[i] / SHARD_DONE).is_file()]
    if missing:
        raise ConfigError(f"{run_dir}: shard(s) {', '.join(f'{i}/{n}' for i in missing)} "
                          f"not finished: run them with --shard i/{n}, then merge")
    out = [(have[i], ShardDone.read(have[i] / SHARD_DONE)) for i in range(n)]
    hashes = {d.config_hash for _, d in out}
    if len(hashes) > 1:
        raise ConfigError(f"{run_dir}: shards ran different configurations ({sorted(hashes)})")
    return out


def merge(run_dir: Path, *, device: str | None = None, progress: bool = True) -> RunResult:
    """Merge the finished shards of ``run_dir`` into its summary."""
    from benchmarks.runner.aggregate import aggregate
    from benchmarks.runner.execute import make_shard
    from benchmarks.runner.guard import check_same_config, write_run_config
    from benchmarks.runner.lock import RunLock
    from benchmarks.runner.options import EXIT_FAILURES, EXIT_OK, RunOptions, RunResult
    from benchmarks.runner.plan import plan_run

    run_dir = Path(run_dir).expanduser().resolve()
    shards = finished_shards(run_dir)
    output_folder(run_dir, option="merge")  # the merged records and summary go here
    first = shards[0][1]
    opts = RunOptions(**{**first.options, "device": device, "progress": progress})
    task, ctx = plan_run(opts)
    if ctx.run_dir.resolve() != run_dir or task.config_hash != first.config_hash:
        raise ConfigError(f"{run_dir}: the shards' options now plan another run (config hash "
                          f"{task.config_hash} vs {first.config_hash}): the code, "
                          "task file or data changed since; rerun the shards")
    with RunLock(run_dir):
        check_same_config(task, run_dir)
        write_run_config(task, run_dir)
        store = ResultStore(run_dir, config_hash=task.config_hash)
        for folder, _ in shards:
            store.import_records(folder)
        store.close()
        family = task.build_family(ctx.device, run_dir)
        shard = make_shard(task, ctx)
        family.sample_ids = frozenset(r.sample_id for r in shard.refs)
        try:
            family.setup(task.dataset, task.info)
            summary = aggregate(task, ctx, family, store, shard, None,
                                merged_shards=len(shards))
        finally:
            family.close()
        store.close()
    code = EXIT_FAILURES if summary.n_failed or not summary.n_samples else EXIT_OK
    return RunResult(summary=summary, run_dir=run_dir, exit_code=code)
