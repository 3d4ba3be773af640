"""The folder-of-videos reader: every video under the root, sorted, ids = relative paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.datasets import DATASETS
from benchmarks.datasets.base import DatasetError, SampleError
from benchmarks.datasets.video_folder.reader import VideoFolderDataset, video_files
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames

SAMPLING = FrameSampling(frames_per_clip=4, resize_shorter=32, crop=32)


def _clip(path: Path, seed: int = 0) -> Path:
    write_video(path, moving_frames(seed, frames=6, height=40, width=48), fps=25)
    return path


def test_every_video_below_the_root_sorted_any_case(tmp_path):
    _clip(tmp_path / "b.mp4")
    _clip(tmp_path / "trip" / "day1" / "A.MOV", 1)
    _clip(tmp_path / "trip" / "c.MkV", 2)
    (tmp_path / "notes.txt").write_text("not a video")
    (tmp_path / "trip" / "thumb.jpg").write_bytes(b"\xff\xd8")
    dataset = VideoFolderDataset(tmp_path, sampling=SAMPLING)
    assert [r.sample_id for r in dataset.refs()] == ["b.mp4", "trip/c.MkV", "trip/day1/A.MOV"]
    assert [r.path for r in dataset.refs()] == [str(tmp_path / i) for i in
                                                ("b.mp4", "trip/c.MkV", "trip/day1/A.MOV")]
    assert dataset.bad_rows() == [] and dataset.absent() == []
    info = dataset.info()
    assert (info.name, info.root, info.version, info.classes) == (
        "video-folder", str(tmp_path), None, None)
    sample = dataset.load(dataset.refs()[0])
    assert tuple(sample.video.shape) == (3, 4, 32, 32)


def test_registered_without_demo_set_or_ground_truth():
    reader = DATASETS.get("video-folder")
    assert reader is VideoFolderDataset
    assert reader.demo is None and reader.annotation is None


def test_an_empty_folder_and_a_missing_one_are_one_line_errors(tmp_path):
    (tmp_path / "notes.txt").write_text("no video here")
    (tmp_path / "folder.mp4").mkdir()  # a directory named like a video is no video
    with pytest.raises(DatasetError, match=r"no video file in this folder or below it"):
        VideoFolderDataset(tmp_path, sampling=SAMPLING).info()
    with pytest.raises(DatasetError, match="no such folder"):
        VideoFolderDataset(tmp_path / "nope", sampling=SAMPLING)


def test_an_undecodable_file_fails_at_load_not_when_listed(tmp_path):
    (tmp_path / "zero.mp4").write_bytes(b"")
    (tmp_path / "text.mov").write_text("not a video")
    dataset = VideoFolderDataset(tmp_path, sampling=SAMPLING)
    assert [r.sample_id for r in dataset.refs()] == ["text.mov", "zero.mp4"]
    for ref in dataset.refs():
        with pytest.raises(SampleError) as caught:
            dataset.load(ref)
        assert caught.value.sample_id == ref.sample_id and caught.value.path == ref.path


def test_symlink_loops_end_and_each_real_folder_is_walked_once(tmp_path):
    _clip(tmp_path / "a" / "clip.mp4")
    (tmp_path / "a" / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop
    (tmp_path / "z").symlink_to(tmp_path / "a", target_is_directory=True)  # a second path
    (tmp_path / "x.mp4").symlink_to(tmp_path / "y.mp4")  # a file loop: x -> y -> x
    (tmp_path / "y.mp4").symlink_to(tmp_path / "x.mp4")
    assert video_files(tmp_path) == ["a/clip.mp4", "x.mp4", "y.mp4"]
    dataset = VideoFolderDataset(tmp_path, sampling=SAMPLING)
    assert [r.sample_id for r in dataset.refs()] == ["a/clip.mp4"]
    assert [e.sample_id for e in dataset.absent()] == ["x.mp4", "y.mp4"]  # never opened


def test_a_name_that_is_not_utf8_is_a_bad_row_shown_escaped(tmp_path):
    _clip(tmp_path / "good.mp4")
    with open(os.fsencode(tmp_path) + b"/bad\xff.mp4", "wb") as handle:
        handle.write(b"\x00" * 16)
    dataset = VideoFolderDataset(tmp_path, sampling=SAMPLING)
    assert [r.sample_id for r in dataset.refs()] == ["good.mp4"]
    (bad,) = dataset.bad_rows()
    assert bad.sample_id == "bad\\xff.mp4" and bad.path.endswith("/bad\\xff.mp4")
    assert "not UTF-8" in bad.reason
    bad.path.encode("utf-8")  # writable to the run's files
