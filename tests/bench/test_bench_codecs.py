"""Codec throughput: encode + decode of yuv420p frames per codec at 256x256 and 1080p.

Run with ``pytest tests/bench/test_bench_codecs.py --benchmark-enable``; frames per second
are in each case's ``extra_info["fps"]`` (frames / mean round-trip time). Frames are few
(8 at 256², 2 at 1080p) to keep a CPU run short; the encode settings are the task's
(``medium`` presets, VVenC ``qpa 0``), at a fixed mid-range CRF/QP.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.tokenizers.codecs.base import CodecSettings, EncoderMissing, YuvSequence

SIZES = {"256": (256, 256, 8), "1080p": (1920, 1080, 2)}
SETTINGS = {
    "h264": CodecSettings("medium"),
    "hevc": CodecSettings("medium", {"x265-params": "info=0"}),
    "vvc": CodecSettings("medium", {"qpa": "0"}),
}


def _sequence(folder: Path, width: int, height: int, frames: int) -> YuvSequence:
    """A moving textured pattern (not flat: codecs have something to code)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    noise = rng.normal(0, 6, (height, width)).astype(np.float32)
    path = folder / f"videoSRC01_{width}x{height}_30.yuv"
    with path.open("wb") as out:
        for t in range(frames):
            y = 128 + 70 * np.sin(xx / 13.0 + yy / 17.0 + 0.4 * t) + noise
            out.write(np.clip(y, 16, 235).astype(np.uint8).tobytes())
            out.write(np.full(2 * (width // 2) * (height // 2), 128, np.uint8).tobytes())
    return YuvSequence(path, width, height, 30.0, frames)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("codec", ["h264", "hevc", "vvc"])
def test_encode_decode_throughput(benchmark, tmp_path, codec, size):
    from benchmarks.tokenizers import TOKENIZERS

    try:
        tok = TOKENIZERS.get(codec)()
    except EncoderMissing as err:
        pytest.skip(str(err))
    if benchmark.disabled and size == "1080p":  # the default suite: keep it short
        pytest.skip("1080p throughput runs with --benchmark-enable")
    width, height, frames = SIZES[size]
    seq = _sequence(tmp_path, width, height, frames)
    stream_path = tmp_path / f"stream.{tok.extension}"

    def round_trip() -> int:
        stream_path.write_bytes(tok.encode_at(seq, knob=tok.knob.start, settings=SETTINGS[codec]))
        return sum(1 for _ in tok.decode_file(stream_path))

    decoded = benchmark.pedantic(round_trip, rounds=2, iterations=1, warmup_rounds=0)
    assert decoded == frames
    if benchmark.stats is not None:
        benchmark.extra_info["fps"] = frames / benchmark.stats.stats.mean
    benchmark.extra_info["frames"] = frames
