"""The reconstruction family's helpers that a run's speed rests on: the clamp that skips
its copy, the example picture built in the writer thread."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from benchmarks.families.reconstruction.family import _clamped, _write_example


def test_an_in_range_video_is_not_copied():
    video = torch.rand(1, 3, 2, 4, 4) * 2 - 1
    assert _clamped(video) is video


def test_an_out_of_range_video_is_clamped_as_before():
    video = torch.randn(1, 3, 2, 4, 4) * 3
    video[0, 0, 0, 0, 0] = float("nan")
    out = _clamped(video)
    assert out is not video
    assert torch.equal(out.nan_to_num(7), video.clamp(-1, 1).nan_to_num(7))


def test_example_picture_is_input_over_reconstruction_four_frames_across(tmp_path):
    torch.manual_seed(0)
    ref, pred = torch.rand(3, 17, 8, 6) * 2 - 1, torch.rand(3, 17, 8, 6) * 2 - 1
    _write_example(tmp_path / "x.png", ref, pred)
    pixels = np.asarray(Image.open(tmp_path / "x.png"))
    assert pixels.shape == (16, 24, 3)

    def as_bytes(frame):  # (3, h, w) in [-1, 1] -> (h, w, 3) uint8
        return ((frame + 1) * 0.5).mul(255).round().byte().permute(1, 2, 0).numpy()

    for column, t in enumerate((0, 5, 11, 16)):  # round(k * 16 / 3)
        cell = (slice(None), slice(6 * column, 6 * column + 6))
        assert np.array_equal(pixels[:8][cell], as_bytes(ref[:, t]))
        assert np.array_equal(pixels[8:][cell], as_bytes(pred[:, t]))
