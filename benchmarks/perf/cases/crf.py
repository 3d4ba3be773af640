"""The 3D dense CRF at full grid vs ``crf_scale 0.5`` (downsample, CRF, upsample).

The input is the CRF bench's: a procedural 17×256² clip with two shapes
(``pyratok.demo.make_video``), relevance ``0.3 · mask + N(0, 0.135)``, the segmentation
family's softmax with a 0.15 background (3 labels), the default kernels and 5 mean-field
iterations. The reference side is today's path (pydensecrf on the full grid); ours is the
``crf_scale`` option (ours, not the paper's): probabilities area-averaged and frames
resized (antialiased bilinear) to a 128² grid, the spatial kernel widths halved, the
marginals brought back up bilinearly. No goal: the issue asks for the time to be
documented. What the speed costs: J (mean IoU of each shape's label with its true mask
over the clip) of each side, in ``extra``, and on the demo set (the note).
"""

from __future__ import annotations

import numpy as np

from benchmarks.perf.case import Case, PerfContext, Row, speedup
from benchmarks.perf.measure import interleave

SCALE = 0.5
# `python -m benchmarks run --task ytvis2021 --tokenizer pyratok [--task-arg crf_scale=...]`
# on the bundled demo set (16 videos of 64×64), 2026-12-07: README's segmentation section.
DEMO_NOTE = ("demo ytvis2021 (64² frames): J 74.88 at crf_scale 1.0, 70.16 at 0.5 "
             "(AP 55.19 → 43.75)")


def _inputs(quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(probabilities (3, t, h, w), frames (t, h, w, 3) uint8, masks (2, t, h, w))``."""
    from benchmarks.families.segmentation.masks import unit_probabilities
    from pyratok.demo import make_video

    video = make_video(10_000_000, frames=5 if quick else 17, size=64 if quick else 256,
                       n_objects=2)
    rng = np.random.default_rng(0)
    relevance = 0.3 * video.masks.astype(np.float32) + rng.normal(0, 0.135, video.masks.shape)
    probs = unit_probabilities(relevance.astype(np.float32), background_score=0.15,
                               temperature=0.05, max_units=None).probabilities
    return probs, video.frames, video.masks.astype(bool)


def _downsampled(probs: np.ndarray, frames: np.ndarray, scale: float):
    """Probabilities (area mean: still a distribution) and frames on the coarser grid."""
    import torch
    import torch.nn.functional as F

    grid = tuple(max(1, round(s * scale)) for s in probs.shape[-2:])
    small = F.interpolate(torch.from_numpy(probs), size=grid, mode="area").numpy()
    rgb = torch.from_numpy(np.array(frames)).permute(0, 3, 1, 2).float() / 255  # (t, 3, h, w)
    rgb = F.interpolate(rgb, size=grid, mode="bilinear", antialias=True, align_corners=False)
    small_frames = (rgb.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1)
    return np.ascontiguousarray(small), np.ascontiguousarray(small_frames.numpy())


def _jaccard(marginals: np.ndarray, masks: np.ndarray) -> float:
    """Mean over shapes of |label ∩ mask| / |label ∪ mask| over the clip (label i + 1)."""
    labels = marginals.argmax(axis=0)
    scores = []
    for i, mask in enumerate(masks):
        pred = labels == i + 1
        union = np.logical_or(pred, mask).sum()
        scores.append(np.logical_and(pred, mask).sum() / union if union else 1.0)
    return float(np.mean(scores))


def run(ctx: PerfContext) -> list[Row]:
    from benchmarks.families.segmentation.crf3d import CrfParams, refine, upsample_marginals

    probs, frames, masks = _inputs(ctx.quick)
    params = CrfParams()
    grid = probs.shape[-2:]

    def full() -> np.ndarray:
        return refine(probs, frames, params)

    def scaled() -> np.ndarray:
        small, small_frames = _downsampled(probs, frames, SCALE)
        return upsample_marginals(refine(small, small_frames, params.scaled(SCALE)), grid)

    j_full, j_scaled = _jaccard(full(), masks), _jaccard(scaled(), masks)
    times = interleave({"full": full, "scaled": scaled}, repeats=ctx.repeats)
    k, t, h, w = probs.shape
    return [Row("crf", f"3D dense CRF {t}×{h}×{w}, {k} labels, {params.iterations} "
                "iterations: crf_scale 0.5 vs 1.0",
                f"crf_scale {SCALE} (downsample, CRF, upsample)",
                "crf_scale 1.0 (pydensecrf N-D, full grid)",
                times["scaled"], times["full"], speedup(times["scaled"], times["full"]),
                "× faster", None,
                note=f"J vs the true masks: {j_full:.3f} at 1.0, {j_scaled:.3f} at {SCALE}; "
                     + DEMO_NOTE,
                extra={"j_scale_1": j_full, f"j_scale_{SCALE:g}": j_scaled})]


CASE = Case(id="crf", order=70, run=run, needs=("pydensecrf",))
