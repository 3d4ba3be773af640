"""The typed, versioned ``summary.json``: round trip, older versions, a newer one refused."""

from __future__ import annotations

import json
import math
import subprocess

import pytest

from benchmarks.store import SCHEMA_VERSION, RunSummary, SummaryError
from tests.helpers.paths import REPO

V1 = REPO / "tests" / "fixtures" / "summaries" / "v1"  # written before schema_version


def _same_json(a: object, b: object) -> bool:
    """Equal as JSON, NaN equal to NaN (``metrics_ci95`` of one sample)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_a_version_1_summary_reads_and_writes_back_every_key_and_value():
    path = V1 / "mcl-jcv" / "hevc" / "summary.json"
    old = json.loads(path.read_text())
    assert "schema_version" not in old
    summary = RunSummary.read(path)
    assert summary.task == "mcl-jcv" and summary.label == "hevc"
    assert summary.evaluated_ids is not None and summary.evaluated_ids.count == 1
    assert summary.family == "compression"
    assert summary.metrics["bpp"] == old["metrics"]["bpp"]
    written = summary.to_dict()
    assert written["schema_version"] == SCHEMA_VERSION
    assert _same_json({k: v for k, v in written.items() if k != "schema_version"}, old)


def test_a_summary_round_trips_through_its_json(tmp_path):
    summary = RunSummary.read(V1 / "thumos14" / "pyratok" / "summary.json")
    summary.stopped, summary.merged_shards = "--strict: v1: bad", 3
    path = tmp_path / "t" / "r" / "summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(summary.to_dict()))
    again = RunSummary.read(path)
    assert _same_json(again.to_dict(), summary.to_dict())
    assert list(again.to_dict())[-2:] == ["stopped", "merged_shards"]  # written last, as ever


def test_optional_keys_are_written_only_when_set_and_unknown_keys_are_kept():
    summary = RunSummary.from_dict({"task": "t", "tokenizer": "k", "metrics": {},
                                    "from_a_fork": 1})
    data = summary.to_dict()
    assert not {"stopped", "merged_shards", "claim", "extra"} & set(data)
    assert data["from_a_fork"] == 1


def test_a_summary_of_a_newer_schema_is_refused_naming_the_file_and_the_version(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1, "task": "t",
                                "tokenizer": "k", "metrics": {}}))
    with pytest.raises(SummaryError) as err:
        RunSummary.read(path)
    assert str(path) in str(err.value)
    assert f"schema_version {SCHEMA_VERSION + 1} is newer" in str(err.value)


@pytest.mark.parametrize("data", [[], {"task": "t", "tokenizer": "k"},
                                  {"task": "t", "metrics": {}},
                                  {"task": "t", "tokenizer": "k", "metrics": {},
                                   "schema_version": "2"}])
def test_what_is_no_run_summary_is_a_summary_error(data):
    with pytest.raises(SummaryError, match="^where: "):
        RunSummary.from_dict(data, source="where")


def test_every_summary_json_in_the_repository_reads():
    files = subprocess.run(["git", "ls-files", "*summary.json"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    assert len(files) >= 2  # the fixtures above, at least
    for name in files:
        summary = RunSummary.read(REPO / name)
        assert summary.task and summary.metrics is not None, name
