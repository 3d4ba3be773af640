"""``report``: a static leaderboard folder of runs (:mod:`benchmarks.reporting.site`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.io.output import output_folder


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    rp = sub.add_parser("report", parents=parents, help="a static leaderboard page of runs",
                        description="Write a self-contained folder (index.html, no server, "
                        "no network): a sortable table per task, links to each run's config "
                        "and samples, the plots the runs wrote, codebook utilization vs "
                        "resolution.")
    rp.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs (default: %(default)s)")
    rp.add_argument("--out", default="site", metavar="DIR",
                    help="folder to write (default: %(default)s)")
    rp.add_argument("--no-utilization", action="store_true",
                    help="skip the codebook utilization vs resolution plot (it encodes "
                    "demo clips with the bundled PyraTok checkpoint)")
    rp.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.reporting.site import build_site

    output_folder(args.out, option="--out", create=False)  # before the pages are built
    index = build_site(Path(args.runs), Path(args.out), utilization=not args.no_utilization,
                       include_paths=args.include_path)
    print(f"report: {index}")
    return 0
