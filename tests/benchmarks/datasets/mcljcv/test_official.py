"""``run --task mcl-jcv --tokenizer h264`` on a tiny copy of the MCL-JCV release
(tests/fixtures/official/mcl_jcv.py): the sources found among the release's other files,
the first 96 frames coded, bpp and PSNR-Y checked against the written bitstreams."""

from __future__ import annotations

import csv
import io
import json
import math

import av
import numpy as np
import pytest

from benchmarks.cli import main
from benchmarks.store import RunRecord, read_jsonl
from tests.fixtures.official import mcl_jcv


def _decoded_luma(path) -> np.ndarray:
    """``(t, h, w)`` luma of a raw H.264 stream, decoded here with PyAV (independently):
    the Y plane as stored (a conversion to "gray" would rescale the limited range)."""
    with av.open(str(path), format="h264") as container:
        frames = [f for f in container.decode(video=0)]
        assert all(f.format.name == "yuv420p" for f in frames)
        # yuv420p as one (h * 3 / 2, w) array: the first h rows are Y
        planes = [f.to_ndarray()[: f.height] for f in frames]
    return np.stack(planes)


def test_h264_on_the_release_folder(tmp_path, capsys):
    expected = mcl_jcv.build(tmp_path / "MCL-JCV")
    code = main(["run", "--task", "mcl-jcv", "--tokenizer", "h264", "--data-root",
                 str(tmp_path / "MCL-JCV"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "qps=[22]", "--task-arg", "lpips=false"])
    assert code == 0  # README, JND/ and the coded .264 files are not sources
    run_dir = tmp_path / "out" / "mcl-jcv" / "h264@quality=22"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (2, 0, 0)
    assert sorted(summary["groups"]) == list(expected.ids)
    records = {r["sample_id"]: RunRecord.from_dict(r).to_dict()  # "inf" read back as inf
               for r in read_jsonl(run_dir / "samples.jsonl")}
    for sample_id in expected.ids:
        stream = run_dir / "bitstreams" / f"{sample_id}.264"
        metrics = records[sample_id]["metrics"]
        # bpp = 8 x stream bytes / (64 x 48 pixels x 96 frames), the first 96 frames coded
        bpp = 8 * stream.stat().st_size / (64 * 48 * 96)
        assert metrics["bpp"] == pytest.approx(bpp)
        decoded = _decoded_luma(stream)
        assert decoded.shape == (96, 48, 64)
        source = expected.luma[sample_id][:96].astype(np.float64)
        mse = float(np.mean((decoded.astype(np.float64) - source) ** 2))
        psnr_y = math.inf if mse == 0 else 10 * math.log10(255**2 / mse)
        assert metrics["psnr_y"] == pytest.approx(psnr_y, abs=1e-6)
        # VBench's temporal flickering of source and decoded clip, as reconstruction has it
        assert 0 < metrics["temporal_flickering_ref"] <= 1
        assert metrics["temporal_flickering_delta"] == pytest.approx(
            metrics["temporal_flickering_recon"] - metrics["temporal_flickering_ref"])
    assert "temporal_flickering_delta" in summary["metrics"]
    assert "ERROR" not in capsys.readouterr().err


# mcl-jcv-recon: VidTok's reconstruction protocol (17-frame windows at 256x256) ---------


def test_reconstruction_windows_on_the_release_folder(tmp_path, capsys):
    expected = mcl_jcv.build(tmp_path / "MCL-JCV")
    code = main(["run", "--task", "mcl-jcv-recon", "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "MCL-JCV"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "lpips=false"])
    assert code == 0
    run_dir = tmp_path / "out" / "mcl-jcv-recon" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    # SRC01: 100 frames = 5 windows of 17 + 15 (2 repeated); SRC02: 96 = 5 x 17 + 11 (6)
    windows = [f"{i}_w{k:02d}" for i in expected.ids for k in range(6)]
    assert (run_dir / "evaluated_ids.txt").read_text().split() == windows
    assert (summary["n_samples"], summary["n_failed"]) == (12, 0)
    assert summary["short_clips"]["n_padded"] == 2
    assert summary["short_clips"]["padded_frames"] == 2 + 6
    assert summary["metrics"]["psnr"] == "inf" and summary["metrics"]["ssim"] == 1.0
    assert summary["config"]["task"]["crop"] == 256
    # 12 windows of 2 sources: the interval resamples the sources, not the windows
    assert summary["ci_method"] == "cluster bootstrap (2 clusters, 2000 draws)"
    records = {r["sample_id"]: r for r in read_jsonl(run_dir / "samples.jsonl")}
    assert records["videoSRC02_w05"]["padded_frames"] == 6
    # no I3D file offline: rFVD is named unavailable, never a number
    assert "rfvd" not in summary["metrics"] and "I3D" in summary["unavailable"]["rfvd"]
    assert "ERROR" not in capsys.readouterr().err


def test_vidtok_claims_beside_a_measured_row(tmp_path, capsys):
    from benchmarks.reporting.paper.claims import paper_claims

    claims = {c.run_name: c.metrics for c in paper_claims(["mcl-jcv-recon"])}
    assert len(claims) == 16  # VidTok README v1.0 table
    assert claims["vidtok_kl_causal_488_16chn (VidTok README)"] == {
        "psnr": 35.04, "ssim": 0.942, "lpips": 0.047, "rfvd": 78.9}
    mcl_jcv.build(tmp_path / "MCL-JCV")
    assert main(["run", "--task", "mcl-jcv-recon", "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "MCL-JCV"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--limit", "2", "--task-arg", "lpips=false"]) == 0
    capsys.readouterr()
    assert main(["tables", "--runs", str(tmp_path / "out"), "--paper", "--task",
                 "mcl-jcv-recon", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert {"identity", "vidtok_fsq_causal_488_262144 (VidTok README)"} <= {r[0] for r in rows}
