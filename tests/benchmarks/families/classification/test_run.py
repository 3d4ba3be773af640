"""Kinetics zero-shot classification end to end on the demo set (and a careless user's run).

The demo set (``benchmarks.datasets.kinetics.demo``) holds procedural clips from held-out seeds
(>= 10,000,000) of 49 classes; the bundled PyraTok checkpoint was trained on lower seeds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import benchmarks
from benchmarks.cli import main
from tests.helpers.paths import REPO

CHANCE = 100 / 49
# What must agree between two runs of the same protocol (timings, paths and dates aside).
SAME = ("metrics", "metrics_ci95", "groups", "evaluation", "n_samples", "n_failed",
        "n_missing", "n_listed", "evaluated_ids", "config_hash")


@pytest.fixture(scope="module")
def zero_shot(tmp_path_factory):
    out = tmp_path_factory.mktemp("kinetics")
    return benchmarks.evaluate("kinetics400", "pyratok", output=out, progress=False), out


@pytest.mark.slow
def test_pyratok_zero_shot_beats_chance_fivefold(zero_shot):
    summary, out = zero_shot
    assert summary["demo_data"] and summary["n_samples"] == 100 and summary["n_failed"] == 0
    assert summary["evaluation"]["n_classes"] == 49 and summary["evaluation"]["zero_shot"]
    assert summary["metrics"]["top1"] >= 5 * CHANCE
    assert summary["metrics"]["top5"] >= summary["metrics"]["top1"]
    records = [json.loads(x) for x in
               (out / "kinetics400" / "pyratok" / "samples.jsonl").read_text().splitlines()]
    assert all(len(r["prediction"]) == 5 and set(r["metrics"]) == {"top1", "top5"}
               for r in records)
    ids = (out / "kinetics400" / "pyratok" / "evaluated_ids.txt").read_text().split()
    assert ids == sorted(r["sample_id"] for r in records)


@pytest.mark.slow
def test_shuffled_class_names_fall_to_chance(zero_shot, tmp_path):
    summary = benchmarks.evaluate("kinetics400", "pyratok", output=tmp_path, progress=False,
                                  shuffle_class_names=0)
    assert summary["evaluation"]["shuffled_class_names"]
    assert summary["metrics"]["top1"] < 2.5 * CHANCE < zero_shot[0]["metrics"]["top1"] / 5


@pytest.mark.slow
def test_the_run_agrees_with_score_on_its_own_predictions(zero_shot, tmp_path, capsys):
    summary, out = zero_shot
    run_dir = out / "kinetics400" / "pyratok"
    records = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({r["sample_id"]: r["prediction"] for r in records}))
    gt = Path(summary["dataset"]["annotation_file"])
    assert main(["score", "--task", "kinetics400", "--annotations", str(gt), "--predictions",
                 str(pred), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["top1"] == summary["metrics"]["top1"]
    assert scored["top5"] == summary["metrics"]["top5"]
    assert scored["n_missing"] == 0 and scored["n_videos"] == 100


def test_a_tokenizer_without_text_is_told_about_the_probe(capsys, tmp_path):
    code = main(["run", "--task", "kinetics400", "--tokenizer", "avgpool", "--limit", "2",
                 "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "probe=linear" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_linear_probe_runs_and_is_not_called_zero_shot(tmp_path):
    summary = benchmarks.evaluate("kinetics400", "avgpool", output=tmp_path, progress=False,
                                  limit=6, probe="linear", probe_per_class=1)
    assert summary["evaluation"]["zero_shot"] is False
    assert summary["evaluation"]["probe_train_videos"] == 49
    assert summary["n_samples"] == 6


def _cli_args(out: Path, tokenizer: str = "pyratok") -> list[str]:
    return ["run", "--task", "kinetics400", "--tokenizer", tokenizer, "--limit", "16",
            "--batch-size", "1", "--num-workers", "0", "--no-progress", "--output", str(out),
            "--run-name", "run", "--device", "cpu"]


def _summary(out: Path) -> dict:
    return json.loads((out / "kinetics400" / "run" / "summary.json").read_text())


@pytest.mark.slow
def test_sigkill_resume_and_torchrun_match_one_uninterrupted_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    slow = [sys.executable, "-m", "tests.helpers.slow_run"]
    # 1. uninterrupted, one process
    subprocess.run(slow + _cli_args(tmp_path / "one", "slow-pyratok"), cwd=REPO, env=env,
                   check=True, capture_output=True)
    # 2. killed part-way, then rerun
    killed = tmp_path / "killed"
    samples = killed / "kinetics400" / "run" / "samples.jsonl"
    proc = subprocess.Popen(slow + _cli_args(killed, "slow-pyratok"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if samples.exists() and len(samples.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = samples.read_text().splitlines()
    assert 4 <= len(before) < 16, "the run must be killed part-way"
    subprocess.run(slow + _cli_args(killed, "slow-pyratok"), cwd=REPO, env=env, check=True,
                   capture_output=True)
    assert samples.read_text().splitlines()[: len(before)] == before  # nothing recomputed
    # 3. two processes under torchrun
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                "--master-port", str(port), "-m", "tests.helpers.slow_run"]
    done = subprocess.run(torchrun + _cli_args(tmp_path / "two", "slow-pyratok"), cwd=REPO,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    one, resumed, two = (_summary(tmp_path / d) for d in ("one", "killed", "two"))
    assert two["world_size"] == 2
    for key in SAME:
        assert resumed[key] == one[key], key
        assert two[key] == one[key], key


@pytest.mark.slow
def test_missing_and_broken_videos_are_reported_never_dropped(tmp_path, capsys):
    from tests.helpers.kinetics import VAL_CLIPS, Clip, write_kinetics

    root = tmp_path / "k400"
    clips = (*VAL_CLIPS[:3], Clip("tasting food", "gone1234567", extension=None))
    paths = write_kinetics(root, clips)
    broken = paths[VAL_CLIPS[2].youtube_id]
    broken.write_bytes(broken.read_bytes()[:300])  # truncated file
    code = main(["run", "--task", "kinetics400", "--tokenizer", "pyratok", "--data-root",
                 str(root), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "resize_shorter=64", "--task-arg",
                 "crop=64", "--task-arg", "dataset_args={split: val}"])
    assert code == 1  # finished, the truncated file failed
    run_dir = tmp_path / "out" / "kinetics400" / "pyratok"
    summary = json.loads((run_dir / "summary.json").read_text())
    # the absent video is a partial download (n_missing), the truncated one a failure
    assert summary["n_samples"] == 2 and summary["n_missing"] == 1 == summary["n_failed"]
    assert not summary["demo_data"] and summary["n_listed"] == 4
    missing = dict(line.split("\t") for line in
                   (run_dir / "missing_ids.txt").read_text().splitlines())
    assert list(missing) == ["gone1234567"] and "gone1234567" in missing["gone1234567"]
    failures = [json.loads(line) for line in (run_dir / "failures.jsonl").read_text().splitlines()]
    assert [f["sample_id"] for f in failures] == [VAL_CLIPS[2].youtube_id]
    assert summary["evaluated_ids"]["count"] == 2
    err = capsys.readouterr().err
    assert "warning: 1 listed sample(s) not on disk" in err and "ERROR" not in err


@pytest.mark.slow
def test_a_partial_download_alone_exits_0_and_1_under_strict(tmp_path, capsys):
    from tests.helpers.kinetics import VAL_CLIPS, Clip, write_kinetics

    root = tmp_path / "k400"
    # sorted ids, present P and absent A: P "--nQbRBEz2s" < A "00gone00000" < P "0wR5jVB-WPk"
    # < A "1gone000000" < P "_5-9hJ9Sj0c" < A "zzgone00000"
    gone = [Clip("tasting food", i, extension=None)
            for i in ("00gone00000", "1gone000000", "zzgone00000")]
    write_kinetics(root, (*VAL_CLIPS[:3], *gone))
    args = ["run", "--task", "kinetics400", "--tokenizer", "pyratok", "--data-root", str(root),
            "--output", str(tmp_path / "out"), "--no-progress", "--num-workers", "0",
            "--task-arg", "resize_shorter=64", "--task-arg", "crop=64",
            "--task-arg", "dataset_args={split: val}"]
    assert main(args) == 0
    summary = json.loads((tmp_path / "out/kinetics400/pyratok/summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (3, 0, 3)
    assert main([*args, "--strict"]) == 1  # resumed: nothing re-scored, same facts
    # --limit 2 keeps the first 2 clips on disk; an absent id counts only inside the range
    # they cover (before "0wR5jVB-WPk"), never beyond it
    assert main([*args, "--limit", "2", "--run-name", "lim"]) == 0
    limited = json.loads((tmp_path / "out/kinetics400/lim/summary.json").read_text())
    assert (limited["n_samples"], limited["n_missing"], limited["n_listed"]) == (2, 1, 3)
    missing = (tmp_path / "out/kinetics400/lim/missing_ids.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in missing] == ["00gone00000"]
    assert "ERROR" not in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_with_decoding_workers_is_one_line(tmp_path):
    """Ctrl-C in a terminal reaches the whole process group, DataLoader workers too."""
    cmd = [sys.executable, "-m", "benchmarks", "run", "--task", "kinetics400", "--tokenizer",
           "pyratok", "--output", str(tmp_path), "--no-progress", "--num-workers", "2"]
    samples = tmp_path / "kinetics400" / "pyratok" / "samples.jsonl"
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # 100 clips >= 32: decoded in worker processes
        if samples.exists() and len(samples.read_text().splitlines()) >= 8:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert sum(line.startswith("interrupted: ") for line in err.splitlines()) == 1
