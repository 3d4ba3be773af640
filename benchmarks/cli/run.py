"""``run``: one task with one tokenizer (or one run per point of a sweep).

The options become a :class:`~benchmarks.runner.options.RunOptions`
(:func:`options_from_args`); :func:`~benchmarks.runner.sweep.expand_sweep` makes one per
sweep point; each is run by :func:`benchmarks.api.run` and reported here.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import TYPE_CHECKING

from benchmarks.cli.common import EXIT_CODES, FORMATTER, non_negative_int, positive_int
from benchmarks.config import parse_key_values
from benchmarks.reporting.numbers import format_number

if TYPE_CHECKING:
    from benchmarks.runner.options import RunOptions, RunResult

EXAMPLES = """examples:
  python -m benchmarks run --task kinetics400 --tokenizer pyratok
      (no --data-root: the bundled demo set, and the output says so)
  python -m benchmarks run --task webvid --tokenizer wan2.1 \\
      --tokenizer-arg path=~/ckpt/wan2.1-vae --data-root ~/data/webvid --limit 500
"""

MAX_PRINTED_ENTRIES = 12  # of one dict in 'evaluation' (every entry is in summary.json)


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    r = sub.add_parser("run", parents=parents, help="run one task with one tokenizer",
                       description="Score a tokenizer on a task. Results are written per "
                       "sample as they complete; rerunning the same command resumes.",
                       epilog=EXAMPLES + "\n" + EXIT_CODES, formatter_class=FORMATTER)
    r.add_argument("--task", required=True, help="task name (see 'list'), e.g. kinetics400")
    r.add_argument("--tokenizer", required=True,
                   help="tokenizer name (see 'list'), e.g. pyratok, wan2.1, identity")
    r.add_argument("--tokenizer-arg", action="append", default=[], metavar="K=V",
                   help="argument for the tokenizer factory, value typed as YAML "
                   "(repeatable), e.g. path=~/ckpt/wan2.1-vae dtype=bfloat16")
    r.add_argument("--task-arg", action="append", default=[], metavar="K=V",
                   help="override a task YAML key (repeatable), e.g. frames_per_clip=33")
    r.add_argument("--generator", metavar="NAME",
                   help="generation tasks: the generator (ar, real-copy, noise, plug-ins)")
    r.add_argument("--generator-arg", action="append", default=[], metavar="K=V",
                   help="argument for the generator factory, value typed as YAML "
                   "(repeatable), e.g. checkpoint=~/ckpt/ar")
    r.add_argument("--data-root", metavar="DIR",
                   help="the dataset in its official layout (default: the task's demo set)")
    r.add_argument("--limit", type=positive_int, metavar="N",
                   help="score only the first N samples (sorted by id)")
    r.add_argument("--output", metavar="DIR", help="results folder (default: results/runs)")
    r.add_argument(
        "--run-name", metavar="NAME",
        help="run folder under <output>/<task>/ (default: the tokenizer name, plus a "
        "short hash of the --tokenizer-arg values when there are any)",
    )
    r.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    r.add_argument("--batch-size", type=positive_int, metavar="B",
                   help="clips per tokenizer call (default: the task's)")
    r.add_argument("--num-workers", type=non_negative_int, metavar="W",
                   help="background decoding processes, 0 = decode in-process "
                   "(default: the task's)")
    r.add_argument("--seed", type=int, default=0,
                   help="seed of per-sample randomness (default: 0)")
    r.add_argument("--no-resume", action="store_true",
                   help="discard this run folder's earlier results and start afresh")
    r.add_argument("--strict", action="store_true",
                   help="stop at the first sample that fails (exit 3); exit 1 when listed "
                   "samples are absent on disk")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    r.add_argument("--shard", metavar="i/N",
                   help="score only shard i of N (0 <= i < N; e.g. $SLURM_ARRAY_TASK_ID/N) "
                   "into <run>/shards/i-of-N/; join them with 'merge'")
    r.set_defaults(handler=handle)


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """The ``run`` command line as :class:`RunOptions` (``K=V`` values typed as YAML)."""
    from benchmarks.runner.options import RunOptions

    task_args = parse_key_values(args.task_arg, flag="--task-arg")
    if args.generator:
        task_args["generator"] = args.generator
    if args.generator_arg:
        task_args["generator_args"] = parse_key_values(args.generator_arg, flag="--generator-arg")
    opts = RunOptions(
        task=args.task,
        tokenizer=args.tokenizer,
        tokenizer_args=parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg"),
        task_args=task_args,
        data_root=args.data_root,
        output=args.output,
        run_name=args.run_name,
        limit=args.limit,
        seed=args.seed,
        device=args.device,
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        resume=not args.no_resume,
        strict=args.strict,
        include_paths=args.include_path,
        progress=not args.no_progress,
    )
    if args.shard:
        from benchmarks.runner.shards import parse_shard

        opts.shard = parse_shard(args.shard)
    return opts


def handle(args: argparse.Namespace) -> int:
    from benchmarks.api import expand_sweep, run

    codes = []
    for opts in expand_sweep(options_from_args(args)):  # rates=[...]: one run per point
        result = run(opts)
        if int(os.environ.get("RANK", 0)) == 0:  # torchrun: rank 0 reports
            report(result, opts)
        codes.append(result.exit_code)
    return max(codes)


def report(result: RunResult, opts: RunOptions) -> None:
    """What a finished run (or shard) prints: counts, metrics, unavailable ones, where."""
    from benchmarks.store import RunSummary

    s = result.summary
    if not isinstance(s, RunSummary):  # a --shard part: counts only
        print(f"shard {s.shard[0]}/{s.shard[1]}: {s.n_samples} scored, "
              f"{s.n_failed} failed in {result.run_dir}; when all are done: "
              f"python -m benchmarks merge {result.run_dir.parent.parent}")
        return
    header = f"{s.task} × {s.run_name}: {s.n_samples} scored, {s.n_failed} failed"
    if s.stopped:
        print(f"stopped: {s.stopped} (--strict; {s.n_failed} failure(s) in "
              f"{result.run_dir / 'failures.jsonl'})", file=sys.stderr)
    if not s.n_samples:
        print(f"no sample was scored: of {s.n_listed} listed, {s.n_failed} failed (the "
              f"reasons are in {result.run_dir / 'failures.jsonl'}) and {s.n_missing} are "
              "not on disk", file=sys.stderr)
    if s.demo_data:
        header += "  [DEMO DATA — not the real benchmark]"
    print(header)
    if s.n_missing:
        print(f"warning: {s.n_missing} listed sample(s) not on disk (a partial download?), "
              f"not scored and not failures: ids in {result.run_dir / s.files['missing_ids']}"
              f"{'' if opts.strict else ' (--strict: exit 1)'}", file=sys.stderr)
    for name, value in s.metrics.items():
        ci = s.metrics_ci95.get(name)
        ci_txt = f" ± {format_number(ci)}" if ci is not None and not math.isnan(ci) else ""
        print(f"  {name:<12} {format_number(value)}{ci_txt}")
    if s.ci_method.startswith("cluster"):  # Student's t, the default, goes unsaid
        print(f"  ± is the 95% CI of a {s.ci_method}: clips of one source resampled together")
    _print_unavailable(s.unavailable)
    _print_evaluation(s.evaluation)
    print(f"results: {result.run_dir}")


def _print_unavailable(unavailable: dict[str, str]) -> None:
    by_reason: dict[str, list[str]] = {}  # metrics sharing a reason share one line
    for name, reason in unavailable.items():
        by_reason.setdefault(reason, []).append(name)
    for reason, names in by_reason.items():
        first = reason.split(". ")[0].rstrip(".")
        more = " (how to fix: see 'unavailable' in summary.json)" if first != reason else ""
        print(f"  {', '.join(names):<12} unavailable: {first}{more}")


def _print_evaluation(evaluation: dict) -> None:
    for key, value in evaluation.items():
        if isinstance(value, bool | int | float | str):
            print(f"  {key:<12} {value}")
        elif isinstance(value, dict) and all(
            isinstance(v, int | float | type(None)) for v in value.values()
        ):  # e.g. mAP per tIoU threshold; a long one (clips per class) is cut short
            for sub, v in list(value.items())[:MAX_PRINTED_ENTRIES]:
                print(f"  {key + '@' + str(sub):<12} {format_number(v)}")
            if len(value) > MAX_PRINTED_ENTRIES:
                print(f"  {key}: {len(value) - MAX_PRINTED_ENTRIES} more in summary.json")
