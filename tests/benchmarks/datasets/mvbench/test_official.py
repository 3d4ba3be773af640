"""``run`` and ``score`` of mvbench on a tiny copy of the release
(tests/fixtures/official/mvbench.py): videos of several sources and a frame-folder
sub-task, an absent video, and a hand-scored answer file."""

from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from tests.fixtures.official import mvbench


@pytest.mark.slow
def test_pyratok_answers_every_question_whose_video_is_on_disk(tmp_path, capsys):
    expected = mvbench.build(tmp_path / "MVBench")
    code = main(["run", "--task", "mvbench", "--tokenizer", "pyratok", "--data-root",
                 str(tmp_path / "MVBench"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "resize_shorter=64",
                 "--task-arg", "crop=64"])
    assert code == 0  # one video never unpacked: exit 0
    run_dir = tmp_path / "out" / "mvbench" / "pyratok"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (6, 0, 1)
    assert (run_dir / "evaluated_ids.txt").read_text().split() == list(expected.ids)
    missing = [m.split("\t")[0] for m in (run_dir / "missing_ids.txt").read_text().splitlines()]
    assert missing == list(expected.missing)
    # accuracy counts the run's 6 questions; each sub-task's share is of its own questions
    records = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 6
    # overall = right answers / the run's 6 questions (the absent video's is not counted)
    right = sum(r["metrics"]["overall"] for r in records) / 100
    assert summary["metrics"]["overall"] == pytest.approx(100 * right / 6)
    assert summary["groups"].keys() == {"action_antonym", "episodic_reasoning",
                                        "fine_grained_pose", "object_existence"}
    assert "ERROR" not in capsys.readouterr().err
    # `score` of the run's own predictions.json over the run's questions = the run
    assert summary["files"]["predictions"] == "predictions.json"
    assert main(["score", "--task", "mvbench", "--annotations", str(tmp_path / "MVBench"),
                 "--predictions", str(run_dir / "predictions.json"), "--json", "--task-arg",
                 f"score_ids={run_dir / 'evaluated_ids.txt'}"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["overall"] == summary["metrics"]["overall"]
    assert scored["mean_of_tasks"] == summary["metrics"]["mean_of_tasks"]


def test_score_of_a_hand_written_answer_file(tmp_path, capsys):
    expected = mvbench.build(tmp_path / "MVBench")
    assert main(["score", "--task", "mvbench", "--annotations", str(tmp_path / "MVBench"),
                 "--predictions", str(expected.predictions), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    accuracy = expected.accuracy  # worked out in tests/fixtures/official/mvbench.py
    assert scored["overall"] == pytest.approx(accuracy["overall"])  # 4/7 = 57.14 %
    assert scored["mean_of_tasks"] == pytest.approx(accuracy["mean_of_tasks"])  # 58.33 %
    assert scored["accuracy"] == pytest.approx(accuracy["per_task"])
    assert scored["n_questions"] == 7 and scored["n_missing"] == accuracy["n_missing"]
