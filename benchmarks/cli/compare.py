"""``compare``: a paired comparison of two runs of one task
(:mod:`benchmarks.reporting.compare`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.cli.common import positive_int
from benchmarks.io.output import output_folder


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    cp = sub.add_parser(
        "compare", parents=parents, help="paired comparison of two runs of one task",
        description="B - A per metric: mean difference, paired bootstrap 95%% CI (dataset-"
        "level metrics: the family's finalize on resampled samples), sign and Wilcoxon "
        "tests; markdown, PNG and JSON in --out. Clustered samples (clips of one source) are "
        "resampled by cluster. Refuses (exit 2) runs of different tasks, sample sets or "
        "protocols, and runs whose records of one id were scored on different input files.",
    )
    cp.add_argument("run_a", metavar="RUN_A", help="run folder <output>/<task>/<run>")
    cp.add_argument("run_b", metavar="RUN_B", help="run folder of the same task")
    cp.add_argument("--metric", action="append", help="only this metric (repeatable)")
    cp.add_argument("--out", metavar="DIR",
                    help="output folder (default: results/compare/<task>/<A>_vs_<B>)")
    cp.add_argument("--resamples", type=positive_int, default=1000,
                    help="bootstrap draws (default: %(default)s)")
    cp.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    cp.add_argument("--allow-other-inputs", action="store_true",
                    help="compare even where one id's input file differs between the runs "
                    "(content fingerprints); the output says how many")
    cp.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from benchmarks.reporting.compare import run_compare

    if args.out:  # before the bootstrap, not after it
        output_folder(args.out, option="--out", create=False)
    text, out = run_compare(
        Path(args.run_a), Path(args.run_b), metrics=args.metric,
        out=Path(args.out) if args.out else None, resamples=args.resamples, seed=args.seed,
        include_paths=args.include_path, allow_other_inputs=args.allow_other_inputs,
    )
    print(text)
    print(f"written: {out}/compare.md, compare.png, compare.json")
    return 0
