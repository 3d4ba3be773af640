"""Temporal consistency (TC): how alike a clip's consecutive frames look to an image encoder.

``TC(clip) = 100 · mean over t of cos(e_t, e_{t+1})``, ``e_t`` the image embedding of frame
``t`` (t = 1 … T−1 pairs), and a run's TC is the mean over its clips. This is the common
definition (VGen's "temporal consistency"; VBench's background consistency uses CLIP
ViT-B/32 against the previous frame, and the first one); values are at most 100. The
paper's Table 2 reports TC of 185–246, which no ×100 cosine reaches: its definition is not
stated, so these numbers are not comparable with it.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def temporal_consistency(embeddings: Tensor) -> Tensor:
    """``(..., t, d)`` per-frame embeddings → ``(...)`` float64: 100 × the mean cosine
    similarity of consecutive frames (t ≥ 2)."""
    if embeddings.ndim < 2 or embeddings.shape[-2] < 2:
        raise ValueError(f"expected (..., t, d) embeddings of t >= 2 frames, got "
                         f"{tuple(embeddings.shape)}")
    e = F.normalize(embeddings.double(), dim=-1)
    cos = (e[..., 1:, :] * e[..., :-1, :]).sum(dim=-1)  # (..., t-1)
    return 100.0 * cos.mean(dim=-1)


__all__ = ["temporal_consistency"]
