"""Interleaved timing of several ways of doing one thing, and a child process's peak RSS."""

from __future__ import annotations

import functools
import gc
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Wall times of one side, in seconds, one per repetition (warm-up excluded)."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def min(self) -> float:
        return min(self.seconds)

    def to_dict(self) -> dict[str, float | int]:
        return {"median_s": self.median, "min_s": self.min, "repeats": len(self.seconds)}


def interleave(sides: Mapping[str, Callable[[], object]], *, repeats: int,
               warmup: int = 1) -> dict[str, Timing]:
    """Time every side ``repeats`` times, one repetition of each in turn (the order rotates
    each round, so neither side always runs right after the other), after ``warmup``
    untimed rounds. A garbage collection runs before each call, outside the timing."""
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(warmup + repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            start = time.perf_counter()
            sides[name]()
            elapsed = time.perf_counter() - start
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: Timing(tuple(values)) for name, values in times.items()}


@dataclass(frozen=True)
class ChildRun:
    """A command run to its end: exit code, wall time and peak resident memory."""

    code: int
    seconds: float
    peak_rss_mib: float
    stderr: str


def run_child(argv: list[str], *, env: Mapping[str, str] | None = None,
              time_limit_s: float = 600, cwd: str | None = None,
              address_space: int | None = None) -> ChildRun:
    """Run ``argv``; its peak RSS is the largest ``VmHWM`` of ``/proc/<pid>/status`` seen
    while it runs (polled every 20 ms). ``VmHWM`` is reset at ``exec``, so it is the
    program's own high-water mark, not the parent's size it had at ``fork`` (which
    ``wait4``'s ``ru_maxrss`` keeps). Killed past ``time_limit_s`` (code -9);
    ``address_space`` (bytes) caps its virtual memory, so a blow-up fails fast."""
    start = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        limit = None if address_space is None else functools.partial(_cap, address_space)
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err,
                                 env=None if env is None else dict(env), cwd=cwd,
                                 preexec_fn=limit)
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, high_water_kib(child.pid))
            pid, status, _ = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > time_limit_s:
                child.send_signal(signal.SIGKILL)
                _, status, _ = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read()
    return ChildRun(child.returncode, seconds, peak_kib / 1024, stderr)


def _cap(address_space: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def high_water_kib(pid: int) -> int:
    """``VmHWM`` of a running process in KiB (0 once it has exited or where /proc lacks it)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
