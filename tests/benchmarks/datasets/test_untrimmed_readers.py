"""Untrimmed-video readers (THUMOS14, ActivityNet v1.3) on tiny copies, and their demo sets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from benchmarks.datasets import DATASETS, demo
from benchmarks.datasets.activitynet import demo as activitynet_demo
from benchmarks.datasets.activitynet.reader import (
    ActivityNetDataset,
    label_phrase,
    taxonomy_classes,
)
from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import Dataset, DatasetError, SampleError, SampleRef
from benchmarks.datasets.thumos14 import demo as thumos14_demo
from benchmarks.datasets.thumos14.reader import DEFAULT_EXCLUDED, Thumos14Dataset, class_phrase
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import probe_video
from pyratok.demo import make_untrimmed
from pyratok.demo_motion import MOTIONS
from tests.helpers.tal import (
    FPS,
    FRAMES,
    HEIGHT,
    THUMOS_LAYOUTS,
    WIDTH,
    write_activitynet,
    write_test_video,
    write_thumos,
)

SAMPLING = FrameSampling()
EMPTY = (3, 0, 1, 1)


# THUMOS14


@pytest.fixture(scope="module")
def thumos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("thumos14")
    write_thumos(root)
    return root


def _by_id(dataset: Dataset) -> dict[str, SampleRef]:
    return {r.sample_id: r for r in dataset.refs()}


@pytest.mark.parametrize("layout", sorted(THUMOS_LAYOUTS))
def test_thumos_reads_every_official_layout(layout: str, tmp_path: Path):
    folder = write_thumos(tmp_path, layout=layout)
    dataset = Thumos14Dataset(tmp_path, sampling=SAMPLING)
    assert dataset.annotation_dir == folder
    # 0005: Ambiguous only; 0009: no video; 0270: excluded by default
    assert [r.sample_id for r in dataset.refs()] == [
        "video_test_0000001",
        "video_test_0000002",
        "video_test_0000003",
    ]
    info = dataset.info()
    assert info.classes == ("BaseballPitch", "CleanAndJerk", "CliffDiving", "Diving")
    assert info.annotation_file == str(folder) and "Ambiguous" not in info.classes


def test_thumos_refs_hold_segments_ambiguous_and_video_paths(thumos: Path):
    refs = _by_id(Thumos14Dataset(thumos, sampling=SAMPLING))
    first = refs["video_test_0000001"]
    assert first.path == str(thumos / "videos" / "video_test_0000001.mp4")
    assert first.annotation == TemporalSegments(
        segments=(("BaseballPitch", 0.2, 1.1), ("BaseballPitch", 2.0, 2.5)),
        ambiguous=((1.5, 1.8),),
    )
    assert first.extra == {"duration": None}
    assert refs["video_test_0000002"].path == str(thumos / "video_test_0000002.avi")
    assert refs["video_test_0000003"].path == str(thumos / "videos" / "video_test_0000003.mkv")
    assert refs["video_test_0000003"].annotation.segments == (("CleanAndJerk", 0.5, 2.0),)


def test_thumos_cliffdiving_is_also_diving_unless_disabled(thumos: Path):
    on = Thumos14Dataset(thumos, sampling=SAMPLING)
    assert _by_id(on)["video_test_0000002"].annotation.segments == (
        ("CliffDiving", 0.5, 1.5),
        ("Diving", 0.5, 1.5),  # added
        ("CliffDiving", 2.0, 2.8),
        ("Diving", 2.0, 2.8),  # already in Diving_test.txt: not doubled
    )
    assert on.info().extra["n_diving_added_from_cliffdiving"] == 1
    off = Thumos14Dataset(thumos, sampling=SAMPLING, cliffdiving_also_diving=False)
    assert _by_id(off)["video_test_0000002"].annotation.segments == (
        ("CliffDiving", 0.5, 1.5),
        ("CliffDiving", 2.0, 2.8),
        ("Diving", 2.0, 2.8),
    )
    assert off.info().extra["n_diving_added_from_cliffdiving"] == 0


def test_thumos_excludes_the_broken_videos_by_name(thumos: Path):
    assert DEFAULT_EXCLUDED == ("video_test_0000270", "video_test_0001292", "video_test_0001496")
    dataset = Thumos14Dataset(thumos, sampling=SAMPLING)
    assert "video_test_0000270" not in _by_id(dataset)
    assert all(e.sample_id != "video_test_0000270" for e in dataset.bad_rows())
    extra = dataset.info().extra
    assert extra["excluded_videos"] == list(DEFAULT_EXCLUDED)
    assert extra["n_excluded_annotated"] == 1 and extra["n_videos_only_ambiguous"] == 1
    kept = Thumos14Dataset(thumos, sampling=SAMPLING, exclude_videos=())
    assert _by_id(kept)["video_test_0000270"].annotation.segments == (("BaseballPitch", 0.0, 1.0),)


def test_thumos_reports_malformed_lines_and_missing_videos(thumos: Path):
    dataset = Thumos14Dataset(thumos, sampling=SAMPLING)
    file = thumos / "annotation" / "CleanAndJerk_test.txt"
    malformed = dataset.bad_rows()
    assert [e.sample_id for e in malformed] == [
        "row-CleanAndJerk_test.txt:1",
        "row-CleanAndJerk_test.txt:2",
        "row-CleanAndJerk_test.txt:3",
    ]
    assert all(e.path == str(file) for e in malformed)
    assert "expected 'video_name start end', got 2 fields" in malformed[0].reason
    assert "end 1 s before start 2 s" in malformed[1].reason
    assert "not numbers" in malformed[2].reason
    (missing,) = dataset.absent()  # a partial download: not a bad row
    assert missing.sample_id == "video_test_0000009"
    assert missing.path == str(thumos / "videos" / "video_test_0000009.mp4")
    assert missing.reason == (
        "video not found (looked for video_test_0000009.{mp4,avi,mkv} in videos/, ./)"
    )
    info = Thumos14Dataset(thumos, sampling=SAMPLING).info()
    assert (info.extra["n_malformed_rows"], info.extra["n_videos_missing"]) == (3, 1)


def test_thumos_load_probes_without_decoding(thumos: Path, tmp_path: Path):
    dataset = Thumos14Dataset(thumos, sampling=SAMPLING)
    ref = _by_id(dataset)["video_test_0000001"]
    sample = dataset.load(ref)
    assert sample.video.shape == EMPTY and sample.video.dtype == torch.float32
    assert sample.ref.sample_id == ref.sample_id and sample.ref.path == ref.path
    assert sample.ref.extra == {
        **ref.extra,
        "num_frames": FRAMES,
        "fps": float(FPS),
        "height": HEIGHT,
        "width": WIDTH,
    }
    assert "num_frames" not in ref.extra  # the index ref is left as it was
    gone = SampleRef("video_test_0000042", str(tmp_path / "video_test_0000042.mp4"))
    with pytest.raises(SampleError, match="file not found") as error:
        dataset.load(gone)
    assert error.value.sample_id == "video_test_0000042"
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(SampleError, match="cannot open"):
        dataset.load(SampleRef("broken", str(broken)))


def test_thumos_info_and_prompts(thumos: Path):
    info = Thumos14Dataset(thumos, sampling=SAMPLING).info()
    assert (info.name, info.split, info.version, info.root) == (
        "thumos14",
        "test",
        None,
        str(thumos),
    )
    assert info.prompts == {
        "BaseballPitch": "baseball pitch",
        "CleanAndJerk": "clean and jerk",
        "CliffDiving": "cliff diving",
        "Diving": "diving",
    }
    assert info.extra["n_videos"] == 3 and info.extra["n_segments"] == 2 + 4 + 1
    recorded = json.loads(json.dumps(info.to_dict()))  # JSON-able for the summary
    assert list(recorded["extra"])[:3] == ["prompts", "class_indices", "n_videos"]
    assert recorded["extra"]["prompts"] == info.prompts


def test_class_phrase_splits_camel_case():
    assert class_phrase("CricketBowling") == "cricket bowling"
    assert class_phrase("VolleyballSpiking") == "volleyball spiking"
    assert class_phrase("MovingLeft") == "moving left"
    assert class_phrase("Rotating") == "rotating"


def test_thumos_errors_name_what_is_missing(tmp_path: Path):
    with pytest.raises(DatasetError, match="root folder not found"):
        Thumos14Dataset(tmp_path / "absent", sampling=SAMPLING)
    with pytest.raises(DatasetError, match="looked for annotation/, TH14_Temporal_Annotations_"):
        Thumos14Dataset(tmp_path, sampling=SAMPLING)
    (tmp_path / "annotation").mkdir()
    (tmp_path / "annotation" / "Ambiguous_test.txt").write_text("video_test_0000001 1 2\n")
    with pytest.raises(DatasetError, match="no class file <Class>_test.txt"):
        Thumos14Dataset(tmp_path, sampling=SAMPLING)
    with pytest.raises(DatasetError, match="annotation folder not found"):
        Thumos14Dataset(tmp_path, sampling=SAMPLING, annotation_dir="elsewhere")
    with pytest.raises(ValueError, match="unknown THUMOS14 split 'train'"):
        Thumos14Dataset(tmp_path, sampling=SAMPLING, split="train")


def test_thumos_validation_split_reads_val_files(tmp_path: Path):
    write_thumos(tmp_path, split="val", files={"HighJump": ["video_test_0000001 0 1"]})
    dataset = Thumos14Dataset(tmp_path, sampling=SAMPLING, split="validation")
    assert dataset.info().split == "val" and dataset.info().classes == ("HighJump",)
    assert [r.sample_id for r in dataset.refs()] == ["video_test_0000001"]


# ActivityNet


@pytest.fixture(scope="module")
def anet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("activitynet")
    write_activitynet(root)
    return root


def test_activitynet_finds_v_prefixed_and_bare_ids(anet: Path):
    refs = ActivityNetDataset(anet, sampling=SAMPLING).refs()
    assert [r.sample_id for r in refs] == ["aaa", "bbb", "ccc"]  # JSON order
    assert [r.path for r in refs] == [
        str(anet / "videos" / "v_aaa.mp4"),
        str(anet / "bbb.mp4"),
        str(anet / "videos" / "v_ccc.webm"),
    ]
    segments = (("BMX", 0.0, 0.5), ("Playing guitarra", 1.0, 2.0))
    assert refs[0].annotation == TemporalSegments(segments)  # no ambiguous spans
    assert refs[0].extra == {"duration": 3.0}
    assert refs[2].extra["duration"] == 3.0 and isinstance(refs[2].extra["duration"], float)


def test_activitynet_bad_rows_reversed_segment_and_missing_video(anet: Path):
    dataset = ActivityNetDataset(anet, sampling=SAMPLING)
    (reversed_,), (missing,) = dataset.bad_rows(), dataset.absent()
    json_path = anet / "activity_net.v1-3.min.json"
    assert reversed_.sample_id == "row-activity_net.v1-3.min.json:5"
    assert reversed_.path == str(json_path)
    assert reversed_.reason == "entry 'eee', annotation 0: segment [2.0, 1.0] ends before it starts"
    assert missing.sample_id == "ddd" and missing.path == str(anet / "videos" / "v_ddd.mp4")
    assert missing.reason == (
        "video not found (looked for v_ddd.{mp4,mkv,webm} and ddd.{mp4,mkv,webm} in videos/, ./)"
    )


def test_activitynet_subset_filtering(anet: Path):
    training = ActivityNetDataset(anet, sampling=SAMPLING, subset="training")
    assert training.refs() == []
    assert training.bad_rows() == [] and [e.sample_id for e in training.absent()] == ["fff"]
    assert training.info().extra["n_entries_of_other_subsets"] == 5
    validation = ActivityNetDataset(anet, sampling=SAMPLING).info()
    assert validation.split == "validation" and validation.extra["n_entries_of_other_subsets"] == 1
    with pytest.raises(DatasetError, match="no entry of subset 'testing'"):
        ActivityNetDataset(anet, sampling=SAMPLING, subset="testing").refs()


def test_activitynet_classes_from_taxonomy_else_labels(anet: Path, tmp_path: Path):
    info = ActivityNetDataset(anet, sampling=SAMPLING).info()
    assert info.classes == ("Archery", "BMX", "Long jump", "Playing guitarra", "Zumba")
    assert (info.extra["classes_from"], info.version) == ("taxonomy", "VERSION 1.3")
    assert info.prompts["Playing guitarra"] == "playing guitarra"
    assert info.prompts["BMX"] == "BMX"
    write_activitynet(tmp_path, taxonomy=None, videos={})
    bare = ActivityNetDataset(tmp_path, sampling=SAMPLING).info()
    # the labels of every subset's well-formed entries ("Zumba" is a training label)
    assert bare.classes == ("BMX", "Long jump", "Playing guitarra", "Zumba")
    assert bare.extra["classes_from"] == "annotations"


def test_taxonomy_leaves_and_label_phrases():
    assert taxonomy_classes([{"nodeName": "b"}, {"nodeName": "a"}]) == ["a", "b"]
    assert taxonomy_classes(None) is None and taxonomy_classes([]) is None
    assert label_phrase("Rock-paper-scissors") == "rock-paper-scissors"
    assert label_phrase("BMX") == "BMX"


def test_activitynet_load_probes_and_reads_annotations_folder(anet: Path, tmp_path: Path):
    dataset = ActivityNetDataset(anet, sampling=SAMPLING)
    ref = dataset.refs()[2]  # the .webm
    sample = dataset.load(ref)
    assert sample.video.shape == EMPTY
    assert {k: sample.ref.extra[k] for k in ("num_frames", "height", "width")} == {
        "num_frames": FRAMES,
        "height": HEIGHT,
        "width": WIDTH,
    }
    assert sample.ref.extra["fps"] == pytest.approx(FPS)
    write_activitynet(tmp_path, name="annotations/activity_net.v1-3.min.json", videos={})
    assert ActivityNetDataset(tmp_path, sampling=SAMPLING).annotation_path.parent.name == (
        "annotations"
    )


def test_activitynet_errors(tmp_path: Path):
    with pytest.raises(DatasetError, match="annotation JSON not found; looked for"):
        ActivityNetDataset(tmp_path, sampling=SAMPLING)
    (tmp_path / "activity_net.v1-3.min.json").write_text('{"version": "x"}')
    with pytest.raises(DatasetError, match="expected an object with a 'database' object"):
        ActivityNetDataset(tmp_path, sampling=SAMPLING).refs()
    (tmp_path / "activity_net.v1-3.min.json").write_text("{not json")
    with pytest.raises(DatasetError, match="cannot read the JSON"):
        ActivityNetDataset(tmp_path, sampling=SAMPLING).refs()


def test_probe_video_counts_packets_where_the_container_has_no_count(tmp_path: Path):
    probe = probe_video(write_test_video(tmp_path / "a.webm"))
    assert (probe.num_frames, probe.height, probe.width) == (FRAMES, HEIGHT, WIDTH)


@pytest.mark.parametrize("name", ["thumos14", "activitynet"])
def test_untrimmed_readers_are_registered_datasets(name: str, thumos: Path, anet: Path):
    cls = DATASETS.get(name)
    dataset = cls(thumos if name == "thumos14" else anet, sampling=SAMPLING)
    assert isinstance(dataset, Dataset) and dataset.name == name
    assert name in demo.DEMO_DATASETS


# demo sets


@pytest.fixture(scope="module")
def demo_roots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYRATOK_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield {name: demo.demo_root(name) for name in ("thumos14", "activitynet")}


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != demo.MARKER
    }


@pytest.mark.slow
def test_thumos_demo_layout_classes_and_seeds(demo_roots: dict[str, Path]):
    root = demo_roots["thumos14"]
    assert demo.is_demo_root(root) and root.name == "thumos14-v1"
    names = sorted(p.name for p in (root / "annotation").iterdir())
    assert names == sorted(f"{thumos14_demo.motion_class(m)}_test.txt" for m in MOTIONS)
    assert "MovingLeft_test.txt" in names
    dataset = Thumos14Dataset(root, sampling=SAMPLING)
    refs = dataset.refs()
    assert len(refs) == thumos14_demo.VIDEOS == 24 and dataset.bad_rows() == []
    seeds = [thumos14_demo.seed_of(r.sample_id) for r in refs]
    assert min(seeds) == 10_000_000 and seeds == sorted(set(seeds))
    info = dataset.info()
    assert info.version == "demo-v1" and len(info.classes) == len(MOTIONS)
    assert sorted(info.prompts.values()) == sorted(MOTIONS)
    present = {label for r in refs for label, _, _ in r.annotation.segments}
    assert present == set(info.classes)  # every class occurs
    ref = refs[5]  # its segments are the generator's, in seconds at 8 fps
    video = make_untrimmed(seeds[5], frames=96, size=64)
    assert list(ref.annotation.segments) == sorted(
        (thumos14_demo.motion_class(s.label), s.start / 8, s.end / 8) for s in video.segments
    )
    probe = dataset.load(ref).ref.extra
    assert (probe["num_frames"], probe["fps"], probe["height"], probe["width"]) == (96, 8.0, 64, 64)


def test_activitynet_demo_layout_classes_and_seeds(demo_roots: dict[str, Path]):
    root = demo_roots["activitynet"]
    payload = json.loads((root / "activity_net.v1-3.min.json").read_text())
    assert set(payload) == {"version", "taxonomy", "database"}
    assert all(
        e["subset"] == "validation" and e["duration"] == 12.0 for e in payload["database"].values()
    )
    dataset = ActivityNetDataset(root, sampling=SAMPLING)
    refs = dataset.refs()
    assert len(refs) == activitynet_demo.VIDEOS == 24 and dataset.bad_rows() == []
    assert all(Path(r.path).name == f"v_{r.sample_id}.mp4" for r in refs)
    seeds = [thumos14_demo.seed_of("video_test_" + r.sample_id.removeprefix("dm-")) for r in refs]
    assert min(seeds) == 10_500_000
    info = dataset.info()
    assert info.classes == tuple(sorted(MOTIONS)) and info.version == "demo-v1"
    assert {label for r in refs for label, _, _ in r.annotation.segments} == set(MOTIONS)
    assert info.prompts == {m: m for m in MOTIONS}


@pytest.mark.slow
def test_demo_builds_are_deterministic_and_built_once(demo_roots: dict[str, Path], tmp_path: Path):
    for name, module in (("thumos14", thumos14_demo), ("activitynet", activitynet_demo)):
        again = tmp_path / name
        again.mkdir()
        module.build(again)
        assert _digest(again) == _digest(demo_roots[name])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYRATOK_CACHE", str(demo_roots["thumos14"].parent.parent))
        assert demo.demo_root("thumos14") == demo_roots["thumos14"]  # no rebuild


def test_select_videos_covers_every_motion_in_the_fewest_slots():
    picked = list(thumos14_demo.select_videos(10_000_000, len(MOTIONS)))
    assert {s.label for _, v in picked for s in v.segments} == set(MOTIONS)
    assert [seed for seed, _ in picked] == sorted(seed for seed, _ in picked)
    with pytest.raises(ValueError, match="at least 10 videos"):
        next(thumos14_demo.select_videos(10_000_000, 3))
