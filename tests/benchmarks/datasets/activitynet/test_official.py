"""``run`` and ``score`` of activitynet on a tiny copy of the v1.3 release
(tests/fixtures/official/activitynet.py): validation videos only, a partial download, the
taxonomy's leaves as classes, and a hand-scored detection result file."""

from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from tests.fixtures.official import activitynet


@pytest.mark.slow
def test_pyratok_runs_the_validation_subset_of_a_partial_copy(tmp_path, capsys):
    expected = activitynet.build(tmp_path / "anet")
    code = main(["run", "--task", "activitynet", "--tokenizer", "pyratok", "--data-root",
                 str(tmp_path / "anet"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "resize_shorter=64",
                 "--task-arg", "crop=64"])
    assert code == 0  # one validation video never downloaded: exit 0
    run_dir = tmp_path / "out" / "activitynet" / "pyratok"
    summary = json.loads((run_dir / "summary.json").read_text())
    # the training and testing videos on disk are not evaluated
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (2, 0, 1)
    assert (run_dir / "evaluated_ids.txt").read_text().split() == list(expected.ids)
    missing = [m.split("\t")[0] for m in (run_dir / "missing_ids.txt").read_text().splitlines()]
    assert missing == list(expected.missing)
    assert summary["dataset"]["split"] == "validation"
    assert summary["dataset"]["version"] == "VERSION 1.3"
    assert summary["dataset"]["n_classes"] == len(expected.classes)  # leaves, not "Root"
    assert "ERROR" not in capsys.readouterr().err


def test_score_of_a_hand_written_result_file(tmp_path, capsys):
    expected = activitynet.build(tmp_path / "anet")
    assert main(["score", "--task", "activitynet", "--annotations",
                 str(expected.annotation_file), "--predictions", str(expected.predictions),
                 "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    # 63.33 %: see tests/fixtures/official/activitynet.py, _hand_map
    assert scored["average_mAP"] == pytest.approx(expected.average_map, abs=1e-6)
    assert scored["mAP"]["0.5"] == pytest.approx(250 / 3)  # (1 + 0.5 + 1) / 3
    assert scored["mAP"]["0.95"] == pytest.approx(50.0)  # (1 + 0.5 + 0) / 3


@pytest.mark.slow
def test_score_of_the_run_s_own_results_gives_the_run_s_numbers(tmp_path, capsys):
    """The run writes its detections as ActivityNet results JSON; `score` of that file over
    the run's evaluated videos (a partial copy: score_ids) reproduces the run exactly."""
    expected = activitynet.build(tmp_path / "anet")
    assert main(["run", "--task", "activitynet", "--tokenizer", "pyratok", "--data-root",
                 str(tmp_path / "anet"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "resize_shorter=64", "--task-arg",
                 "crop=64", "--task-arg", "protocol=all_classes",
                 "--task-arg", "tau=-1.0"]) == 0
    run_dir = tmp_path / "out" / "activitynet" / "pyratok"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["files"]["results"] == "activitynet_results.json"
    results = json.loads((run_dir / "activitynet_results.json").read_text())["results"]
    assert sorted(results) == sorted(expected.ids) and all(results.values())
    capsys.readouterr()
    assert main(["score", "--task", "activitynet", "--annotations",
                 str(expected.annotation_file), "--predictions",
                 str(run_dir / "activitynet_results.json"), "--json", "--task-arg",
                 f"score_ids={run_dir / 'evaluated_ids.txt'}"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["average_mAP"] == summary["metrics"]["average_mAP"]
    assert scored["mAP"] == summary["evaluation"]["mAP"]
