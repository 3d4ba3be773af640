"""Planning a run: task file, demo policy, tokenizer, dataset, run folder, config hash.

A plan is two halves: :class:`ResolvedTask`, what is measured (the task's config and
family, the tokenizer, the dataset, the config hash), and :class:`RunContext`, where and
how (options, ranks, device, data folder, run folder, shard, resume). Everything here
happens before a single sample is touched; a user's mistake (bad name, path, value)
surfaces as a :class:`~benchmarks.config.ConfigError` (exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import torch

from benchmarks import distributed
from benchmarks.config import (
    ConfigError,
    TaskConfig,
    TaskFile,
    config_hash,
    find_task,
    load_task,
)
from benchmarks.datasets import DATASETS
from benchmarks.datasets.base import Dataset, DatasetError, DatasetInfo
from benchmarks.families import TASK_FAMILIES
from benchmarks.families.base import TaskFamily
from benchmarks.io.output import output_folder
from benchmarks.runner.options import DEFAULT_OUTPUT, RunOptions
from benchmarks.runner.weights import hashed_form, weights_fingerprint
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import VideoTokenizer

# Bumped when the stored record layout changes: old records then never count as done.
# 3: records carry ``cluster`` and ``fingerprint`` (a resumed run never mixes records
# without them into a cluster bootstrap or an inputs digest).
RECORD_FORMAT = 3
# Keys that change no score: speed settings and descriptions stay out of the hash.
# (data_root: the payload's own "data_root" holds the root used, from the file or the flag.)
UNHASHED_TASK_KEYS = (
    "batch_size", "num_workers", "description", "paper_table", "paper_columns",
    "paper_header_rows", "paper_protocol_column", "claims_source", "demo_overrides", "data_root",
)
_RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=@-]*")


def resolve_task(
    name: str, *, include_paths: list[str], overrides: dict[str, Any], demo: bool = False
) -> tuple[TaskConfig, Any, type[TaskFamily]]:
    """The task's config, its family's params and the family class (its YAML read once)."""
    return parse_task(find_task(name, include_paths), overrides=overrides, demo=demo)


def parse_task(
    task_file: TaskFile, *, overrides: dict[str, Any] | None = None, demo: bool = False
) -> tuple[TaskConfig, Any, type[TaskFamily]]:
    """A found task file's typed config, its family's params and the family class."""
    family_cls = TASK_FAMILIES.get(task_file.family)
    config, params = load_task(
        task_file, params_cls=family_cls.Params, overrides=overrides, demo=demo
    )
    return config, params, family_cls


def build_family(
    family_cls: type[TaskFamily],
    config: TaskConfig,
    params: Any,
    tokenizer: VideoTokenizer | None,
    *,
    device: torch.device,
    run_dir: Path | None = None,
) -> TaskFamily:
    """The one place a family is built for a run (or a comparison of runs): its plots go to
    ``<run_dir>/plots``; without ``run_dir`` it writes nothing."""
    family = family_cls(config, params, tokenizer, device=device)
    if run_dir is not None:
        family.run_dir, family.artifacts_dir = run_dir, run_dir / "plots"
    return family


def check_annotation(config: TaskConfig, family_cls: type[TaskFamily]) -> None:
    """A task whose family reads a kind of ground truth its dataset does not give is a
    usage error (one line naming both), before anything is loaded."""
    needed = family_cls.needs_annotation
    given = DATASETS.get(config.dataset).annotation
    if needed is not None and given is not needed:
        raise ConfigError(
            f"{config.source}: family {family_cls.name!r} reads {needed.__name__} "
            f"annotations, but dataset {config.dataset!r} gives "
            f"{given.__name__ if given is not None else 'none'}; pair the family with a "
            f"dataset that has them"
        )


def resolve_data_root(config: TaskConfig, data_root: str | Path | None) -> tuple[Path, bool]:
    """``(root, is_demo)``: the user's folder (``--data-root``, else the task file's
    ``data_root``), or the task's demo set built on first use."""
    if data_root is not None:
        root = Path(data_root).expanduser().resolve()
        if not root.is_dir():
            raise ConfigError(f"--data-root {root}: no such folder")
        return root, False
    if config.data_root is not None:
        root = Path(config.data_root).resolve()
        if not root.is_dir():
            raise ConfigError(f"{config.source}: data_root {root}: no such folder (a "
                              "relative path is relative to the task file's folder)")
        return root, False
    from benchmarks.datasets.demo import DEMO_DATASETS, demo_root

    if config.dataset not in DEMO_DATASETS:
        raise ConfigError(
            f"task {config.task!r} has no bundled demo set: pass --data-root pointing at "
            f"the {config.dataset} data in its official layout (or name it in the task "
            f"file: data_root: DIR)"
        )
    return demo_root(config.dataset), True


def open_dataset(config: TaskConfig, root: Path) -> tuple[Dataset, DatasetInfo]:
    """The task's reader on ``root`` and its metadata."""
    try:
        dataset = DATASETS.get(config.dataset)(
            root, sampling=config.sampling, **(config.dataset_args or {})
        )
        info = dataset.info()
    except DatasetError as err:
        raise ConfigError(str(err)) from err
    except TypeError as err:  # a dataset_args key the reader does not take
        raise ConfigError(f"{config.source}: dataset_args: {err}") from err
    return dataset, info


def default_run_name(tokenizer_name: str, tokenizer_args: dict[str, Any]) -> str:
    """``<tokenizer>``, or ``<tokenizer>-<hash of its arguments>`` when it has any, so two
    checkpoints or sweep points of one tokenizer never share a folder."""
    if not tokenizer_args:
        return tokenizer_name
    return f"{tokenizer_name}-{config_hash(tokenizer_args)[:8]}"


def create_checked_tokenizer(name: str, args: dict[str, Any]) -> VideoTokenizer:
    """Build a registered tokenizer; a bad argument or an unloadable checkpoint is a
    ``ConfigError`` naming the tokenizer, the argument or the path."""
    from benchmarks.tokenizers.arguments import check_arguments

    factory = TOKENIZERS.get(name)
    problem = check_arguments(name, factory, args)
    if problem:
        raise ConfigError(problem)
    try:
        return factory(**args)
    except (ConfigError, KeyboardInterrupt):
        raise
    except Exception as err:  # unreadable weights, a wrong config.json ...
        where = f" from {args['path']}" if "path" in args else ""
        raise ConfigError(
            f"tokenizer {name!r} could not be loaded{where}: {type(err).__name__}: {err}"
        ) from err


def _create_tokenizer(opts: RunOptions, device: torch.device) -> VideoTokenizer:
    if isinstance(opts.tokenizer, VideoTokenizer):
        tok = opts.tokenizer
    else:
        tok = create_checked_tokenizer(opts.tokenizer, opts.tokenizer_args)
    return tok.to(device).eval()


@dataclass(frozen=True)
class ResolvedTask:
    """What a run measures: the task and its family, the tokenizer, the data, the hash."""

    config: TaskConfig
    params: Any  # the family's Params dataclass (None if it has none)
    family_cls: type[TaskFamily]
    tokenizer: VideoTokenizer
    tokenizer_name: str
    num_frames: int  # frames per clip the tokenizer takes (<= config.frames_per_clip)
    dataset: Dataset
    info: DatasetInfo
    hash_payload: dict[str, Any]  # everything that changes the numbers
    config_hash: str

    def build_family(self, device: torch.device, run_dir: Path | None) -> TaskFamily:
        return build_family(self.family_cls, self.config, self.params, self.tokenizer,
                            device=device, run_dir=run_dir)


@dataclass(frozen=True)
class RunContext:
    """Where and how a run goes: its options, ranks, device, data and output folders."""

    opts: RunOptions
    dist: distributed.DistInfo
    device: torch.device
    data_root: Path
    is_demo: bool
    run_name: str
    run_dir: Path  # <output>/<task>/<run name>, or a shard's folder inside it
    shard: tuple[int, int] | None  # (i, N): this job scores shard i of N
    resume: bool  # skip the samples already stored under the same config hash
    strict: bool  # stop at the first failure

    def in_shard_folder(self) -> RunContext:
        """This context writing inside its shard's folder (``--shard``), else itself."""
        if self.shard is None:
            return self
        from benchmarks.runner.shards import shard_dir

        return replace(self, run_dir=shard_dir(self.run_dir, self.shard))


class RunPlan(NamedTuple):
    """A run, resolved: ``task, context = plan_run(opts)``."""

    task: ResolvedTask
    context: RunContext


def plan_run(opts: RunOptions) -> RunPlan:
    """Resolve ``opts`` into what a run measures and where it goes (raises
    ``ConfigError`` on bad usage)."""
    if opts.limit is not None and opts.limit < 1:
        raise ConfigError(f"--limit {opts.limit}: must be at least 1")
    if opts.run_name is not None and not _RUN_NAME.fullmatch(opts.run_name):
        raise ConfigError(
            f"--run-name {opts.run_name!r}: use letters, digits and . _ + = @ - only "
            "(it names a folder)"
        )
    # before anything loads: a file, a path under a file or a read-only disk is one line
    output = output_folder(opts.output or DEFAULT_OUTPUT, option="--output",
                           create=False)  # the run's lock makes it
    info_dist, device = distributed.setup(opts.device)
    overrides = dict(opts.task_args)
    if opts.batch_size is not None:
        overrides["batch_size"] = opts.batch_size
    if opts.num_workers is not None:
        overrides["num_workers"] = opts.num_workers
    # no --data-root: the demo set's overrides apply unless the task names its data_root
    config, params, family_cls = resolve_task(
        opts.task, include_paths=opts.include_paths, overrides=overrides,
        demo=opts.data_root is None,
    )
    check_annotation(config, family_cls)
    data_root, is_demo = resolve_data_root(config, opts.data_root)
    torch.manual_seed(opts.seed)
    tokenizer = _create_tokenizer(opts, device)
    # the registered name, not spec.name: it is what `compare` and sweeps look up again
    # (a plug-in's spec.name may differ; the summary's tokenizer_spec keeps that one)
    name = opts.tokenizer if isinstance(opts.tokenizer, str) else tokenizer.spec.name
    problem = family_cls.check_tokenizer(tokenizer, params)
    if problem:
        raise ConfigError(f"task {config.task!r}: {problem}")
    num_frames = tokenizer.spec.usable_num_frames(config.frames_per_clip)
    if num_frames == 0:
        raise ConfigError(
            f"tokenizer {name!r} accepts no clip of at most {config.frames_per_clip} frames"
        )
    dataset, info = open_dataset(config, data_root)
    run_name = opts.run_name or (
        default_run_name(name, opts.tokenizer_args) + family_cls.run_name_suffix(params)
    )
    task_dict = config.to_dict()
    for key in UNHASHED_TASK_KEYS:
        task_dict.pop(key)
    hash_payload = {
        "record_format": RECORD_FORMAT,
        "task": task_dict,
        "params": {
            k: v for k, v in vars(params).items() if k not in family_cls.unhashed_params
        }
        if params is not None
        else None,
        "tokenizer": name,
        "tokenizer_args": opts.tokenizer_args,
        "data_root": str(data_root),
        "num_frames": num_frames,
        "seed": opts.seed,
    }
    weights = weights_fingerprint(tokenizer, opts.tokenizer_args, params, family_cls)
    if weights:  # what was loaded, not only what was asked: weights overwritten in place
        hash_payload["weights"] = weights
    task = ResolvedTask(
        config=config, params=params, family_cls=family_cls, tokenizer=tokenizer,
        tokenizer_name=name, num_frames=num_frames, dataset=dataset, info=info,
        hash_payload=hash_payload, config_hash=config_hash(hashed_form(hash_payload)),
    )
    context = RunContext(
        opts=opts, dist=info_dist, device=device, data_root=data_root, is_demo=is_demo,
        run_name=run_name, run_dir=output / config.task / run_name, shard=opts.shard,
        resume=opts.resume, strict=opts.strict,
    )
    return RunPlan(task, context)
