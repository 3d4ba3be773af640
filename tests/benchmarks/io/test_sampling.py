"""Uniform (TSN-style) frame sampling, checked against exact fractions."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from benchmarks.io.sampling import FrameSampling, padded_frames
from benchmarks.io.video import read_clip, read_frames, write_video
from tests.helpers.datasets import moving_frames


def _reference(available: int, length: int) -> list[int]:
    """int(seg * (i + 0.5)), seg = available / length, in exact rational arithmetic."""
    segment = Fraction(available, length)
    return [int(segment * (2 * i + 1) / 2) for i in range(length)]


@pytest.mark.parametrize("length", [1, 2, 7, 8, 16, 17, 32])
def test_uniform_indices_are_the_segment_centres(length: int):
    sampling = FrameSampling(frames_per_clip=length, start="uniform")
    for available in range(1, 400):
        indices = sampling.indices(available)
        assert indices == _reference(available, length), (available, length)
        assert len(indices) == length and indices[0] >= 0 and indices[-1] < available
        assert indices == sorted(indices)


def test_uniform_examples_spread_over_the_whole_video():
    assert FrameSampling(frames_per_clip=8, start="uniform").indices(300) == [
        18, 56, 93, 131, 168, 206, 243, 281,
    ]  # fmt: skip
    assert FrameSampling(frames_per_clip=4, start="uniform").indices(8) == [1, 3, 5, 7]
    # exact centres: the float formula int(tick / 2 + tick * x) gives 2 for the 4th
    assert FrameSampling(frames_per_clip=7, start="uniform").indices(6) == [0, 1, 2, 3, 3, 4, 5]


def test_uniform_ignores_the_stride_and_honours_the_override():
    strided = FrameSampling(frames_per_clip=4, frame_stride=5, start="uniform")
    assert strided.indices(8) == FrameSampling(frames_per_clip=4, start="uniform").indices(8)
    assert strided.indices(100, num_frames=2) == [25, 75]


def test_uniform_on_a_short_video_repeats_frames_instead_of_failing():
    sampling = FrameSampling(frames_per_clip=5, start="uniform")
    assert sampling.indices(3) == [0, 0, 1, 2, 2]
    assert sampling.indices(1) == [0] * 5
    with pytest.raises(ValueError, match="too short: 0 frames"):
        sampling.indices(0)
    with pytest.raises(ValueError, match="num_frames must be >= 1"):
        sampling.indices(10, num_frames=0)


def test_first_and_center_repeat_the_last_frame_on_short_videos():
    """SHORT_CLIP_POLICY: kept, never dropped; positions past the end repeat the last frame."""
    assert FrameSampling(frames_per_clip=5).indices(3) == [0, 1, 2, 2, 2]
    assert FrameSampling(frames_per_clip=5, start="center").indices(3) == [0, 1, 2, 2, 2]
    assert FrameSampling(frames_per_clip=4, frame_stride=2).indices(5) == [0, 2, 4, 4]
    assert padded_frames(FrameSampling(frames_per_clip=5).indices(3)) == 2
    assert padded_frames(FrameSampling(frames_per_clip=5).indices(9)) == 0
    with pytest.raises(ValueError, match="too short: 0 frames"):
        FrameSampling(frames_per_clip=5).indices(0)


def test_unknown_start_names_the_choices():
    with pytest.raises(ValueError, match="'first', 'center' or 'uniform', got 'middle'"):
        FrameSampling(start="middle")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["pyav", "auto"])
def test_uniform_clip_decodes_the_chosen_frames_with_repeats(tmp_path: Path, backend):
    source = moving_frames(3, frames=6, height=32, width=32)
    path = tmp_path / "short.mp4"
    write_video(path, source, fps=8, crf=0)
    sampling = FrameSampling(frames_per_clip=7, start="uniform", resize_shorter=None, crop=None)
    clip = read_clip(path, sampling.indices, backend=backend)
    expected = read_frames(path, [0, 1, 2, 3, 3, 4, 5], backend=backend)
    assert clip.shape == (7, 32, 32, 3)
    np.testing.assert_array_equal(clip, expected)
    np.testing.assert_array_equal(clip[3], clip[4])
    assert not np.array_equal(clip[2], clip[3])
