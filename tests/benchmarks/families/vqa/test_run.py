"""`run --task mvbench --tokenizer pyratok` on (a small copy of) the demo set, with the
shuffled-candidates control, and `score` on the run's own answers.

The demo set (``benchmarks.datasets.mvbench.demo``) is built here with 3 questions per
sub-task file (the shipped set has 30) to keep the test short.
"""

from __future__ import annotations

import json

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.datasets.mvbench import demo as mvbench_demo

# every test here runs the demo set end to end (minutes on 2 CPU cores)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    cache = tmp_path_factory.mktemp("cache")
    patch.setenv("PYRATOK_CACHE", str(cache))
    patch.setattr(mvbench_demo, "QUESTIONS_PER_TASK", 3)
    out = tmp_path_factory.mktemp("runs")
    try:
        real = benchmarks.evaluate("mvbench", "pyratok", output=out, progress=False,
                                   num_workers=0)
        shuffled = benchmarks.evaluate("mvbench", "pyratok", output=out, progress=False,
                                       num_workers=0, run_name="shuffled",
                                       shuffle_candidates=0)
        limited = benchmarks.evaluate("mvbench", "pyratok", output=out, progress=False,
                                      num_workers=0, run_name="limited", limit=5)
    finally:
        patch.undo()
    return real, shuffled, out, limited


def test_the_demo_run_says_so_and_beats_chance(demo_runs):
    real, _, _, _ = demo_runs
    assert real["demo_data"] and real["n_samples"] == 18 and real["n_failed"] == 0
    evaluation = real["evaluation"]
    assert evaluation["n_questions"] == 18 and evaluation["n_missing"] == 0
    assert set(evaluation["accuracy"]) == set(mvbench_demo.FOLDERS)
    assert real["metrics"]["overall"] >= 2 * evaluation["chance_overall"]
    above = [t for t, a in evaluation["accuracy"].items() if a > evaluation["chance"][t]]
    assert len(above) >= 5


def test_shuffled_candidates_lose_what_the_video_gave(demo_runs):
    real, shuffled, _, _ = demo_runs
    assert shuffled["evaluation"]["shuffled_candidates"]
    assert shuffled["metrics"]["overall"] < real["metrics"]["overall"] - 30


def test_score_on_the_run_s_answers_agrees(demo_runs, tmp_path, capsys):
    real, _, out, _ = demo_runs
    records = [json.loads(x) for x in
               (out / "mvbench" / "pyratok" / "samples.jsonl").read_text().splitlines()]
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({r["sample_id"]: r["prediction"]["answer"] for r in records}))
    root = real["dataset"]["root"]
    assert main(["score", "--task", "mvbench", "--annotations", root, "--predictions",
                 str(pred), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["overall"] == real["metrics"]["overall"]
    assert scored["mean_of_tasks"] == real["metrics"]["mean_of_tasks"]
    assert scored["accuracy"] == real["evaluation"]["accuracy"]


def test_limit_counts_only_the_run_s_questions(demo_runs):
    """--limit 5: accuracy over those 5 questions, not 5 answers among all 18."""
    _, _, out, limited = demo_runs
    assert limited["n_samples"] == 5 and limited["evaluation"]["n_questions"] == 5
    assert limited["limit"] == 5  # recorded, so the table's number says what it covers
    lines = (out / "mvbench" / "limited" / "samples.jsonl").read_text().splitlines()
    correct = [json.loads(line)["metrics"]["overall"] for line in lines]  # 0 or 100 each
    assert len(correct) == 5
    assert limited["metrics"]["overall"] == pytest.approx(sum(correct) / 5)
