"""Video decoding (decord and PyAV), error reasons, and clip sampling/preprocessing."""

from __future__ import annotations

import pickle
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import (
    DecodeError,
    count_frames,
    decord_available,
    frame_rate,
    read_clip,
    read_frames,
    write_video,
)
from tests.helpers.datasets import moving_frames

BACKENDS = ["pyav", "decord"] if decord_available() else ["pyav"]
needs_decord = pytest.mark.skipif(not decord_available(), reason="decord not installed")


def noise_frames(seed: int, frames: int = 17, height: int = 48, width: int = 64) -> np.ndarray:
    """Incompressible frames: every frame is a sizeable part of the file."""
    return np.random.default_rng(seed).integers(0, 256, (frames, height, width, 3), np.uint8)


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    return moving_frames(0, frames=20, height=48, width=64)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory, source: np.ndarray) -> Path:
    """20 frames, keyframe every 4 (so reads past frame 0 exercise seeking)."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    write_video(path, source, fps=25, crf=10, keyframe_interval=4)
    return path


def _cut(path: Path, out: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    out.write_bytes(data[: int(len(data) * fraction)])
    return out


# decoding


@pytest.mark.parametrize("backend", BACKENDS)
def test_round_trip_returns_each_frame_in_place(video: Path, source: np.ndarray, backend):
    frames = read_frames(video, range(20), backend=backend)
    assert frames.shape == (20, 48, 64, 3) and frames.dtype == np.uint8
    # Each decoded frame is closest to the source frame with its index (no off-by-one).
    errors = np.abs(frames[:, None].astype(np.float32) - source[None]).mean(axis=(2, 3, 4))
    assert errors.argmin(axis=1).tolist() == list(range(20))
    # yuv420p halves chroma resolution: ~5 levels mean error on this saturated pattern.
    assert errors.diagonal().max() < 8.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_unsorted_and_repeated_indices_come_back_in_requested_order(video: Path, backend):
    indices = [13, 2, 13, 0, 19, 7]
    frames = read_frames(video, indices, backend=backend)
    one_by_one = np.stack([read_frames(video, [i], backend=backend)[0] for i in indices])
    np.testing.assert_array_equal(frames, one_by_one)


@needs_decord
@pytest.mark.parametrize("indices", [list(range(17)), [5, 6, 7], [18, 3, 11], [19]])
def test_decord_and_pyav_decode_identical_frames(video: Path, indices: list[int]):
    # Both run FFmpeg's H.264 decoder and swscale's yuv420p -> rgb24: bit-exact.
    np.testing.assert_array_equal(
        read_frames(video, indices, backend="decord"), read_frames(video, indices, backend="pyav")
    )


def test_pyav_seek_gives_the_same_frames_as_decoding_from_the_start(video: Path):
    from_start = read_frames(video, range(20), backend="pyav")
    for first in (1, 4, 5, 13, 19):
        np.testing.assert_array_equal(
            read_frames(video, [first, 19], backend="pyav"), from_start[[first, 19]]
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_count_frames_and_frame_rate(video: Path, backend):
    assert count_frames(video, backend=backend) == 20
    assert frame_rate(video) == Fraction(25)


@pytest.mark.parametrize("backend", BACKENDS)
def test_read_clip_chooses_indices_from_the_frame_count(video: Path, backend):
    seen = []

    def select(available: int) -> list[int]:
        seen.append(available)
        return [available - 1, 0]

    frames = read_clip(video, select, backend=backend)
    assert seen == [20]
    np.testing.assert_array_equal(frames, read_frames(video, [19, 0], backend=backend))


# errors


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_missing_file(tmp_path: Path, backend):
    path = tmp_path / "absent.mp4"
    with pytest.raises(DecodeError) as info:
        read_frames(path, [0], backend=backend)
    assert info.value.path == str(path) and info.value.reason == "file not found"
    assert str(info.value) == f"{path}: file not found"
    with pytest.raises(DecodeError, match="file not found"):
        count_frames(path, backend=backend)


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_not_a_video(tmp_path: Path, backend):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video")
    with pytest.raises(DecodeError) as info:
        read_frames(path, [0], backend=backend)
    assert info.value.reason.startswith("cannot open: ")
    with pytest.raises(DecodeError, match="not a file"):
        read_frames(tmp_path, [0], backend=backend)


@pytest.mark.parametrize("backend", ["auto", "pyav"])
def test_truncated_file_reports_frames_decoded(tmp_path: Path, backend):
    intact = tmp_path / "intact.mp4"
    write_video(intact, noise_frames(1), fps=24, crf=18, keyframe_interval=4)
    truncated = _cut(intact, tmp_path / "truncated.mp4")
    assert count_frames(truncated, backend="pyav") == 17  # the index still declares all
    with pytest.raises(DecodeError) as info:
        read_frames(truncated, range(17), backend=backend)
    match = re.fullmatch(r"truncated: decoded (\d+) of 17 frames", info.value.reason)
    assert match is not None, info.value.reason
    decoded = int(match.group(1))
    assert 0 < decoded < 17
    # The frames that are there still decode, identical to the intact file's.
    np.testing.assert_array_equal(
        read_frames(truncated, range(decoded), backend=backend),
        read_frames(intact, range(decoded), backend="pyav"),
    )


@needs_decord
@pytest.mark.parametrize("fraction", [0.5, 0.97])
def test_decord_errors_on_truncated_files_are_decode_errors(tmp_path: Path, fraction: float):
    # Cut early, decord refuses to open; cut near the end, it reports all 17 frames and
    # fails while decoding. Either way: a DecodeError with decord's message, no traceback.
    intact = tmp_path / "intact.mp4"
    write_video(intact, noise_frames(2), fps=24, keyframe_interval=4)
    truncated = _cut(intact, tmp_path / "truncated.mp4", fraction)
    with pytest.raises(DecodeError) as info:
        read_frames(truncated, range(17), backend="decord")
    assert re.match(r"(cannot open|decode failed): \S", info.value.reason), info.value.reason
    assert "/github/workspace" not in info.value.reason
    with pytest.raises(DecodeError, match="truncated: decoded"):
        read_frames(truncated, range(17), backend="auto")


def test_truncated_file_without_index_cannot_be_opened(tmp_path: Path):
    intact = tmp_path / "intact.mp4"
    write_video(intact, noise_frames(3), faststart=False)  # moov atom at the end
    truncated = _cut(intact, tmp_path / "truncated.mp4")
    for backend in ["auto", *BACKENDS]:
        with pytest.raises(DecodeError, match=r": cannot open: \S"):
            read_frames(truncated, [0], backend=backend)


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_index_past_the_end_is_too_short(video: Path, backend):
    with pytest.raises(DecodeError) as info:
        read_frames(video, [3, 20], backend=backend)
    assert info.value.reason == "too short: 20 frames, index 20 requested"


def test_bad_indices_and_backend(video: Path):
    with pytest.raises(ValueError, match="negative frame index -1"):
        read_frames(video, [-1, 0])
    with pytest.raises(ValueError, match="no frame indices"):
        read_frames(video, [])
    with pytest.raises(ValueError, match="unknown video backend 'ffmpeg'"):
        read_frames(video, [0], backend="ffmpeg")  # type: ignore[arg-type]


def test_decode_error_pickles_for_dataloader_workers():
    error = pickle.loads(pickle.dumps(DecodeError("/data/a.mp4", "file not found")))
    assert (error.path, error.reason, str(error)) == (
        "/data/a.mp4",
        "file not found",
        "/data/a.mp4: file not found",
    )


def test_write_video_rejects_bad_frames(tmp_path: Path):
    with pytest.raises(ValueError, match="even h, w"):
        write_video(tmp_path / "odd.mp4", np.zeros((2, 15, 16, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\(t, h, w, 3\) uint8"):
        write_video(tmp_path / "float.mp4", np.zeros((2, 16, 16, 3), np.float32))


# sampling


def test_indices_first_center_stride_and_override():
    assert FrameSampling().indices(100) == list(range(17))
    assert FrameSampling().indices(17) == list(range(17))
    assert FrameSampling().indices(100, num_frames=16) == list(range(16))
    assert FrameSampling(frames_per_clip=3, start="center").indices(11) == [4, 5, 6]
    assert FrameSampling(frames_per_clip=3, frame_stride=2).indices(5) == [0, 2, 4]
    assert FrameSampling(frames_per_clip=3, frame_stride=2, start="center").indices(10) == [
        2,
        4,
        6,
    ]


def test_indices_of_a_short_video_repeat_its_last_frame():
    assert FrameSampling().indices(9) == [*range(9), *[8] * 8]
    assert FrameSampling(frame_stride=2).indices(32) == [*range(0, 32, 2), 31]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frames_per_clip": 0},
        {"frame_stride": 0},
        {"start": "random"},
        {"resize_shorter": 0},
        {"crop": (256, 0)},
    ],
)
def test_sampling_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        FrameSampling(**kwargs)


@pytest.mark.parametrize(
    ("size", "resized"), [((48, 64), (32, 42)), ((64, 48), (42, 32)), ((40, 40), (32, 32))]
)
def test_transform_shape_range_and_output_size(size, resized):
    frames = moving_frames(1, frames=3, height=size[0], width=size[1])
    sampling = FrameSampling(resize_shorter=32, crop=(32, 24))
    video = sampling.transform(frames)
    assert video.shape == (3, 3, 32, 24) and video.dtype == torch.float32
    assert video.min() >= 0.0 and video.max() <= 1.0
    assert sampling.output_size(*size) == (32, 24)
    assert FrameSampling(resize_shorter=32, crop=None).output_size(*size) == resized


def test_transform_matches_pil_resize_and_center_crop():
    # Reference: PIL's antialiased bilinear resize per frame, then a centered box.
    frames = moving_frames(2, frames=2, height=72, width=120)
    video = FrameSampling(resize_shorter=36, crop=32).transform(frames)
    resized_w = int(36 * 120 / 72)  # 60
    left, top = round((resized_w - 32) / 2), round((36 - 32) / 2)
    reference = np.stack(
        [
            np.asarray(Image.fromarray(f).resize((resized_w, 36), Image.Resampling.BILINEAR))
            for f in frames
        ]
    )[:, top : top + 32, left : left + 32]
    expected = torch.from_numpy(reference).permute(3, 0, 1, 2).float() / 255
    assert (video - expected).abs().max() <= 1.01 / 255


def test_transform_without_resize_or_crop_is_exact():
    frames = moving_frames(3, frames=2, height=16, width=24)
    video = FrameSampling(resize_shorter=None, crop=None).transform(frames)
    expected = torch.from_numpy(frames).permute(3, 0, 1, 2).float() / 255
    torch.testing.assert_close(video, expected, rtol=0, atol=0)


def test_transform_crop_larger_than_frame():
    frames = moving_frames(4, frames=1, height=16, width=24)
    with pytest.raises(ValueError, match="crop 32x32 is larger than the frame 16x24"):
        FrameSampling(resize_shorter=None, crop=32).transform(frames)
