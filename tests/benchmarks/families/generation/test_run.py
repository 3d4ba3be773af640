"""UCF-101 reader, generators, the generation family (gFVD) and rFVD on tiny data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.datasets.ucf101.demo import CLASSES, build
from benchmarks.datasets.ucf101.reader import UCF101Dataset
from benchmarks.generators import GENERATORS
from benchmarks.generators.ar_model import CodeLayout
from benchmarks.generators.base import GeneratorContext, conditioning
from benchmarks.io.sampling import FrameSampling
from tests.helpers.paths import REPO

SAMPLING = FrameSampling(frames_per_clip=17, resize_shorter=None, crop=None)


@pytest.fixture(scope="module")
def ucf_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ucf") / "UCF"
    root.mkdir()
    build(root)
    return root


def test_reader_official_layout(ucf_root: Path) -> None:
    train = UCF101Dataset(ucf_root, sampling=SAMPLING, split="train", fold=1)
    test = train.with_split("test")
    assert len(train.refs()) == 90 and len(test.refs()) == 30
    assert train.info().classes == tuple(CLASSES) and train.info().split == "train1"
    ref = train.refs()[0]
    assert ref.sample_id.startswith("v_") and ref.extra["group"] >= 8
    assert all(r.extra["group"] <= 7 for r in test.refs())
    sample = train.load(ref, num_frames=17)
    assert sample.video.shape == (3, 17, 32, 32)
    assert len(UCF101Dataset(ucf_root, sampling=SAMPLING, max_clips=7).refs()) == 7


def test_reader_reports_bad_rows(ucf_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "u"
    (root / "ucfTrainTestlist").mkdir(parents=True)
    (root / "UCF-101").symlink_to(ucf_root / "UCF-101")
    lists = ucf_root / "ucfTrainTestlist"
    (root / "ucfTrainTestlist/classInd.txt").write_text((lists / "classInd.txt").read_text())
    good = (lists / "trainlist01.txt").read_text().splitlines()[0]
    (root / "ucfTrainTestlist/trainlist01.txt").write_text(
        f"{good}\nMovingLeft/v_MovingLeft_g99_c01.avi 1\nNoSuchClass/v_NoSuchClass_g08_c01.avi 3\n"
        f"{good.split()[0]} 7\n")
    ds = UCF101Dataset(root, sampling=SAMPLING)
    assert len(ds.refs()) == 1
    reasons = {e.sample_id: e.reason for e in ds.bad_rows()}
    assert "classInd" in reasons["row-3"] and "differs" in reasons["row-4"]
    assert [(e.sample_id, e.reason) for e in ds.absent()] == [
        ("v_MovingLeft_g99_c01", "video not found")]


def test_layout_round_trip() -> None:
    layout = CodeLayout(((9, 8, 8), (5, 4, 4), (5, 2, 2), (3, 2, 2)), 16, 4)
    idx = [torch.randint(0, 2**16, (3, *s)) for s in layout.shapes]
    bits = layout.flatten(idx)
    assert bits.shape == (3, 172, 64) and layout.seq_len == 172
    assert bits[0, 0, :16].tolist() == [(int(idx[3][0, 0, 0, 0]) >> (15 - c)) & 1
                                        for c in range(16)]  # deepest level first
    assert all(torch.equal(a, b) for a, b in zip(idx, layout.unflatten(bits), strict=True))


def _context(root: Path, tmp_path: Path) -> GeneratorContext:
    from benchmarks.tokenizers import TOKENIZERS

    ds = UCF101Dataset(root, sampling=SAMPLING)
    return GeneratorContext(tokenizer=TOKENIZERS.get("identity")(), dataset=ds,
                            classes=tuple(ds.classes), num_frames=17, frame_size=(32, 32),
                            device=torch.device("cpu"), is_demo=True, cache_dir=tmp_path)


@pytest.mark.parametrize("name", [n for n in GENERATORS.names() if n != "ar" and
                                  conditioning(GENERATORS.get(n)) in ("class", "none")])
def test_generators_are_per_clip_deterministic(name: str, ucf_root: Path, tmp_path) -> None:
    gen = GENERATORS.get(name)(_context(ucf_root, tmp_path))
    both = gen.generate([0, 3], [11, 12]).to_video(None)
    alone = gen.generate([3], [12]).to_video(None)
    assert both.shape == (2, 3, 17, 32, 32) and both.min() >= -1 and both.max() <= 1
    assert torch.equal(both[1], alone[0])


@pytest.mark.slow
def test_ar_trains_resumes_and_samples(ucf_root: Path, tmp_path: Path) -> None:
    from benchmarks.generators.ar import ARGenerator
    from benchmarks.generators.ar_train import TrainConfig, is_complete, train
    from benchmarks.tokenizers.pyratok import create_pyratok

    tok = create_pyratok()
    ds = UCF101Dataset(ucf_root, sampling=SAMPLING, max_clips=4)
    kwargs = dict(tokenizer=tok, dataset=ds, num_frames=17, num_classes=10,
                  device=torch.device("cpu"), provenance={}, progress=False)
    folder = tmp_path / "ar"
    train(folder, config=TrainConfig(steps=2, save_every=1, width=32, heads=2), **kwargs)
    assert is_complete(folder)
    state = json.loads((folder / "state.json").read_text())
    train(folder, config=TrainConfig(steps=4, save_every=1, width=32, heads=2), **kwargs)
    assert json.loads((folder / "state.json").read_text())["step"] == 4 > state["step"]
    context = _context(ucf_root, tmp_path)
    context.tokenizer = tok
    clips = ARGenerator(folder, context, temperature=1.0).generate([1, 2], [5, 6])
    assert [tuple(i.shape) for i in clips.indices] == [(2, 9, 8, 8), (2, 5, 4, 4),
                                                         (2, 5, 2, 2), (2, 3, 2, 2)]
    assert clips.to_video(tok).shape == (2, 3, 17, 32, 32)


def _run(out: Path, *extra: str, env: dict | None = None, torchrun: bool = False):
    cmd = [sys.executable]
    if torchrun:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd += ["-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(port)]
    cmd += ["-m", "benchmarks", "run", "--tokenizer", "identity", "--no-progress",
            "--num-workers", "0", "--device", "cpu", "--output", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)


def _summary(out: Path, run: str) -> dict:
    return json.loads((out / "ucf101-gfvd" / run / "summary.json").read_text())


@pytest.mark.slow
def test_gfvd_bounds_and_torchrun_equality(ucf_root: Path, tmp_path: Path) -> None:
    args = ["--task", "ucf101-gfvd", "--data-root", str(ucf_root), "--limit", "24",
            "--task-arg", "features=pixels8", "--task-arg", "resize_shorter=null",
            "--task-arg", "crop=null", "--task-arg", "grid_clips_per_class=1"]
    env = {"PYRATOK_CACHE": str(tmp_path / "cache")}
    values = {}
    for gen in ("real-copy", "noise"):
        done = _run(tmp_path / "one", *args, "--generator", gen, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        s = _summary(tmp_path / "one", f"identity+{gen}")
        values[gen] = s["metrics"]["fd_pixels8"]
        assert "fvd" in s["unavailable"] and s["evaluation"]["n_generated_clips"] == 24
        assert s["evaluation"]["protocols"]["fd_pixels8"]["protocol"] == "fd-pixels8"
        run_dir = tmp_path / "one/ucf101-gfvd" / f"identity+{gen}"
        assert (run_dir / "plots/generated_per_class.png").is_file()
    assert 0 < values["real-copy"] < values["noise"]
    assert _summary(tmp_path / "one", "identity+noise")["evaluation"][
        "reference_cache_hits_rank0"] == 24  # real features reused from the first run
    done = _run(tmp_path / "two", *args, "--generator", "noise", env=env, torchrun=True)
    assert done.returncode == 0, done.stderr[-3000:]
    two = _summary(tmp_path / "two", "identity+noise")
    assert two["world_size"] == 2
    assert two["metrics"]["fd_pixels8"] == values["noise"]  # bit for bit


@pytest.mark.slow
def test_i3d_missing_is_unavailable_with_the_fix(ucf_root: Path, tmp_path: Path) -> None:
    done = _run(tmp_path, "--task", "ucf101-gfvd", "--data-root", str(ucf_root), "--limit", "2",
                "--generator", "noise", "--task-arg", "i3d_path=/nowhere/i3d_torchscript.pt",
                env={"TORCH_HOME": str(tmp_path / "hub"), "PYRATOK_I3D": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    s = _summary(tmp_path, "identity+noise")
    assert "fvd" not in s["metrics"] and "i3d_torchscript.pt" in s["unavailable"]["fvd"]
    assert str(tmp_path / "hub") in s["unavailable"]["fvd"]
    # VBench's flickering needs no network: reported without the I3D, noise flickers more
    m = s["metrics"]
    assert 0 < m["temporal_flickering"] < m["temporal_flickering_real"] <= 1
    assert "dino_path=DIR" in s["unavailable"]["subject_consistency"]


@pytest.mark.slow
def test_unknown_generator_is_one_line(ucf_root: Path, tmp_path: Path) -> None:
    done = _run(tmp_path, "--task", "ucf101-gfvd", "--data-root", str(ucf_root),
                "--generator", "nosie")
    assert done.returncode == 2 and "did you mean 'noise'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_rfvd_in_reconstruction(tmp_path: Path) -> None:
    from tests.helpers.datasets import write_webvid

    root = tmp_path / "data"
    write_webvid(root, n=4)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--task", "webvid", "--tokenizer", "avgpool",
         "--data-root", str(root), "--no-progress", "--num-workers", "0", "--device", "cpu",
         "--task-arg", "resize_shorter=32", "--task-arg", "crop=32", "--task-arg", "rfvd=true",
         "--task-arg", "features=pixels8", "--task-arg", "lpips=false",
         "--task-arg", "frames_per_clip=16", "--output", str(tmp_path / "out")],
        env={**os.environ, "PYTHONPATH": str(REPO), "PYRATOK_CACHE": str(tmp_path / "c")},
        cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    s = json.loads(next((tmp_path / "out/webvid").glob("*/summary.json")).read_text())
    assert s["metrics"]["rfd_pixels8"] > 0 and s["evaluation"]["rfvd_clips"] == 4
    assert np.isfinite(s["metrics"]["rfd_pixels8"])
    record = s["evaluation"]["protocols"]["rfd_pixels8"]
    assert record["protocol"] == "fd-pixels8" and record["n_per_set"] == 4
    assert not record["below_min_n"] and record["fields"]["clip"]["frames"] == 16
    assert s["evaluation"]["rfvd_reference_key"]["distance_protocol"] == "fd-pixels8"
