"""Issue 25's report traps, as a user meets them from the shell: no traceback, a bounded
time, and the number says what it covers (copied run folders, non-letter MVBench answers,
too few paired samples)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import REPO

TIMEOUT_S = 120


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)


def _summary(folder: Path, *, run_name: str, psnr: float, n: int = 3) -> None:
    folder.mkdir(parents=True)
    with (folder / "samples.jsonl").open("w") as f:
        for i in range(n):
            f.write(json.dumps({"sample_id": f"v{i}", "path": "", "config_hash": "h",
                                "metrics": {"psnr": psnr + i}, "prediction": None,
                                "group": None}) + "\n")
    (folder / "summary.json").write_text(json.dumps({
        "task": "webvid", "tokenizer": "identity", "run_name": run_name, "config_hash": "h",
        "config": {"task": {"task": "webvid", "family": "reconstruction"}, "params": {}},
        "metrics": {"psnr": psnr + (n - 1) / 2}, "higher_is_better": {"psnr": True}}))


def test_tables_keeps_a_copied_run_folder_as_its_own_row(tmp_path):
    runs = tmp_path / "runs"
    _summary(runs / "webvid" / "identity", run_name="identity", psnr=30.0)
    shutil.copytree(runs / "webvid" / "identity", runs / "webvid" / "identity-copy")
    data = json.loads((runs / "webvid" / "identity-copy" / "summary.json").read_text())
    data["metrics"]["psnr"] = 20.0
    (runs / "webvid" / "identity-copy" / "summary.json").write_text(json.dumps(data))
    done = _cli("tables", "--runs", str(runs), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    rows = done.stdout.splitlines()[2:]
    assert len(rows) == 2
    assert any(r.startswith("| identity |") and "31.00" in r for r in rows)
    assert any(r.startswith("| identity-copy |") and "20.00" in r for r in rows)


def test_compare_of_three_paired_samples_says_the_interval_is_unreliable(tmp_path):
    a, b = tmp_path / "runs" / "webvid" / "a", tmp_path / "runs" / "webvid" / "b"
    _summary(a, run_name="a", psnr=30.0)
    _summary(b, run_name="b", psnr=31.0)
    done = _cli("compare", str(a), str(b), "--out", str(tmp_path / "cmp"), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "Only 3 paired samples (fewer than 10): the bootstrap interval is unreliable" \
        in done.stdout


def test_mvbench_answers_that_are_no_letter_are_counted_in_one_line(tmp_path):
    (tmp_path / "gt" / "json").mkdir(parents=True)
    entries = [{"video": "v.mp4", "question": "q?", "candidates": ["x", "y", "z"],
                "answer": "y"} for _ in range(4)]
    (tmp_path / "gt" / "json" / "action_antonym.json").write_text(json.dumps(entries))
    answers = {f"action_antonym/{i}": "the square moves left" for i in range(3)}
    (tmp_path / "pred.json").write_text(json.dumps({**answers, "action_antonym/3": "B"}))
    done = _cli("score", "--task", "mvbench", "--annotations", str(tmp_path / "gt"),
                "--predictions", str(tmp_path / "pred.json"), "--json", cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["overall"] == 25.0 and result["n_unparsed"] == 3
    said = [line for line in done.stderr.splitlines() if "could not be read" in line]
    assert len(said) == 1 and "3 of 4 answers" in said[0] and "3 unparseable" in said[0]
