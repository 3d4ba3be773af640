"""Where a result came from: the harness version, the git commit, the time it was written.

Recorded in every run summary and every ``score`` summary, so a number in a table can be
traced to the code that produced it.
"""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
from pathlib import Path


@functools.cache
def git_commit() -> str | None:
    """The checkout's ``HEAD`` commit, or ``None`` outside a git checkout (asked once per
    process: a ``git`` child per run cost a sweep or a test session one per run)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    """The installed harness version (``benchmarks.__version__``)."""
    from benchmarks import __version__

    return __version__


def utc_timestamp() -> str:
    """Now, in UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
