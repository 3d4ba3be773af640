"""VBench's temporal scores against independent numpy re-computations of VBench's loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.metrics.temporal import (
    StreamedFlickering,
    consecutive_mad,
    frame_consistency,
    interpolation_inputs,
    interpolation_smoothness,
    temporal_flickering,
)


def _uint8_clip(seed: int, t: int = 6, h: int = 10, w: int = 12) -> np.ndarray:
    """``(t, h, w, 3)`` uint8 frames, as cv2/decord hand them to VBench."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(h, w, 3))
    steps = rng.integers(-20, 21, size=(t, h, w, 3))
    return np.clip(base + np.cumsum(steps, axis=0), 0, 255).astype(np.uint8)


def _vbench_flicker(frames: np.ndarray, dtype: type = np.float64) -> float:
    """vbench/temporal_flickering.py cal_score, in numpy: the MAE of each consecutive pair
    (cv2.absdiff; VBench's float32, or float64 for an exact reference), then
    ``(255 - mean) / 255``."""
    maes = [np.mean(np.abs(frames[i].astype(dtype) - frames[i + 1].astype(dtype)))
            for i in range(len(frames) - 1)]
    return (255.0 - float(np.mean(maes))) / 255.0


def _as_video(frames: np.ndarray) -> torch.Tensor:
    """``(t, h, w, 3)`` uint8 → ``(3, t, h, w)`` float in [0, 1]."""
    return torch.from_numpy(frames).permute(3, 0, 1, 2).double() / 255


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flickering_equals_vbench_on_8_bit_frames(seed):
    frames = _uint8_clip(seed)
    expected = _vbench_flicker(frames)
    assert float(temporal_flickering(_as_video(frames))) == pytest.approx(expected, abs=1e-12)
    # VBench's own float32 sums agree to their rounding
    assert expected == pytest.approx(_vbench_flicker(frames, np.float32), abs=1e-7)
    # the same clip in 8-bit units and in the tokenizer range [-1, 1]
    raw = torch.from_numpy(frames).permute(3, 0, 1, 2).float()
    assert float(temporal_flickering(raw, data_range=255.0)) == pytest.approx(expected, abs=1e-6)
    signed = _as_video(frames) * 2 - 1
    assert float(temporal_flickering(signed, data_range=2.0)) == pytest.approx(expected, abs=1e-12)


def test_flickering_is_per_clip_over_leading_axes():
    clips = [_uint8_clip(s) for s in range(4)]
    batch = torch.stack([_as_video(c) for c in clips]).view(2, 2, 3, 6, 10, 12)
    scores = temporal_flickering(batch)
    assert scores.shape == (2, 2) and scores.dtype == torch.float64
    expected = np.array([_vbench_flicker(c) for c in clips]).reshape(2, 2)
    np.testing.assert_allclose(scores.numpy(), expected, atol=1e-12)


def test_a_still_clip_scores_one_and_added_flicker_lowers_the_score():
    still = torch.full((3, 5, 4, 4), 0.3)
    assert float(temporal_flickering(still)) == 1.0
    flicker = still.clone()
    flicker[:, 1::2] += 0.1  # every other frame brighter by 0.1: MAD 0.1 per pair
    assert float(consecutive_mad(flicker)) == pytest.approx(0.1)
    assert float(temporal_flickering(flicker)) == pytest.approx(0.9)


def test_a_single_frame_has_no_flickering_score():
    with pytest.raises(ValueError, match="at least 2 frames, got 1"):
        temporal_flickering(torch.zeros(3, 1, 4, 4))


def _vbench_consistency(features: np.ndarray) -> float:
    """vbench/subject_consistency.py's per-video loop, in numpy."""
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    total = 0.0
    for i in range(1, len(unit)):
        sim_pre = max(0.0, float(unit[i - 1] @ unit[i]))
        sim_fir = max(0.0, float(unit[0] @ unit[i]))
        total += (sim_pre + sim_fir) / 2
    return total / (len(unit) - 1)


def test_consistency_equals_vbench_loop_with_negative_cosines_clipped():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(3, 7, 5))  # random directions: some cosines negative
    scores = frame_consistency(torch.from_numpy(feats))
    np.testing.assert_allclose(scores.numpy(), [_vbench_consistency(f) for f in feats],
                               atol=1e-12)
    same = torch.ones(4, 8)
    assert float(frame_consistency(same)) == pytest.approx(1.0)
    flipped = torch.stack([torch.ones(8), -torch.ones(8)])  # cos -1: clipped to 0
    assert float(frame_consistency(flipped)) == 0.0


@pytest.mark.parametrize(("t", "targets"), [(3, [1]), (7, [1, 3, 5]), (8, [1, 3, 5])])
def test_interpolation_pairs_are_vbench_even_inputs_and_odd_targets(t, targets):
    video = torch.arange(t, dtype=torch.float64).view(1, t, 1, 1).expand(3, t, 2, 2)
    first, second, target = interpolation_inputs(video)
    assert first[0, :, 0, 0].tolist() == [k - 1 for k in targets]
    assert second[0, :, 0, 0].tolist() == [k + 1 for k in targets]
    assert target[0, :, 0, 0].tolist() == targets


def test_smoothness_is_one_minus_mad_and_needs_three_frames():
    rng = np.random.default_rng(1)
    true = rng.uniform(size=(3, 4, 5, 5))
    pred = np.clip(true + rng.normal(scale=0.05, size=true.shape), 0, 1)
    per_frame = [np.mean(np.abs(pred[:, k] - true[:, k])) for k in range(4)]
    got = interpolation_smoothness(torch.from_numpy(pred), torch.from_numpy(true))
    assert float(got) == pytest.approx(1 - np.mean(per_frame), abs=1e-12)
    with pytest.raises(ValueError, match="at least 3 frames, got 2"):
        interpolation_inputs(torch.zeros(3, 2, 4, 4))


@pytest.mark.parametrize(("time_dim", "chunks"), [(0, (1, 3, 3)), (1, (4, 3)), (1, (7,))])
def test_streamed_flickering_equals_the_whole_clip(time_dim, chunks) -> None:
    gen = torch.Generator().manual_seed(3)
    ref = torch.randint(0, 256, (3, 7, 5, 6), generator=gen).float()  # (c, t, h, w), 8-bit
    recon = (ref + torch.randint(-9, 10, ref.shape, generator=gen)).clamp(0, 255)
    streamed = StreamedFlickering(time_dim=time_dim, data_range=255.0)
    first = 0
    for size in chunks:
        part = slice(first, first + size)
        if time_dim == 0:  # fed as (t, c, h, w)
            streamed.add(ref[:, part].transpose(0, 1), recon[:, part].transpose(0, 1))
        else:
            streamed.add(ref[:, part], recon[:, part])
        first += size
    out = streamed.result()
    expected_ref = float(temporal_flickering(ref, data_range=255.0))
    expected_recon = float(temporal_flickering(recon, data_range=255.0))
    assert out["temporal_flickering_ref"] == pytest.approx(expected_ref, abs=1e-12)
    assert out["temporal_flickering_recon"] == pytest.approx(expected_recon, abs=1e-12)
    assert out["temporal_flickering_delta"] == pytest.approx(expected_recon - expected_ref,
                                                             abs=1e-12)


def test_streamed_flickering_of_one_frame_is_empty() -> None:
    streamed = StreamedFlickering(time_dim=1, data_range=1.0)
    streamed.add(torch.rand(3, 1, 4, 4), torch.rand(3, 1, 4, 4))
    assert streamed.result() == {}
