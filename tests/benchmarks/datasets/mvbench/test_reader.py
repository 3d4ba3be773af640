"""The MVBench reader on tiny files in the official layout, and MVBench's frame sampling."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.mvbench.reader import MVBenchDataset
from benchmarks.datasets.mvbench.sampling import segment_centres
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import write_video


def mvbench_get_index(bound, fps, max_frame, first_idx=0, num_segments=16):
    """MVBench's get_index, as its mvbench.ipynb writes it (the reference)."""
    if bound:
        start, end = bound[0], bound[1]
    else:
        start, end = -100000, 100000
    start_idx = max(first_idx, round(start * fps))
    end_idx = min(round(end * fps), max_frame)
    seg_size = float(end_idx - start_idx) / num_segments
    return np.array([int(start_idx + (seg_size / 2) + np.round(seg_size * idx))
                     for idx in range(num_segments)])


def test_segment_centres_equal_mvbench_get_index():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        fps = float(rng.choice([3.0, 8.0, 24.0, 25.0, 29.97, 30.0]))
        max_frame = int(rng.integers(1, 900))
        first = int(rng.integers(0, 2))
        n = int(rng.choice([1, 8, 16, 32]))
        bound = None
        if rng.random() < 0.6:
            start = float(rng.uniform(0, max_frame / fps))
            bound = (start, start + float(rng.uniform(0.2, 20)))
        if bound is not None and min(round(bound[1] * fps), max_frame) < max(
                first, round(bound[0] * fps)):
            continue  # no frame in the bound: ours refuses (tested below)
        expected = mvbench_get_index(bound, fps, max_frame, first, n).tolist()
        assert segment_centres(bound, fps, max_frame, n, first_idx=first) == expected


def test_known_values_and_a_bound_outside_the_video():
    # 96 frames (max 95), 16 segments of 5.9375: centres 2, 8, 14, ...
    assert segment_centres(None, 8.0, 95, 16)[:4] == [2, 8, 14, 20]
    assert segment_centres((1.0, 2.0), 8.0, 95, 4) == [9, 11, 13, 15]
    with pytest.raises(ValueError, match="holds no frame"):
        segment_centres((50.0, 60.0), 8.0, 95, 16)


STEP = 6  # frame k of the test video is grey level STEP * k


def _layout(root):
    (root / "json").mkdir(parents=True)
    videos = root / "video" / "clevrer" / "video_validation"
    videos.mkdir(parents=True)
    frames = np.stack([np.full((32, 32, 3), STEP * k, np.uint8) for k in range(40)])
    write_video(videos / "v0.mp4", frames, fps=8, crf=0, keyframe_interval=1)
    folder = root / "video" / "tvqa" / "frames_fps3_hq" / "clip0"
    folder.mkdir(parents=True)
    for k in range(1, 31):  # 1-based, as MVBench's frame folders
        Image.fromarray(np.full((32, 32, 3), STEP * k, np.uint8)).save(folder / f"{k:05d}.jpg",
                                                                      quality=100)
    cand = ["left", "right", "up"]
    (root / "json" / "moving_direction.json").write_text(json.dumps([
        {"video": "v0.mp4", "question": "where?", "candidates": cand, "answer": "up"},
        {"video": "v0.mp4", "question": "then?", "candidates": cand, "answer": "left",
         "start": 1.0, "end": 2.5},
        {"video": "gone.mp4", "question": "?", "candidates": cand, "answer": "left"},
        {"video": "v0.mp4", "question": "?", "candidates": cand, "answer": "down"},
    ]))
    (root / "json" / "episodic_reasoning.json").write_text(json.dumps([
        {"video": "clip0", "question": "who?", "candidates": cand, "answer": "right",
         "start": 2.0, "end": 6.0},
    ]))
    return root


def _reader(root, frames=4):
    return MVBenchDataset(
        root, sampling=FrameSampling(frames_per_clip=frames, resize_shorter=None, crop=None),
        video_folders={"moving_direction": "clevrer/video_validation",
                       "episodic_reasoning": "tvqa/frames_fps3_hq",
                       "action_count": "perception/videos"},
        frame_tasks=["episodic_reasoning"])


def _levels(video) -> list[int]:
    return [round(float(v) * 255 / STEP) for v in video.mean(dim=(0, 2, 3))]


def test_reader_lists_questions_bad_rows_and_missing_videos(tmp_path):
    ds = _reader(_layout(tmp_path))
    refs = {r.sample_id: r for r in ds.refs()}
    assert sorted(refs) == ["episodic_reasoning/0", "moving_direction/0", "moving_direction/1"]
    assert refs["moving_direction/0"].annotation.answer_index == 2
    assert refs["moving_direction/0"].annotation.sub_task == "moving_direction"
    assert refs["moving_direction/1"].extra["start"] == 1.0
    # questions on one video are one cluster (the frame folder is a video too)
    assert refs["moving_direction/0"].cluster == refs["moving_direction/1"].cluster == (
        "clevrer/video_validation/v0.mp4")
    assert refs["episodic_reasoning/0"].cluster == "tvqa/frames_fps3_hq/clip0"
    bad = {e.sample_id: e.reason for e in ds.bad_rows()}
    assert list(bad) == ["row-moving_direction:3"]
    assert "none of the candidates" in bad["row-moving_direction:3"]
    assert [(e.sample_id, e.reason) for e in ds.absent()] == [
        ("moving_direction/2", "video not found")]
    # every usable question counts, its video present or not
    assert [q.question_id for q in ds.questions()] == [
        "moving_direction/0", "moving_direction/1", "moving_direction/2",
        "episodic_reasoning/0"]
    info = ds.info()
    assert info.extra["questions_per_sub_task"] == {"moving_direction": 2,
                                                    "episodic_reasoning": 1}
    assert info.extra["absent_sub_tasks"] == ["action_count"]


def test_frames_are_mvbench_segment_centres(tmp_path):
    ds = _reader(_layout(tmp_path))
    refs = {r.sample_id: r for r in ds.refs()}
    whole = ds.load(refs["moving_direction/0"]).video
    assert whole.shape == (3, 4, 32, 32)
    assert _levels(whole) == mvbench_get_index(None, 8, 39, 0, 4).tolist()
    part = ds.load(refs["moving_direction/1"], num_frames=5).video
    assert _levels(part) == mvbench_get_index((1.0, 2.5), 8, 39, 0, 5).tolist()
    frames = ds.load(refs["episodic_reasoning/0"]).video
    # frame folders: 3 fps, first index 1, max index = number of files
    assert _levels(frames) == mvbench_get_index((2.0, 6.0), 3, 30, 1, 4).tolist()


def test_unknown_sub_task_and_missing_json_are_dataset_errors(tmp_path):
    with pytest.raises(DatasetError, match="unknown sub-task"):
        MVBenchDataset(tmp_path, sampling=FrameSampling(), video_folders={"cooking": "x"})
    with pytest.raises(DatasetError, match="json"):
        MVBenchDataset(tmp_path, sampling=FrameSampling(), video_folders={"action_count": "x"})
