"""`score --task mvbench` on an MVBench-layout set with known answers: exact values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.cli import main


def _entry(answer_index: int, n: int = 4, **extra) -> dict:
    candidates = [f"option {i}" for i in range(n)]
    return {"video": "v.mp4", "question": "q?", "candidates": candidates,
            "answer": candidates[answer_index], **extra}


@pytest.fixture
def annotations(tmp_path) -> Path:
    root = tmp_path / "mvbench"
    (root / "json").mkdir(parents=True)
    files = {  # sub-task -> right answers' indices
        "moving_direction": [_entry(0), _entry(1), _entry(2), _entry(3)],
        "action_antonym": [_entry(0, 3), _entry(2, 3), _entry(1, 3)],
        "episodic_reasoning": [_entry(1, 5, start=1.0, end=4.5), _entry(4, 5)],
    }
    for name, entries in files.items():
        (root / "json" / f"{name}.json").write_text(json.dumps(entries))
    return root


PREDICTIONS = {
    "moving_direction/0": "A",            # right
    "moving_direction/1": "(b) option 1",  # right, lower case
    "moving_direction/2": "",             # empty: wrong (MVBench's check_ans: right)
    # moving_direction/3 missing: wrong, and not out of the denominator (lmms-eval: it is)
    "action_antonym/0": "D",              # out of range (3 candidates): wrong
    "action_antonym/1": "c.",             # right
    "action_antonym/2": "B is the one",   # unparseable: wrong
    "episodic_reasoning/0": "B: option 1",  # right
    "episodic_reasoning/1": "E)",          # right (5 candidates)
}


def _score(capsys, annotations: Path, predictions: object, tmp_path: Path) -> tuple[int, str]:
    pred = tmp_path / "pred.json"
    pred.write_text(predictions if isinstance(predictions, str) else json.dumps(predictions))
    code = main(["score", "--task", "mvbench", "--annotations", str(annotations),
                 "--predictions", str(pred), "--json"])
    out = capsys.readouterr()
    return code, out.out if code == 0 else out.err


def test_exact_values(capsys, annotations, tmp_path):
    code, out = _score(capsys, annotations, PREDICTIONS, tmp_path)
    assert code == 0
    result = json.loads(out)
    assert result == {
        "overall": pytest.approx(100 * 5 / 9),
        "mean_of_tasks": pytest.approx((50.0 + 100 / 3 + 100.0) / 3),
        "accuracy": {"action_antonym": pytest.approx(100 / 3), "episodic_reasoning": 100.0,
                     "moving_direction": 50.0},
        "n_questions": 9,
        "n_missing": 1,
        "n_unparsed": 3,  # empty, out of range, unparseable
    }


def test_the_json_folder_itself_is_accepted(capsys, annotations, tmp_path):
    code, out = _score(capsys, annotations / "json", PREDICTIONS, tmp_path)
    assert code == 0 and json.loads(out)["n_questions"] == 9


def test_answers_that_are_no_letter_are_counted_and_said(capsys, annotations, tmp_path,
                                                          caplog):
    words = {qid: "I think it moves" for qid in PREDICTIONS}
    code, out = _score(capsys, annotations, words, tmp_path)
    result = json.loads(out)
    assert code == 0 and result["overall"] == 0.0 and result["n_unparsed"] == 8
    said = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert said == ["8 of 9 answers could not be read as an option letter (8 unparseable): "
                    "counted wrong"]


def test_nothing_answered_is_zero_not_undefined(capsys, annotations, tmp_path):
    code, out = _score(capsys, annotations, {}, tmp_path)
    result = json.loads(out)
    assert code == 0 and result["overall"] == 0.0 and result["n_missing"] == 9


@pytest.mark.parametrize(("predictions", "named"), [
    ("{not json", "not a readable JSON file"),
    ('["A", "B"]', "expected a JSON object"),
    ({"moving_direction/9": "A"}, "'moving_direction/9'"),
    ({"kinetics/0": "A"}, "not a question id"),
    ({"moving_direction/0": 1}, "must be a string"),
    ({"moving_direction/0": None}, "must be a string"),
])
def test_bad_prediction_files_exit_2_with_one_line(capsys, annotations, tmp_path,
                                                    predictions, named):
    code, err = _score(capsys, annotations, predictions, tmp_path)
    assert code == 2 and named in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("content", "named"), [
    ("{broken", "not a readable JSON file"),
    ('{"video": "v"}', "expected a JSON list"),
    ('[{"video": "v", "question": "q", "candidates": ["a", "b"], "answer": "c"}]',
     "none of the candidates"),
    ('[{"video": "v", "question": "q", "candidates": ["a"], "answer": "a"}]', "candidates"),
    ('[{"video": "v", "question": "q", "candidates": ["a", "b"], "answer": "a", "start": 3,'
     ' "end": 1}]', "must be after"),
])
def test_bad_annotation_files_exit_2_with_one_line(capsys, annotations, tmp_path, content,
                                                    named):
    (annotations / "json" / "moving_count.json").write_text(content)
    code, err = _score(capsys, annotations, PREDICTIONS, tmp_path)
    assert code == 2 and named in err and "moving_count.json" in err
    assert len(err.strip().splitlines()) == 1


def test_a_folder_without_sub_task_files_exits_2(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, err = _score(capsys, tmp_path / "empty", {}, tmp_path)
    assert code == 2 and "sub-task" in err and len(err.strip().splitlines()) == 1
