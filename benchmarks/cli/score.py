"""``score``: a task's ground-truth reader and dataset-level evaluator on an official
prediction file (no tokenizer)."""

from __future__ import annotations

import argparse

from benchmarks.cli.common import EXIT_CODES, FORMATTER
from benchmarks.config import parse_key_values
from benchmarks.io.output import output_folder
from benchmarks.reporting.numbers import format_number


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    sc = sub.add_parser(
        "score", parents=parents,
        help="score an official prediction file (no tokenizer)",
        description="Run a task's ground-truth reader and dataset-level evaluator on a "
        "prediction file. Exit 2 on a malformed file, an unknown label or id.",
        epilog="example:\n  python -m benchmarks score --task kinetics400 "
        "--annotations val.csv --predictions pred.json --json\n\n" + EXIT_CODES,
        formatter_class=FORMATTER,
    )
    sc.add_argument("--task", required=True, help="task name (see 'list')")
    sc.add_argument("--annotations", required=True, metavar="GT",
                    help="ground truth in the task's official format")
    sc.add_argument("--predictions", required=True, metavar="P",
                    help="predictions (JSON; thumos14 also its official result text format)")
    sc.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sc.add_argument("--output", metavar="DIR", help="also write DIR/summary.json")
    sc.add_argument("--task-arg", action="append", default=[], metavar="K=V",
                    help="override a task YAML key (repeatable)")
    sc.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.io.jsonfile import dumps
    from benchmarks.scoring import score_files
    from benchmarks.store import write_json_atomic

    if args.output:  # before scoring, not after it
        output_folder(args.output, option="--output", create=False)
    summary = score_files(
        args.task,
        annotations=args.annotations,
        predictions=args.predictions,
        include_paths=args.include_path,
        task_args=parse_key_values(args.task_arg, flag="--task-arg"),
    )
    if args.output:
        out = output_folder(args.output, option="--output")
        write_json_atomic(out / "summary.json", summary.to_dict())
    if args.json:
        print(dumps(summary.flat()))
        return 0
    print(f"{summary.task} (score mode): {args.predictions}")
    for name, value in summary.flat().items():
        print(f"  {name:<12} {format_number(value) if isinstance(value, float) else value}")
    return 0
