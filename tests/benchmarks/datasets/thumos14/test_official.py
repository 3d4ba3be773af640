"""THUMOS14 end to end on a tiny copy of the official release
(:mod:`tests.fixtures.official.thumos14`): ``run``, then ``score`` of the run's own result
file and of a hand-written one, with every number computed by hand below.

Evaluation facts the numbers rest on (tIoU thresholds 0.3:0.1:0.7; ActivityNet matching,
tIoU >= threshold; VOC-interpolated AP; mAP over the classes with ground truth):

- ``video_test_0000270`` is excluded (tasks/thumos14.yaml): its ground truth is dropped
  and detections on it are ignored and counted;
- a detection that matches nothing and overlaps an Ambiguous segment of its video
  (``video_test_0000004`` 1.2-1.8) is neither a true nor a false positive (TH14evalDet.m);
- ``video_test_0000007`` is annotated (18 classes) but not downloaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.scoring import score_files
from tests.fixtures.official import thumos14 as fixture

THRESHOLDS = ("0.3", "0.4", "0.5", "0.6", "0.7")

# The run, all classes at tau = -1: every window mean of a cosine is above -1, so each
# class gets one detection spanning the whole video, [0.0, 4.0] s, on each of the two
# evaluated videos (0000004, 0000006), whatever the tokenizer. Classes with ground truth
# there: BaseballPitch (0000004: 0.2-1.1, 2.0-3.0) and BasketballDunk (0000006: 0.5-2.5).
# - BaseballPitch: on 0000004 tIoU 0.9/4 = .225 and 1/4 = .25, no match, and it overlaps
#   the Ambiguous 1.2-1.8: dropped; on 0000006 a false positive. AP 0 everywhere.
# - BasketballDunk: on 0000006 tIoU 2/4 = .5: a true positive at 0.3, 0.4, 0.5, false at
#   0.6, 0.7; on 0000004 no match, on the Ambiguous segment: dropped. AP 1, 1, 1, 0, 0.
# mAP = (0 + AP) / 2: 50, 50, 50, 0, 0 -> average 30.
RUN_MAP = {"0.3": 50.0, "0.4": 50.0, "0.5": 50.0, "0.6": 0.0, "0.7": 0.0}
RUN_AVERAGE = 30.0
TASK_ARGS = dict(resize_shorter=None, crop=None, sample_fps=None, window=3,
                 protocol="all_classes", tau=-1.0)

# A hand-written result file (video t_start t_end class_index score; 7 BaseballPitch,
# 9 BasketballDunk), with CRLF ends and a ".mp4" suffix the official kit strips:
HAND = (
    "video_test_0000270 0.0 1.0 7 0.95\r\n"      # excluded video: ignored (and counted)
    "video_test_0000004 0.2 1.1 7 0.9\r\n"       # BaseballPitch, tIoU 1
    "video_test_0000004 1.3 1.7 7 0.8\r\n"       # no match, on the Ambiguous 1.2-1.8
    "video_test_0000004 2.0 2.55 7 0.7\r\n"      # tIoU .55 with 2.0-3.0
    "video_test_0000004 1.4 1.6 9 0.65\r\n"      # no BasketballDunk there, on Ambiguous
    "video_test_0000006.mp4 0.5 2.5 9 0.6\r\n"   # BasketballDunk, tIoU 1
)
# Against the whole folder (official): 20 classes have ground truth (18 only on the
# absent 0000007, never detected: AP 0).
# - BaseballPitch, 2 ground truths: 0.9 TP; 0.8 dropped; 0.7 TP at <= 0.5, FP at >= 0.6.
#   AP 1 at 0.3-0.5; at 0.6, 0.7: precision 1 at recall .5, then an FP: AP .5.
# - BasketballDunk, 1 ground truth: 0.65 dropped; 0.6 TP: AP 1.
# mAP = (BaseballPitch + BasketballDunk) / 20: 10, 10, 10, 7.5, 7.5 -> average 9.0.
HAND_MAP = {"0.3": 10.0, "0.4": 10.0, "0.5": 10.0, "0.6": 7.5, "0.7": 7.5}
# Without Ambiguous_test.txt the two dropped detections are false positives:
# - BaseballPitch at <= 0.5: TP, FP, TP: precision 1, 1/2, 2/3 at recall .5, .5, 1;
#   interpolated: .5 * 1 + .5 * 2/3 = 5/6; at >= 0.6: TP, FP, FP: .5.
# - BasketballDunk: FP then TP: precision 1/2 at recall 1: AP .5.
# mAP: (5/6 + .5) / 20 = 6.667 at <= 0.5, (.5 + .5) / 20 = 5 at >= 0.6; average 6.0.
NO_AMBIGUOUS_MAP = {"0.3": 100 / 15, "0.4": 100 / 15, "0.5": 100 / 15, "0.6": 5.0,
                    "0.7": 5.0}
# With no exclusion (exclude_videos=[]): 0000270's BaseballPitch 0.0-1.0 is ground truth
# (3 in all) and the 0.95 detection matches it: at <= 0.5 three TPs: AP 1; at >= 0.6 TP,
# TP, FP: recall 2/3 at precision 1: AP 2/3. mAP: 10, 10, 10, (2/3 + 1) / 20 = 8.333;
# average 9.333.
NO_EXCLUSION_MAP = {"0.3": 10.0, "0.4": 10.0, "0.5": 10.0, "0.6": 25 / 3, "0.7": 25 / 3}
# On the run's videos only (score_ids = its evaluated_ids.txt): the 18 classes of the absent
# video have no ground truth left: mAP = (BaseballPitch + BasketballDunk) / 2:
# 100, 100, 100, 75, 75 -> average 90.
ON_RUN_VIDEOS_MAP = {"0.3": 100.0, "0.4": 100.0, "0.5": 100.0, "0.6": 75.0, "0.7": 75.0}


def _average(per_threshold: dict[str, float]) -> float:
    return sum(per_threshold.values()) / len(per_threshold)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("thumos14-official")
    return root, fixture.build(root)


@pytest.fixture(scope="module")
def run(release, tmp_path_factory):
    root, expected = release
    out = tmp_path_factory.mktemp("runs")
    summary = benchmarks.evaluate("thumos14", "pyratok", data_root=root, output=out,
                                  progress=False, **TASK_ARGS)
    return summary, out / "thumos14" / "pyratok"


def _score(annotations: Path, predictions: Path, capsys, *args: str) -> dict:
    code = main(["score", "--task", "thumos14", "--annotations", str(annotations),
                 "--predictions", str(predictions), "--json", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.slow
def test_run_on_the_official_layout(run, release):
    summary, run_dir = run
    _, expected = release
    assert summary["metrics"]["average_mAP"] == pytest.approx(RUN_AVERAGE)
    assert summary["evaluation"]["mAP"] == pytest.approx(RUN_MAP)
    assert summary["evaluation"]["n_predictions_on_ambiguous"] == 2  # the two dropped
    indices = summary["dataset"]["extra"]["class_indices"]  # from detclasslist.txt
    assert indices["BaseballPitch"] == 7 and indices["VolleyballSpiking"] == 97
    evaluated = (run_dir / "evaluated_ids.txt").read_text().split()
    assert evaluated == list(expected.present)  # not the excluded, not the absent video
    assert summary["files"]["results"] == "thumos14_results.txt"
    lines = (run_dir / "thumos14_results.txt").read_text().splitlines()
    assert len(lines) == 20 * 2  # one detection per class and evaluated video
    assert {line.split()[0] for line in lines} == set(expected.present)
    assert all(line.split()[1:3] == ["0.0", "4.0"] for line in lines)
    # the absent video is not scored (how the runner counts it is its own business)
    assert expected.absent not in evaluated and expected.excluded not in evaluated


def test_score_of_the_runs_own_file_reproduces_the_run(run, release, capsys):
    summary, run_dir = run
    _, expected = release
    result = _score(expected.annotation_dir, run_dir / "thumos14_results.txt", capsys,
                    "--task-arg", f"score_ids={run_dir / 'evaluated_ids.txt'}")
    assert result["average_mAP"] == summary["metrics"]["average_mAP"]
    assert result["mAP"] == summary["evaluation"]["mAP"]
    # against the whole folder the absent video's 18 classes count (AP 0): 5, 5, 5, 0, 0
    whole = _score(expected.annotation_dir, run_dir / "thumos14_results.txt", capsys)
    assert whole["average_mAP"] == pytest.approx(3.0)


@pytest.mark.slow
def test_split_files_reproduce_each_split(run, release):
    """seen_unseen writes one file per split (its unseen classes at its tau); scoring it on
    those classes gives that split's unseen mAP."""
    summary, run_dir = run
    root, expected = release
    seen_unseen = benchmarks.evaluate("thumos14", "pyratok", data_root=root,
                                      output=run_dir.parents[1], progress=False,
                                      **{**TASK_ARGS, "protocol": "seen_unseen",
                                         "split_seeds": [0, 1], "tau_grid": [-1.0, 0.0]})
    assert seen_unseen["files"]["results"] == "thumos14_results/"
    splits = json.loads((run_dir / "splits.json").read_text())["splits"]
    for split in splits:
        scored = score_files("thumos14", annotations=expected.annotation_dir,
                             predictions=run_dir / split["results_file"],
                             task_args={"score_ids": str(run_dir / "evaluated_ids.txt"),
                                        "score_classes": split["unseen_classes"]})
        assert scored.evaluation["mAP"] == pytest.approx(split["unseen_mAP"], nan_ok=True)


def test_score_a_hand_written_file_from_every_layout(release, tmp_path, capsys):
    root, expected = release
    predictions = tmp_path / "Run-1-det.txt"
    predictions.write_bytes(HAND.encode())
    # the annotation folder itself, the unpacked zip's top folder, the dataset root
    for folder in (expected.annotation_dir, root / "TH14_Temporal_Annotations_Test",
                   root):
        result = _score(folder, predictions, capsys)
        assert result["mAP"] == pytest.approx(HAND_MAP)
        assert result["average_mAP"] == pytest.approx(_average(HAND_MAP)) == 9.0
        assert result["n_predictions_on_excluded_videos"] == 1
        assert result["excluded_videos"] == ["video_test_0000270", "video_test_0001292",
                                             "video_test_0001496"]


def test_ambiguous_and_exclusions_change_the_number_as_the_kit_says(release, tmp_path,
                                                                    capsys):
    root, expected = release
    predictions = tmp_path / "Run-1-det.txt"
    predictions.write_bytes(HAND.encode())
    no_exclusion = _score(expected.annotation_dir, predictions, capsys,
                          "--task-arg", "exclude_videos=[]")
    assert no_exclusion["mAP"] == pytest.approx(NO_EXCLUSION_MAP)
    assert no_exclusion["n_predictions_on_excluded_videos"] == 0
    copy = tmp_path / "annotation"
    shutil.copytree(expected.annotation_dir, copy)
    (copy / "Ambiguous_test.txt").unlink()
    no_ambiguous = _score(copy, predictions, capsys)
    assert no_ambiguous["mAP"] == pytest.approx(NO_AMBIGUOUS_MAP)
    assert no_ambiguous["average_mAP"] == pytest.approx(6.0)


def test_score_on_the_runs_videos_and_as_json(run, release, tmp_path, capsys):
    _, run_dir = run
    _, expected = release
    predictions = tmp_path / "Run-1-det.txt"
    predictions.write_bytes(HAND.encode())
    ids = ["--task-arg", f"score_ids={run_dir / 'evaluated_ids.txt'}"]
    text = _score(expected.annotation_dir, predictions, capsys, *ids)
    assert text["mAP"] == pytest.approx(ON_RUN_VIDEOS_MAP)
    # the same detections as ActivityNet results JSON give the same numbers
    names = {7: "BaseballPitch", 9: "BasketballDunk"}
    results: dict[str, list] = {}
    for line in HAND.splitlines():
        vid, start, end, index, score = line.split()
        results.setdefault(vid.removesuffix(".mp4"), []).append(
            {"label": names[int(index)], "score": float(score),
             "segment": [float(start), float(end)]})
    as_json = tmp_path / "results.json"
    as_json.write_text(json.dumps({"version": "THUMOS14", "results": results}))
    assert _score(expected.annotation_dir, as_json, capsys, *ids) == text


@pytest.mark.parametrize("line, complaint", [
    ("video_test_0000004 0.2 1.1 8 0.9", "class_index '8' is not a THUMOS14 detection class"),
    ("video_test_0000004 0.2 1.1 7", "expected 'video_name t_start t_end class_index score'"),
    ("video_test_0000004 1.1 0.2 7 0.9", "0 <= t_start <= t_end"),
    ("video_test_0000004 0.2 1.1 7 nan", "finite numbers"),
    ("video_test_0009999 0.2 1.1 7 0.9", "'video_test_0009999' is not in the ground truth"),
])
def test_a_bad_result_line_is_one_line_and_exit_2(release, tmp_path, capsys, line, complaint):
    _, expected = release
    predictions = tmp_path / "bad.txt"
    predictions.write_text("video_test_0000006 0.5 2.5 9 0.6\n" + line + "\n")
    code = main(["score", "--task", "thumos14", "--annotations", str(expected.annotation_dir),
                 "--predictions", str(predictions)])
    err = capsys.readouterr().err
    assert code == 2 and "bad.txt: line 2" in err and complaint in err
    assert "Traceback" not in err


def test_a_folder_without_class_files_is_exit_2(tmp_path, capsys):
    (tmp_path / "annotation").mkdir()
    predictions = tmp_path / "p.txt"
    predictions.write_text("")
    code = main(["score", "--task", "thumos14", "--annotations", str(tmp_path),
                 "--predictions", str(predictions)])
    err = capsys.readouterr().err
    assert code == 2 and "no THUMOS14 class file <Class>_test.txt or <Class>_val.txt" in err


def test_the_log_line_says_what_tal_samples():
    from types import SimpleNamespace

    from benchmarks.families.localization.family import LocalizationFamily, LocalizationParams

    family = SimpleNamespace(params=LocalizationParams(sample_fps=10.0, clip_frames=32,
                                                       context=8))
    text = LocalizationFamily.sampling_text(family, 17)
    assert text == "frames at 10 fps, encoded in chunks of 32 (+8 context)"
    assert "17" not in text


def test_the_folders_own_detclasslist_maps_the_indices(release, tmp_path, capsys):
    """TH14evalDet.m maps class_index with the ground-truth folder's detclasslist.txt; some
    copies of the kit renumber it 1..20."""
    _, expected = release
    copy = tmp_path / "annotation"
    shutil.copytree(expected.annotation_dir, copy)
    (copy / "detclasslist.txt").write_text(
        "".join(f"{i} {c}\n" for i, c in enumerate(expected.classes, 1)))  # 1 BaseballPitch
    renumbered = tmp_path / "Run-1-det.txt"
    renumbered.write_text(HAND.replace(" 7 0.", " 1 0.").replace(" 9 0.", " 2 0."))
    assert _score(copy, renumbered, capsys)["mAP"] == pytest.approx(HAND_MAP)
    (copy / "detclasslist.txt").write_text("BaseballPitch 1\n")
    code = main(["score", "--task", "thumos14", "--annotations", str(copy),
                 "--predictions", str(renumbered)])
    assert code == 2 and "detclasslist.txt" in capsys.readouterr().err
