"""``python -m benchmarks score`` on Kinetics files: exact top-1/top-5 counts, clear errors."""

from __future__ import annotations

import json

import pytest

from benchmarks.cli import main

HEADER = "label,youtube_id,time_start,time_end,split\n"
# 7 videos, 7 classes "c0" ... "c6"
GT_ROWS = [(f"c{i}", f"vid{i:08d}abc", 10 * i, 10 * i + 10) for i in range(7)]


@pytest.fixture
def gt(tmp_path):
    path = tmp_path / "val.csv"
    path.write_text(HEADER + "".join(f"{lbl},{vid},{a},{b},val\n" for lbl, vid, a, b in GT_ROWS))
    return path


def _score(tmp_path, gt, predictions, capsys, *extra):
    pred = tmp_path / "pred.json"
    pred.write_text(predictions if isinstance(predictions, str) else json.dumps(predictions))
    code = main(["score", "--task", "kinetics400", "--annotations", str(gt),
                 "--predictions", str(pred), "--json", *extra])
    out = capsys.readouterr()
    return code, out


def test_counts_are_exact(tmp_path, gt, capsys):
    ids = [vid for _, vid, _, _ in GT_ROWS]
    preds = {
        ids[0]: "c0",                                       # single label, right: top1 + top5
        ids[1]: ["c0", "c1"],                               # right at rank 2: top5 only
        ids[2]: ["c0", "c1", "c3", "c4", "c5", "c2"],       # right at rank 6: counts for neither
        ids[3]: "c0",                                       # single label, wrong
        ids[4]: ["c4", "c0", "c1", "c2", "c3", "c5", "c6"], # long list, right first
        ids[5]: ["c0", "c1", "c2", "c3", "c5"],             # right at rank 5: top5
        # ids[6] missing: wrong, counted in n_missing
    }
    code, out = _score(tmp_path, gt, preds, capsys)
    assert code == 0
    result = json.loads(out.out)
    assert result == {
        "top1": pytest.approx(100 * 2 / 7),
        "top5": pytest.approx(100 * 4 / 7),
        "n_videos": 7,
        "n_missing": 1,
    }


def test_output_folder_gets_a_summary(tmp_path, gt, capsys):
    ids = [vid for _, vid, _, _ in GT_ROWS]
    out_dir = tmp_path / "scored"
    code, _ = _score(tmp_path, gt, {i: "c1" for i in ids}, capsys, "--output", str(out_dir))
    assert code == 0
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["metrics"]["top1"] == pytest.approx(100 / 7)
    assert summary["evaluation"] == {"n_videos": 7, "n_missing": 0}
    assert len(summary["annotations"]["sha256"]) == 64


@pytest.mark.parametrize(
    ("predictions", "needle"),
    [
        ({"vid00000000abc": "no such class"}, "unknown label 'no such class'"),
        ({"not-a-real-id": "c0"}, "'not-a-real-id': id not in the ground truth"),
        ({"vid00000000abc": 3}, "expected a label or a non-empty list"),
        ({"vid00000000abc": []}, "expected a label or a non-empty list"),
        ({"vid00000000abc": ["c0", 7]}, "label 7 is not a string"),
        ('["c0"]', "expected a JSON object"),
        ('{"vid00000000abc": "c0"', "not valid JSON"),
    ],
)
def test_bad_prediction_files_exit_2_with_one_line(tmp_path, gt, capsys, predictions, needle):
    code, out = _score(tmp_path, gt, predictions, capsys)
    assert code == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "pred.json" in lines[0]
    assert out.out == ""


def test_bad_ground_truth_exits_2(tmp_path, capsys):
    bad = tmp_path / "val.csv"
    bad.write_text(HEADER + "c0,vid00000000abc,zero,10,val\n")
    code, out = _score(tmp_path, bad, {}, capsys)
    assert code == 2 and "val.csv" in out.err and len(out.err.strip().splitlines()) == 1
    missing = tmp_path / "nope.csv"
    code, out = _score(tmp_path, missing, {}, capsys)
    assert code == 2 and "nope.csv" in out.err


def test_task_without_score_mode_says_so(tmp_path, gt, capsys):
    pred = tmp_path / "p.json"
    pred.write_text("{}")
    code = main(["score", "--task", "webvid", "--annotations", str(gt), "--predictions",
                 str(pred)])
    assert code == 2 and "has no score mode" in capsys.readouterr().err
