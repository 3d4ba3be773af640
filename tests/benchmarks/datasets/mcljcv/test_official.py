"""``run --task mcl-jcv --tokenizer h264`` on a tiny copy of the MCL-JCV release
(tests/fixtures/official/mcl_jcv.py): the sources found among the release's other files,
the first 96 frames coded, bpp and PSNR-Y checked against the written bitstreams."""

from __future__ import annotations

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
    assert "ERROR" not in capsys.readouterr().err
