"""A reader of stdout that leaves early (`list | head -1`) is not an error of the harness."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.paths import REPO


@pytest.mark.slow
def test_list_into_a_pipe_closed_after_one_line_is_silent():
    # stdout into `head -1`, which exits after one line; stderr captured on its own
    done = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m benchmarks list | head -1 > /dev/null; "
                       "exit ${PIPESTATUS[0]}"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
