"""The 3D CRF refines noisy relevance maps of synthetic shapes (paper Appendix B.1)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.segmentation.crf3d import (
    CrfParams,
    crf_available,
    refine,
    upsample_marginals,
)
from benchmarks.families.segmentation.masks import unit_probabilities
from pyratok.demo import make_video

needs_crf = pytest.mark.skipif(not crf_available(), reason="pydensecrf2 not installed")


def noisy_case(seed: int, *, noise: float = 0.45):
    """Frames, GT label volume and noisy per-object relevance (cosine-like) maps."""
    video = make_video(seed, frames=9, size=64, n_objects=2)
    rng = np.random.default_rng(seed)
    masks = video.masks  # (n, t, h, w)
    labels = np.zeros(masks.shape[1:], dtype=int)
    for i, m in enumerate(masks):
        labels[m] = i + 1
    relevance = 0.3 * masks.astype(np.float32) + rng.normal(0, noise * 0.3, masks.shape)
    return video.frames, labels, relevance.astype(np.float32)


def mean_iou(pred: np.ndarray, gt: np.ndarray, n: int) -> float:
    ious = []
    for k in range(1, n + 1):
        union = np.logical_or(pred == k, gt == k).sum()
        if union:
            ious.append(np.logical_and(pred == k, gt == k).sum() / union)
    return float(np.mean(ious))


@needs_crf
def test_crf_raises_mean_iou_over_thresholded_raw_maps():
    raw_scores, crf_scores = [], []
    for seed in range(10_000_000, 10_000_004):
        frames, gt, relevance = noisy_case(seed)
        probs = unit_probabilities(relevance, background_score=0.15, temperature=0.05,
                                   max_units=None).probabilities
        raw = probs.argmax(0)  # thresholding: a unit wins where it beats the background
        refined = refine(probs, frames, CrfParams()).argmax(0)
        raw_scores.append(mean_iou(raw, gt, relevance.shape[0]))
        crf_scores.append(mean_iou(refined, gt, relevance.shape[0]))
    raw_m, crf_m = float(np.mean(raw_scores)), float(np.mean(crf_scores))
    print(f"mean IoU: raw thresholded {raw_m:.3f}, 3D CRF {crf_m:.3f}")
    assert crf_m > raw_m + 0.1


@needs_crf
def test_marginals_are_distributions_and_shape_is_checked():
    frames, _, relevance = noisy_case(10_000_000)
    probs = unit_probabilities(relevance, background_score=0.15, temperature=0.05,
                               max_units=None).probabilities
    q = refine(probs, frames, CrfParams(iterations=2))
    assert q.shape == probs.shape
    np.testing.assert_allclose(q.sum(0), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="do not match"):
        refine(probs, frames[:, :32], CrfParams())


# crf_scale: the CRF on a coarser grid, its marginals brought back up


def test_scaled_params_shrink_the_spatial_widths_only():
    params = CrfParams()
    assert params.scaled(1.0) is params
    half = params.scaled(0.5)
    assert (half.gaussian_sxy, half.bilateral_sxy) == (1.5, 20.0)
    assert (half.gaussian_st, half.bilateral_st, half.bilateral_srgb) == (1.0, 2.0, 13.0)
    assert (half.gaussian_weight, half.bilateral_weight, half.iterations) == (3.0, 10.0, 5)


def test_upsampled_marginals_stay_distributions_on_the_full_grid():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 4, 8, 10)).astype(np.float32)
    coarse = np.exp(logits) / np.exp(logits).sum(0)
    assert upsample_marginals(coarse, (8, 10)) is coarse  # same grid: untouched
    up = upsample_marginals(coarse, (16, 20))
    assert up.shape == (3, 4, 16, 20) and up.dtype == np.float32
    np.testing.assert_allclose(up.sum(0), 1.0, atol=1e-5)
    # bilinear between pixel centres: a fine pixel lies within its coarse neighbours' range
    assert up.min() >= coarse.min() - 1e-6 and up.max() <= coarse.max() + 1e-6
    flat = np.full((2, 1, 3, 3), 0.5, dtype=np.float32)
    np.testing.assert_allclose(upsample_marginals(flat, (7, 5)), 0.5, atol=1e-6)
