"""Child processes that die with the run: no orphan decoders after a SIGKILL.

A SIGKILL of the main process runs none of its clean-up, so the children it started (the
forkserver, the DataLoader workers the forkserver forks) must notice on their own. Two
layers:

- Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``): the forkserver gets
  it when it starts (its preload imports :mod:`benchmarks.io.forkserver_preload`), each
  worker in its ``worker_init_fn``; so main dies → forkserver dies → workers die.
- A watchdog thread on the run's main pid (every worker), for systems without ``prctl``
  and for a forkserver started before the preload was set.

The resource tracker needs neither: it exits once every holder of its pipe is gone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL_S = 0.5


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent thread exits
    (Linux); ``False`` where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: kill(0) is all we know
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def watch_pid(pid: int, *, interval: float = WATCH_INTERVAL_S) -> threading.Thread:
    """A daemon thread that SIGKILLs this process once ``pid`` is gone."""

    def watch() -> None:
        while pid_alive(pid):
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=watch, name=f"watch-pid-{pid}", daemon=True)
    thread.start()
    return thread


def die_with(main_pid: int, worker_id: int | None = None) -> None:
    """In a child (a DataLoader ``worker_init_fn``): die with the parent and with
    ``main_pid``, the run's main process."""
    set_parent_death_signal()
    watch_pid(main_pid)


def worker_init_fn() -> functools.partial[None]:
    """A picklable ``worker_init_fn`` binding this process as the one to die with."""
    return functools.partial(die_with, os.getpid())


def preload_forkserver(context: object) -> None:
    """Have a forkserver ``context`` (not yet started) die with the process starting it."""
    set_preload = getattr(context, "set_forkserver_preload", None)
    if set_preload is not None:
        set_preload(["benchmarks.io.forkserver_preload"])
