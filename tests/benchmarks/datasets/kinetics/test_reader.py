"""Kinetics reader on tiny copies in the accepted layouts, and the Kinetics demo set."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from benchmarks.datasets import DATASETS, demo
from benchmarks.datasets.annotation import ClassLabel
from benchmarks.datasets.base import Dataset, DatasetError, DatasetInfo, SampleError
from benchmarks.datasets.kinetics import demo as kinetics_demo
from benchmarks.datasets.kinetics.reader import KineticsDataset, KineticsRow, read_kinetics_csv
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import read_frames
from tests.helpers.kinetics import (
    COLUMNS,
    TRAIN_CLIPS,
    VAL_CLIPS,
    Clip,
    clip_rows,
    write_csv,
    write_kinetics,
    write_videos,
)

SMALL = FrameSampling(frames_per_clip=4, start="uniform", resize_shorter=None, crop=None)
VAL_IDS = [c.youtube_id for c in VAL_CLIPS]


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CVDF layout: annotations/{train,val}.csv, val/ and train/ flat, 4 + 2 clips."""
    root = tmp_path_factory.mktemp("kinetics_flat")
    write_kinetics(root)
    write_kinetics(
        root, TRAIN_CLIPS, split="train", csv_name="annotations/train.csv", video_dir="train"
    )
    return root


# listing


def test_lists_the_official_layout_in_csv_order(flat: Path):
    dataset = KineticsDataset(flat, sampling=SMALL)
    assert isinstance(dataset, Dataset) and DATASETS.get("kinetics") is KineticsDataset
    refs = dataset.refs()
    assert [r.sample_id for r in refs] == VAL_IDS and dataset.bad_rows() == []
    assert refs[0].path == str(flat / "val" / "0wR5jVB-WPk_000417_000427.mp4")
    assert refs[2].caption is None
    assert refs[2].extra == {"time_start": 0, "time_end": 10}
    assert refs[2].annotation == ClassLabel("passing American football (in game)")
    assert dataset.annotation_path == flat / "annotations" / "val.csv"


@pytest.mark.parametrize("layout", ["per_label", "per_label_underscores"])
def test_per_label_folders_with_spaces_or_underscores(tmp_path: Path, layout):
    paths = write_kinetics(tmp_path, layout=layout)
    refs = KineticsDataset(tmp_path, sampling=SMALL).refs()
    assert [r.sample_id for r in refs] == VAL_IDS
    assert [r.path for r in refs] == [str(paths[i]) for i in VAL_IDS]
    folder = Path(refs[2].path).parent.name
    expected = {"per_label": "passing American football (in game)"}
    assert folder == expected.get(layout, "passing_American_football_(in_game)")


def test_deepmind_naming_validate_csv_and_folder(tmp_path: Path):
    # The DeepMind tarball: validate.csv at the top, split column "validate".
    write_kinetics(tmp_path, csv_name="validate.csv", video_dir="validate", split_value="validate")
    for split in ("val", "validate"):
        dataset = KineticsDataset(tmp_path, sampling=SMALL, split=split)
        assert dataset.split == "val" and dataset.annotation_path == tmp_path / "validate.csv"
        assert dataset.video_dir == tmp_path / "validate"
        assert [r.sample_id for r in dataset.refs()] == VAL_IDS


def test_mmaction_videos_split_folder(tmp_path: Path):
    write_kinetics(tmp_path, video_dir="videos_val", layout="per_label_underscores")
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    assert dataset.video_dir == tmp_path / "videos_val"
    assert [r.sample_id for r in dataset.refs()] == VAL_IDS


def test_other_containers_where_the_mp4_is_absent(tmp_path: Path):
    clips = [
        Clip("abseiling", "mkv00000001", extension=".mkv"),
        Clip("abseiling", "webm0000001", extension=".webm"),
        Clip("abseiling", "avi00000001", extension=".avi"),
        Clip("abseiling", "both0000001", extension=".mkv"),
    ]
    write_kinetics(tmp_path, clips)
    write_videos(tmp_path / "val", [dataclasses.replace(clips[3], extension=".mp4")])
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    refs = dataset.refs()
    assert [Path(r.path).name for r in refs] == [
        "mkv00000001_000010_000020.mkv",
        "webm0000001_000010_000020.webm",
        "avi00000001_000010_000020.avi",
        "both0000001_000010_000020.mp4",  # the mp4 wins
    ]
    for ref in refs:
        assert dataset.load(ref).video.shape == (3, 4, 32, 32)


def test_extra_columns_such_as_is_cc(tmp_path: Path):
    header = [*COLUMNS, "is_cc"]
    write_csv(
        tmp_path / "annotations" / "val.csv", [[*r, 0] for r in clip_rows(VAL_CLIPS, "val")], header
    )
    write_videos(tmp_path / "val", VAL_CLIPS)
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    assert [r.sample_id for r in dataset.refs()] == VAL_IDS and dataset.bad_rows() == []


# rows that cannot be used


def test_a_missing_video_is_absent_with_its_youtube_id(tmp_path: Path):
    clips = [*VAL_CLIPS[:2], Clip("air drumming", "gone0000001", extension=None)]
    write_kinetics(tmp_path, clips, layout="per_label_underscores")
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    assert [r.sample_id for r in dataset.refs()] == VAL_IDS[:2]
    assert dataset.bad_rows() == []  # a partial download is not a malformed row
    (error,) = dataset.absent()
    assert error.sample_id == "gone0000001"
    assert error.path == str(tmp_path / "val" / "gone0000001_000010_000020.mp4")
    assert error.reason == (
        "video not found (looked for gone0000001_000010_000020.{mp4,mkv,webm,avi} "
        "in val/, val/air_drumming/)"
    )
    assert dataset.info().extra["n_videos_missing"] == 1


def test_malformed_rows_name_the_file_and_the_line(tmp_path: Path):
    rows = [
        *clip_rows(VAL_CLIPS[:1], "val"),  # line 2
        ["abseiling", "short_row", "1"],  # 3
        ["abseiling", "notanint001", "ten", "20", "val"],  # 4
        ["", "nolabel0001", "0", "10", "val"],  # 5
        ["abseiling", "reversed001", "20", "10", "val"],  # 6
        ["abseiling", "", "0", "10", "val"],  # 7
        ["zumba", VAL_CLIPS[0].youtube_id, "50", "60", "val"],  # 8: duplicate of line 2
        ["abseiling", "nul\x00byte0", "0", "10", "val"],  # 9: open() raises on a NUL
    ]
    path = write_csv(tmp_path / "annotations" / "val.csv", rows)
    write_videos(tmp_path / "val", VAL_CLIPS[:1])
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    assert [r.sample_id for r in dataset.refs()] == VAL_IDS[:1]
    errors = dataset.bad_rows()
    assert [e.sample_id for e in errors] == [f"row-{n}" for n in (3, 4, 5, 6, 7, 8, 9)]
    assert all(e.path == str(path) for e in errors)
    assert [e.reason for e in errors] == [
        "line 3: 3 fields, header has 5",
        "line 4: time_start 'ten' is not an integer",
        "line 5: empty label",
        "line 6: bad segment: time_start 20, time_end 10",
        "line 7: bad youtube_id ''",
        f"line 8: duplicate youtube_id {VAL_CLIPS[0].youtube_id}, first at line 2",
        "line 9: bad youtube_id 'nul\\x00byte0'",
    ]
    assert str(errors[0]) == f"{path}: line 3: 3 fields, header has 5"
    # the pure parser (used by the score command) reports the same malformed rows
    assert [e.to_dict() for e in read_kinetics_csv(path)[1]] == [e.to_dict() for e in errors]


def test_read_kinetics_csv_is_the_pure_parser(tmp_path: Path):
    path = tmp_path / "test.csv"  # an unlabelled test CSV, a label spanning two lines
    path.write_text(
        'youtube_id,time_start,time_end,split\nabc,1,11,test\n"d\nef",2,12,\nghi,3,13,test\n',
        encoding="utf-8",
    )
    rows, errors = read_kinetics_csv(path)
    assert errors == []
    assert rows[0] == KineticsRow(None, "abc", 1, 11, "test", line=2)
    assert rows[1].youtube_id == "d\nef" and rows[1].split is None and rows[1].line == 3
    assert rows[2].line == 5 and rows[2].file_stem == "ghi_000003_000013"
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].label = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty CSV; expected a header label,youtube_id,time_start,time_end,split"),
        ("label,youtube_id,split\n", "missing column(s) time_start, time_end"),
        # which of the two is the label? refused, as a JSON key given twice is
        ("label,label,youtube_id,time_start,time_end\nc0,c1,abc,0,10\n",
         "column(s) label named twice in the header"),
    ],
)
def test_unreadable_csv_is_a_dataset_error(tmp_path: Path, content: str, message: str):
    path = tmp_path / "val.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        read_kinetics_csv(path)
    assert info.value.path == str(path)


def test_missing_csv_or_video_folder_lists_what_was_searched(tmp_path: Path):
    with pytest.raises(DatasetError, match="root folder not found"):
        KineticsDataset(tmp_path / "nowhere", sampling=SMALL)
    with pytest.raises(DatasetError) as info:
        KineticsDataset(tmp_path, sampling=SMALL)
    assert info.value.reason == (
        "no annotation CSV for split 'val'; looked for annotations/val.csv, val.csv, "
        "validate.csv, annotations/validate.csv (choose one with annotations=...)"
    )
    with pytest.raises(DatasetError, match="annotation CSV not found"):
        KineticsDataset(tmp_path, sampling=SMALL, annotations="mine.csv")
    write_csv(tmp_path / "val.csv", clip_rows(VAL_CLIPS, "val"))
    with pytest.raises(DatasetError, match="no video folder for split 'val'; looked for val/"):
        KineticsDataset(tmp_path, sampling=SMALL)


def test_a_csv_of_several_splits_keeps_the_rows_of_this_one(tmp_path: Path):
    rows = clip_rows(VAL_CLIPS, "val") + clip_rows(TRAIN_CLIPS, "train")
    write_csv(tmp_path / "all.csv", rows)
    write_videos(tmp_path / "val", VAL_CLIPS)
    dataset = KineticsDataset(tmp_path, sampling=SMALL, annotations="all.csv")
    assert [r.sample_id for r in dataset.refs()] == VAL_IDS
    assert dataset.info().extra["n_rows_of_other_splits"] == len(TRAIN_CLIPS)
    write_csv(tmp_path / "train_only.csv", clip_rows(TRAIN_CLIPS, "train"))
    wrong = KineticsDataset(tmp_path, sampling=SMALL, annotations="train_only.csv")
    with pytest.raises(DatasetError, match="no rows of split 'val'; its split column holds train"):
        wrong.refs()


# info, with_split, load


def test_info_vocabulary_spans_every_split_csv(flat: Path):
    (flat / "annotations" / "test.csv").write_text(  # unlabelled: adds no class
        "youtube_id,time_start,time_end,split\nzzz,0,10,test\n", encoding="utf-8"
    )
    info = KineticsDataset(flat, sampling=SMALL, version=400).info()
    labels = {c.label for c in VAL_CLIPS + TRAIN_CLIPS}
    assert isinstance(info, DatasetInfo) and info.classes == tuple(sorted(labels))
    assert (info.name, info.split, info.version) == ("kinetics", "val", "400")
    assert info.annotation_file == str(flat / "annotations" / "val.csv")
    assert info.extra["class_files"] == [
        str(flat / "annotations" / n) for n in ("val.csv", "train.csv", "test.csv")
    ]
    assert info.to_dict()["n_classes"] == 5
    (flat / "annotations" / "test.csv").unlink()


def test_class_count_check_names_the_files_and_counts(flat: Path):
    assert len(KineticsDataset(flat, sampling=SMALL, num_classes=5).info().classes) == 5
    with pytest.raises(DatasetError) as info:
        KineticsDataset(flat, sampling=SMALL, version="400", num_classes=400).info()
    files = f"{flat / 'annotations' / 'val.csv'}, {flat / 'annotations' / 'train.csv'}"
    assert info.value.reason == f"5 classes in {files}; expected 400 (num_classes)"


def test_with_split_reads_the_train_csv_next_to_this_one(flat: Path, tmp_path: Path):
    val = KineticsDataset(flat, sampling=SMALL, version="400", num_classes=5)
    train = val.with_split("train")
    assert isinstance(train, KineticsDataset) and train.split == "train"
    assert train.annotation_path == flat / "annotations" / "train.csv"
    assert [r.sample_id for r in train.refs()] == [c.youtube_id for c in TRAIN_CLIPS]
    assert (train.version, train.num_classes, train.sampling) == ("400", 5, SMALL)
    assert train.info().classes == val.info().classes
    with pytest.raises(DatasetError, match="no annotation CSV for split 'test'"):
        val.with_split("test")
    # an explicit CSV elsewhere: its sibling is found in the same folder
    write_csv(tmp_path / "lists" / "val.csv", clip_rows(VAL_CLIPS, "val"))
    write_csv(tmp_path / "lists" / "train.csv", clip_rows(TRAIN_CLIPS[:1], "train"))
    write_videos(tmp_path / "val", VAL_CLIPS)
    write_videos(tmp_path / "train", TRAIN_CLIPS[:1])
    mine = KineticsDataset(tmp_path, sampling=SMALL, annotations="lists/val.csv")
    assert mine.with_split("train").annotation_path == tmp_path / "lists" / "train.csv"


def test_load_decodes_uniformly_spread_frames(flat: Path):
    dataset = KineticsDataset(flat, sampling=SMALL)
    ref = dataset.refs()[1]
    sample = dataset.load(ref)
    assert sample.ref == ref and sample.video.shape == (3, 4, 32, 32)
    expected = read_frames(ref.path, [1, 4, 7, 10])  # 12 frames, 4 segments of 3
    np.testing.assert_allclose(
        sample.video.permute(1, 2, 3, 0).numpy(), expected / 255.0, atol=1e-6
    )
    assert dataset.load(ref, num_frames=2).video.shape == (3, 2, 32, 32)


def test_load_of_a_video_removed_after_listing_is_a_sample_error(tmp_path: Path):
    paths = write_kinetics(tmp_path, VAL_CLIPS[:1])
    dataset = KineticsDataset(tmp_path, sampling=SMALL)
    (ref,) = dataset.refs()
    paths[ref.sample_id].unlink()
    with pytest.raises(SampleError) as info:
        dataset.load(ref)
    assert (info.value.sample_id, info.value.reason) == (ref.sample_id, "file not found")


# demo set


@pytest.fixture(scope="module")
def demo_kinetics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("pyratok_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYRATOK_CACHE", str(cache))
        root = demo.demo_root("kinetics")
        assert demo.demo_root("kinetics") == root  # second call: no rebuild
    return root


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_demo_layout_labels_and_held_out_seeds(demo_kinetics: Path):
    from pyratok.demo import CLASSES, class_of, class_prompt, make_video

    root = demo_kinetics
    assert root.name == "kinetics-v1" and demo.is_demo_root(root)
    assert sorted(p.name for p in root.iterdir()) == [
        demo.MARKER, "annotations", "train", "val",
    ]  # fmt: skip
    val = KineticsDataset(
        root, sampling=FrameSampling(start="uniform", resize_shorter=None, crop=None)
    )
    train = val.with_split("train")
    assert val.bad_rows() == [] and train.bad_rows() == []
    val_refs, train_refs = val.refs(), train.refs()
    seeds = [kinetics_demo.seed_of(r.sample_id) for r in val_refs]
    assert seeds == list(range(10_000_000, 10_000_100))
    train_seeds = [kinetics_demo.seed_of(r.sample_id) for r in train_refs]
    assert min(train_seeds) == 11_000_000 and train_seeds == sorted(train_seeds)
    assert all(len(r.sample_id) == 11 for r in val_refs + train_refs)
    assert Path(val_refs[0].path).name == "dm-10000000_000000_000003.mp4"

    by_label = {kinetics_demo.label_of(c): c for c in CLASSES}
    for ref in val_refs[:10] + train_refs[:10]:  # labels are the generator's classes
        cls = class_of(make_video(kinetics_demo.seed_of(ref.sample_id), n_objects=1))
        assert by_label[ref.annotation.label] == cls
        assert f"a video of {ref.annotation.label}" == class_prompt(cls)
    counts = {label: 0 for label in by_label}
    for ref in train_refs:
        counts[ref.annotation.label] += 1
    assert set(counts.values()) == {4}  # every class, 4 clips each
    info = val.info()
    assert info.classes == tuple(sorted(by_label)) and len(info.classes) == len(CLASSES) == 49
    assert info.version == "demo-v1"
    # the real dataset's expected size is not checked on a demo set
    assert KineticsDataset(root, sampling=SMALL, num_classes=400).info().version == "demo-v1"

    ref = val_refs[7]
    source = make_video(kinetics_demo.seed_of(ref.sample_id), n_objects=1).frames
    decoded = read_frames(ref.path, range(17)).astype(np.float32)
    assert decoded.shape == (17, 64, 64, 3)
    assert np.abs(decoded - source).mean() < 3.0  # crf 6, yuv420p
    assert val.load(ref).video.shape == (3, 17, 64, 64)


@pytest.mark.slow
def test_demo_build_is_deterministic(demo_kinetics: Path, tmp_path: Path):
    kinetics_demo.build(tmp_path)
    assert _tree_digest(tmp_path) == {
        k: v for k, v in _tree_digest(demo_kinetics).items() if k != demo.MARKER
    }
