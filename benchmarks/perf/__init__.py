"""Side-by-side speed measurements: ``python -m benchmarks.perf``.

Each case (one module under ``benchmarks/perf/cases/``) times the harness's way of doing a
thing against the reference a researcher would otherwise script with, in one process, with
the repetitions of the two sides interleaved (a shared machine's load then falls on both),
checks that both give the same numbers, and returns rows: the medians and minima, their
ratio, and the goal the ratio is held to. The command prints the rows as a table and writes
them as JSON; ``python -m benchmarks.perf readme FILE`` regenerates the README's table from
that JSON. Nothing here asserts a time: a missed goal is reported, not raised.
"""

from benchmarks.perf.case import Case, PerfContext, Row, discover
from benchmarks.perf.measure import Timing, interleave

__all__ = ["Case", "PerfContext", "Row", "Timing", "discover", "interleave"]
