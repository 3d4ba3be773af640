"""Input masking X → X̃ for PyraTok training.

Paper §3.1 ("The input video is masked (X̃) and encoded by E_n") and Appendix D: "we
temporally mask 30% of frames and apply cosine-based spatial masking on each frame
following [14]". [14] is MaskGIT (Chang et al., 2022): the masking ratio is
r = cos(π/2 · u) with u ~ U(0, 1), so E[r] = 2/π ≈ 0.64.

What this module does, per clip:
- temporal: exactly round(frame_mask_ratio · t) frames, drawn uniformly among frames
  1 … t−1, are masked whole. Frame 0 is never masked, neither temporally nor spatially:
  causal video VAEs (Wan) encode the first frame alone as the key frame, and a blank key
  frame would corrupt the whole latent sequence.
- spatial: every other frame draws its own r = cos(π/2 · u) and masks round(r · N) of its
  N = (h/patch)·(w/patch) patches, chosen uniformly.
Masked pixels are set to 0, i.e. mid-gray for videos in [-1, 1].

Layout letters: b batch, c channels, t frames, h w height width, p patch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["MaskedVideo", "cosine_mask_ratio", "mask_video"]


@dataclass(frozen=True)
class MaskedVideo:
    """A masked video and where it was masked.

    Attributes:
        video: (b, c, t, h, w), the input with masked pixels set to 0.
        frame_mask: (b, t) bool, True for frames masked whole.
        patch_mask: (b, t, h/patch, w/patch) bool, True for every masked patch (all True
            on frames in `frame_mask`); `pixel_mask` expands it to pixels.
        patch: patch size in pixels.
    """

    video: Tensor
    frame_mask: Tensor
    patch_mask: Tensor
    patch: int

    @property
    def pixel_mask(self) -> Tensor:
        """(b, t, h, w) bool, True on masked pixels."""
        return self.patch_mask.repeat_interleave(self.patch, dim=2).repeat_interleave(
            self.patch, dim=3
        )


def cosine_mask_ratio(u: Tensor) -> Tensor:
    """MaskGIT's cosine schedule r = cos(π/2 · u) for u in [0, 1] (elementwise)."""
    return torch.cos(0.5 * math.pi * u)


def _random_subset(scores: Tensor, counts: Tensor) -> Tensor:
    """Boolean mask selecting, along the last dim, the `counts` entries with lowest scores."""
    ranks = scores.argsort(dim=-1).argsort(dim=-1)  # rank of each entry among its row
    return ranks < counts.unsqueeze(-1)


def mask_video(
    video: Tensor,
    *,
    generator: torch.Generator,
    frame_mask_ratio: float = 0.3,
    patch: int = 8,
    spatial: bool = True,
) -> MaskedVideo:
    """Mask frames and patches of a video batch (Appendix D, MaskGIT cosine schedule).

    Args:
        video: (b, c, t, h, w) float, typically in [-1, 1]; h and w divisible by `patch`.
        generator: CPU torch.Generator; the only source of randomness.
        frame_mask_ratio: fraction of frames masked whole, in [0, 1).
        patch: spatial mask granularity in pixels.
        spatial: apply the per-frame cosine patch masking.

    Returns:
        MaskedVideo; `video` is a new tensor (the input is not modified).
    """
    if video.ndim != 5:
        raise ValueError(f"expected a (b, c, t, h, w) video, got shape {tuple(video.shape)}")
    b, _, t, h, w = video.shape
    if h % patch or w % patch:
        raise ValueError(f"frame size {h}×{w} is not divisible by patch={patch}")
    if not 0.0 <= frame_mask_ratio < 1.0:
        raise ValueError(f"frame_mask_ratio must be in [0, 1), got {frame_mask_ratio}")
    gh, gw = h // patch, w // patch

    # temporal: exactly round(ratio · t) of frames 1 … t-1, never frame 0 (the key frame)
    n_frames = min(round(frame_mask_ratio * t), t - 1)
    frame_scores = torch.rand((b, t - 1), generator=generator)
    frame_mask = torch.zeros((b, t), dtype=torch.bool)
    frame_mask[:, 1:] = _random_subset(frame_scores, torch.full((b,), n_frames))

    # spatial: per frame r = cos(π/2 · u), round(r · N) patches (frame 0 untouched)
    patch_mask = frame_mask[:, :, None, None].expand(b, t, gh, gw).clone()
    if spatial:
        ratios = cosine_mask_ratio(torch.rand((b, t), generator=generator))  # (b, t)
        counts = torch.round(ratios * gh * gw).long()
        counts[:, 0] = 0
        patch_scores = torch.rand((b, t, gh * gw), generator=generator)
        spatial_mask = _random_subset(patch_scores, counts).view(b, t, gh, gw)
        patch_mask |= spatial_mask

    patch_mask = patch_mask.to(video.device)
    pixel_mask = patch_mask.repeat_interleave(patch, dim=2).repeat_interleave(patch, dim=3)
    masked = video.masked_fill(pixel_mask[:, None], 0.0)  # (b, c, t, h, w)
    return MaskedVideo(
        video=masked, frame_mask=frame_mask.to(video.device), patch_mask=patch_mask, patch=patch
    )
