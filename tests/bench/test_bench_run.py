"""Harness overhead: a whole ``identity`` run vs a bare decode + PSNR/SSIM loop.

Both walk the same clips of the bundled WebVid demo set with the same protocol (first 17
frames, 256×256). The issue's bar: the run costs at most 1.2× the bare loop.
Measure with ``python -m pytest tests/bench/test_bench_run.py --benchmark-enable``.
"""

from __future__ import annotations

import pytest
import torch

import benchmarks
from benchmarks.datasets.demo import demo_root
from benchmarks.datasets.webvid.reader import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.metrics import clip_psnr, ssim


@pytest.fixture(scope="module")
def root():
    return demo_root("webvid")


@pytest.mark.slow
def test_bench_identity_run(benchmark, root, tmp_path):
    benchmark.group = "identity-run-vs-bare-loop"

    def run():
        return benchmarks.evaluate(
            "webvid", "identity", data_root=root, output=tmp_path, resume=False, progress=False
        )

    summary = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert summary["n_failed"] == 0 and summary["metrics"]["ssim"] == pytest.approx(1.0)


def test_bench_bare_loop(benchmark, root):
    benchmark.group = "identity-run-vs-bare-loop"
    dataset = WebVidDataset(root, sampling=FrameSampling())

    def loop():
        values = []
        for ref in dataset.refs():
            video = dataset.load(ref, num_frames=17).video  # (3, t, h, w) in [0, 1]
            frames = video.transpose(0, 1)[None]
            recon = frames.clone()
            values.append((clip_psnr(recon, frames), ssim(recon, frames).mean()))
        return values

    values = benchmark.pedantic(loop, rounds=3, iterations=1, warmup_rounds=1)
    assert all(torch.isinf(p).all() for p, _ in values)
