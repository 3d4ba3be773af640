"""``python -m benchmarks.perf``: every case side by side, printed and written as JSON.

    python -m benchmarks.perf                         # all cases, the issue's sizes
    python -m benchmarks.perf --case psnr --case ssim --repeats 9
    python -m benchmarks.perf --quick                 # tiny inputs: do the sides agree?
    python -m benchmarks.perf --readme results/bench/perf.json   # README table from JSON
"""

from __future__ import annotations

import argparse
import difflib
import os
import platform
import sys
import tempfile
from pathlib import Path

from benchmarks.cli.common import positive_int
from benchmarks.io.jsonfile import JsonFileError, dumps, read_json
from benchmarks.io.output import OutputPathError, output_file
from benchmarks.perf.case import Case, PerfContext, Row, discover
from benchmarks.perf.render import markdown, update_readme
from benchmarks.provenance import git_commit, utc_timestamp

DEFAULT_OUT = "results/bench/perf.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", default=[], metavar="ID",
                        help="run only this case (repeatable; --list shows them)")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="timed repetitions per side, interleaved (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help="the smallest inputs, one repetition: check the sides agree")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="FILE",
                        help=f"the JSON written (default {DEFAULT_OUT})")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--readme", metavar="JSON",
                        help="regenerate the README's perf table from this JSON and exit")
    parser.add_argument("--readme-file", default="README.md", metavar="FILE",
                        help="the README --readme rewrites (default README.md)")
    return parser


def _machine() -> dict[str, object]:
    import torch

    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "load_average": round(os.getloadavg()[0], 2), "commit": git_commit()}


def _select(cases: dict[str, Case], wanted: list[str]) -> dict[str, Case] | str:
    for name in wanted:
        if name not in cases:
            close = difflib.get_close_matches(name, cases, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"error: --case {name!r}: no such case{hint}; known: {', '.join(cases)}"
    return {name: case for name, case in cases.items() if not wanted or name in wanted}


def _readme(args: argparse.Namespace) -> int:
    readme = Path(args.readme_file)
    try:
        record = read_json(args.readme)
        if not isinstance(record, dict) or not isinstance(record.get("rows"), list):
            raise JsonFileError(args.readme, "not a perf record (no 'rows' list)")
    except JsonFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not readme.is_file():
        print(f"error: --readme-file {readme}: no such file", file=sys.stderr)
        return 2
    if not update_readme(readme, record, args.readme):
        print(f"error: {readme} has no perf section (its '<!-- perf:begin' and "
              "'<!-- perf:end -->' markers); add them where the table goes", file=sys.stderr)
        return 2
    print(f"updated: {readme}", file=sys.stderr)
    return 0


def _run_cases(cases: dict[str, Case], record: dict, quick: bool, repeats: int,
               out: Path) -> None:
    """Run each case, rewriting ``out`` after each one (nothing finished is lost)."""
    rows: list[dict] = record["rows"]
    with tempfile.TemporaryDirectory(prefix="perf-") as tmp:
        for case in cases.values():
            missing = case.missing()
            if missing:
                record["skipped"][case.id] = f"needs {', '.join(missing)}"  # type: ignore[index]
                print(f"{case.id}: skipped (needs {', '.join(missing)})", file=sys.stderr)
                continue
            print(f"{case.id}: running", file=sys.stderr)
            workdir = Path(tmp) / case.id
            workdir.mkdir()
            result: list[Row] = case.run(PerfContext(workdir, repeats=repeats,
                                                     quick=quick))
            rows += [{"case": case.id, **row.to_dict()} for row in result]
            out.write_text(dumps(record, indent=1) + "\n", encoding="utf-8")  # kept on a crash


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.readme:
        return _readme(args)
    cases = _select(discover(), args.case)
    if isinstance(cases, str):
        print(cases, file=sys.stderr)
        return 2
    if args.list:
        for case in cases.values():
            missing = case.missing()
            print(case.id + (f"  (needs {', '.join(missing)})" if missing else ""))
        return 0
    try:
        out = output_file(args.out, option="--out")
    except (OutputPathError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    repeats = 1 if args.quick else args.repeats
    record: dict[str, object] = {"format": 1, "created": utc_timestamp(), "quick": args.quick,
                                 "repeats": repeats, "machine": _machine(), "rows": [],
                                 "skipped": {}}
    rows: list[dict] = record["rows"]  # type: ignore[assignment]
    try:
        _run_cases(cases, record, args.quick, repeats, out)
    except KeyboardInterrupt:
        print(f"interrupted: the {len(rows)} rows of the finished cases are in {out}",
              file=sys.stderr)
        return 130
    out.write_text(dumps(record, indent=1) + "\n", encoding="utf-8")
    print(markdown(record))
    print(f"written: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
