"""Peak memory of a 5-frame 2160×3840 round trip through a tiny Wan VAE, default arguments.

The clip runs in a fresh process (``tests.helpers.tiled_peak``) whose ``ru_maxrss`` is
recorded in the benchmark's ``extra_info``; automatic tiling (frames above
``DEFAULT_MAX_UNTILED_PIXELS``) keeps it near 2 GiB where one untiled pass takes ~12.5 GiB.
It takes ~15 minutes on 2 shared CPU cores, so it runs only with ``--benchmark-enable``:
``python -m pytest tests/bench/test_bench_tiled_peak.py --benchmark-enable``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def enabled(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("benchmark_enable", default=False):
        pytest.skip("a ~15 min 4K round trip: run with --benchmark-enable")


def test_bench_tiled_4k_peak_memory(benchmark, enabled):
    def run() -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "tests.helpers.tiled_peak"], cwd=ROOT, check=True,
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["tiling"] is not None
