"""``check``: run summaries against a committed baseline (:mod:`benchmarks.reporting.check`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    ck = sub.add_parser(
        "check", parents=parents, help="compare run summaries with a committed baseline",
        description="Per metric: baseline, now, delta, tolerance (max(abs, rel*|baseline|)) "
        "and verdict by the metric's direction. Exit 1 on a regression (named), 0 otherwise "
        "(improvements are reported). Baseline format: see benchmarks/reporting/check.py.",
    )
    ck.add_argument("--baseline", required=True, metavar="FILE",
                    help="baseline JSON, e.g. results/baselines/demo.json")
    ck.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs (default: %(default)s)")
    ck.add_argument("--tolerances", metavar="FILE",
                    help="JSON/YAML tolerances (default/metrics/tasks) over the baseline's")
    ck.add_argument("--update", action="store_true",
                    help="rewrite the baseline from the runs (tolerances kept)")
    ck.add_argument("--all", action="store_true", help="list unchanged metrics too")
    ck.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.reporting.check import run_check

    code, text = run_check(
        Path(args.baseline), Path(args.runs),
        tolerances_path=Path(args.tolerances) if args.tolerances else None,
        update=args.update, show_all=args.all,
    )
    print(text)
    return code
