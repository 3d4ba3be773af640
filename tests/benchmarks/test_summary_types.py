"""A ``summary.json`` of wrong types is one SummaryError naming the file and the key; a
non-finite metric is written as strict JSON and read back as the float it was."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.store import ResultStore, RunRecord, RunSummary, SummaryError

GOOD = {"task": "webvid", "tokenizer": "identity", "run_name": "identity",
        "metrics": {"psnr": 20.0, "ssim": None}, "n_samples": 2}


@pytest.mark.parametrize(("change", "key"), [
    ({"metrics": {"psnr": "20.0"}}, "metrics.psnr"),
    ({"metrics": {"psnr": [1]}}, "metrics.psnr"),
    ({"metrics": {"psnr": True}}, "metrics.psnr"),
    ({"metrics_ci95": {"psnr": {"lo": 1}}}, "metrics_ci95.psnr"),
    ({"run_name": 7}, "run_name"),
    ({"n_samples": "2"}, "n_samples"),
    ({"n_samples": True}, "n_samples"),
    ({"higher_is_better": {"psnr": "yes"}}, "higher_is_better.psnr"),
    ({"groups": {"clip": 3}}, "groups.clip"),
    ({"evaluation": [1, 2]}, "evaluation"),
    ({"demo_data": "no"}, "demo_data"),
    ({"unavailable": {"lpips": 3}}, "unavailable.lpips"),
    # values no float holds, and values of keys that were not checked (issue 25)
    ({"metrics": {"psnr": 10**400}}, "metrics.psnr"),
    ({"metrics_ci95": {"psnr": -(10**400)}}, "metrics_ci95.psnr"),
    ({"groups": {"clip": {"psnr": "20"}}}, "groups.clip.psnr"),
    ({"groups": {"clip": {"psnr": {"a": 1}}}}, "groups.clip.psnr"),
    ({"n_samples": -3}, "n_samples"),
    ({"n_failed": -1}, "n_failed"),
    ({"limit": "2"}, "limit"),
    ({"limit": -1}, "limit"),
    ({"evaluated_ids": [1]}, "evaluated_ids"),
    ({"evaluated_ids": {"file": 3}}, "evaluated_ids.file"),
    ({"short_clips": "repeat_last"}, "short_clips"),
    ({"short_clips": {"n_padded": "1"}}, "short_clips.n_padded"),
    ({"config": {"task": ["webvid"]}}, "config.task"),
])
def test_a_key_of_the_wrong_type_names_the_file_and_the_key(tmp_path, change, key):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**GOOD, **change}))
    with pytest.raises(SummaryError) as info:
        RunSummary.read(path)
    assert str(info.value).startswith(f"{path}: {key}: expected ")


def test_a_non_string_task_is_not_a_summary(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**GOOD, "task": ["webvid"]}))
    with pytest.raises(SummaryError, match=f"{path}: not a run summary .no 'task'"):
        RunSummary.read(path)


def test_a_nested_entry_of_other_keys_is_a_summary_error(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**GOOD, "evaluated_ids": {"bogus": 1}}))
    with pytest.raises(SummaryError, match="not a run summary"):
        RunSummary.read(path)


def test_non_finite_metrics_are_strict_json_on_disk_and_floats_in_memory(tmp_path):
    store = ResultStore(tmp_path / "run", config_hash="h")
    summary = RunSummary(task="webvid", tokenizer="identity",
                         metrics={"psnr": math.inf, "x": math.nan, "y": -math.inf},
                         metrics_ci95={"psnr": math.nan}, groups={"g": {"psnr": math.inf}})
    path = store.write_summary(summary)
    store.add_sample(RunRecord("a", metrics={"psnr": math.inf, "ssim": 1.0}))
    store.close()
    for text in (path.read_text(), (tmp_path / "run" / "samples.jsonl").read_text()):
        assert "Infinity" not in text and "NaN" not in text
        assert '"inf"' in text
    back = RunSummary.read(path)
    assert back.metrics["psnr"] == math.inf and back.metrics["y"] == -math.inf
    assert math.isnan(back.metrics["x"]) and math.isnan(back.metrics_ci95["psnr"])
    assert back.groups["g"]["psnr"] == math.inf
    assert ResultStore(tmp_path / "run", config_hash="h").samples()["a"].metrics == {
        "psnr": math.inf, "ssim": 1.0}


def test_an_old_summary_with_bare_infinity_still_reads(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({**GOOD, "metrics": {"psnr": math.inf}}))  # bare Infinity
    assert "Infinity" in path.read_text()
    assert RunSummary.read(path).metrics["psnr"] == math.inf


def test_a_samples_line_nested_too_deep_is_skipped_like_a_cut_one(tmp_path):
    store = ResultStore(tmp_path, config_hash="h")
    store.add_sample(RunRecord("a", metrics={"psnr": 1.0}))
    store.close()
    with (tmp_path / "samples.jsonl").open("a") as f:
        f.write("[" * 100_000 + "]" * 100_000 + "\n")
        f.write('{"sample_id": "b", "sample_id": "c", "config_hash": "h"}\n')
    assert list(ResultStore(tmp_path, config_hash="h").samples()) == ["a"]


def _records(run_dir, lines: list[dict]) -> None:
    with (run_dir / "samples.jsonl").open("w") as f:
        for line in lines:
            f.write(json.dumps({"config_hash": "h", "path": "", **line}) + "\n")


@pytest.mark.parametrize(("record", "key"), [
    ({"sample_id": ["a"]}, "sample_id"),  # unhashable: crashed the store's dict
    ({"sample_id": 7}, "sample_id"),
    ({"sample_id": ""}, "sample_id"),
    ({"sample_id": "a", "metrics": {"psnr": "abc"}}, "metrics.psnr"),
    ({"sample_id": "a", "metrics": {"psnr": True}}, "metrics.psnr"),  # would count as 1
    ({"sample_id": "a", "metrics": {"psnr": 10**400}}, "metrics.psnr"),
    ({"sample_id": "a", "metrics": [1, 2]}, "metrics"),
    ({"sample_id": "a", "group": ["g"]}, "group"),
    ({"sample_id": "a", "padded_frames": -5}, "padded_frames"),
    ({"sample_id": "a", "arrays": "../../etc/passwd"}, "arrays"),
    ({"sample_id": "a", "arrays": 5}, "arrays"),
])
def test_a_record_of_wrong_types_is_skipped_in_one_warning_and_never_counted(
        tmp_path, caplog, record, key):
    _records(tmp_path, [record, {"sample_id": "b", "metrics": {"psnr": 30.0}},
                        {"sample_id": "c", "metrics": {"psnr": "inf"}}])
    store = ResultStore(tmp_path, config_hash="h")
    for _ in range(3):  # a run reads its store several times: one line, not three
        assert sorted(store.samples()) == ["b", "c"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert str(tmp_path / "samples.jsonl") in warnings[0]
    assert f"wrong types (first: {key}: expected" in warnings[0]
    assert store.samples()["c"].metrics["psnr"] == math.inf
