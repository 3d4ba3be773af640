"""``merge``: join a run's finished ``--shard`` parts into one summary
(:mod:`benchmarks.runner.shards`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.reporting.numbers import format_number


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    mg = sub.add_parser("merge", parents=parents, help="merge a run's --shard parts",
                        description="Join the finished shards of RUN_DIR into one summary, "
                        "identical to an unsharded run's.")
    mg.add_argument("run_dir", metavar="RUN_DIR", help="run folder <output>/<task>/<run>")
    mg.add_argument("--device", help="cpu, cuda ... (default: cuda if available)")
    mg.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.runner.shards import merge

    result = merge(Path(args.run_dir), device=args.device)
    s = result.summary
    print(f"{s.task} × {s.run_name}: merged {s.merged_shards} shards, "
          f"{s.n_samples} scored, {s.n_failed} failed")
    for name, value in s.metrics.items():
        print(f"  {name:<12} {format_number(value)}")
    print(f"results: {result.run_dir}")
    return result.exit_code
