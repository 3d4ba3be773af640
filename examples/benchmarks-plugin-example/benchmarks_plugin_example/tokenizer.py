"""``example-posterize``: a weight-free discrete tokenizer — average pooling, then posterize.

Each ``factor × factor`` cell of each frame is averaged and each of its three channels
rounded to one of ``levels`` evenly spaced values in [-1, 1]; the token of a cell is its
three channel codes read as one base-``levels`` number (``levels³`` tokens, 512 by default,
so ``log2(512) = 9`` bits a token). Decoding repeats each cell's value over its pixels.

It shows what a tokenizer plug-in implements: a :class:`VideoTokenizer` with a
:class:`TokenizerSpec` (capabilities ``decode``, ``features``, ``bits``), ``encode`` and
``decode``, and a factory registered in the ``benchmarks.tokenizers`` entry-point group.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.base import (
    Encoded,
    TokenizerSpec,
    VideoTokenizer,
    check_video,
    from_tokenizer_range,
    to_tokenizer_range,
)


class PosterizeTokenizer(VideoTokenizer):
    """Average-pool ``factor × factor`` cells per frame, quantize each channel to ``levels``.

    Args:
        factor: spatial compression; a frame whose side is not a multiple of it gets a
            last, partial cell (the mean of the pixels it covers).
        levels: values per channel (2 … 256); the vocabulary holds ``levels ** 3`` tokens.
    """

    def __init__(self, *, factor: int = 4, levels: int = 8) -> None:
        super().__init__()
        if factor < 1 or not 2 <= levels <= 256:
            raise ValueError(f"factor must be >= 1 and levels in 2 … 256, got {factor}, {levels}")
        self.factor, self.levels = factor, levels
        vocab = levels**3
        self.spec = TokenizerSpec(
            name="example-posterize",
            n_params=0,
            vocab_size=vocab,
            bits_per_token=math.log2(vocab),
            latent_channels=3,
            feature_dim=3,
            spatial_compression=factor,
            temporal_compression=1,
            frame_convention="any",
            weights="none (no learned weights)",
            license="Apache-2.0",
            capabilities=frozenset({"decode", "features", "bits"}),
        )

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        b, _, t, h, w = video.shape
        kernel = (1, self.factor, self.factor)
        # ceil_mode: a partial last cell averages only the pixels it covers (no padding)
        cells = F.avg_pool3d(video.float(), kernel, ceil_mode=True)  # (b, 3, t, h', w')
        unit = from_tokenizer_range(cells.clamp(-1, 1))  # [0, 1]
        codes = (unit * (self.levels - 1)).round().long()  # 0 … L-1
        features = to_tokenizer_range(codes.float() / (self.levels - 1))  # the posterized cells
        r, g, bl = codes.unbind(1)  # (b, t, h', w') each
        indices = (r * self.levels + g) * self.levels + bl
        bits = torch.full((b,), self.spec.bits_per_token * indices[0].numel(), dtype=torch.float64)
        return Encoded(features=[features], indices=[indices], bits=bits, num_frames=t,
                       frame_size=(h, w))

    def decode(self, encoded: Encoded) -> Tensor:
        h, w = encoded.frame_size
        cells = encoded.features[0]  # (b, 3, t, h', w')
        video = cells.repeat_interleave(self.factor, dim=3).repeat_interleave(self.factor, dim=4)
        return video[..., :h, :w]


def create_posterize(*, factor: int = 4, levels: int = 8) -> PosterizeTokenizer:
    """The registered factory (``--tokenizer example-posterize --tokenizer-arg levels=4``)."""
    return PosterizeTokenizer(factor=factor, levels=levels)
