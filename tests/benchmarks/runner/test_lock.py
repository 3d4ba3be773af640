"""One live process per run folder: a second run is refused, a dead holder's lock is taken over.

The live run is a subprocess with the deliberately slow tokenizer (``tests.helpers.slow_run``,
0.4 s per clip), so it is still writing while the second command starts.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.config import ConfigError
from benchmarks.runner.lock import LOCK, RunLock, RunLocked
from benchmarks.tokenizers import TOKENIZERS
from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO

N_CLIPS = 8


# helpers


def _run_args(root: Path, out: Path, tokenizer: str = "slow-avgpool") -> list[str]:
    return [
        "run", "--task", "webvid", "--tokenizer", tokenizer, "--data-root", str(root),
        "--output", str(out), "--no-progress", "--num-workers", "0",
        "--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
    ]


def _start_slow_run(root: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.slow_run", *_run_args(root, out)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_samples(proc: subprocess.Popen, samples: Path, n: int) -> None:
    """Block until the live run has written ``n`` complete records (it must still be alive)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if samples.exists() and samples.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the slow run exited early (rc {proc.returncode}): {err}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"the slow run wrote fewer than {n} samples in 120 s")


def _records(samples: Path) -> list[dict]:
    return [json.loads(x) for x in samples.read_text().splitlines() if x.strip()]


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out, err


@pytest.fixture
def webvid(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_webvid(root, n=N_CLIPS)
    return root


@pytest.fixture
def slow_avgpool(monkeypatch):
    """``slow-avgpool`` registered in this process for one test, so the in-process command
    is the subprocess's; the registry is restored afterwards (other tests parametrize over
    it)."""
    monkeypatch.setattr(TOKENIZERS, "_entries", dict(TOKENIZERS._entries))
    from tests.helpers.slow_run import create_slow  # registering is an import side effect

    if "slow-avgpool" not in TOKENIZERS:
        TOKENIZERS.register("slow-avgpool")(create_slow)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# RunLock itself


def test_a_second_instance_is_refused_until_the_first_releases(tmp_path, caplog):
    first = RunLock(tmp_path).acquire()
    held = (tmp_path / LOCK).read_bytes()
    assert json.loads(held)["pid"] == os.getpid()
    with pytest.raises(RunLocked, match=f"pid {os.getpid()} ") as info:
        RunLock(tmp_path).acquire()
    assert isinstance(info.value, ConfigError)
    assert str(tmp_path) in str(info.value)
    assert (tmp_path / LOCK).read_bytes() == held, "a refused acquire must not touch the record"

    first.release()
    assert (tmp_path / LOCK).read_bytes() == b""
    first.release()  # releasing twice is harmless
    with caplog.at_level(logging.WARNING, logger="benchmarks"), RunLock(tmp_path):
        assert json.loads((tmp_path / LOCK).read_bytes())["pid"] == os.getpid()
    assert not caplog.records, "an empty (released) lock file is not a stale one"
    assert (tmp_path / LOCK).read_bytes() == b""


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'{"pid": 1}', b"\xff\xfe"])
def test_an_unreadable_record_does_not_stop_a_takeover(tmp_path, content):
    (tmp_path / LOCK).write_bytes(content)
    with RunLock(tmp_path):
        info = json.loads((tmp_path / LOCK).read_bytes())
        assert info["pid"] == os.getpid()
        assert set(info) == {"pid", "host", "since"}


# two processes on one folder


@pytest.mark.slow
def test_a_second_run_on_a_live_folder_is_refused_and_the_first_finishes(
    tmp_path, webvid, slow_avgpool, capsys
):
    """Both a plain rerun and ``--no-resume`` are refused; one live run serves both checks."""
    out = tmp_path / "out"
    run_dir = out / "webvid" / "slow-avgpool"
    samples = run_dir / "samples.jsonl"
    proc = _start_slow_run(webvid, out)
    try:
        _wait_for_samples(proc, samples, 1)
        assert main(_run_args(webvid, out)) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert f"pid {proc.pid} " in err
        assert "in use" in err

        # --no-resume must not clear what the live run is writing
        before = samples.read_bytes()
        config = (run_dir / "config.json").read_bytes()
        assert main([*_run_args(webvid, out), "--no-resume"]) == 2
        assert f"pid {proc.pid} " in capsys.readouterr().err
        assert samples.read_bytes().startswith(before), "the live run's records were removed"
        assert (run_dir / "config.json").read_bytes() == config
        assert proc.poll() is None, "the live run must still be running for this to mean much"
    finally:
        rc, stdout, stderr = _finish(proc)
    assert rc == 0, stderr
    assert f"slow-avgpool: {N_CLIPS} scored, 0 failed" in stdout
    ids = [r["sample_id"] for r in _records(samples)]
    assert len(ids) == len(set(ids)) == N_CLIPS
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["n_samples"] == N_CLIPS and summary["n_failed"] == 0


# a holder that died


def test_a_stale_lock_file_is_taken_over(tmp_path, webvid, caplog):
    out = tmp_path / "out"
    run_dir = out / "webvid" / "avgpool"
    run_dir.mkdir(parents=True)
    dead = _dead_pid()
    (run_dir / LOCK).write_text(json.dumps(
        {"pid": dead, "host": "elsewhere", "since": "2024-01-01T00:00:00+00:00"}) + "\n")
    with caplog.at_level(logging.WARNING, logger="benchmarks"):
        assert main(_run_args(webvid, out, tokenizer="avgpool")) == 0
    assert any("stale" in r.getMessage() and f"pid {dead} " in r.getMessage()
               for r in caplog.records), caplog.text
    assert (run_dir / LOCK).read_bytes() == b""
    RunLock(run_dir).acquire().release()  # nobody holds it any more
    assert len(_records(run_dir / "samples.jsonl")) == N_CLIPS


@pytest.mark.slow
def test_sigkill_releases_the_lock_and_the_next_run_resumes(
    tmp_path, webvid, slow_avgpool, caplog
):
    out = tmp_path / "out"
    samples = out / "webvid" / "slow-avgpool" / "samples.jsonl"
    proc = _start_slow_run(webvid, out)
    _wait_for_samples(proc, samples, 2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = _records(samples)
    assert 2 <= len(before) < N_CLIPS, "the run must be killed part-way"
    assert json.loads((samples.parent / LOCK).read_bytes())["pid"] == proc.pid

    with caplog.at_level(logging.WARNING, logger="benchmarks"):
        assert main(_run_args(webvid, out)) == 0
    assert any("stale" in r.getMessage() and f"pid {proc.pid} " in r.getMessage()
               for r in caplog.records), caplog.text
    after = _records(samples)
    ids = [r["sample_id"] for r in after]
    assert len(ids) == len(set(ids)) == N_CLIPS, "finished samples must not be recomputed"
    assert after[: len(before)] == before
    assert (samples.parent / LOCK).read_bytes() == b""
