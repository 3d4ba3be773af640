"""Children that die with the run: the parent-death signal and the pid watchdog."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from benchmarks.io.processes import pid_alive, set_parent_death_signal
from tests.helpers.paths import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _gone_within(proc: subprocess.Popen, seconds: float) -> bool:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False
    return True


def test_a_zombie_counts_as_gone():
    proc = _sleeper()
    assert pid_alive(proc.pid)
    proc.kill()
    deadline = time.monotonic() + 5
    while pid_alive(proc.pid) and time.monotonic() < deadline:  # killed, not yet reaped
        time.sleep(0.05)
    assert not pid_alive(proc.pid)
    proc.wait()


def test_the_watchdog_kills_its_process_once_the_watched_pid_is_gone():
    watched = _sleeper()
    code = (f"from benchmarks.io.processes import watch_pid; watch_pid({watched.pid}, "
            "interval=0.05); import time; time.sleep(60)")
    watcher = subprocess.Popen([sys.executable, "-c", code], env=ENV)
    time.sleep(1)
    assert watcher.poll() is None
    watched.kill()
    watched.wait()
    assert _gone_within(watcher, 10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_parent_death_signal_kills_the_child_with_its_parent(tmp_path):
    assert set_parent_death_signal(0)  # 0 clears it again: this process stays as it was
    pid_file = tmp_path / "child.pid"
    child = ("from benchmarks.io.processes import set_parent_death_signal as s; s(); "
             f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
             "time.sleep(60)")
    parent = ("import subprocess, sys, time; "
              f"subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", parent], env=ENV)
    deadline = time.monotonic() + 30
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while pid_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = pid_alive(grandchild)
    if alive:
        os.kill(grandchild, 9)
    assert not alive
