"""A run killed with SIGKILL part-way, then rerun, gives the uninterrupted run's summary."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.store import ResultStore
from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO

# both tests SIGKILL a subprocess run part-way, then rerun it
pytestmark = pytest.mark.slow



def _run_args(root: Path, out: Path) -> list[str]:
    return [
        "run", "--task", "webvid", "--tokenizer", "slow-avgpool", "--data-root", str(root),
        "--output", str(out), "--no-progress", "--num-workers", "0",
        "--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
    ]


def _hash(samples: Path) -> str:
    return json.loads((samples.parent / "config.json").read_text())["config_hash"]


def _records(run_dir: Path) -> list[dict]:
    path = run_dir / "samples.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_sigkill_then_resume(tmp_path):
    root = tmp_path / "data"
    write_webvid(root, n=8)
    cmd = [sys.executable, "-m", "tests.helpers.slow_run"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    killed_dir = tmp_path / "killed" / "webvid" / "slow-avgpool"
    proc = subprocess.Popen(cmd + _run_args(root, tmp_path / "killed"), cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        path = killed_dir / "samples.jsonl"
        if path.exists() and len(path.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _records(killed_dir)
    assert 3 <= len(before) < 8, "the run must be killed part-way"
    assert not (killed_dir / "summary.json").exists()

    subprocess.run(cmd + _run_args(root, tmp_path / "killed"), cwd=REPO, env=env, check=True)
    after = _records(killed_dir)
    ids = [r["sample_id"] for r in after]
    assert len(ids) == len(set(ids)) == 8, "finished samples must not be recomputed"
    assert after[: len(before)] == before

    subprocess.run(cmd + _run_args(root, tmp_path / "clean"), cwd=REPO, env=env, check=True)
    resumed = json.loads((killed_dir / "summary.json").read_text())
    clean = json.loads((tmp_path / "clean/webvid/slow-avgpool/summary.json").read_text())
    for name in ("psnr", "ssim"):
        assert resumed["metrics"][name] == clean["metrics"][name]
        assert resumed["metrics_ci95"][name] == clean["metrics_ci95"][name]
    assert resumed["n_samples"] == clean["n_samples"] == 8


def test_a_record_cut_mid_line_is_recomputed_and_nothing_else_is_lost(tmp_path):
    """Issue 13, item 1: the rerun used to glue its first record onto the cut bytes."""
    import random

    from benchmarks.cli import main

    root = tmp_path / "data"
    write_webvid(root, n=8)
    args = [a if a != "slow-avgpool" else "avgpool" for a in _run_args(root, tmp_path / "o")]
    assert main(args) == 0
    path = tmp_path / "o" / "webvid" / "avgpool" / "samples.jsonl"
    full = path.read_bytes()
    every_id = sorted(r["sample_id"] for r in _records(path.parent))
    rng = random.Random(0)
    for _ in range(4):
        cut = rng.randrange(1, len(full) - 1)
        path.write_bytes(full[:cut])
        (tmp_path / "o" / "webvid" / "avgpool" / "summary.json").unlink(missing_ok=True)
        assert main(args) == 0
        assert sorted(ResultStore(path.parent, config_hash=_hash(path)).samples()) == every_id
        summary = json.loads((path.parent / "summary.json").read_text())
        assert summary["n_samples"] == 8 and summary["n_failed"] == 0
        full = path.read_bytes()
