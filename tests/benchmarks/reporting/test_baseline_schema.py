"""A ``check`` baseline or ``--tolerances`` file of wrong types: one line naming the file
and the key, exit 2 (never a traceback, never a tolerance silently ignored)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.config import ConfigError
from benchmarks.reporting.check import read_baseline, read_tolerances

GOOD = {"format": 1, "tolerances": {"default": {"abs": 1e-6, "rel": 1e-6}},
        "runs": {"webvid/tok": {"task": "webvid", "metrics": {
            "psnr": {"value": 20.0, "higher_is_better": True},
            "inf_psnr": {"value": "inf", "higher_is_better": True}}}}}


def _with(path: Path, **change) -> Path:
    path.write_text(json.dumps({**GOOD, **change}))
    return path


@pytest.mark.parametrize(("change", "key"), [
    ({"format": "1"}, "format"),
    ({"format": 2}, "format"),
    ({"runs": {"webvid/tok": [1]}}, "runs.webvid/tok"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": 20.0}}}}, "runs.webvid/tok.metrics.psnr"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": {"value": "abc"}}}}},
     "runs.webvid/tok.metrics.psnr.value"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": {"value": 1, "higher_is_better": "y"}}}}},
     "runs.webvid/tok.metrics.psnr.higher_is_better"),
    ({"runs": {"webvid/tok": {"metrics": []}}}, "runs.webvid/tok.metrics"),
    ({"tolerances": {"default": {"abs": "0.1"}}}, "tolerances.default.abs"),
    ({"tolerances": {"default": {"abs": -1}}}, "tolerances.default.abs"),
    ({"tolerances": {"metrics": {"psnr": {"abso": 0.1}}}}, "tolerances.metrics.psnr.abso"),
    ({"tolerances": {"metrics": {"psnr": {"ignore": "yes"}}}},
     "tolerances.metrics.psnr.ignore"),
    ({"tolerances": {"tasks": {"webvid": {"psnr": 0.1}}}}, "tolerances.tasks.webvid.psnr"),
    ({"tolerances": {"defaults": {}}}, "tolerances.defaults"),
    # issue 25: numbers no float holds, an unhashable value, a tolerance in the wrong place
    ({"tolerances": {"default": {"abs": 10**400}}}, "tolerances.default.abs"),
    ({"tolerances": {"tasks": {"webvid": {"psnr": {"rel": 10**400}}}}},
     "tolerances.tasks.webvid.psnr.rel"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": {"value": 10**400}}}}},
     "runs.webvid/tok.metrics.psnr.value"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": {"value": [1]}}}}},
     "runs.webvid/tok.metrics.psnr.value"),
    ({"runs": {"webvid/tok": {"metrics": {"psnr": {"value": 1, "abs": 0.1}}}}},
     "runs.webvid/tok.metrics.psnr.abs"),
    ({"runs": {"webvid/tok": {"n_samples": "8", "metrics": {}}}}, "runs.webvid/tok.n_samples"),
    ({"runs": {"webvid/tok": {"n_samples": 10**400, "metrics": {}}}},
     "runs.webvid/tok.n_samples"),
    ({"runs": {"webvid/tok": {"evaluated_ids_sha256": ["ab"], "metrics": {}}}},
     "runs.webvid/tok.evaluated_ids_sha256"),
])
def test_a_wrong_type_names_the_file_and_the_key(tmp_path, change, key):
    path = _with(tmp_path / "base.json", **change)
    with pytest.raises(ConfigError) as info:
        read_baseline(path)
    assert str(info.value).startswith(f"--baseline {path}: {key}: expected ")


def test_the_committed_kind_of_baseline_reads(tmp_path):
    assert read_baseline(_with(tmp_path / "base.json"))["format"] == 1


def test_a_tolerances_file_is_checked_too(tmp_path):
    path = tmp_path / "tol.yaml"
    path.write_text("metrics:\n  psnr: {abs: lots}\n")
    with pytest.raises(ConfigError, match=f"--tolerances {path}: metrics.psnr.abs: expected"):
        read_tolerances(path)
    path.write_text("a: " + "[" * 5000 + "]" * 5000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        read_tolerances(path)


def test_check_with_a_bad_tolerance_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    path = _with(tmp_path / "base.json", tolerances={"default": {"rel": "x"}})
    assert main(["check", "--runs", str(tmp_path / "runs"), "--baseline", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --baseline {path}: tolerances.default.rel: expected a finite "
                   "number >= 0, got 'x'"]
