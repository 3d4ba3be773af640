"""``python -m benchmarks check``: baseline vs run summaries, tolerances, direction, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.reporting.check import run_check, updated_baseline
from tests.helpers.paths import REPO


def _summary(runs: Path, task: str, run: str, metrics: dict, hib: dict, sha: str = "s1"):
    folder = runs / task / run
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({
        "task": task, "tokenizer": run, "run_name": run, "metrics": metrics,
        "higher_is_better": hib, "n_samples": 4, "evaluated_ids": {"sha256": sha},
    }))


@pytest.fixture
def setup(tmp_path: Path):
    runs = tmp_path / "runs"
    _summary(runs, "webvid", "tok", {"psnr": 20.0, "lpips": 0.3, "encode_ms": 5.0},
             {"psnr": True, "lpips": False, "encode_ms": False})
    baseline = tmp_path / "base.json"
    assert run_check(baseline, runs, update=True)[0] == 0
    data = json.loads(baseline.read_text())
    data["tolerances"]["metrics"] = {"encode_ms": {"ignore": True}}
    baseline.write_text(json.dumps(data))
    return runs, baseline


def _edit(baseline: Path, metric: str, value: float, tol: dict | None = None) -> None:
    data = json.loads(baseline.read_text())
    data["runs"]["webvid/tok"]["metrics"][metric]["value"] = value
    if tol is not None:
        data["tolerances"]["metrics"][metric] = tol
    baseline.write_text(json.dumps(data))


def test_same_values_pass(setup):
    runs, baseline = setup
    code, text = run_check(baseline, runs)
    assert code == 0 and "2 ok" in text and "1 ignored" in text


def test_baseline_better_than_the_run_fails_naming_the_metric(setup, capsys):
    runs, baseline = setup
    _edit(baseline, "psnr", 21.0)  # the baseline claims more than the run gives
    assert main(["check", "--baseline", str(baseline), "--runs", str(runs)]) == 1
    out = capsys.readouterr().out
    assert "regression: webvid/tok psnr" in out and "| 21 | 20 | -1 |" in out
    _edit(baseline, "psnr", 21.0, {"abs": 1.5})  # loosened: passes
    assert run_check(baseline, runs)[0] == 0


def test_direction_lower_is_better_and_improvements_pass(setup):
    runs, baseline = setup
    _edit(baseline, "lpips", 0.4)  # the run is lower (better) than the baseline
    code, text = run_check(baseline, runs)
    assert code == 0 and "improved" in text
    _edit(baseline, "lpips", 0.2)
    code, text = run_check(baseline, runs)
    assert code == 1 and "webvid/tok lpips" in text


def test_relative_tolerance_and_tolerance_file(setup, tmp_path: Path):
    runs, baseline = setup
    _edit(baseline, "psnr", 20.1)
    assert run_check(baseline, runs)[0] == 1
    tol = tmp_path / "tol.yaml"
    tol.write_text("metrics:\n  psnr: {rel: 0.01}\n")  # 1% of 20.1 > 0.1
    assert run_check(baseline, runs, tolerances_path=tol)[0] == 0


def test_missing_run_and_other_sample_set_fail(setup):
    runs, baseline = setup
    data = json.loads(baseline.read_text())
    data["runs"]["coco/tok"] = {"task": "coco", "metrics": {}}
    data["runs"]["webvid/tok"]["evaluated_ids_sha256"] = "other"
    baseline.write_text(json.dumps(data))
    code, text = run_check(baseline, runs)
    assert code == 1 and "coco/tok (run)" in text and "run not found" in text
    assert "another sample set" in text


def test_bad_paths_are_one_line_exit_2(tmp_path: Path, capsys):
    assert main(["check", "--baseline", str(tmp_path / "none.json"),
                 "--runs", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_update_keeps_tolerances(setup):
    runs, baseline = setup
    data = updated_baseline([], json.loads(baseline.read_text()))
    assert data["tolerances"]["metrics"] == {"encode_ms": {"ignore": True}}


def test_committed_demo_baseline_is_complete():
    from scripts.ci_suite import SUITE

    path = REPO / "results/baselines/demo.json"
    runs = json.loads(path.read_text())["runs"]
    # one run per SUITE entry, named <task>/<tokenizer>[+<generator>]
    assert sorted(f"{task}/{tokenizer}" + (f"+{args['generator']}" if "generator" in args else "")
                  for task, _, tokenizer, args in SUITE) == sorted(runs)


def test_same_ids_on_other_input_files_are_told_apart_from_a_metric_change(tmp_path: Path):
    runs = tmp_path / "runs"
    _summary(runs, "webvid", "tok", {"psnr": 20.0}, {"psnr": True})
    summary_path = runs / "webvid" / "tok" / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["evaluated_ids"]["inputs_sha256"] = "files-1"
    summary_path.write_text(json.dumps(summary))
    baseline = tmp_path / "base.json"
    assert run_check(baseline, runs, update=True)[0] == 0
    assert json.loads(baseline.read_text())["runs"]["webvid/tok"]["inputs_sha256"] == "files-1"
    assert run_check(baseline, runs)[0] == 0
    summary["evaluated_ids"]["inputs_sha256"] = "files-2"  # same ids, the copy re-encoded
    summary["metrics"]["psnr"] = 19.0
    summary_path.write_text(json.dumps(summary))
    code, text = run_check(baseline, runs)
    assert code == 1 and "| webvid/tok | (inputs) |" in text
    assert "same sample ids, different input files" in text
    assert "REGRESSED (input files differ)" in text  # psnr moved: on other files
    del summary["evaluated_ids"]["inputs_sha256"]  # a run of an older harness: not checked
    summary["metrics"]["psnr"] = 20.0
    summary_path.write_text(json.dumps(summary))
    assert run_check(baseline, runs)[0] == 0
