"""End-to-end runs: summary contents, resume, bad input, strict mode, exit codes."""

from __future__ import annotations

import json
import math

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.config import ConfigError
from tests.helpers.datasets import webvid_video_path, write_coco, write_webvid

SMALL = {"resize_shorter": 32, "crop": 32, "num_workers": 0}


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=4)
    return root


def _lines(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_identity_is_exact(webvid_root, tmp_path):
    s = benchmarks.evaluate(
        "webvid", "identity", data_root=webvid_root, output=tmp_path, progress=False, **SMALL
    )
    assert s["n_samples"] == 4 and s["n_failed"] == 0
    assert math.isinf(s["metrics"]["psnr"]) and s["metrics"]["psnr"] > 0
    assert s["metrics"]["ssim"] == pytest.approx(1.0, abs=1e-6)
    assert {"encode_ms", "decode_ms"} <= set(s["metrics"])
    assert "lpips" in s["unavailable"] and "alexnet" in s["unavailable"]["lpips"].lower()
    assert "lpips" not in s["metrics"]
    for key in ("config", "config_hash", "version", "git_commit", "seed", "timestamp"):
        assert key in s
    assert "PSNR per clip" in s["aggregation"]
    run_dir = tmp_path / "webvid" / "identity"
    on_disk = json.loads((run_dir / "summary.json").read_text())
    assert on_disk["metrics"]["ssim"] == s["metrics"]["ssim"]
    assert len(_lines(run_dir / "samples.jsonl")) == 4
    pictures = sorted((run_dir / "plots").glob("*.png"))
    assert len(pictures) == 4 and pictures[0].name == "1000_psnrinf.png"


def test_avgpool_matches_manual_metrics(webvid_root, tmp_path):
    """The runner's aggregate equals metrics computed by hand on the same clips."""

    from benchmarks.datasets.webvid.reader import WebVidDataset
    from benchmarks.io.sampling import FrameSampling
    from benchmarks.metrics import clip_psnr, ssim
    from benchmarks.tokenizers.avgpool import AvgPoolTokenizer

    s = benchmarks.evaluate(
        "webvid", "avgpool", data_root=webvid_root, output=tmp_path, progress=False, **SMALL
    )
    ds = WebVidDataset(webvid_root, sampling=FrameSampling(resize_shorter=32, crop=32))
    tok = AvgPoolTokenizer()
    psnrs, ssims = [], []
    for ref in sorted(ds.refs(), key=lambda r: r.sample_id):
        video = ds.load(ref, num_frames=17).video[None]
        rec = (tok.decode(tok.encode(video * 2 - 1)).clamp(-1, 1) + 1) / 2
        pred, target = rec.transpose(1, 2), video.transpose(1, 2)
        psnrs.append(float(clip_psnr(pred, target)[0]))
        ssims.append(float(ssim(pred, target).mean()))
    assert s["metrics"]["psnr"] == pytest.approx(sum(psnrs) / 4, rel=1e-6)
    assert s["metrics"]["ssim"] == pytest.approx(sum(ssims) / 4, rel=1e-6)
    assert 10 < s["metrics"]["psnr"] < 60
    assert s["metrics_ci95"]["psnr"] > 0


def test_resume_skips_finished_samples(webvid_root, tmp_path, monkeypatch):
    from benchmarks.families.reconstruction.family import ReconstructionFamily

    kwargs = dict(data_root=webvid_root, output=tmp_path, progress=False, **SMALL)
    limited = benchmarks.evaluate("webvid", "avgpool", limit=2, **kwargs)
    assert limited["limit"] == 2 and limited["n_samples"] == 2  # the summary records it
    scored = []
    original = ReconstructionFamily.score

    def counting(self, samples):
        scored.extend(s.ref.sample_id for s in samples)
        return original(self, samples)

    monkeypatch.setattr(ReconstructionFamily, "score", counting)
    resumed = benchmarks.evaluate("webvid", "avgpool", **kwargs)
    assert sorted(scored) == ["1002", "1003"]  # only the two new samples
    assert resumed["n_samples"] == 4 and "limit" not in resumed  # written when set
    fresh = benchmarks.evaluate(
        "webvid", "avgpool", **{**kwargs, "output": tmp_path / "fresh"}
    )
    assert resumed["metrics"]["psnr"] == fresh["metrics"]["psnr"]
    assert resumed["metrics"]["ssim"] == fresh["metrics"]["ssim"]
    scored.clear()
    benchmarks.evaluate("webvid", "avgpool", resume=False, **kwargs)
    assert len(scored) == 4


def test_changed_protocol_is_not_resumed(webvid_root, tmp_path):
    kwargs = dict(data_root=webvid_root, output=tmp_path, progress=False, num_workers=0)
    a = benchmarks.evaluate("webvid", "avgpool", resize_shorter=32, crop=32, **kwargs)
    with pytest.raises(ConfigError, match=r"another configuration \(task.crop: 32 -> 64"):
        benchmarks.evaluate("webvid", "avgpool", resize_shorter=64, crop=64, **kwargs)
    b = benchmarks.evaluate("webvid", "avgpool", resize_shorter=64, crop=64, resume=False,
                            **kwargs)
    assert a["config_hash"] != b["config_hash"]
    assert b["n_samples"] == 4 and a["metrics"]["psnr"] != b["metrics"]["psnr"]


@pytest.fixture
def broken_webvid(tmp_path):
    root = tmp_path / "broken"
    ids = write_webvid(root, n=5)
    truncated = webvid_video_path(root, ids[1])
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    webvid_video_path(root, ids[3]).unlink()
    return root, ids


def test_bad_files_are_recorded_and_run_goes_on(broken_webvid, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("benchmarks.runner.MIN_SAMPLES_FOR_WORKERS", 1)  # real workers
    root, ids = broken_webvid
    code = main(
        ["run", "--task", "webvid", "--tokenizer", "identity", "--data-root", str(root),
         "--output", str(tmp_path), "--no-progress", "--task-arg", "resize_shorter=32",
         "--task-arg", "crop=32", "--num-workers", "2"]
    )
    assert code == 1
    run_dir = tmp_path / "webvid" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    # the truncated file fails; the deleted one is a partial download: n_missing, not failed
    assert summary["n_failed"] == 1 and summary["n_samples"] == 3
    assert summary["n_missing"] == 1 and summary["n_listed"] == 5
    failures = {f["sample_id"]: f for f in _lines(run_dir / "failures.jsonl")}
    assert set(failures) == {ids[1]}
    assert failures[ids[1]]["path"].endswith(f"{ids[1]}.mp4") and failures[ids[1]]["reason"]
    (line,) = (run_dir / "missing_ids.txt").read_text().splitlines()
    assert line.split("\t")[0] == ids[3] and line.endswith(f"{ids[3]}.mp4")
    out = capsys.readouterr().out
    assert "3 scored, 1 failed" in out


def test_strict_stops_at_first_failure(broken_webvid, tmp_path):
    root, _ = broken_webvid
    code = main(
        ["run", "--task", "webvid", "--tokenizer", "identity", "--data-root", str(root),
         "--output", str(tmp_path), "--no-progress", "--strict", "--num-workers", "0",
         "--task-arg", "resize_shorter=32", "--task-arg", "crop=32"]
    )
    assert code == 3
    summary = json.loads((tmp_path / "webvid" / "identity" / "summary.json").read_text())
    assert "stopped" in summary and summary["n_samples"] < 4


def test_malformed_row_is_a_failure(tmp_path):
    root = tmp_path / "rows"
    write_webvid(root, n=2)
    csv_path = root / "results_10M_val.csv"
    csv_path.write_text(csv_path.read_text() + ",https://x.invalid/y.mp4,PT00H00M01S,,no id\n")
    s = benchmarks.evaluate(
        "webvid", "identity", data_root=root, output=tmp_path, progress=False, **SMALL
    )
    assert s["n_samples"] == 2 and s["n_failed"] == 1
    failures = _lines(tmp_path / "webvid" / "identity" / "failures.jsonl")
    assert failures[0]["sample_id"].startswith("row-")
    assert failures[0]["path"].endswith("results_10M_val.csv")


def test_coco_images_as_one_frame_clips(tmp_path):
    root = tmp_path / "coco"
    write_coco(root, n=3)
    s = benchmarks.evaluate("coco", "avgpool", data_root=root, output=tmp_path, progress=False,
                            **SMALL)
    assert s["n_samples"] == 3 and s["frames_per_clip"] == 1
    assert 10 < s["metrics"]["psnr"] < 60


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["run", "--task", "webvd", "--tokenizer", "identity"]) == 2
    assert "did you mean 'webvid'" in capsys.readouterr().err
    assert main(["run", "--task", "webvid", "--tokenizer", "identiy"]) == 2
    assert "did you mean 'identity'" in capsys.readouterr().err
    assert main(["run", "--task", "webvid", "--tokenizer", "identity",
                 "--data-root", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["run", "--task", "webvid", "--tokenizer", "identity",
                 "--task-arg", "bogus=1"]) == 2
    assert "unknown key 'bogus'" in capsys.readouterr().err


def test_list_and_tables(webvid_root, tmp_path, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "webvid" in out and "identity" in out and "wan2.1" in out
    for tok in ("identity", "avgpool"):
        benchmarks.evaluate("webvid", tok, data_root=webvid_root, output=tmp_path,
                            progress=False, **SMALL)
    for fmt, marker in (("md", "| tokenizer |"), ("csv", "tokenizer,"), ("latex", "\\toprule")):
        assert main(["tables", "--runs", str(tmp_path), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert marker in out and "avgpool" in out
    main(["tables", "--runs", str(tmp_path)])
    md = capsys.readouterr().out
    assert "webvid psnr ↑" in md and "webvid lpips ↓" in md and "unavailable" in md


def test_tables_show_paper_claims_as_claims(webvid_root, tmp_path, capsys):
    benchmarks.evaluate("webvid", "identity", data_root=webvid_root, output=tmp_path,
                        progress=False, **SMALL)
    assert main(["tables", "--runs", str(tmp_path), "--paper"]) == 0
    out = capsys.readouterr().out
    assert "| PyraTok (Ours) (paper) |  |  | 35.72 (reported) | 0.8790 (reported) |" in out
    assert "| identity | identity |  | inf |" in out  # measured rows carry no "(reported)"


def test_short_videos_are_padded_and_counted_in_the_summary(tmp_path):
    """SHORT_CLIP_POLICY: a 10-frame video in a 17-frame task is scored, 7 frames repeated."""
    root = tmp_path / "short"
    ids = write_webvid(root, n=2, frames=10)
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(root), "--output", str(tmp_path), "--no-progress", "--task-arg",
                 "resize_shorter=32", "--task-arg", "crop=32"])
    assert code == 0
    run_dir = tmp_path / "webvid" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["n_samples"] == 2 and summary["n_failed"] == 0
    assert summary["short_clips"]["policy"].startswith("repeat_last")
    assert (summary["short_clips"]["n_padded"], summary["short_clips"]["padded_frames"]) == (2, 14)
    records = {r["sample_id"]: r for r in _lines(run_dir / "samples.jsonl")}
    assert [records[i]["padded_frames"] for i in ids] == [7, 7]


def test_clips_of_one_source_widen_ci95_and_every_record_has_its_fingerprint(tmp_path):
    """WebVid clips whose contentUrl names one file (fragment aside) are one cluster: the
    summary's ci95 is the cluster bootstrap's, and says so."""
    import csv

    from benchmarks.io.input_fingerprint import input_fingerprint

    root = tmp_path / "data"
    write_webvid(root, n=4)
    with (root / "results_10M_val.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    for i, row in enumerate(rows[1:]):
        row[1] = f"https://example.invalid/source{i // 2}.mp4#t={i},{i + 1}"
    with (root / "results_10M_val.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    s = benchmarks.evaluate("webvid", "avgpool", data_root=root, output=tmp_path / "o",
                            progress=False, **SMALL)
    assert s["ci_method"] == "cluster bootstrap (2 clusters, 2000 draws)"
    records = _lines(tmp_path / "o" / "webvid" / "avgpool" / "samples.jsonl")
    assert [r["cluster"] for r in records].count("https://example.invalid/source0.mp4") == 2
    path = webvid_video_path(root, records[0]["sample_id"])
    assert records[0]["fingerprint"] == input_fingerprint(path)
    assert len({r["fingerprint"] for r in records}) == 4
    assert s["evaluated_ids"]["inputs_sha256"]
