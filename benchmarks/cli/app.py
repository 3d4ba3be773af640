"""The parser (one subparser per module of this package), the dispatch and the exit."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import NoReturn

from benchmarks.cli import check, compare, merge, rd, report, run, score, tables
from benchmarks.cli import list as list_command  # a module named after its subcommand
from benchmarks.cli.common import EXIT_CODES, FORMATTER, common_options
from benchmarks.config import ConfigError
from benchmarks.datasets.base import DatasetError
from benchmarks.registry import RegistryError

# in the order 'python -m benchmarks --help' lists them
COMMANDS = (list_command, run, score, tables, report, check, compare, merge, rd)


def build_parser() -> argparse.ArgumentParser:
    """The command line; every option has help, ``run --help`` adds examples and exit codes."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure video tokenizers on reconstruction and video-language "
        "benchmarks (PyraTok's evaluation harness). 'list' shows what exists.",
        epilog=EXIT_CODES,
        formatter_class=FORMATTER,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    for command in COMMANDS:
        command.add_parser(sub, [common])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except BrokenPipeError:  # stdout's reader left (`list | head`): not an error of the run
        _silence_stdout()
        return 0
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        from benchmarks.runner import Interrupted

        text = str(err) if isinstance(err, Interrupted) else "interrupted"
        print(text, file=sys.stderr)
        return 130
    except (ConfigError, RegistryError, FileNotFoundError, ValueError, DatasetError) as err:
        if args.debug:
            raise
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush into a closed pipe is
    silent (Python's documented way to leave after SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def finish(code: int) -> NoReturn:
    """Leave the process with ``code`` (the ``python -m benchmarks`` entry point).

    Ctrl-C (130): everything scored is on disk; leave at once, without the noise of
    DataLoader helper threads torn down mid-accept. Under torchrun, close the process
    group first: left to interpreter shutdown, gloo's threads can abort the process
    ("terminate called without an active exception") after a successful run.
    """
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    if "torch.distributed" in sys.modules:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            try:  # every rank alive until all are done: rank 0 hosts the rendezvous store
                dist.barrier()
            finally:
                dist.destroy_process_group()
    raise SystemExit(code)
