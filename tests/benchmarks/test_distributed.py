"""``torchrun --nproc-per-node 2`` (gloo, CPU) gives the single-process summary metrics."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_processes_match_one(tmp_path):
    root = tmp_path / "data"
    write_webvid(root, n=5)
    args = [
        "-m", "benchmarks", "run", "--task", "webvid", "--tokenizer", "avgpool",
        "--data-root", str(root), "--no-progress", "--num-workers", "0",
        "--task-arg", "resize_shorter=32", "--task-arg", "crop=32", "--device", "cpu",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, *args, "--output", str(tmp_path / "one")], env=env, check=True, cwd=REPO
    )
    torchrun = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-port", str(_free_port()),
    ]
    done = subprocess.run([*torchrun, *args, "--output", str(tmp_path / "two")], env=env,
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    one = json.loads((tmp_path / "one/webvid/avgpool/summary.json").read_text())
    two = json.loads((tmp_path / "two/webvid/avgpool/summary.json").read_text())
    assert two["world_size"] == 2 and one["world_size"] == 1
    assert two["n_samples"] == one["n_samples"] == 5
    for name in ("psnr", "ssim"):
        assert two["metrics"][name] == pytest.approx(one["metrics"][name], rel=1e-12)
        assert two["metrics_ci95"][name] == pytest.approx(
            one["metrics_ci95"][name], rel=1e-9
        )
    lines = (tmp_path / "two/webvid/avgpool/samples.jsonl").read_text().splitlines()
    assert sorted(json.loads(x)["sample_id"] for x in lines) == sorted(
        json.loads(x)["sample_id"]
        for x in (tmp_path / "one/webvid/avgpool/samples.jsonl").read_text().splitlines()
    )
