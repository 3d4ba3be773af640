"""``run --task coco`` on a tiny copy of the COCO val2017 release
(tests/fixtures/official/coco.py): avgpool's PSNR against a value computed by hand."""

from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from benchmarks.datasets.coco.reader import CocoCaptionsDataset
from benchmarks.io.sampling import FrameSampling
from tests.fixtures.official import coco


def test_avgpool_psnr_matches_the_hand_computed_value(tmp_path, capsys):
    expected = coco.build(tmp_path / "coco")
    code = main(["run", "--task", "coco", "--tokenizer", "avgpool", "--data-root",
                 str(tmp_path / "coco"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "lpips=false", "--task-arg", "examples=0"])
    assert code == 0  # one listed image absent: a partial copy, not a failure
    run_dir = tmp_path / "out" / "coco" / "avgpool"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (2, 0, 1)
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    records = {r["sample_id"]: r for r in map(json.loads, lines)}
    assert sorted(records) == sorted(expected.ids)
    for image_id, psnr in expected.avgpool_psnr.items():  # 35.121 dB and 41.141 dB
        assert records[image_id]["metrics"]["psnr"] == pytest.approx(psnr, abs=1e-3)
    # the dataset PSNR is the mean over images: (35.121 + 41.141) / 2 = 38.131 dB
    assert summary["metrics"]["psnr"] == pytest.approx(38.131, abs=1e-3)
    assert summary["dataset"]["annotation_file"].endswith("captions_val2017.json")
    missing = (run_dir / "missing_ids.txt").read_text().splitlines()
    assert [m.split("\t")[0] for m in missing] == list(expected.missing)
    assert "ERROR" not in capsys.readouterr().err


def test_the_release_json_is_read_as_shipped(tmp_path):
    expected = coco.build(tmp_path / "coco")
    reader = CocoCaptionsDataset(tmp_path / "coco", sampling=FrameSampling(frames_per_clip=1))
    # captions of the lowest annotation id, stripped; instances/keypoints files not read
    assert {r.sample_id: r.caption for r in reader.refs()} == expected.first_captions
    assert reader.bad_rows() == []
    assert [e.sample_id for e in reader.absent()] == list(expected.missing)
    # the grayscale JPEG decodes to three equal channels
    gray = reader.load(next(r for r in reader.refs() if r.sample_id == "285")).video
    assert gray.shape == (3, 1, 256, 256) and bool((gray[0] == gray[2]).all())
