"""YouTube-VIS 2021 and OVIS end to end on tiny copies of the official releases
(``tests/fixtures/official/ytvis2021.py``, ``ovis.py``): ``run`` on the train split's
held-out subset and on the valid split (no public masks), and ``score``.

The tokenizer is a weight-free colour oracle (``tests/helpers/vis_oracle.py``) with
``crf=false`` and native frame size: it recovers every drawn instance exactly, so the run's
metrics are known by hand (AP 100 over the evaluated videos) and ``score`` of the run's own
``results.json`` must give the run's numbers exactly.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from benchmarks.cli import main
from benchmarks.datasets.ytvis.reader import OVISDataset, YouTubeVISDataset
from benchmarks.families.segmentation.evaluation import METRIC_NAMES
from benchmarks.io.sampling import FrameSampling
from benchmarks.tokenizers import TOKENIZERS
from tests.fixtures.official import ovis, ytvis2021
from tests.fixtures.official._vis import VisExpected

FIXTURES = {"ytvis2021": ytvis2021, "ovis": ovis}
READERS = {"ytvis2021": YouTubeVISDataset, "ovis": OVISDataset}
FAST = ["--task-arg", "crf=false", "--task-arg", "resize_shorter=null", "--task-arg",
        "num_workers=0", "--no-progress"]


@pytest.fixture
def oracle(monkeypatch):
    """``colour-oracle`` registered for one test (the registry is restored afterwards)."""
    from tests.helpers.vis_oracle import create_colour_oracle

    monkeypatch.setattr(TOKENIZERS, "_entries", dict(TOKENIZERS._entries))
    TOKENIZERS.register("colour-oracle")(create_colour_oracle)


def _args(dataset_args: dict) -> list[str]:
    return ["--task-arg", f"dataset_args={json.dumps(dataset_args)}"]


def _run(task: str, expected: VisExpected, out: Path, split: str, *extra: str) -> int:
    return main(["run", "--task", task, "--tokenizer", "colour-oracle", "--data-root",
                 str(expected.root), "--output", str(out), *FAST,
                 *_args(expected.dataset_args[split]), *extra])


def _score(task: str, annotations: Path, predictions: Path, capsys, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["score", "--task", task, "--annotations", str(annotations),
                 "--predictions", str(predictions), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _decode(seg: dict | None, shape: tuple[int, int]) -> np.ndarray:
    return np.zeros(shape, bool) if seg is None else mask_utils.decode(seg).astype(bool)


# the readers on the releases as shipped


@pytest.mark.parametrize("task", sorted(FIXTURES))
def test_readers_find_both_splits_and_know_which_has_masks(task, tmp_path):
    expected = FIXTURES[task].build(tmp_path)
    sampling = FrameSampling(resize_shorter=None, crop=None)
    train = READERS[task](tmp_path, sampling=sampling, split="train")
    info = train.info()
    assert Path(info.annotation_file) == expected.annotation_files["train"]
    assert len(info.classes) == expected.n_categories and info.coverage.ground_truth is True
    assert [int(r.sample_id) for r in train.refs()] == expected.video_ids["train"]
    count, seed, ids = expected.holdout
    held = READERS[task](tmp_path, sampling=sampling, split="train", holdout_videos=count,
                         holdout_seed=seed)
    assert [int(r.sample_id) for r in held.refs()] == ids
    valid = READERS[task](tmp_path, sampling=sampling, split="valid")
    assert Path(valid.info().annotation_file) == expected.annotation_files["valid"]
    assert valid.info().coverage.ground_truth is False
    assert [int(r.sample_id) for r in valid.refs()] == expected.video_ids["valid"]
    sample = valid.load(valid.refs()[0])
    assert tuple(sample.video.shape) == (3, expected.frames, expected.height, expected.width)


# run on the held-out subset, and score of its own results


@pytest.mark.parametrize("task", sorted(FIXTURES))
def test_run_on_the_holdout_and_score_of_its_results_give_the_same_numbers(
        task, tmp_path, oracle, capsys):
    expected = FIXTURES[task].build(tmp_path / "data")
    assert _run(task, expected, tmp_path / "runs", "train") == 0
    run = tmp_path / "runs" / task / "colour-oracle"
    summary = json.loads((run / "summary.json").read_text())
    count, seed, ids = expected.holdout
    # the subset is recorded: the draw, and the evaluated ids in a file the summary lists
    assert summary["evaluation"]["holdout_videos"] == count
    assert summary["evaluation"]["holdout_seed"] == seed
    assert sorted(int(v) for v in (run / "evaluated_ids.txt").read_text().split()) == ids
    # the oracle recovers every drawn track of the evaluated videos exactly: AP = J = 100
    # (the occluded OVIS Person included: its mask is the L of its visible pixels)
    assert summary["metrics"]["AP"] == pytest.approx(100.0)
    assert summary["metrics"]["J"] == pytest.approx(100.0)
    results = json.loads((run / "results.json").read_text())
    shape = (expected.height, expected.width)
    truth = [t for t in expected.tracks["train"] if t.video_id in ids]
    assert len(results) == len(truth)
    for track in truth:
        [r] = [r for r in results if (r["video_id"], r["category_id"]) ==
               (track.video_id, track.category_id)]
        for seg, mask in zip(r["segmentations"], track.masks, strict=True):
            assert np.array_equal(_decode(seg, shape), np.zeros(shape, bool) if mask is None
                                  else mask)
    # score with the same task defaults draws the same subset: the same numbers, exactly
    scored = _score(task, expected.annotation_files["train"], run / "results.json", capsys,
                    *_args(expected.dataset_args["train"]))
    for name in (*METRIC_NAMES, "AR100"):
        run_value = summary["metrics"].get(name, summary["evaluation"].get(name))
        assert scored[name] == run_value, name
    assert scored["n_videos"] == len(ids) and scored["holdout_videos"] == count
    # every video of the file instead: the left-out video's track counts as missed (its
    # category's AP 0, the other two 100): 200 / 3
    everything = _score(task, expected.annotation_files["train"], run / "results.json",
                        capsys, *_args({"split": "train"}))
    assert everything["AP"] == pytest.approx(200.0 / 3)


def test_score_reads_a_runs_score_ids_where_the_draw_is_not_enough(
        tmp_path, oracle, capsys):
    """With --limit 1 the run evaluates video 1 alone, not the draw's videos 1 and 3: the
    draw alone would count video 3's cat as missed; the run's evaluated_ids.txt gives
    exactly the run's numbers."""
    expected = ytvis2021.build(tmp_path / "data")
    assert _run("ytvis2021", expected, tmp_path / "runs", "train", "--limit", "1") == 0
    run = tmp_path / "runs" / "ytvis2021" / "colour-oracle"
    summary = json.loads((run / "summary.json").read_text())
    assert (run / "evaluated_ids.txt").read_text() == "1\n"
    assert summary["metrics"]["AP"] == pytest.approx(100.0)
    gt, results = expected.annotation_files["train"], run / "results.json"
    drawn = _score("ytvis2021", gt, results, capsys, *_args(expected.dataset_args["train"]))
    assert drawn["AP"] == pytest.approx(50.0)  # person 100, cat 0
    exact = _score("ytvis2021", gt, results, capsys, "--task-arg",
                   f"score_ids={run / 'evaluated_ids.txt'}")
    for name in METRIC_NAMES:
        assert exact[name] == summary["metrics"][name], name
    assert exact["score_ids"] == str(run / "evaluated_ids.txt")


# the valid split: no public masks


@pytest.mark.parametrize("task", sorted(FIXTURES))
def test_valid_split_says_why_there_is_no_metric_and_writes_the_server_zip(
        task, tmp_path, oracle, capsys):
    expected = FIXTURES[task].build(tmp_path / "data")
    assert _run(task, expected, tmp_path / "runs", "valid") == 0  # not a failure
    run = tmp_path / "runs" / task / "colour-oracle"
    out = capsys.readouterr().out
    reason = (f"{task} valid: the split has no public masks (annotations: null); the "
              f"metrics come from the CodaLab server: upload {run / 'submission.zip'}")
    lines = [line for line in out.splitlines() if "unavailable" in line]
    assert len(lines) == 1 and lines[0].endswith(f"unavailable: {reason}"), out
    summary = json.loads((run / "summary.json").read_text())
    assert summary["metrics"] == {} and summary["n_failed"] == 0
    assert summary["unavailable"] == {name: reason for name in METRIC_NAMES}
    assert summary["files"]["submission"] == "submission.zip"
    # the zip holds results.json at its root, nothing else, in the official format
    with zipfile.ZipFile(run / "submission.zip") as archive:
        assert archive.namelist() == ["results.json"]
        submitted = json.loads(archive.read("results.json"))
    assert submitted == json.loads((run / "results.json").read_text())
    shape = (expected.height, expected.width)
    assert sorted(r["video_id"] for r in submitted) == expected.video_ids["valid"]
    for r in submitted:
        assert set(r) == {"video_id", "category_id", "segmentations", "score"}
        [track] = [t for t in expected.tracks["valid"] if t.video_id == r["video_id"]]
        assert r["category_id"] == track.category_id == expected.categories["person"]
        assert all(np.array_equal(_decode(s, shape), m)
                   for s, m in zip(r["segmentations"], track.masks, strict=True))


@pytest.mark.parametrize("task", sorted(FIXTURES))
def test_score_against_a_split_without_masks_is_refused_in_one_line(task, tmp_path, capsys):
    expected = FIXTURES[task].build(tmp_path)
    predictions = tmp_path / "results.json"
    predictions.write_text("[]")
    code = main(["score", "--task", task, "--annotations",
                 str(expected.annotation_files["valid"]), "--predictions", str(predictions)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "no public masks" in err and "submission.zip" in err


def test_score_ids_is_checked_and_refused_in_a_run(tmp_path, oracle, capsys):
    expected = ytvis2021.build(tmp_path / "data")
    ids = tmp_path / "ids.txt"
    ids.write_text("1\n7\n")  # 7 is not a video of the file
    predictions = tmp_path / "results.json"
    predictions.write_text("[]")
    assert main(["score", "--task", "ytvis2021", "--annotations",
                 str(expected.annotation_files["train"]), "--predictions", str(predictions),
                 "--task-arg", f"score_ids={ids}"]) == 2
    assert "7: video id not in the ground truth file" in capsys.readouterr().err
    assert _run("ytvis2021", expected, tmp_path / "runs", "train", "--task-arg",
                f"score_ids={ids}") == 2
    assert "score_ids is a 'score' option" in capsys.readouterr().err


# score of a hand-written results file


def test_score_of_a_hand_written_results_file_matches_the_hand_computed_ap(tmp_path, capsys):
    """Every train video (no hold-out); 3 results:

    - r1 video 1 person, the exact track, score 0.9;
    - r3 video 1 person, the track shifted 2 px right, score 0.95: per frame the 8x8
      squares meet in 8x6 = 48 px of a 80 px union, track IoU 144/240 = 0.6 exactly;
    - r2 video 2, the dog's exact masks labelled *cat* (a wrong category), score 0.8.

    person (1 GT): r3 ranks first. At IoU 0.50/0.55/0.60 r3 matches (IoU >= threshold) and
    r1 is a duplicate: precision 1 at recall 1, AP 1. At 0.65..0.95 (7 thresholds) r3 is a
    false positive, r1 the match: precision 1/2 at recall 1, AP 0.5. Person AP = (3 + 3.5)
    / 10 = 0.65; AP50 1; AP75 0.5. dog (1 GT, no result): 0. cat (1 GT in video 3; r2 is in
    video 2): 0. The 37 other categories have no ground truth and are left out.
    AP = 0.65 / 3 = 21.67; AP50 = 1 / 3; AP75 = 0.5 / 3; all tracks are small (< 128^2):
    APs = AP, APm = APl = n/a. AR1 (r3 alone in video 1): person recall 1 at 3 of 10
    thresholds -> 0.3 / 3 = 10; AR10: person 1 -> 33.33. J: person's best-IoU result is r1
    (J 1), dog and cat have none (0): 33.33.
    """
    expected = ytvis2021.build(tmp_path)
    person, dog = (next(t for t in expected.tracks["train"] if t.video_id == v)
                   for v in (1, 2))

    def rle(mask: np.ndarray | None) -> dict | None:
        if mask is None:
            return None
        encoded = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        return {"size": list(mask.shape), "counts": encoded["counts"].decode("ascii")}

    shifted = [np.roll(m, 2, axis=1) for m in person.masks]
    results = [
        {"video_id": 1, "category_id": 26, "score": 0.9,
         "segmentations": [rle(m) for m in person.masks]},
        {"video_id": 1, "category_id": 26, "score": 0.95,
         "segmentations": [rle(m) for m in shifted]},
        {"video_id": 2, "category_id": ytvis2021.IDS["cat"], "score": 0.8,
         "segmentations": [rle(m) for m in dog.masks]},
    ]
    assert dog.masks[2] is None  # the dog leaves: a null frame in the results too
    predictions = tmp_path / "results.json"
    predictions.write_text(json.dumps(results))
    scored = _score("ytvis2021", expected.annotation_files["train"], predictions, capsys,
                    *_args({"split": "train"}))
    assert scored["AP"] == pytest.approx(65.0 / 3)
    assert scored["AP50"] == pytest.approx(100.0 / 3)
    assert scored["AP75"] == pytest.approx(50.0 / 3)
    assert scored["APs"] == pytest.approx(65.0 / 3)
    assert scored["APm"] is None and scored["APl"] is None
    assert scored["AR1"] == pytest.approx(10.0)
    assert scored["AR10"] == pytest.approx(100.0 / 3)
    assert scored["J"] == pytest.approx(100.0 / 3)
    assert scored["n_videos"] == 3 and scored["n_results"] == 3


@pytest.mark.parametrize("annotations", ["null", "absent", "empty"])
def test_a_file_without_annotations_has_no_ground_truth(annotations):
    from benchmarks.datasets.ytvis.annotations import AnnotationError, parse_annotations

    data = {"videos": [{"id": 1, "file_names": ["v/00000.jpg"], "height": 4, "width": 4}],
            "categories": [{"id": 1, "name": "person"}]}
    if annotations != "absent":
        data["annotations"] = None if annotations == "null" else []
    parsed = parse_annotations(data)
    assert parsed.has_ground_truth is False and parsed.tracks == {1: []}
    with pytest.raises(AnnotationError, match="not a list"):
        parse_annotations({**data, "annotations": {}})
