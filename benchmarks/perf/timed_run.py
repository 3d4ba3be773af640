"""One ``python -m benchmarks`` command timed inside its own process, start-up left out.

    python -m benchmarks.perf.timed_run '{"warm": [ARGS...], "timed": [ARGS...], "repeats": 1}'

runs ``benchmarks.cli.main(warm)`` untimed (a small run that pays the imports and the
decoder's and the metrics' first calls; ``null`` for none), then ``main(timed)``
``repeats`` times, and prints on stderr one line per timed call: its wall and CPU seconds
(this process and its reaped children) and its exit code, which :func:`parse` reads. A
perf case runs it with :func:`~benchmarks.perf.measure.run_child`, which adds the
process's peak RSS.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from dataclasses import dataclass

_LINE = re.compile(r"^timed_run: wall_s=(\S+) cpu_s=(\S+) exit=(-?\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class TimedRun:
    """One timed call: wall and CPU seconds, exit code."""

    wall_s: float
    cpu_s: float
    code: int


def parse(stderr: str) -> list[TimedRun]:
    """The timed calls reported on a ``timed_run`` child's stderr, in order."""
    return [TimedRun(float(wall), float(cpu), int(code))
            for wall, cpu, code in _LINE.findall(stderr)]


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    from benchmarks.cli import main as cli

    commands = json.loads(argv[0])
    if commands.get("warm"):
        cli(list(commands["warm"]))
    code = 0
    for _ in range(int(commands.get("repeats", 1))):
        wall, cpu = time.perf_counter(), _cpu_seconds()
        code = cli(list(commands["timed"]))
        wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
        print(f"timed_run: wall_s={wall:.6f} cpu_s={cpu:.6f} exit={code}", file=sys.stderr)
    return code


if __name__ == "__main__":  # DataLoader workers re-import the main module: keep it inert
    sys.exit(main(sys.argv[1:]))
