"""One process per run folder: an advisory lock, and a guard against mixing configurations.

``<run>/.lock`` is held with ``flock`` for the whole run by the process that owns the
folder (rank 0 under torchrun; the other ranks write through it). The file records the
holder's pid, host and start time, so a second process is told who holds it. The kernel
releases the lock when its holder dies, however it dies: a lock file left by a dead
process is stale and simply taken over (and said so). ``--no-resume`` clears a folder
only once its lock is held, so it never deletes what a live process is writing.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import socket
from pathlib import Path

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import parse_json

log = logging.getLogger("benchmarks")

LOCK = ".lock"


class RunLocked(ConfigError):
    """Another live process holds the run folder."""


class RunLock:
    """Hold ``<run_dir>/.lock`` until :meth:`release` (or process exit)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunLocked(
                f"{self.path.parent} is in use by {holder}: wait for that run to finish, or "
                "write elsewhere with --run-name NAME or --output DIR"
            ) from None
        previous = _holder(fd)
        if previous != "an unknown process":
            log.warning("%s: taking over a stale lock left by %s (no longer running)",
                        self.path, previous)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # an empty lock file: nobody holds it
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(fd: int) -> str:
    try:
        info = parse_json(os.pread(fd, 4096, 0) or b"{}", source=".lock")
        return f"pid {info['pid']} on {info['host']} (since {info['since']})"
    except (ValueError, KeyError, TypeError, OSError):  # JsonFileError is a ValueError
        return "an unknown process"
