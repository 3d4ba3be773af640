"""``tables``: result tables of finished runs, or the paper's Table N beside them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.cli.common import emit


def _paper_table(text: str) -> int | str:
    name = text.strip().lower()
    if name in ("fig29", "fig10"):  # fig10: the paper prints no number for it
        return name
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 10:
        raise argparse.ArgumentTypeError(
            f"expected a table number 1-10 or fig29, got {text!r}")
    return number


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    t = sub.add_parser("tables", parents=parents, help="result tables from finished runs",
                       description="One row per run, one column per task metric.")
    t.add_argument("--runs", default="results/runs", metavar="DIR",
                   help="folder of runs (default: %(default)s)")
    t.add_argument("--format", choices=["md", "csv", "latex"], default="md",
                   help="output format (default: md)")
    t.add_argument("--task", action="append", help="only these tasks (repeatable)")
    t.add_argument("--paper", nargs="?", const=True, default=False, type=_paper_table,
                   metavar="N",
                   help="with N (1-10, or fig29): the paper's Table N (Figure 29's "
                   "numbers) in its layout, its rows 'reported' beside the runs' rows "
                   "'measured'; without N: add the paper's numbers to the run table, marked "
                   "as claims")
    t.add_argument("--out", metavar="FILE", help="write the table to FILE (default: stdout)")
    t.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.reporting.paper.claims import paper_claims
    from benchmarks.reporting.tables import load_summaries, none_readable, render

    summaries, unreadable = load_summaries(Path(args.runs), tasks=args.task, skipped=True)
    if unreadable and not summaries and not args.paper:
        print(none_readable(Path(args.runs), unreadable), file=sys.stderr)
        return 2
    for path, reason in unreadable:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if args.paper == "fig10":
        print("--paper fig10: the paper prints no numbers for Figure 10 (its text says only "
              "that gains 'saturate beyond 80K vocab size'); figures with numbers: fig29",
              file=sys.stderr)
        return 2
    if args.paper is not True and args.paper:
        from benchmarks.reporting.paper import paper_table_text

        if not summaries:
            print(f"no summary.json under {args.runs}: measured cells say why",
                  file=sys.stderr)
        text = paper_table_text(args.paper, summaries, runs=Path(args.runs),
                                fmt=args.format, include_paths=args.include_path)
        return emit(text, args.out)
    if not summaries:
        print(f"no summary.json under {args.runs}", file=sys.stderr)
        return 2
    if args.paper:
        tasks = list(dict.fromkeys(s.task for s in summaries))
        summaries += paper_claims(tasks, include_paths=args.include_path)
    return emit(render(summaries, fmt=args.format, include_paths=args.include_path), args.out)
