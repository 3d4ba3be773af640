"""THUMOS14 / ActivityNet zero-shot localization end to end on the demo sets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import benchmarks
from benchmarks.cli import main
from tests.helpers.paths import REPO

# every test here runs the demo set end to end (minutes on 2 CPU cores)
pytestmark = pytest.mark.slow

SAME = ("metrics", "groups", "evaluation", "n_samples", "n_failed", "n_missing", "n_listed",
        "evaluated_ids", "config_hash")


@pytest.fixture(scope="module")
def thumos(tmp_path_factory):
    out = tmp_path_factory.mktemp("tal")
    return benchmarks.evaluate("thumos14", "pyratok", output=out, progress=False), out


def test_demo_run_beats_shuffled_prompts(thumos, tmp_path):
    summary, out = thumos
    assert summary["demo_data"] and summary["n_samples"] == 24 and summary["n_failed"] == 0
    ev = summary["evaluation"]
    assert ev["protocol"] == "seen_unseen" and ev["n_splits"] == 10
    assert set(ev["mAP"]) == {"0.3", "0.4", "0.5", "0.6", "0.7"}
    splits = json.loads((out / "thumos14" / "pyratok" / "splits.json").read_text())["splits"]
    assert [s["seed"] for s in splits] == list(range(10))
    assert all(len(s["seen_classes"]) == len(s["unseen_classes"]) == 5 for s in splits)
    shuffled = benchmarks.evaluate("thumos14", "pyratok", output=tmp_path, progress=False,
                                   shuffle_prompts=0)
    assert shuffled["evaluation"]["shuffled_prompts"]
    assert summary["metrics"]["average_mAP"] > 2 * shuffled["metrics"]["average_mAP"]


def test_a_tau_sweep_resumes_every_video(thumos, monkeypatch):
    """tau and the protocol change no stored similarity: nothing is re-encoded."""
    summary, out = thumos
    from benchmarks.families.localization.family import LocalizationFamily

    def fail(*_a, **_k):
        raise AssertionError("re-encoded a video")

    monkeypatch.setattr(LocalizationFamily, "_score_video", fail)
    fixed = benchmarks.evaluate("thumos14", "pyratok", output=out, progress=False,
                                protocol="all_classes", tau=0.3, plot=True)
    assert fixed["n_samples"] == 24 and fixed["n_failed"] == 0
    assert fixed["evaluation"]["protocol"] == "all_classes"
    assert fixed["config_hash"] == summary["config_hash"]
    pictures = list((out / "thumos14" / "pyratok" / "plots").glob("*.png"))
    assert len(pictures) == 24


def test_score_mode_on_the_runs_own_predictions(tmp_path, capsys):
    gt = benchmarks.evaluate("activitynet", "pyratok", output=tmp_path, progress=False,
                             protocol="all_classes")
    ann = Path(gt["dataset"]["annotation_file"])
    database = json.loads(ann.read_text())["database"]
    vid = next(iter(database))
    label = database[vid]["annotations"][0]["label"]
    start, end = database[vid]["annotations"][0]["segment"]
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"results": {vid: [{"label": label, "score": 1.0,
                                                   "segment": [start, end]}]}}))
    assert main(["score", "--task", "activitynet", "--annotations", str(ann),
                 "--predictions", str(pred), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["mAP"]) and 0 < result["average_mAP"] <= 100
    pred.write_text(json.dumps({"results": {vid: [{"label": label, "score": 1.0,
                                                   "segment": [end, start]}]}}))
    assert main(["score", "--task", "activitynet", "--annotations", str(ann),
                 "--predictions", str(pred), "--json"]) == 2
    assert "pred.json" in capsys.readouterr().err


def test_torchrun_gives_the_identical_summary(thumos, tmp_path):
    summary, _ = thumos
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                    "--master-port", str(port), "-m", "benchmarks", "run", "--task",
                    "thumos14", "--tokenizer", "pyratok", "--output", str(tmp_path),
                    "--no-progress", "--device", "cpu"], cwd=REPO, env=env,
                   capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    two = json.loads((tmp_path / "thumos14" / "pyratok" / "summary.json").read_text())
    assert two["world_size"] == 2
    for key in SAME:
        assert two[key] == summary[key], key
