"""``python -m benchmarks ARGS`` in a child process, with its own exit code, stderr, time
and peak RSS. The peak is the largest ``VmHWM`` of ``/proc/<pid>/status`` seen while the
child runs (polled every 20 ms): the high-water mark of the program's own memory, reset at
``exec``. Neither ``wait4``'s ``ru_maxrss`` nor ``RUSAGE_CHILDREN`` would do: both keep the
resident size the child had at ``fork``, the whole test process's. The child is killed
past ``time_limit_s`` and its address space is capped, so a hang or a memory blow-up fails
the test fast instead of eating the machine."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.perf.measure import high_water_kib
from tests.helpers.paths import REPO

ADDRESS_SPACE = 4 << 30  # bytes


@dataclass(frozen=True)
class Child:
    code: int
    stderr: str
    seconds: float
    peak_rss_mib: float


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_benchmarks(args: list[str], *, cwd: Path, time_limit_s: float = 60) -> Child:
    """Run the CLI with ``args`` in ``cwd`` (its stderr kept in ``cwd/stderr.txt``)."""
    err = cwd / "stderr.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    start = time.monotonic()
    with err.open("w") as handle:
        child = subprocess.Popen([sys.executable, "-m", "benchmarks", *args],
                                 stdout=subprocess.DEVNULL, stderr=handle, cwd=cwd, env=env,
                                 preexec_fn=_limit_child)
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, high_water_kib(child.pid))
            pid, status, _ = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > time_limit_s:
                child.send_signal(signal.SIGKILL)
                pid, status, _ = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Child(child.returncode, err.read_text(), time.monotonic() - start, peak_kib / 1024)

