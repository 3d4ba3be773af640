"""``tables --paper``: a measured row stands beside the paper's only under the paper's
protocol; otherwise it is placed, labelled and explained (benchmarks/reporting/paper/protocol.py).

Summaries are tiny dicts in the run summary's format (what the runner writes), so each
test states exactly the fact it checks.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import torch

import benchmarks
from benchmarks.cli import main
from benchmarks.families.reconstruction.latency import summarize, timing_clip
from benchmarks.reporting.paper.claims import paper_claims

V100 = "cuda: Tesla V100-SXM2-16GB"


def _summary(task: str, run: str, metrics: dict, *, family: str, tokenizer: str = "pyratok",
             text_encoder: str | None = "minilm", **extra) -> dict:
    caps = ["bits", "decode", "features"] + (["text"] if text_encoder else [])
    spec = {"name": tokenizer, "n_params": 3_000_000, "vocab_size": 65536,
            "latent_channels": 16, "capabilities": caps, "text_encoder": text_encoder}
    return {"task": task, "tokenizer": tokenizer, "run_name": run, "tokenizer_args": {},
            "metrics": metrics, "metrics_ci95": {}, "unavailable": {},
            "higher_is_better": {}, "demo_data": True, "data_root": "/demo",
            "frames_per_clip": 17, "git_commit": "abcdef1234567", "timestamp": "2025-01-02",
            "config": {"task": {"family": family, "crop": 256}}, "tokenizer_spec": spec,
            **extra}


def _write(runs: Path, summary: dict) -> None:
    folder = runs / summary["task"] / summary["run_name"]
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))


def _md(runs: Path, table: str, capsys) -> list[str]:
    assert main(["tables", "--runs", str(runs), "--paper", table]) == 0
    return capsys.readouterr().out.splitlines()


def _csv(runs: Path, table: str, capsys) -> list[dict[str, str]]:
    assert main(["tables", "--runs", str(runs), "--paper", table, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _after(lines: list[str], start: str) -> list[str]:
    """The lines right after the first one starting with ``start``."""
    at = next(i for i, line in enumerate(lines) if line.startswith(start))
    return lines[at + 1 :]


# Table 7: rows by family, rate, MS-SSIM ---------------------------------------------------


def _compression(run: str, tokenizer: str, **metrics) -> dict:
    base = {"psnr": 30.0, "ssim": 0.9, "ms_ssim": 0.95, "psnr_y": 31.0}
    return _summary("mcl-jcv", run, {**base, **metrics}, family="compression",
                    tokenizer=tokenizer, text_encoder=None)


def test_table7_places_codecs_under_their_rows_and_native_rates_apart(tmp_path, capsys):
    _write(tmp_path, _compression("hevc", "hevc", bpp=0.035))
    _write(tmp_path, _compression("hevc@quality=20", "hevc", bpp=0.2))  # off the rate
    _write(tmp_path, _compression("h264", "h264", bpp=0.034))  # no row, no family
    _write(tmp_path, _compression("pyratok", "pyratok", bpp_tokens=0.6))
    lines = _md(tmp_path, "7", capsys)
    under_hevc = _cells(_after(lines, "| reported | HEVC [43] |")[0])
    # the hevc run at the table's rate, right under HEVC; the SSIM column is MS-SSIM
    assert under_hevc[:6] == ["measured", "hevc", "30.00", "0.9500", "— (lpips not in the run's "
                              "summary)", "0.0350 [bpp]"]
    rest = "\n".join(_after(lines, "| reported | PyraTok (Ours) |"))
    assert "*Runs of methods the paper's table does not list*" in rest
    assert "| measured | h264 |" in rest
    section = _after(lines, "| | *Measured at another rate")
    labels = [_cells(line)[1] for line in section if line.startswith("| measured |")]
    assert labels == [
        "hevc@quality=20 [off the target rate: 0.2 bpp, not 0.034 bpp]",
        "pyratok [native rate, no rate control: 0.6 bpp_tokens, not 0.034 bpp]",
    ]
    # neither off-rate run stands under a paper row
    above = "\n".join(lines[: lines.index(next(x for x in lines if "*Measured at" in x))])
    assert "| measured | pyratok |" not in above and "hevc@quality=20" not in above
    assert any("Note: The \"SSIM\" column is MS-SSIM" in line for line in lines)


# Tables 1 and 9: latency only under the paper's clip ----------------------------------------


def _recon(run: str, setting: dict | None, **extra) -> dict:
    evaluation = {"latency": setting} if setting else {}
    return _summary("webvid", run, {"psnr": 30.0, "ssim": 0.9, "encode_ms": 1200.0,
                                    "decode_ms": 800.0},
                    family="reconstruction", evaluation=evaluation, **extra)


def _setting(frames: int, device: str) -> dict:
    return {"frames": frames, "height": 256, "width": 256, "batch_size": 1,
            "device": device, "dtype": "float32"}


def test_a_17_frame_latency_is_not_in_the_papers_latency_column(tmp_path, capsys):
    _write(tmp_path, _recon("a17", _setting(17, V100)))
    _write(tmp_path, _recon("b25v100", _setting(25, V100)))
    _write(tmp_path, _recon("c25cpu", _setting(25, "cpu: AMD EPYC 7B13")))
    _write(tmp_path, _recon("d-old", None))  # a summary from before latency was recorded
    rows = {r["run"]: r for r in _csv(tmp_path, "1", capsys) if r["kind"] == "measured"}
    col = "Latency (ms) ↓"
    # 17 frames: no number in the column; the value and both protocols in the reason
    assert rows["a17"][col] == ""
    assert rows["a17"][f"{col} note"] == (
        "not comparable: 2000 ms on 17 frames 256×256 on cuda: Tesla V100-SXM2-16GB "
        "(float32, 1 clip/call); the paper times 25 frames 256×256 on one V100 "
        "(rerun with --task-arg latency_frames=25)")
    assert rows["d-old"][col] == "" and rows["d-old"][f"{col} note"].startswith(
        "not comparable: 2000 ms timed on a clip and device the run does not record")
    # 25 frames: the number, with the hardware it ran on; other hardware is said to be so
    assert float(rows["b25v100"][col]) == 2000.0
    assert rows["b25v100"][f"{col} note"] == (
        "25 frames 256×256 on cuda: Tesla V100-SXM2-16GB (float32, 1 clip/call)")
    assert float(rows["c25cpu"][col]) == 2000.0
    assert rows["c25cpu"][f"{col} note"].endswith("; not a V100")
    assert "latency 25 frames 256×256 on cpu: AMD EPYC 7B13" in rows["c25cpu"]["protocol"]
    # the md cell shows the hardware beside the number
    lines = _md(tmp_path, "1", capsys)
    c25 = next(line for line in lines if line.startswith("| measured | c25cpu |"))
    assert "| 2000.00 [25 frames 256×256 on cpu: AMD EPYC 7B13 (float32, 1 clip/call); " \
           "not a V100] |" in c25
    a17 = next(line for line in lines if line.startswith("| measured | a17 |"))
    assert _cells(a17)[3] == "— (not comparable)"


def test_the_reconstruction_family_times_the_latency_clip_and_records_it(tmp_path):
    summary = benchmarks.evaluate("webvid", "identity", output=tmp_path, limit=1,
                                  progress=False, latency_frames=25)
    latency = summary["evaluation"]["latency"]
    assert (latency["frames"], latency["height"], latency["width"]) == (25, 256, 256)
    assert latency["batch_size"] == 1 and latency["dtype"] == "float32"
    assert latency["device"].startswith("cpu: ")
    assert summary["frames_per_clip"] == 17  # the metrics' clip is unchanged
    assert summary["metrics"]["ssim"] == 1.0  # identity: the scored clip, not the timed one
    other = benchmarks.evaluate("webvid", "identity", output=tmp_path, limit=1,
                                run_name="identity-scored-clip", progress=False,
                                latency_frames=None)
    assert other["evaluation"]["latency"]["frames"] == 17
    assert other["config_hash"] != summary["config_hash"]  # the setting is in the hash


def test_timing_clip_mirrors_in_time_and_mixed_settings_are_named():
    video = torch.arange(4.0).view(1, 1, 4, 1, 1).expand(1, 3, 4, 2, 2)
    frames = timing_clip(video, 9)[0, 0, :, 0, 0].tolist()
    assert frames == [0, 1, 2, 3, 2, 1, 0, 1, 2]  # reflected, never synthesised
    assert timing_clip(video, 3)[0, 0, :, 0, 0].tolist() == [0, 1, 2]
    a, b = _setting(25, V100), _setting(25, "cpu: X")
    assert summarize([a, a]) == a
    mixed = summarize([a, a, b])
    assert mixed["device"] == V100 and [m["n_samples"] for m in mixed["mixed"]] == [2, 1]


# Tables 5 and 6: answerer and text encoder ------------------------------------------------


def test_the_qwen_row_takes_only_a_run_with_a_qwen_text_encoder(tmp_path, capsys):
    metrics = {"psnr": 20.0, "ssim": 0.5, "lpips": 0.3}
    _write(tmp_path, _summary("coco", "ablation-full", metrics, family="reconstruction"))
    lines = _md(tmp_path, "6", capsys)
    after_qwen = _cells(_after(lines, "| reported | Qwen-2.5 VL [1] (Default) |")[0])
    assert after_qwen[1] == "(ablation-full)"
    assert after_qwen[2] == "— (protocol differs)"
    assert ("- protocol differs: ablation-full: text encoder minilm, this row is qwen2.5-vl"
            in lines)
    default = _cells(_after(lines, "| reported | 4 Blocks (Default) |")[0])
    assert default[:3] == ["measured", "ablation-full (demo-scale)", "20.00"]
    assert default[-2] == "text encoder minilm"

    other = tmp_path / "qwen"
    _write(other, _summary("coco", "ablation-full", metrics, family="reconstruction",
                           text_encoder="qwen2.5-vl"))
    lines = _md(other, "6", capsys)
    after_qwen = _cells(_after(lines, "| reported | Qwen-2.5 VL [1] (Default) |")[0])
    assert after_qwen[:3] == ["measured", "ablation-full (demo-scale)", "20.00"]
    assert after_qwen[-2] == "text encoder qwen2.5-vl"


def test_vqa_and_zero_shot_rows_name_their_answerer_and_text_encoder(tmp_path, capsys):
    _write(tmp_path, _summary("mvbench", "pyratok", {"overall": 40.0}, family="vqa",
                              params={"answerer": "similarity"}))
    _write(tmp_path, _summary("kinetics400", "pyratok", {"top1": 0.5}, family="classification",
                              evaluation={"zero_shot": True}))
    rows = [r for r in _csv(tmp_path, "5", capsys) if r["kind"] == "measured"]
    ours = next(r for r in rows if r["run"] == "pyratok")
    assert ours["provenance"] == "text encoder minilm; answerer similarity"
    assert ("differs from the paper: answerer similarity, the paper's qwen2.5-vl/tokenizer"
            in ours["notes"])
    assert "differs from the paper: text encoder minilm, the paper's qwen2.5-vl" in ours["notes"]
    assert "kinetics400: 17 fr, 256×256, zero-shot" in ours["protocol"]
    assert float(ours["MVBench Overall (%) ↑"]) == 40.0
    reported = next(r for r in _csv(tmp_path, "5", capsys) if r["kind"] == "reported")
    assert "Qwen2.5-VL-3B" in reported["provenance"]


def test_table3_rows_state_their_split(tmp_path, capsys):
    s = _summary("ytvis2021", "pyratok", {"AP": 0.2, "J": 0.5}, family="segmentation",
                 dataset={"split": "train"})
    s["config"]["task"]["dataset_args"] = {"split": "train", "holdout_videos": 300,
                                           "holdout_seed": 0}
    _write(tmp_path, s)
    row = next(r for r in _csv(tmp_path, "3", capsys) if r["run"] == "pyratok")
    assert "split train, held-out subset of 300 videos (seed 0)" in row["protocol"]


# rendering ---------------------------------------------------------------------------------


def test_reasons_are_never_cut_and_the_csv_keeps_the_notes(tmp_path, capsys):
    reason = "I3D weights are missing. " + "Put i3d_torchscript.pt in the hub cache; " * 8
    s = _summary("ucf101-gfvd", "pyratok", {}, family="generation",
                 unavailable={"fvd": reason}, evaluation={"generator": "ar"})
    _write(tmp_path, s)
    rows = _csv(tmp_path, "8", capsys)
    ours = next(r for r in rows if r["run"] == "pyratok")
    assert len(reason) > 300 and ours["gFVD ↓ note"] == f"no weights: {reason.strip()}"
    assert ours["Type"] == "ar"  # from the run's summary, not "not recorded"
    lines = _md(tmp_path, "8", capsys)
    assert f"- no weights: {reason.strip()}" in lines

    rows = _csv(tmp_path, "6", capsys)
    assert "notes" in rows[0]
    notes = [r["notes"] for r in rows if r["kind"] == "note"]
    assert len(notes) == 1 and notes[0].startswith("The paper heads COCO-Val first")


def test_label_cells_come_from_the_runs_config(tmp_path, capsys):
    s = _summary("coco", "ablation-q_lfq", {"psnr": 20.0, "ssim": 0.5}, family="reconstruction")
    _write(tmp_path, s)
    lines = _md(tmp_path, "9", capsys)
    row = _cells(_after(lines, "| reported | LFQ [70] |")[0])
    assert row[1:4] == ["ablation-q_lfq (demo-scale)", "65536", "16"]
    assert "Vocab 65536, the paper's row 32800" in row[-1]


def test_paper_claims_keep_rows_a_label_repeats(tmp_path, capsys):
    names = [c.run_name for c in paper_claims(["thumos14"])]
    assert "STOV-TAL [18] (supervised) (paper)" in names
    assert "STOV-TAL [18] (zero-shot) (paper)" in names
    _write(tmp_path, _summary("thumos14", "pyratok", {"average_mAP": 1.0}, family="localization"))
    assert main(["tables", "--runs", str(tmp_path), "--paper", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    by_run = {r[0]: r for r in rows[1:]}
    # value, ci95 and note in columns of their own
    assert by_run["STOV-TAL [18] (supervised) (paper)"][3:6] == ["48.8", "", "reported"]
    assert by_run["STOV-TAL [18] (zero-shot) (paper)"][3:6] == ["31.5", "", "reported"]


def test_figure_29_renders_its_numbers_and_figure_10_says_it_has_none(tmp_path, capsys):
    rows = _csv(tmp_path, "fig29", capsys)
    reported = {r["Resolution"]: r for r in rows if r["kind"] == "reported"}
    assert float(reported["240p"]["Codebook utilization (%) ↑"]) == 55.23
    assert reported["1080p"]["Codebook utilization (%) ↑ note"] == ">79"  # a bound, as printed
    assert float(reported["4320p"]["Codebook utilization (%) ↑"]) == 97.12
    assert main(["tables", "--runs", str(tmp_path), "--paper", "fig10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "prints no numbers for Figure 10" in err


@pytest.mark.parametrize("table", ["1", "3", "4", "5", "7", "8"])
def test_every_row_shows_its_protocol(table, tmp_path, capsys):
    rows = _csv(tmp_path, table, capsys)
    assert all(r["protocol"] for r in rows if r["kind"] == "reported")


def test_a_measured_gfvd_names_its_protocol_and_a_small_n(tmp_path, capsys):
    from benchmarks.features.protocols import FVD_STYLEGANV

    s = _summary("ucf101-gfvd", "pyratok", {"fvd": 321.5}, family="generation",
                 evaluation={"generator": "ar", "protocols": {"fvd": FVD_STYLEGANV.record(8)}})
    _write(tmp_path, s)
    ours = next(r for r in _csv(tmp_path, "8", capsys) if r["run"] == "pyratok")
    assert ours["gFVD ↓"] == "321.5" and ours["gFVD ↓ note"] == "fvd-styleganv, n=8<2048"
