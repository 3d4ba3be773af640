"""Relevance maps, unaries and instances for zero-shot VIS (paper Appendix B.1).

1. :func:`token_relevance`: features of one level (B.1: the last, q^(L)) through
   ``features(video, level)``, in clips of ``clip_frames`` frames (the last clip padded
   with its last frame, the padding's steps dropped), and the cosine similarity of every
   token with each semantic unit's L2-normalised text embedding: ``(K, t, h', w')`` with
   each frame mapped to its latent step (``LevelFeatures.frame_to_step``).
2. :func:`unit_probabilities`: softmax over the K units plus a background with a constant
   score, at token resolution; only the ``max_units`` units with the highest peak
   probability in the video are kept as CRF labels (the rest's mass goes to background),
   which bounds the CRF's memory whatever the vocabulary.
3. :func:`to_grid`: the probabilities upsampled to a pixel grid following the level's
   strides (a token covers ``s × s`` input pixels; ``nearest`` copies it over them,
   ``bilinear`` interpolates between token centres), resized (never cropped) to the grid.
4. :func:`extract_instances`: per-unit binary masks (argmax of the CRF marginals, or of the
   raw probabilities with ``crf=false``) split into spatio-temporal connected components
   (``scipy.ndimage.label`` over (t, y, x), 6-connectivity); each component is an instance
   whose score is the mean marginal of its unit over its voxels. Masks are scored at the
   original frame size: the marginals are upsampled bilinearly frame by frame to
   ``(H, W)`` and each instance is RLE-encoded (pycocotools), frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.tokenizers.base import to_tokenizer_range

__all__ = ["Instance", "UnitProbabilities", "extract_instances", "to_grid",
           "token_relevance", "unit_probabilities"]


@torch.no_grad()
def token_relevance(tokenizer, video: torch.Tensor, text: torch.Tensor, *, level: int,
                    clip_frames: int, device: torch.device
                    ) -> tuple[np.ndarray, tuple[int, int]]:
    """Cosine relevance of every token of ``level`` with every unit.

    Args:
        tokenizer: a tokenizer with the ``features`` capability.
        video: ``(3, t, h, w)`` float in [0, 1].
        text: ``(K, d)`` L2-normalised unit embeddings.
        level: pyramid level (negative counts from the deepest).
        clip_frames: frames per tokenizer call.

    Returns:
        ``(K, t, h', w')`` float32 relevance (one map per frame, its latent step's) and the
        level's spatial stride ``(s_h, s_w)``.
    """
    t = video.shape[1]
    per_frame: list[np.ndarray] = []
    stride = (1, 1)
    text = text.to(device, torch.float32)
    for start in range(0, t, clip_frames):
        clip = video[:, start:start + clip_frames]
        n = clip.shape[1]
        if n < clip_frames:  # pad with the last frame; its steps are never read
            clip = torch.cat([clip, clip[:, -1:].expand(-1, clip_frames - n, -1, -1)], 1)
        x = to_tokenizer_range(clip.to(device, torch.float32))[None]  # (1, 3, T, h, w)
        feats = tokenizer.features(x, level)
        f = F.normalize(feats.features[0].float(), dim=0)  # (d, t', h', w')
        sim = torch.einsum("dthw,kd->kthw", f, text)  # (K, t', h', w')
        steps = feats.frame_to_step[:n].to(sim.device)
        per_frame.append(sim[:, steps].cpu().numpy())
        stride = (int(feats.stride[1]), int(feats.stride[2]))
    return np.concatenate(per_frame, axis=1).astype(np.float32), stride


@dataclass(frozen=True)
class UnitProbabilities:
    """Label 0 is background, label i > 0 is unit ``units[i - 1]``.

    Attributes:
        probabilities: ``(1 + M, t, h', w')`` float32, summing to 1 over labels.
        units: indices into the K units of the M kept labels.
    """

    probabilities: np.ndarray
    units: tuple[int, ...]


def unit_probabilities(relevance: np.ndarray, *, background_score: float | np.ndarray,
                       temperature: float, max_units: int | None) -> UnitProbabilities:
    """Softmax over ``[background_score, relevance_1 .. relevance_K] / temperature``.

    ``background_score`` is a constant or a ``(t, h', w')`` map (a background prompt's
    relevance plus a margin).
    """
    k = relevance.shape[0]
    background = np.broadcast_to(np.asarray(background_score, dtype=np.float32),
                                 relevance.shape[1:])
    logits = np.concatenate([background[None], relevance]) / temperature
    logits -= logits.max(axis=0, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=0, keepdims=True)
    units = np.arange(k)
    if max_units is not None and max_units < k:
        peak = p[1:].reshape(k, -1).max(axis=1)
        units = np.sort(np.argsort(-peak, kind="stable")[:max_units])
    kept = p[1 + units]
    background = 1.0 - kept.sum(axis=0, keepdims=True)
    return UnitProbabilities(np.concatenate([background, kept]).astype(np.float32),
                             tuple(int(u) for u in units))


def to_grid(values: np.ndarray, *, stride: tuple[int, int], input_size: tuple[int, int],
            grid: tuple[int, int], mode: str = "bilinear") -> np.ndarray:
    """Token-resolution maps ``(c, t, h', w')`` on a ``grid`` ``(gh, gw)`` of pixels.

    Token ``(i, j)`` covers input pixels ``[i s_h, (i+1) s_h) × [j s_w, (j+1) s_w)`` of the
    ``input_size`` frames (the padded cells beyond the frame are cut off); a grid pixel
    samples the input pixel under its centre.

    Returns:
        ``(c, t, gh, gw)`` float32.
    """
    c, t, th, tw = values.shape
    h, w = input_size
    gh, gw = grid
    # grid pixel centre -> input pixel coordinate -> token coordinate (centres at i + 0.5)
    ys = ((np.arange(gh) + 0.5) * h / gh) / stride[0] - 0.5
    xs = ((np.arange(gw) + 0.5) * w / gw) / stride[1] - 0.5
    if mode == "nearest":
        yi = np.clip(np.floor(ys + 0.5).astype(int), 0, th - 1)
        xi = np.clip(np.floor(xs + 0.5).astype(int), 0, tw - 1)
        return values[:, :, yi][:, :, :, xi].astype(np.float32)
    y0 = np.clip(np.floor(ys).astype(int), 0, th - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, tw - 1)
    y1, x1 = np.minimum(y0 + 1, th - 1), np.minimum(x0 + 1, tw - 1)
    wy = np.clip(ys - y0, 0.0, 1.0)[:, None].astype(np.float32)
    wx = np.clip(xs - x0, 0.0, 1.0)[None, :].astype(np.float32)
    out = np.empty((c, t, gh, gw), dtype=np.float32)
    for f in range(t):  # frame by frame: no (c, t, gh, gw) temporaries
        v = values[:, f]
        top = v[:, y0][:, :, x0] * (1 - wx) + v[:, y0][:, :, x1] * wx
        bottom = v[:, y1][:, :, x0] * (1 - wx) + v[:, y1][:, :, x1] * wx
        out[:, f] = top * (1 - wy) + bottom * wy
    return out


@dataclass(frozen=True)
class Instance:
    """One predicted track: ``unit`` index, score, one RLE (or ``None``) per frame."""

    unit: int
    score: float
    segmentations: list[dict | None]


def _resize_frame(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(c, h, w)`` -> ``(c, H, W)`` bilinear (half-pixel centres)."""
    if values.shape[1:] == size:
        return values
    x = torch.from_numpy(np.ascontiguousarray(values))[None]
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)[0].numpy()


def extract_instances(marginals: np.ndarray, units: tuple[int, ...], *,
                      output_size: tuple[int, int], min_voxels: int,
                      max_instances: int) -> list[Instance]:
    """Instances of every unit label as spatio-temporal connected components.

    Args:
        marginals: ``(1 + M, t, gh, gw)``, label 0 the background.
        units: unit index of labels 1..M.
        output_size: ``(H, W)`` of the original frames; masks are encoded at this size.
        min_voxels: components smaller than this (on the grid) are dropped.
        max_instances: the highest-scoring instances kept.

    Returns:
        Instances, best score first.
    """
    from pycocotools import mask as mask_utils
    from scipy import ndimage

    labels = marginals.argmax(axis=0)  # (t, gh, gw)
    found: list[tuple[float, int, int, np.ndarray]] = []  # score, label, component, ids
    for label in range(1, marginals.shape[0]):
        components, n = ndimage.label(labels == label)
        if n == 0:
            continue
        ids = np.arange(1, n + 1)
        sizes = ndimage.sum_labels(np.ones_like(components), components, ids)
        means = ndimage.mean(marginals[label], components, ids)
        for c, size, mean in zip(ids, sizes, means, strict=True):
            if size >= min_voxels:
                found.append((float(mean), label, int(c), components))
    found.sort(key=lambda x: -x[0])
    found = found[:max_instances]
    t = marginals.shape[1]
    segs: list[list[dict | None]] = [[] for _ in found]
    for f in range(t):
        full = _resize_frame(marginals[:, f], output_size).argmax(axis=0)  # (H, W)
        for i, (_, label, c, components) in enumerate(found):
            grid_ids = _nearest(components[f], output_size)
            mask = (full == label) & (grid_ids == c)
            if not mask.any():
                segs[i].append(None)
                continue
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            segs[i].append({"size": [int(s) for s in rle["size"]],
                            "counts": rle["counts"].decode("ascii")})
    return [Instance(units[label - 1], score, s)
            for (score, label, _, _), s in zip(found, segs, strict=True)]


def _nearest(ids: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``(gh, gw)`` ids -> ``(H, W)`` by the grid pixel under each output pixel's centre."""
    gh, gw = ids.shape
    if (gh, gw) == size:
        return ids
    yi = np.minimum(((np.arange(size[0]) + 0.5) * gh / size[0]).astype(int), gh - 1)
    xi = np.minimum(((np.arange(size[1]) + 0.5) * gw / size[1]).astype(int), gw - 1)
    return ids[yi][:, xi]
