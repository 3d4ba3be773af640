"""A FIFO or an endless device where the harness expects a file (issue 25's class "no hang
from any file"): before, ``tables``, ``check`` and ``list --include-path`` blocked forever
on a FIFO and read ``/dev/zero`` until memory ran out. Each is now one line, exit 2, at
once (the child is killed past the time bound, so a regression fails instead of hanging)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.child import run_benchmarks

pytestmark = [pytest.mark.slow,  # a CLI subprocess each
              pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                 reason="needs FIFOs and /dev/zero")]

ANET_GT = {"version": "VERSION 1.3", "database": {"v1": {
    "subset": "validation", "duration": 10.0,
    "annotations": [{"segment": [1.0, 4.0], "label": "Dancing"}]}}}


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _cases(tmp: Path) -> dict[str, tuple[list[str], str]]:
    gt = tmp / "gt.json"
    gt.write_text(json.dumps(ANET_GT))
    good = tmp / "good_runs" / "webvid" / "identity" / "summary.json"
    good.parent.mkdir(parents=True)
    good.write_text(json.dumps({"schema_version": 2, "task": "webvid", "tokenizer": "identity",
                                "run_name": "identity", "metrics": {"psnr": 1.0},
                                "higher_is_better": {"psnr": True}, "n_samples": 1}))
    summary = _fifo(tmp / "fifo_runs" / "webvid" / "x" / "summary.json")
    return {
        "tables-fifo-summary": (["tables", "--runs", str(summary.parents[2])], str(summary)),
        "check-fifo-baseline": (["check", "--runs", str(good.parents[2]), "--baseline",
                                 str(_fifo(tmp / "baseline.json"))], "baseline.json"),
        "check-dev-zero-baseline": (["check", "--runs", str(good.parents[2]), "--baseline",
                                     "/dev/zero"], "/dev/zero"),
        "score-fifo-annotations": (["score", "--task", "activitynet", "--annotations",
                                    str(_fifo(tmp / "gt_fifo.json")), "--predictions",
                                    str(gt)], "gt_fifo.json"),
        "list-fifo-task-yaml": (["list", "--include-path",
                                 str(_fifo(tmp / "tasks" / "mine.yaml").parent)], "mine.yaml"),
    }


@pytest.mark.parametrize("name", ["tables-fifo-summary", "check-fifo-baseline",
                                  "check-dev-zero-baseline", "score-fifo-annotations",
                                  "list-fifo-task-yaml"])
def test_a_fifo_or_device_is_one_line_exit_2_at_once(name, tmp_path):
    argv, named = _cases(tmp_path)[name]
    done = run_benchmarks(argv, cwd=tmp_path, time_limit_s=60)
    lines = done.stderr.strip().splitlines()
    assert done.code == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert named in lines[0] and "not a regular file" in lines[0], lines[0]
    assert done.peak_rss_mib < 1024
