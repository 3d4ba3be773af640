"""Decoding only the frames asked for (unreferenced pictures dropped): the same bytes as a
decode of every frame, and a fallback wherever timestamps cannot name the frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import benchmarks.io.video as video_module
from benchmarks.io import sparse_decode
from benchmarks.io.video import read_frames, write_video
from tests.helpers.datasets import moving_frames

SPARSE = [[0, 5, 9], [3, 4, 17, 30], [31], [12, 13, 14, 15, 16], list(range(0, 32, 7))]


def _encode(path: Path, frames: np.ndarray, *, codec: str = "libx264",
            pts: list[int] | None = None, pix_fmt: str = "yuv420p") -> Path:
    """``frames`` with x264/x265 B-frames (preset medium: b-pyramid, unreferenced B-frames),
    at 25 fps or at the given timestamps (time base 1/25)."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], pix_fmt
        stream.codec_context.time_base = Fraction(1, 25)
        stream.options = {"crf": "18", "preset": "medium"}
        for k, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = k if pts is None else pts[k]
            frame.time_base = Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    return moving_frames(1, frames=32, height=48, width=64)


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory, frames: np.ndarray) -> Path:
    return _encode(tmp_path_factory.mktemp("sparse") / "b.mp4", frames)


def _every_frame(path: Path, n: int) -> np.ndarray:
    return video_module._pyav_read(str(path), list(range(n)), skip=False)


def _decode_wanted(path: Path, wanted: list[int]) -> sparse_decode.SparseRead:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert sparse_decode.can_skip(stream)
        return sparse_decode.decode_wanted(container, stream, wanted, first_index=lambda _: 0,
                                           to_rgb=video_module._rgb_converter())


@pytest.mark.parametrize("wanted", SPARSE)
def test_sparse_read_is_the_full_decode_and_drops_unreferenced_pictures(h264, wanted):
    read = _decode_wanted(h264, wanted)
    np.testing.assert_array_equal(read.frames, _every_frame(h264, 32)[wanted])
    if wanted[-1] - wanted[0] + 1 > len(wanted) + 4:  # gaps hold unreferenced B-frames
        assert read.decoded < read.sent


@pytest.mark.parametrize("backend", ["pyav", "auto"])
def test_read_frames_with_seeks_matches_the_full_decode(tmp_path, frames, backend):
    path = tmp_path / "gop8.mp4"
    write_video(path, frames, fps=25, keyframe_interval=8)  # seeks land on later keyframes
    full = _every_frame(path, 32)
    for wanted in [*SPARSE, [30, 2, 17, 2]]:
        np.testing.assert_array_equal(read_frames(path, wanted, backend=backend), full[wanted])


def test_hevc_is_decoded_frame_by_frame(tmp_path, frames):
    # HEVC's "_N" pictures can still be references for a higher temporal sub-layer.
    if "libx265" not in av.codecs_available:
        pytest.skip("PyAV built without libx265")
    path = _encode(tmp_path / "h.mp4", frames, codec="libx265")
    with av.open(str(path)) as container:
        assert not sparse_decode.can_skip(container.streams.video[0])
    np.testing.assert_array_equal(read_frames(path, [0, 6, 30], backend="pyav"),
                                  _every_frame(path, 32)[[0, 6, 30]])


def test_a_gap_in_the_timestamps_falls_back_to_counting_frames(tmp_path, frames):
    # Frame 10 is shown two ticks after frame 9: its timestamp says 11, a sequential
    # decode counts 10. Timestamps do not name the frames, so every frame is decoded.
    pts = list(range(10)) + list(range(11, 33))
    path = _encode(tmp_path / "vfr.mp4", frames, pts=pts)
    with pytest.raises(sparse_decode.Unskippable):
        _decode_wanted(path, [0, 12, 20])
    np.testing.assert_array_equal(read_frames(path, [0, 12, 20], backend="pyav"),
                                  _every_frame(path, 32)[[0, 12, 20]])


def test_auto_reads_h264_with_pyav_and_other_streams_with_decord(tmp_path, frames, h264,
                                                                 monkeypatch):
    if not video_module.decord_available():
        pytest.skip("decord not installed")
    decord_reads = []
    decord_decode = video_module._decord_decode

    def spy(path, choose):
        decord_reads.append(path)
        return decord_decode(path, choose)

    monkeypatch.setattr(video_module, "_decord_decode", spy)
    read_frames(h264, [0, 9])
    assert decord_reads == []
    ten_bit = _encode(tmp_path / "10bit.mp4", frames, pix_fmt="yuv420p10le")
    read_frames(ten_bit, [0, 9])  # PyAV and decord round 10-bit pictures differently
    assert decord_reads == [str(ten_bit)]


def test_runs_start_at_keyframes_that_skip_frames(tmp_path, frames):
    path = tmp_path / "gop8.mp4"
    write_video(path, frames, fps=25, keyframe_interval=8)  # keyframes 0, 8, 16, 24
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        runs = sparse_decode.keyframe_runs(container, stream, [0, 5, 9, 10, 15, 17, 30])
    # 9: keyframe 8 skips 6-7; 17: keyframe 16 is the next frame, nothing to skip.
    assert runs == [[0, 5], [9, 10, 15, 17], [30]]
