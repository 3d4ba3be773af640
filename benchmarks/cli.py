"""``python -m benchmarks {list,run,score,tables}`` — a thin shell over :mod:`benchmarks.api`.

Exit codes of ``run``: 0 all samples scored; 1 some samples failed (listed in
``failures.jsonl``); 2 bad usage (unknown name, bad task file or argument, missing data);
3 ``--strict`` stopped at the first failure.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from pathlib import Path
from typing import NoReturn

from benchmarks.config import ConfigError, parse_key_values
from benchmarks.data.base import DatasetError
from benchmarks.registry import RegistryError

log = logging.getLogger("benchmarks")


EXIT_CODES = """exit codes:
  0    every sample was scored
  1    the run finished, but some samples failed (each named in failures.jsonl), or none
       was scored
  2    bad usage: unknown name, bad task file, argument, path, file or device
  3    --strict stopped the run at the first failure
  130  interrupted (Ctrl-C); rerunning the same command resumes"""

RUN_EXAMPLES = """examples:
  python -m benchmarks run --task kinetics400 --tokenizer pyratok
      (no --data-root: the bundled demo set, and the output says so)
  python -m benchmarks run --task webvid --tokenizer wan2.1 \\
      --tokenizer-arg path=~/ckpt/wan2.1-vae --data-root ~/data/webvid --limit 500
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    """The command line; every option has help, ``run --help`` adds examples and exit codes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (default: one line)")
    common.add_argument("--include-path", action="append", default=[], metavar="DIR",
                        help="also read task YAMLs from DIR (repeatable; overrides built-ins)")
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure video tokenizers on reconstruction and video-language "
        "benchmarks (PyraTok's evaluation harness). 'list' shows what exists.",
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", parents=[common], help="tasks (and whether they have a demo set) "
                   "and tokenizers (and what they need)")

    r = sub.add_parser("run", parents=[common], help="run one task with one tokenizer",
                       description="Score a tokenizer on a task. Results are written per "
                       "sample as they complete; rerunning the same command resumes.",
                       epilog=RUN_EXAMPLES + "\n" + EXIT_CODES, formatter_class=fmt)
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
    r.add_argument("--limit", type=_positive_int, metavar="N",
                   help="score only the first N samples (sorted by id)")
    r.add_argument("--output", metavar="DIR", help="results folder (default: results/runs)")
    r.add_argument(
        "--run-name", metavar="NAME",
        help="run folder under <output>/<task>/ (default: the tokenizer name, plus a "
        "short hash of the --tokenizer-arg values when there are any)",
    )
    r.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    r.add_argument("--batch-size", type=_positive_int, metavar="B",
                   help="clips per tokenizer call (default: the task's)")
    r.add_argument("--num-workers", type=_non_negative_int, metavar="W",
                   help="background decoding processes, 0 = decode in-process "
                   "(default: the task's)")
    r.add_argument("--seed", type=int, default=0,
                   help="seed of per-sample randomness (default: 0)")
    r.add_argument("--no-resume", action="store_true",
                   help="discard this run folder's earlier results and start afresh")
    r.add_argument("--strict", action="store_true",
                   help="stop at the first sample that fails (exit 3)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    sc = sub.add_parser(
        "score", parents=[common],
        help="score an official prediction file (no tokenizer)",
        description="Run a task's ground-truth reader and dataset-level evaluator on a "
        "prediction file. Exit 2 on a malformed file, an unknown label or id.",
        epilog="example:\n  python -m benchmarks score --task kinetics400 "
        "--annotations val.csv --predictions pred.json --json\n\n" + EXIT_CODES,
        formatter_class=fmt,
    )
    sc.add_argument("--task", required=True, help="task name (see 'list')")
    sc.add_argument("--annotations", required=True, metavar="GT",
                    help="ground truth in the task's official format")
    sc.add_argument("--predictions", required=True, metavar="P", help="predictions (JSON)")
    sc.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sc.add_argument("--output", metavar="DIR", help="also write DIR/summary.json")
    sc.add_argument("--task-arg", action="append", default=[], metavar="K=V",
                    help="override a task YAML key (repeatable)")

    t = sub.add_parser("tables", parents=[common], help="result tables from finished runs",
                       description="One row per run, one column per task metric.")
    t.add_argument("--runs", default="results/runs", metavar="DIR",
                   help="folder of runs (default: %(default)s)")
    t.add_argument("--format", choices=["md", "csv", "latex"], default="md",
                   help="output format (default: md)")
    t.add_argument("--task", action="append", help="only these tasks (repeatable)")
    t.add_argument("--paper", action="store_true",
                   help="add the paper's reported numbers, marked as claims")
    return p


def _cmd_list(args: argparse.Namespace) -> int:
    from benchmarks.api import list_tasks, list_tokenizers
    from benchmarks.config import discover_tasks, read_yaml
    from benchmarks.data.demo import DEMO_TASKS
    from benchmarks.tokenizers import TOKENIZERS
    from benchmarks.tokenizers.arguments import required_arguments

    paths = discover_tasks(args.include_path)
    print("tasks (demo: runs without --data-root on a bundled demo set):")
    for name in list_tasks(args.include_path):
        raw = read_yaml(paths[name])
        demo = "demo" if raw.get("dataset") in DEMO_TASKS else "    "
        print(f"  {name:<14} {raw.get('family', '?'):<16} {demo}  {raw.get('description', '')}")
    print("tokenizers (needs: the --tokenizer-arg values without a default):")
    for name in list_tokenizers():
        try:
            needs = ", ".join(f"{k}=..." for k in required_arguments(TOKENIZERS.get(name)))
        except Exception as err:  # a broken plug-in is listed, not fatal
            needs = f"(cannot be loaded: {err})"
        print(f"  {name:<16} {('needs ' + needs) if needs else ''}")
    return 0


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def _cmd_run(args: argparse.Namespace) -> int:
    from benchmarks.runner import RunOptions, run

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
    result = run(opts)
    s = result.summary
    if int(os.environ.get("RANK", 0)) != 0:  # torchrun: rank 0 reports
        return result.exit_code
    header = f"{s['task']} × {s['run_name']}: {s['n_samples']} scored, {s['n_failed']} failed"
    if s.get("stopped"):
        print(f"stopped: {s['stopped']} (--strict; {s['n_failed']} failure(s) in "
              f"{result.run_dir / 'failures.jsonl'})", file=sys.stderr)
    if not s["n_samples"]:
        print(f"no sample was scored: all {s['n_listed']} listed failed; the reasons are in "
              f"{result.run_dir / 'failures.jsonl'}", file=sys.stderr)
    if s["demo_data"]:
        header += "  [DEMO DATA — not the real benchmark]"
    print(header)
    if s.get("n_missing"):
        print(f"  {s['n_missing']} listed sample(s) not scored: see "
              f"{result.run_dir / s['files']['missing_ids']}")
    for name, value in s["metrics"].items():
        ci = s["metrics_ci95"].get(name)
        ci_txt = f" ± {_fmt(ci)}" if ci is not None and not math.isnan(ci) else ""
        print(f"  {name:<12} {_fmt(value)}{ci_txt}")
    for name, reason in s["unavailable"].items():
        first = reason.split(". ")[0].rstrip(".")
        more = " (how to fix: see 'unavailable' in summary.json)" if first != reason else ""
        print(f"  {name:<12} unavailable: {first}{more}")
    for key, value in s.get("evaluation", {}).items():
        if isinstance(value, bool | int | float | str):
            print(f"  {key:<12} {value}")
        elif isinstance(value, dict) and all(
            isinstance(v, int | float | type(None)) for v in value.values()
        ):  # e.g. mAP per tIoU threshold
            for sub, v in value.items():
                print(f"  {key + '@' + str(sub):<12} {_fmt(v)}")
    print(f"results: {result.run_dir}")
    return result.exit_code


def _cmd_score(args: argparse.Namespace) -> int:
    import json

    from benchmarks.scoring import flat_result, score_files
    from benchmarks.store import write_json_atomic

    summary = score_files(
        args.task,
        annotations=args.annotations,
        predictions=args.predictions,
        include_paths=args.include_path,
        task_args=parse_key_values(args.task_arg, flag="--task-arg"),
    )
    if args.output:
        out = Path(args.output).expanduser()
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "summary.json", summary)
    if args.json:
        print(json.dumps(flat_result(summary)))
        return 0
    print(f"{summary['task']} (score mode): {args.predictions}")
    for name, value in flat_result(summary).items():
        print(f"  {name:<12} {_fmt(value) if isinstance(value, float) else value}")
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from benchmarks.tables import load_summaries, paper_claims, render

    summaries, unreadable = load_summaries(Path(args.runs), tasks=args.task, skipped=True)
    for path, reason in unreadable:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if not summaries:
        print(f"no summary.json under {args.runs}", file=sys.stderr)
        return 2
    if args.paper:
        tasks = list(dict.fromkeys(s["task"] for s in summaries))
        summaries += paper_claims(tasks, include_paths=args.include_path)
    print(render(summaries, fmt=args.format))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    commands = {"list": _cmd_list, "run": _cmd_run, "score": _cmd_score, "tables": _cmd_tables}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        from benchmarks.runner import Interrupted

        text = str(err) if isinstance(err, Interrupted) else "interrupted"
        print(text, file=sys.stderr)
        return 130
    except (ConfigError, RegistryError, FileNotFoundError, ValueError, DatasetError) as err:
        if args.debug:
            raise
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2


def finish(code: int) -> NoReturn:
    """Leave the process with ``code`` (the ``python -m benchmarks`` entry point).

    Ctrl-C (130): everything scored is on disk; leave at once, without the noise of
    DataLoader helper threads torn down mid-accept. Under torchrun, close the process
    group first: left to interpreter shutdown, gloo's threads can abort the process
    ("terminate called without an active exception") after a successful run.
    """
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if "torch.distributed" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            try:  # every rank alive until all are done: rank 0 hosts the rendezvous store
                dist.barrier()
            finally:
                dist.destroy_process_group()
    raise SystemExit(code)
