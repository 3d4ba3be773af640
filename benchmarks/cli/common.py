"""What every subcommand shares: the exit codes text, argument types, the common options."""

from __future__ import annotations

import argparse
import sys

from benchmarks.io.output import output_file

FORMATTER = argparse.RawDescriptionHelpFormatter

EXIT_CODES = """exit codes:
  0    every sample on disk was scored; listed samples absent on disk (a partial
       download) are counted once (n_missing, missing_ids.txt) with one warning line
  1    the run finished, but some samples failed (each named in failures.jsonl), or none
       was scored, or --strict and some listed samples are absent on disk
  2    bad usage: unknown name, bad task file, argument, path, file or device
  3    --strict stopped the run at the first failure
  130  interrupted (Ctrl-C); rerunning the same command resumes"""


def common_options() -> argparse.ArgumentParser:
    """The options of every subcommand (an argparse parent)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (default: one line)")
    common.add_argument("--include-path", action="append", default=[], metavar="DIR",
                        help="also read task YAMLs from DIR (repeatable; overrides built-ins)")
    return common


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def emit(text: str, out: str | None) -> int:
    """Print ``text``, or write it to ``out`` (its folder must exist) and say where."""
    if out is None:
        print(text)
        return 0
    path = output_file(out, option="--out")
    path.write_text(text + "\n", encoding="utf-8")
    print(f"written: {path}", file=sys.stderr)
    return 0
