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

from benchmarks.config import ConfigError, parse_key_values
from benchmarks.data.base import DatasetError
from benchmarks.registry import RegistryError

log = logging.getLogger("benchmarks")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Evaluate video tokenizers on reconstruction and video-language tasks.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="list tasks and tokenizers")
    ls.add_argument("--include-path", action="append", default=[], metavar="DIR")

    r = sub.add_parser("run", help="run one task with one tokenizer")
    r.add_argument("--task", required=True)
    r.add_argument("--tokenizer", required=True)
    r.add_argument("--data-root", help="dataset in its official layout (default: demo set)")
    r.add_argument("--limit", type=int, help="score only the first N samples (sorted by id)")
    r.add_argument("--output", help="results folder (default: results/runs)")
    r.add_argument(
        "--run-name",
        help="run folder name under <output>/<task>/ (default: the tokenizer name, plus a "
        "short hash of the --tokenizer-arg values when there are any)",
    )
    r.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    r.add_argument("--batch-size", type=int)
    r.add_argument("--num-workers", type=int, help="background decoding workers")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--tokenizer-arg", action="append", default=[], metavar="K=V")
    r.add_argument("--task-arg", action="append", default=[], metavar="K=V")
    r.add_argument("--include-path", action="append", default=[], metavar="DIR")
    r.add_argument("--no-resume", action="store_true", help="discard earlier results")
    r.add_argument("--strict", action="store_true", help="stop at the first failure")
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("-v", "--verbose", action="store_true")

    sc = sub.add_parser(
        "score",
        help="score an official prediction file (no tokenizer)",
        description="Run a task's ground-truth reader and dataset-level evaluator on a "
        "prediction file. Exit 2 on a malformed file, an unknown label or id.",
    )
    sc.add_argument("--task", required=True)
    sc.add_argument("--annotations", required=True, metavar="GT",
                    help="ground truth in the task's official format")
    sc.add_argument("--predictions", required=True, metavar="P", help="predictions (JSON)")
    sc.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sc.add_argument("--output", metavar="DIR", help="also write DIR/summary.json")
    sc.add_argument("--task-arg", action="append", default=[], metavar="K=V")
    sc.add_argument("--include-path", action="append", default=[], metavar="DIR")

    t = sub.add_parser("tables", help="result tables from finished runs")
    t.add_argument("--runs", default="results/runs", help="folder of runs (default: %(default)s)")
    t.add_argument("--format", choices=["md", "csv", "latex"], default="md")
    t.add_argument("--task", action="append", help="only these tasks")
    t.add_argument("--paper", action="store_true", help="add the paper's reported numbers")
    t.add_argument("--include-path", action="append", default=[], metavar="DIR")
    return p


def _cmd_list(args: argparse.Namespace) -> int:
    from benchmarks.api import list_tasks, list_tokenizers
    from benchmarks.config import discover_tasks

    paths = discover_tasks(args.include_path)
    print("tasks:")
    import yaml

    for name in list_tasks(args.include_path):
        raw = yaml.safe_load(paths[name].read_text()) or {}
        print(f"  {name:<14} {raw.get('family', '?'):<16} {raw.get('description', '')}")
    print("tokenizers:")
    for name in list_tokenizers():
        print(f"  {name}")
    return 0


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def _cmd_run(args: argparse.Namespace) -> int:
    from benchmarks.runner import RunOptions, run

    opts = RunOptions(
        task=args.task,
        tokenizer=args.tokenizer,
        tokenizer_args=parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg"),
        task_args=parse_key_values(args.task_arg, flag="--task-arg"),
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

    summaries = load_summaries(Path(args.runs), tasks=args.task)
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
    try:
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "score":
            return _cmd_score(args)
        return _cmd_tables(args)
    except (ConfigError, RegistryError, FileNotFoundError, ValueError, DatasetError) as err:
        if getattr(args, "verbose", False):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
