"""MCL-JCV reader: the exact naming, bounded reading, BT.709 limited-range colour."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.datasets.base import DatasetError, SampleError
from benchmarks.datasets.mcljcv.reader import MclJcvDataset, parse_name
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.yuv import YuvFrame, frame_bytes, read_yuv_frames, rgb_to_yuv, yuv_to_rgb

SAMPLING = FrameSampling(frames_per_clip=3, resize_shorter=None, crop=None)


def _write(path, width, height, frames, extra_bytes=0):
    rng = np.random.default_rng(0)
    data = rng.integers(16, 236, size=frame_bytes(width, height) * frames + extra_bytes)
    path.write_bytes(data.astype(np.uint8).tobytes())
    return data.astype(np.uint8)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("videoSRC01_1920x1080_30.yuv", ("videoSRC01", 1920, 1080, 30.0)),
        ("videoSRC27_1920x1080_24.yuv", ("videoSRC27", 1920, 1080, 24.0)),
        ("videoSRC05_176x144_29.97.yuv", ("videoSRC05", 176, 144, 29.97)),
        ("videoSRC1_1920x1080_30.yuv", None),  # two digits
        ("videoSRC01_1920x1080.yuv", None),  # no frame rate
        ("videoSRC01_1920x1080_30.YUV", None),
        ("SRC01_1920x1080_30.yuv", None),
    ],
)
def test_names(name, expected):
    parsed = parse_name(name)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed.sample_id, parsed.width, parsed.height, parsed.fps) == expected


def test_every_named_file_is_a_sequence_and_bad_files_are_reported(tmp_path):
    _write(tmp_path / "videoSRC02_16x8_25.yuv", 16, 8, 4)
    _write(tmp_path / "videoSRC01_32x16_30.yuv", 32, 16, 3)
    _write(tmp_path / "videoSRC03_16x8_25.yuv", 16, 8, 2, extra_bytes=5)  # not whole frames
    _write(tmp_path / "clip.yuv", 16, 8, 1)
    (tmp_path / "notes.txt").write_text("ignored")
    ds = MclJcvDataset(tmp_path, sampling=SAMPLING)
    refs = ds.refs()
    assert [r.sample_id for r in refs] == ["videoSRC01", "videoSRC02"]
    assert refs[0].extra == {"width": 32, "height": 16, "fps": 30.0}
    bad = {e.path.rsplit("/", 1)[-1]: e.reason for e in ds.bad_rows()}
    assert "whole number" in bad["videoSRC03_16x8_25.yuv"]
    assert "MCL-JCV naming" in bad["clip.yuv"]
    sample = ds.load(refs[1], num_frames=3)
    assert sample.ref.extra["frames"] == 3 and sample.ref.extra["available_frames"] == 4
    with pytest.raises(SampleError, match="has 3 frames, the task scores the first 4"):
        ds.load(refs[0], num_frames=4)


def test_reader_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such folder"):
        MclJcvDataset(tmp_path / "nope", sampling=SAMPLING)
    with pytest.raises(DatasetError, match="resize_shorter: null"):
        MclJcvDataset(tmp_path, sampling=FrameSampling(frames_per_clip=3))
    with pytest.raises(DatasetError, match="no videoSRC"):
        MclJcvDataset(tmp_path, sampling=SAMPLING).info()


def test_frames_are_read_one_at_a_time_with_planes_kept(tmp_path):
    path = tmp_path / "videoSRC01_8x4_30.yuv"
    data = _write(path, 8, 4, 3)
    frames = list(read_yuv_frames(path, 8, 4, start=1, count=2))
    size = frame_bytes(8, 4)
    second = data[size : 2 * size]
    assert frames[0].y.shape == (4, 8) and frames[0].u.shape == (2, 4)
    np.testing.assert_array_equal(frames[0].y.reshape(-1), second[:32])
    np.testing.assert_array_equal(frames[0].u.reshape(-1), second[32:40])
    np.testing.assert_array_equal(frames[0].v.reshape(-1), second[40:48])
    np.testing.assert_array_equal(frames[0].to_i420().reshape(-1), second)
    with pytest.raises(ValueError, match="3 frames of 8x4"):
        list(read_yuv_frames(path, 8, 4, start=2, count=2))


def test_bt709_limited_range_known_colours():
    # (Y, Cb, Cr) of BT.709 limited range: black 16/128/128, white 235/128/128,
    # pure red 63/102/240 (rounded; ITU-R BT.709 matrix)
    def frame(y, u, v):
        return YuvFrame(np.full((2, 2), y, np.uint8), np.full((1, 1), u, np.uint8),
                        np.full((1, 1), v, np.uint8))

    assert torch.allclose(yuv_to_rgb(frame(16, 128, 128)), torch.zeros(3, 2, 2))
    assert torch.allclose(yuv_to_rgb(frame(235, 128, 128)), torch.ones(3, 2, 2))
    red = yuv_to_rgb(frame(63, 102, 240))[:, 0, 0]
    assert torch.allclose(red, torch.tensor([1.0, 0.0, 0.0]), atol=0.01)
    back = rgb_to_yuv(torch.tensor([1.0, 0.0, 0.0]).view(3, 1, 1).expand(3, 2, 2))
    assert (int(back.y[0, 0]), int(back.u[0, 0]), int(back.v[0, 0])) == (63, 102, 240)


def test_rgb_round_trip_is_close():
    rng = np.random.default_rng(1)
    rgb = torch.from_numpy(rng.uniform(0.1, 0.9, (3, 1, 1)).astype(np.float32)).expand(3, 4, 4)
    assert torch.allclose(yuv_to_rgb(rgb_to_yuv(rgb)), rgb, atol=0.01)


def test_windows_cut_every_sequence_into_consecutive_clips(tmp_path):
    _write(tmp_path / "videoSRC03_8x4_24.yuv", 8, 4, 7)
    reader = MclJcvDataset(tmp_path, sampling=SAMPLING, windows=True)
    refs = reader.refs()
    # 7 frames in 3-frame windows: 0-2, 3-5, and 6 alone (its last frame repeated)
    assert [r.sample_id for r in refs] == ["videoSRC03_w00", "videoSRC03_w01", "videoSRC03_w02"]
    assert [r.extra["first_frame"] for r in refs] == [0, 3, 6]
    assert all(r.extra["sequence"] == "videoSRC03" for r in refs)
    assert {r.cluster for r in refs} == {"videoSRC03"}  # one source: one cluster
    decoded = torch.stack([yuv_to_rgb(f) for f in read_yuv_frames(refs[0].path, 8, 4)])
    expected = decoded.mul(255).round().div(255)  # (7, 3, h, w), through uint8 RGB
    last = reader.load(refs[2])
    assert last.video.shape == (3, 3, 4, 8) and last.padded_frames == 2
    for t in range(3):  # frame 6 three times
        torch.testing.assert_close(last.video[:, t], expected[6], atol=1e-6, rtol=0)
    middle = reader.load(refs[1], num_frames=2)  # a 4k tokenizer's shorter clip
    assert middle.video.shape == (3, 2, 4, 8) and middle.padded_frames == 0
    torch.testing.assert_close(middle.video, expected[3:5].transpose(0, 1), atol=1e-6, rtol=0)


def test_windows_may_resize_the_compression_protocol_may_not(tmp_path):
    _write(tmp_path / "videoSRC03_8x4_24.yuv", 8, 4, 3)
    resized = FrameSampling(frames_per_clip=3, resize_shorter=8, crop=8)
    reader = MclJcvDataset(tmp_path, sampling=resized, windows=True)
    sample = reader.load(reader.refs()[0])
    assert sample.video.shape == (3, 3, 8, 8)  # 8x4 -> shorter side 8 (16x8) -> crop 8x8
    with pytest.raises(DatasetError, match="resize_shorter: null"):
        MclJcvDataset(tmp_path, sampling=resized)
    with pytest.raises(DatasetError, match="windows 'yes': expected true or false"):
        MclJcvDataset(tmp_path, sampling=SAMPLING, windows="yes")
