"""``python -m benchmarks ARGS`` in a child process, with its own exit code, stderr, time
and peak RSS (:func:`benchmarks.perf.measure.run_child`: the largest ``VmHWM`` seen while
it runs, the program's own high-water mark; neither ``wait4``'s ``ru_maxrss`` nor
``RUSAGE_CHILDREN`` would do, both keep the whole test process's size from ``fork``). The
child is killed past ``time_limit_s`` and its address space is capped, so a hang or a
memory blow-up fails the test fast instead of eating the machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from benchmarks.perf.measure import ChildRun, run_child
from tests.helpers.paths import REPO

ADDRESS_SPACE = 4 << 30  # bytes

Child = ChildRun  # code, seconds, peak_rss_mib, stderr


def run_benchmarks(args: list[str], *, cwd: Path, time_limit_s: float = 60) -> Child:
    """Run the CLI with ``args`` in ``cwd`` (its stderr also kept in ``cwd/stderr.txt``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    done = run_child([sys.executable, "-m", "benchmarks", *args], env=env, cwd=str(cwd),
                     time_limit_s=time_limit_s, address_space=ADDRESS_SPACE)
    (cwd / "stderr.txt").write_text(done.stderr)
    return done
