"""The compression family end to end: sweeps, the rd command, learned tokenizers, errors."""

from __future__ import annotations

import csv
import json

import pytest

from benchmarks.cli import main
from tests.helpers.tiny_vaes import save_tiny_release
from tests.helpers.yuv import write_sequence

FAST = ["--task-arg", "frames_per_clip=8", "--task-arg", "lpips=false", "--no-progress"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcljcv")
    write_sequence(folder, 1, source="carphone_pristine", size=(176, 144), frames=8, fps="30")
    write_sequence(folder, 2, source="bikes", size=(128, 64), frames=8, fps="25")
    return folder


@pytest.fixture(scope="module")
def sweep(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for codec in ("h264", "hevc"):
        code = main(["run", "--task", "mcl-jcv", "--tokenizer", codec, "--data-root", str(root),
                     "--output", str(out), "--task-arg", "qps=[26,32,38]", *FAST])
        assert code == 0
    return out


@pytest.mark.slow
def test_a_sweep_is_one_run_per_point(sweep):
    names = sorted(p.name for p in (sweep / "mcl-jcv").iterdir())
    assert names == [f"{c}@quality={q}" for c in ("h264", "hevc") for q in (26, 32, 38)]
    for name in names:
        summary = json.loads((sweep / "mcl-jcv" / name / "summary.json").read_text())
        assert summary["params"]["quality"] == float(name.rsplit("=", 1)[1])
        assert summary["evaluation"]["target_bpp"] is None
        assert set(summary["groups"]) == {"videoSRC01", "videoSRC02"}
        streams = sorted(p.name for p in (sweep / "mcl-jcv" / name / "bitstreams").iterdir())
        ext = "264" if name.startswith("h264") else "265"
        assert streams == [f"videoSRC01.{ext}", f"videoSRC02.{ext}"]


def test_rd_writes_tables_plot_and_bd(sweep, tmp_path, capsys):
    assert main(["rd", "--task", "mcl-jcv", "--runs", str(sweep), "--anchor", "h264",
                 "--out", str(tmp_path)]) == 0
    assert "BD-rate" in capsys.readouterr().out
    with (tmp_path / "rd_table.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {r["curve"] for r in rows} == {"h264", "hevc"}
    assert (tmp_path / "rd_psnr_y.png").stat().st_size > 1000
    rd = json.loads((tmp_path / "rd.json").read_text())
    (bd,) = rd["bd"]
    assert bd["curve"] == "hevc" and bd["anchor"] == "h264"
    # a sequence whose two curves share no PSNR range has no BD value, and says why
    per_seq = bd["per_sequence"]
    scored = [v["bd_rate"] for v in per_seq.values() if v["bd_rate"] is not None]
    assert per_seq["videoSRC01"]["bd_rate"] is not None and bd["sequences"] == len(scored)
    assert all("overlap" in v["note"] for v in per_seq.values() if v["bd_rate"] is None)
    assert bd["bd_rate"] == pytest.approx(sum(scored) / len(scored))
    assert (tmp_path / "bd.md").read_text().count("| hevc | h264 |") == 1


def test_rd_errors_are_one_line(sweep, tmp_path, capsys):
    assert main(["rd", "--task", "mcl-jcv", "--runs", str(sweep), "--anchor", "vp9",
                 "--out", str(tmp_path)]) == 2
    assert "--anchor 'vp9': no such curve (curves: h264, hevc)" in capsys.readouterr().err
    assert main(["rd", "--task", "mcl-jcv", "--runs", str(tmp_path / "none")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["rd", "--task", "mcl-jcv", "--runs", str(tmp_path)]) == 2
    assert "no summary.json of task 'mcl-jcv'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("task_arg", "message"),
    [
        ("rates=0.03", "expected a non-empty list of numbers"),
        ("rates=[]", "expected a non-empty list of numbers"),
        ("rates=[0.03,0.03]", "a value is repeated"),
        ("quality=99", "quality 99: h264's crf must be in [0, 51]"),
        ("codecs={hevc: {preset: medium}}", "no settings for codec 'h264'"),
        ("codecs={h264: {speed: 3}}", "codecs: h264: unknown key 'speed'"),
        ("target_bpp=0", "target_bpp: must be positive, got 0"),
        ("tolerance=1.5", "tolerance: must be in (0, 1)"),
    ],
)
def test_bad_sweeps_and_settings_are_one_line(root, tmp_path, capsys, task_arg, message):
    code = main(["run", "--task", "mcl-jcv", "--tokenizer", "h264", "--data-root", str(root),
                 "--output", str(tmp_path), "--task-arg", task_arg, *FAST])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err


@pytest.mark.slow
def test_learned_tokenizer_rate_is_tokens_over_pixels(root, tmp_path):
    # a discrete tokenizer (4 residual levels of 16-bit indices) on 16x16-stride grids
    from benchmarks.tokenizers import TOKENIZERS

    ckpt = save_tiny_release(tmp_path / "ckpt")
    assert main(["run", "--task", "mcl-jcv", "--tokenizer", "pyratok-release",
                 "--tokenizer-arg", f"path={ckpt}", "--data-root", str(root),
                 "--output", str(tmp_path / "out"), "--limit", "1", *FAST]) == 0
    (run,) = (tmp_path / "out" / "mcl-jcv").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    (rec,) = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    spec = TOKENIZERS.get("pyratok-release")(path=str(ckpt)).spec
    frames = summary["frames_per_clip"]
    assert frames == spec.usable_num_frames(8)
    m = rec["metrics"]
    assert m["bits"] == spec.bits_per_token * rec["prediction"]["tokens"]
    assert m["bpp_tokens"] == pytest.approx(m["bits"] / (176 * 144 * frames))
    assert 0 < m["bpp_entropy"] <= m["bpp_tokens"]
    assert "bpp" in summary["unavailable"] and "psnr_y" in summary["metrics"]
