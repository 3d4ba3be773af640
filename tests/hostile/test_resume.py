"""A run folder whose ``samples.jsonl`` records were changed after the run wrote them, then
the same command again (issue 25: resume must not crash, loop or mix a damaged record into
a number). Segmentation is the family whose stored predictions reach an evaluator that can
loop forever (an RLE past h×w) or crash inside pycocotools, so each of its records is
checked as a results file's entries are before ``finalize`` scores it; the rerun ends in
exit 2 with one line naming the file, the sample and the fix, and the summary is left as
the first run wrote it.

A line that is not JSON at all (cut by a crash, or a NaN literal) is the store's case: it is
skipped with a warning and the sample scored again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cli import main
from tests.helpers.child import run_benchmarks

RUN = ["run", "--task", "ytvis2021", "--tokenizer", "pyratok", "--limit", "2",
       "--no-progress"]
RECORDS = "ytvis2021/pyratok/samples.jsonl"
SUMMARY = "ytvis2021/pyratok/summary.json"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seg")
    assert main([*RUN, "--output", str(out)]) == 0
    return out


def _mask(segmentation: Any) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        record["prediction"]["instances"][0]["segmentations"][0] = segmentation
    return change


def _instance(key: str, value: Any) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        record["prediction"]["instances"][0][key] = value
    return change


def _prediction(key: str, value: Any) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        if key:
            record["prediction"][key] = value
        else:
            record["prediction"] = value
    return change


def _drop(key: str) -> Callable[[dict], None]:
    return lambda record: record["prediction"].pop(key)


def _short(record: dict) -> None:
    instance = record["prediction"]["instances"][0]
    instance["segmentations"] = instance["segmentations"][:1]


CHANGES = {  # what was changed: (the change, what the line says)
    "rle-past-h-times-w": (_mask({"size": [64, 64], "counts": [0, 12288]}),
                           "counts cover 12288 pixels"),
    "rle-garbage": (_mask({"size": [64, 64], "counts": "\x00\x01zzzz"}), "frame 0"),
    "rle-other-size": (_mask({"size": [32, 64], "counts": [0, 2048]}), "frame 0"),
    "polygon-nan": (_mask([[None] * 6]), "frame 0"),
    "polygon-huge": (_mask([[1e308, 1e308, -1e308, 5, 3, 3]]), "frame 0"),
    "category-unknown": (_instance("category_id", 999), "unknown category_id 999"),
    "category-string": (_instance("category_id", "4"), "category_id must be an integer"),
    "score-nan": (_instance("score", "nan"), "score must be a finite number"),
    "score-string": (_instance("score", "high"), "score must be a finite number"),
    "frames-short": (_short, "'segmentations' has 1"),
    "instance-not-object": (_prediction("instances", [1]), "instance 0: not an object"),
    "no-instances": (_drop("instances"), "list of 'instances'"),
    "prediction-list": (_prediction("", []), "list of 'instances'"),
    "video-id-string": (_prediction("video_id", "abc"), "video_id 'abc'"),
    "video-id-other": (_prediction("video_id", 999), "video_id 999 is not the sample's"),
}


def _tamper(first_run: Path, tmp_path: Path, change: Callable[[dict], None]) -> Path:
    out = tmp_path / "runs"
    shutil.copytree(first_run, out)
    path = out / RECORDS
    lines = path.read_text().splitlines()
    record = json.loads(lines[0])
    change(record)
    path.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    return out


@pytest.mark.slow  # a whole rerun (the model loaded) per change
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_changed_segmentation_record_is_one_line_exit_2(name, first_run, tmp_path, capsys):
    change, expect = CHANGES[name]
    out = _tamper(first_run, tmp_path, change)
    summary = (out / SUMMARY).read_bytes()
    capsys.readouterr()
    assert main([*RUN, "--output", str(out)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"error: {out / RECORDS} (sample 1)"), last
    assert expect in last and last.endswith("or rerun with --no-resume"), last
    assert (out / SUMMARY).read_bytes() == summary  # nothing rewritten from a damaged record


def test_rerun_with_no_resume_scores_again(first_run, tmp_path, capsys):
    out = _tamper(first_run, tmp_path, CHANGES["rle-past-h-times-w"][0])
    assert main([*RUN, "--output", str(out), "--no-resume"]) == 0
    assert json.loads((out / SUMMARY).read_text())["metrics"] == \
        json.loads((first_run / SUMMARY).read_text())["metrics"]


@pytest.mark.slow  # a CLI subprocess: the bounds of the case that looped forever
def test_the_looping_rle_is_refused_in_bounded_time_and_memory(first_run, tmp_path):
    out = _tamper(first_run, tmp_path, CHANGES["rle-past-h-times-w"][0])
    done = run_benchmarks([*RUN, "--output", str(out)], cwd=tmp_path, time_limit_s=120)
    assert done.code == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert done.peak_rss_mib < 2048
