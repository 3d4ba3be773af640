"""``rd``: rate-distortion tables, plot and BD-rate of sweep runs
(:mod:`benchmarks.reporting.rd_curves`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.cli.common import FORMATTER


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    rd = sub.add_parser("rd", parents=parents, help="rate-distortion table, plot and BD-rate",
                        description="RD curves of sweep runs (one curve per codec/tokenizer), "
                        "a PNG of PSNR-Y vs bpp, and Bjontegaard BD-rate / BD-PSNR against an "
                        "anchor curve.",
                        epilog="example:\n  python -m benchmarks run --task mcl-jcv --tokenizer "
                        "hevc --task-arg rates=[0.02,0.034,0.05,0.08]\n  python -m benchmarks "
                        "rd --task mcl-jcv --runs results/runs --anchor h264",
                        formatter_class=FORMATTER)
    rd.add_argument("--task", required=True, help="task name, e.g. mcl-jcv")
    rd.add_argument("--runs", default="results/runs", metavar="DIR",
                    help="folder of runs: <DIR>/<task>/<run>/summary.json (default: %(default)s)")
    rd.add_argument("--anchor", help="curve to compare against (default: the first curve)")
    rd.add_argument("--out", metavar="DIR", help="output folder (default: <DIR>/<task>/rd)")
    rd.add_argument("--rate", default="auto", choices=["auto", "bpp", "bpp_tokens", "bpp_entropy"],
                    help="rate metric (auto: bpp for codecs, bpp_tokens for tokenizers)")
    rd.add_argument("--quality", default="psnr_y", help="quality metric (default: %(default)s)")
    rd.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.reporting.rd_curves import write_rd

    report = write_rd(args.task, runs=Path(args.runs), anchor=args.anchor,
                      out=Path(args.out) if args.out else None, rate=args.rate,
                      quality=args.quality)
    print(report)
    return 0
