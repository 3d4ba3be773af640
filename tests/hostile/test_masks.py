"""Hostile masks and types in YouTube-VIS / OVIS files (issue 25, items 1-3 and 10).

``python -m benchmarks score`` runs in a child process on each of the issue's exact inputs,
in a results file and in the ground truth. Before the fix they crashed (SIGSEGV), grew to
17 GB, looped forever or scored (AP 98); now each must give exit 2 and one stderr line
naming the file and the entry, no traceback, within a time bound (the child is killed
past it) and a peak-RSS bound (``wait4``'s ``ru_maxrss`` of that child; its address space
is capped too, so a regression fails fast instead of eating the machine).

The ground truth is one 64x64 video of two frames written by the official-layout fixture
writer (``tests/fixtures/official/_vis.py``): the issue's RLE inputs are 64x64.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli import main
from tests.fixtures.official._vis import RED, ObjectSpec, VideoSpec, moving, write_split
from tests.fixtures.official.ytvis2021 import CATEGORIES, IDS, frame_name
from tests.helpers.child import Child, run_benchmarks

FRAMES, SIZE = 2, 64
TIME_LIMIT_S = 60  # a few seconds when well; the bound only has to catch a hang
MAX_RSS_MIB = 1024  # about 230 MiB when well

# the inputs, as JSON writes them (NaN as the bare constant Python's json reads)
HOSTILE_MASKS = {
    "huge": [[1e308, 1e308, -1e308, 5, 3, 3]],
    "far": [[1e12, 0, 0, 5, 3, 3]],
    "nan": [[math.nan] * 6],
    "runs_past": {"size": [64, 64], "counts": [0, 12288]},
    "runs_past_string": {"size": [64, 64], "counts": "0PP<"},  # the same, compressed
    "garbage": {"size": [64, 64], "counts": "\x00\x01zzzz"},
}


def score_in_a_child(task: str, annotations: Path, predictions: Path, out: Path) -> Child:
    """``python -m benchmarks score`` in a child; killed past :data:`TIME_LIMIT_S`."""
    return run_benchmarks(["score", "--task", task, "--annotations", str(annotations),
                           "--predictions", str(predictions)], cwd=out,
                          time_limit_s=TIME_LIMIT_S)


def assert_one_line_exit_2(done: Child, *named: str) -> None:
    assert done.seconds < TIME_LIMIT_S, f"killed after {done.seconds:.0f} s: a hang"
    assert done.code == 2, (done.code, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for text in named:
        assert text in lines[0], (text, lines[0])
    assert done.peak_rss_mib < MAX_RSS_MIB, f"peak RSS {done.peak_rss_mib:.0f} MiB"


# the files


@pytest.fixture(scope="module")
def ground_truth(tmp_path_factory) -> Path:
    """One 64x64 video, two frames, a person square moving right."""
    root = tmp_path_factory.mktemp("vis")
    video = VideoSpec(1, "0a3c9e1f2b",
                      (ObjectSpec(IDS["person"], RED, moving(8, 8, 16, 4, FRAMES)),))
    annotations = root / "train" / "instances.json"
    write_split(root / "train" / "JPEGImages", annotations, [video], CATEGORIES,
                frames=FRAMES, height=SIZE, width=SIZE, frame_name=frame_name,
                public_masks=True)
    return annotations


def _results(ground_truth: Path) -> list[dict[str, Any]]:
    """The ground truth's tracks as results: a perfect file."""
    data = json.loads(ground_truth.read_text())
    return [{"video_id": a["video_id"], "category_id": a["category_id"], "score": 0.9,
             "segmentations": a["segmentations"]} for a in data["annotations"]]


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_perfect_file_scores_100(ground_truth, tmp_path, capsys):
    """The base every hostile file departs from is scored, and scored right."""
    predictions = _write(tmp_path / "results.json", _results(ground_truth))
    assert main(["score", "--task", "ytvis2021", "--annotations", str(ground_truth),
                 "--predictions", str(predictions), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["AP"] == pytest.approx(100.0) and scored["J"] == pytest.approx(100.0)


# the exact inputs, in a child process each


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize("name, task", [  # OVIS shares the reader: two inputs show it
    *((name, "ytvis2021") for name in sorted(HOSTILE_MASKS)),
    ("huge", "ovis"), ("runs_past_string", "ovis")])
def test_a_hostile_mask_in_the_results_is_one_line_exit_2(name, task, ground_truth, tmp_path):
    results = _results(ground_truth)
    results[0]["segmentations"][1] = HOSTILE_MASKS[name]
    predictions = _write(tmp_path / "results.json", results)
    done = score_in_a_child(task, ground_truth, predictions, tmp_path)
    assert_one_line_exit_2(done, str(predictions), "result 0 (video 1) frame 1")


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize("name", sorted(HOSTILE_MASKS))
def test_a_hostile_mask_in_the_ground_truth_is_one_line_exit_2(name, ground_truth, tmp_path):
    data = json.loads(ground_truth.read_text())
    data["annotations"][0]["segmentations"][1] = HOSTILE_MASKS[name]
    annotations = _write(tmp_path / "instances.json", data)
    predictions = _write(tmp_path / "results.json", _results(ground_truth))
    done = score_in_a_child("ytvis2021", annotations, predictions, tmp_path)
    assert_one_line_exit_2(done, str(annotations), "annotations[0].segmentations[1]")


@pytest.mark.slow  # a CLI subprocess
def test_wrong_types_in_a_child_are_one_line_exit_2(ground_truth, tmp_path):
    results = _results(ground_truth)
    results[0]["video_id"] = [1]
    predictions = _write(tmp_path / "results.json", results)
    done = score_in_a_child("ytvis2021", ground_truth, predictions, tmp_path)
    assert_one_line_exit_2(done, str(predictions), "result 0", "video_id must be an integer")


# item 10: wrong types, in process (the reader never reaches pycocotools)


def _seg(results: list[dict], value: Any) -> list[dict]:
    results[0]["segmentations"][1] = value
    return results


@pytest.mark.parametrize("change, message", [
    (lambda r: [{**r[0], "video_id": [1]}], "result 0: video_id must be an integer, got [1]"),
    (lambda r: [{**r[0], "video_id": "1"}], "result 0: video_id must be an integer, got '1'"),
    (lambda r: [{**r[0], "category_id": {"id": 26}}],
     "result 0: category_id must be an integer, got {'id': 26}"),
    (lambda r: [{**r[0], "category_id": 26.0}], "category_id must be an integer, got 26.0"),
    (lambda r: [{**r[0], "score": "x"}], "result 0: score must be a finite number, got 'x'"),
    (lambda r: [{**r[0], "score": 10**400}], "score must be a finite number, got 1000"),
    (lambda r: [{**r[0], "score": math.inf}], "score must be a finite number, got inf"),
    (lambda r: [{**r[0], "segmentations": "abc"}],
     "result 0: 'segmentations' must be a list of one mask (or null) per frame, got str"),
    (lambda r: [{**r[0], "segmentations": {"0": None}}], "per frame, got dict"),
    (lambda r: _seg(r, {"size": 5, "counts": "0PP<"}),
     "result 0 (video 1) frame 1: RLE 'size' must be [height, width]"),
    (lambda r: _seg(r, {"size": [64, 64], "counts": {"a": 1}}), "'counts' must be a string"),
    (lambda r: _seg(r, {"size": [64, 64]}), "RLE needs 'size' and 'counts'"),
    (lambda r: _seg(r, 7), "frame 1: segmentation must be RLE, polygons or null, got int"),
    (lambda r: _seg(r, [1, 2, 3, 4, 5, 6]), "polygons or null, got list"),
    (lambda r: [r[0], 5], "result 1: not an object"),
])
def test_wrong_types_in_results_are_one_line_exit_2(change, message, ground_truth, tmp_path,
                                                     capsys):
    predictions = _write(tmp_path / "results.json", change(_results(ground_truth)))
    _score_in_process(ground_truth, predictions, capsys, named=predictions, message=message)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["videos"][0].update(height=0), "videos[0]: height and width must be positive"),
    (lambda d: d["videos"][0].update(width="64"), "videos[0]: 'width' must be an integer"),
    (lambda d: d["videos"][0].update(id=[1]), "videos[0]: 'id' must be an integer, got [1]"),
    (lambda d: d["annotations"][0].update(video_id={"id": 1}), "'video_id' must be an integer"),
    (lambda d: d["annotations"][0].update(areas=["x", None]), "an area must be a finite"),
    (lambda d: d["annotations"][0].update(areas=[math.nan, None]), "got nan"),
    (lambda d: d["annotations"][0].update(iscrowd="yes"), "'iscrowd' must be 0 or 1"),
    (lambda d: d["annotations"][0].update(segmentations="abc"), "one mask per frame (2)"),
    (lambda d: d["annotations"][0]["segmentations"].__setitem__(1, {"size": 5, "counts": ""}),
     "annotations[0].segmentations[1]: RLE 'size' must be [height, width]"),
])
def test_wrong_types_in_the_ground_truth_are_one_line_exit_2(change, message, ground_truth,
                                                              tmp_path, capsys):
    data = json.loads(ground_truth.read_text())
    change(data)
    annotations = _write(tmp_path / "instances.json", data)
    predictions = _write(tmp_path / "results.json", _results(ground_truth))
    _score_in_process(annotations, predictions, capsys, named=annotations, message=message)


def _score_in_process(annotations: Path, predictions: Path, capsys, *, named: Path,
                      message: str) -> None:
    """``score`` in this process: exit 2, one stderr line naming ``named`` and saying
    ``message``."""
    capsys.readouterr()
    assert main(["score", "--task", "ytvis2021", "--annotations", str(annotations),
                 "--predictions", str(predictions)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(named) in err
    assert message in err, err
