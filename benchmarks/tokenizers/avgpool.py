"""``avgpool``: a naive, weight-free baseline — average pooling and trilinear upsampling.

What a learned tokenizer with the same compression must beat: ``factor``× spatial and
``temporal``× temporal compression with no learning at all (continuous latent).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video


class AvgPoolTokenizer(VideoTokenizer):
    """Latent = ``avg_pool3d`` of the video; decode = trilinear upsampling back.

    Args:
        factor: spatial compression (h and w must be divisible by it).
        temporal: temporal compression (clips of ``k * temporal`` frames).
    """

    def __init__(self, *, factor: int = 4, temporal: int = 1) -> None:
        super().__init__()
        if factor < 1 or temporal < 1:
            raise ValueError(f"factor and temporal must be >= 1, got {factor}, {temporal}")
        self.factor, self.temporal = factor, temporal
        self.spec = TokenizerSpec(
            name="avgpool",
            n_params=0,
            vocab_size=None,
            bits_per_token=None,
            latent_channels=3,
            feature_dim=3,
            spatial_compression=factor,
            temporal_compression=temporal,
            frame_convention="any" if temporal == 1 else "blocks",
            weights="none (no learned weights)",
            license="n/a",
            capabilities=frozenset({"decode", "features"}),
        )

    # the shape check every fixed-grid tokenizer starts with (identity's too): a declaration
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        _, _, t, h, w = video.shape
        if h % self.factor or w % self.factor or t % self.temporal:
            raise ValueError(
                f"avgpool(factor={self.factor}, temporal={self.temporal}) needs t, h, w "
                f"divisible by ({self.temporal}, {self.factor}, {self.factor}), got {t, h, w}"
            )
        kernel = (self.temporal, self.factor, self.factor)
        latent = F.avg_pool3d(video, kernel_size=kernel)  # (b, 3, t', h', w')
        return Encoded(features=[latent], indices=None, bits=None, num_frames=t, frame_size=(h, w))

    def decode(self, encoded: Encoded) -> Tensor:
        h, w = encoded.frame_size
        size = (encoded.num_frames, h, w)
        return F.interpolate(encoded.features[0], size=size, mode="trilinear").clamp(-1, 1)


def create_avgpool(*, factor: int = 4, temporal: int = 1) -> AvgPoolTokenizer:
    return AvgPoolTokenizer(factor=factor, temporal=temporal)
