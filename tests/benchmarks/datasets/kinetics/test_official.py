"""``run`` and ``score`` of kinetics400/600/700 on tiny copies of each release
(tests/fixtures/official/kinetics.py): the task files as they are (400/600/700 classes,
the val split), partial downloads exit 0, and hand-scored prediction files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from benchmarks.cli import main
from tests.fixtures.official import kinetics


@pytest.mark.slow
@pytest.mark.parametrize("version", kinetics.VERSIONS)
def test_pyratok_runs_on_each_release_layout(version, tmp_path, capsys):
    expected = kinetics.build(tmp_path / f"k{version}", version=version)
    task = f"kinetics{version}"
    code = main(["run", "--task", task, "--tokenizer", "pyratok", "--data-root",
                 str(tmp_path / f"k{version}"), "--output", str(tmp_path / "out"),
                 "--no-progress", "--num-workers", "0",
                 # small frames and one template keep the bundled model quick on CPU
                 "--task-arg", "resize_shorter=64", "--task-arg", "crop=64",
                 "--task-arg", "templates=['a video of {}']"])
    assert code == 0  # two of five clips never downloaded: a partial copy, exit 0
    run_dir = tmp_path / "out" / task / "pyratok"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (3, 0, 2)
    assert summary["evaluation"]["n_classes"] == expected.n_classes  # the task's num_classes
    assert summary["dataset"]["annotation_file"] == str(expected.annotation_file)
    assert (run_dir / "evaluated_ids.txt").read_text().split() == list(expected.ids)
    missing = [m.split("\t")[0] for m in (run_dir / "missing_ids.txt").read_text().splitlines()]
    assert missing == list(expected.missing)
    records = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    # the dataset's top-1 is the mean of per-clip hits against the CSV's labels
    hits = [100.0 * (r["prediction"][0] == expected.labels[r["sample_id"]]) for r in records]
    assert summary["metrics"]["top1"] == pytest.approx(sum(hits) / 3)
    assert "ERROR" not in capsys.readouterr().err
    # `score` of the run's own predictions.json over the run's videos = the run
    assert summary["files"]["predictions"] == "predictions.json"
    assert main(["score", "--task", task, "--annotations", str(expected.annotation_file),
                 "--predictions", str(run_dir / "predictions.json"), "--json", "--task-arg",
                 f"score_ids={run_dir / 'evaluated_ids.txt'}"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert (scored["top1"], scored["top5"]) == (summary["metrics"]["top1"],
                                               summary["metrics"]["top5"])
    assert scored["n_missing"] == 0


@pytest.mark.parametrize("version", kinetics.VERSIONS)
def test_score_of_a_hand_written_prediction_file(version, tmp_path, capsys):
    expected = kinetics.build(tmp_path / f"k{version}", version=version)
    labels = expected.labels
    # the five val rows (present or not: score reads no video):
    #   0wR5jVB-WPk (abseiling): right at rank 1            top-1 and top-5 hit
    #   --nQbRBEz2s (air drumming): right at rank 3         top-5 hit only
    #   -huT_p-r_zA (massaging person's head): right at 6   beyond the first 5: a miss
    #   _5-9hJ9Sj0c (passing ... (in game)): a single label, wrong
    #   K8vBVVe_QSs: not predicted                          wrong, counted as missing
    # top-1 = 1/5 = 20 %, top-5 = 2/5 = 40 %
    other = [f"kinetics class {k:03d}" for k in range(5)]
    predictions = {
        "0wR5jVB-WPk": ["abseiling", *other[:4]],
        "--nQbRBEz2s": [other[0], other[1], "air drumming", other[2]],
        "-huT_p-r_zA": [*other, "massaging person's head"],
        "_5-9hJ9Sj0c": "tasting food",
    }
    assert labels["-huT_p-r_zA"] == "massaging person's head"
    path = tmp_path / "predictions.json"
    path.write_text(json.dumps(predictions))
    assert main(["score", "--task", f"kinetics{version}", "--annotations",
                 str(expected.annotation_file), "--predictions", str(path), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["top1"] == pytest.approx(20.0) and scored["top5"] == pytest.approx(40.0)
    assert scored["n_videos"] == 5 and scored["n_missing"] == 1


# k600-rfvd-128 / -256: reconstruction FVD of the Kinetics-600 validation clips ----------


@pytest.mark.slow
@pytest.mark.parametrize(("task", "size"), [("k600-rfvd-128", 128), ("k600-rfvd-256", 256)])
def test_rfvd_tasks_on_the_600_release(task, size, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    expected = kinetics.build(tmp_path / "k600", version="600")
    code = main(["run", "--task", task, "--tokenizer", "identity", "--data-root",
                 str(tmp_path / "k600"), "--output", str(tmp_path / "out"), "--no-progress",
                 "--num-workers", "0", "--task-arg", "lpips=false",
                 "--task-arg", "features=pixels8",  # pixel features stand in for the I3D
                 "--task-arg", "protocol=fd-pixels8"])
    assert code == 0  # two of five clips never downloaded: scored as present
    run_dir = tmp_path / "out" / task / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_failed"], summary["n_missing"]) == (3, 0, 2)
    assert (run_dir / "evaluated_ids.txt").read_text().split() == list(expected.ids)
    assert summary["dataset"]["annotation_file"] == str(expected.annotation_file)
    assert summary["config"]["task"]["crop"] == size
    # 12-frame clips, 17 asked: each filled by repeating its last frame (5 frames)
    assert summary["short_clips"]["n_padded"] == 3
    assert summary["metrics"]["psnr"] == "inf"
    assert summary["metrics"]["rfd_pixels8"] == pytest.approx(0.0, abs=1e-6)
    assert summary["evaluation"]["rfvd_clips"] == 3
    capsys.readouterr()
    assert main(["tables", "--runs", str(tmp_path / "out"), "--paper", "--task", task,
                 "--format", "csv"]) == 0
    names = {r[0] for r in csv.reader(io.StringIO(capsys.readouterr().out))}
    claims = {"OmniTokenizer VQVAE (ImageNet + K600) (OmniTokenizer README)"}
    # 256x256: OmniTokenizer's README rows beside the run; 128x128: no published claim
    assert "identity" in names and (claims <= names) == (size == 256)
