"""``run --task webvid`` on a tiny copy of the WebVid-10M val release
(tests/fixtures/official/webvid.py): quoted captions, a partial download, a corrupt file."""

from __future__ import annotations

import json
import math

from benchmarks.cli import main
from benchmarks.datasets.webvid.reader import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.store import RunSummary
from tests.fixtures.official import webvid


def _run(root, out, *extra: str) -> int:
    return main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root", str(root),
                 "--output", str(out), "--no-progress", "--num-workers", "0",
                 "--task-arg", "lpips=false", "--task-arg", "examples=0", *extra])


def test_identity_on_a_partial_copy_is_lossless_and_exits_0(tmp_path, capsys):
    expected = webvid.build(tmp_path / "webvid")
    assert _run(tmp_path / "webvid", tmp_path / "out") == 0
    run_dir = tmp_path / "out" / "webvid" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    # 3 rows with a video, 1 never downloaded: missing, not failed
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (3, 0, 1)
    assert summary["n_listed"] == 4
    # identity returns its input: MSE 0, PSNR +inf, SSIM exactly 1 on every clip
    # written as the string "inf" (strict JSON), read back as the float
    assert summary["metrics"]["psnr"] == "inf" and summary["metrics"]["ssim"] == 1.0
    assert math.isinf(RunSummary.read(run_dir / "summary.json").metrics["psnr"])
    assert (run_dir / "evaluated_ids.txt").read_text().split() == list(expected.ids)
    missing = [line.split("\t")[0] for line in
               (run_dir / "missing_ids.txt").read_text().splitlines()]
    assert missing == list(expected.missing)
    err = capsys.readouterr().err
    assert "1 listed sample(s) not on disk" in err and "ERROR" not in err
    assert _run(tmp_path / "webvid", tmp_path / "out", "--strict") == 1  # resumed, strict


def test_captions_with_commas_quotes_and_newlines_are_read_whole(tmp_path):
    expected = webvid.build(tmp_path / "webvid")
    reader = WebVidDataset(tmp_path / "webvid", sampling=FrameSampling(frames_per_clip=17))
    assert {r.sample_id: r.caption for r in reader.refs()} == {
        i: expected.captions[i] for i in expected.ids}
    assert reader.bad_rows() == []


def test_a_corrupt_video_is_a_failure_not_a_missing_sample(tmp_path):
    expected = webvid.build(tmp_path / "webvid", corrupt=True)
    assert _run(tmp_path / "webvid", tmp_path / "out") == 1
    run_dir = tmp_path / "out" / "webvid" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (2, 1, 1)
    failures = [json.loads(x) for x in (run_dir / "failures.jsonl").read_text().splitlines()]
    assert [f["sample_id"] for f in failures] == list(expected.corrupt)
