"""The video tokenizer interface every adapter implements.

Shapes use einops letters: ``b`` batch, ``c`` channels, ``t`` frames, ``h``/``w`` pixels;
primed letters (``t'``, ``h'``, ``w'``) are latent-grid sizes after compression.

Conventions (all adapters):
- ``encode(video, texts)`` takes ``video`` of shape ``(b, 3, t, h, w)``, float32 in
  [-1, 1], RGB; ``texts`` is one caption per clip or ``None``.
- ``decode(encoded)`` returns ``(b, 3, t, h, w)`` float in [-1, 1] (adapters clamp),
  with the same ``t, h, w`` as the input that was encoded.
- ``embed_text(texts)`` (text-aligned tokenizers only) returns ``(n, d)`` embeddings in the
  same space as ``Encoded.features`` channels, L2-normalised.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor

FrameConvention = Literal["causal", "blocks", "any"]


@dataclass(frozen=True)
class TokenizerSpec:
    """What a tokenizer is: sizes, compression, where its weights come from.

    Attributes:
        name: registry name.
        n_params: number of parameters of the loaded model (0 for ``identity``).
        vocab_size: codebook size for discrete tokenizers; ``None`` for continuous ones.
        bits_per_token: ``log2(vocab_size)`` summed over the levels a token position carries
            (discrete), or ``None`` (continuous).
        latent_channels: channels of the continuous latent / features.
        spatial_compression: pixels per latent cell along h and w.
        temporal_compression: frames per latent step.
        frame_convention: ``"causal"`` — clips of ``k * temporal_compression + 1`` frames
            (Wan, CogVideoX, Mochi: 4k+1 / 6k+1); ``"blocks"`` — ``k * temporal_compression``
            frames; ``"any"`` — every length.
        weights: where the weights come from (a path, "random init", "none").
        license: licence of the weights.
        text_aligned: whether ``embed_text`` is available.
    """

    name: str
    n_params: int
    vocab_size: int | None
    bits_per_token: float | None
    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    frame_convention: FrameConvention
    weights: str
    license: str
    text_aligned: bool = False

    def valid_num_frames(self, num_frames: int) -> bool:
        tc = self.temporal_compression
        if self.frame_convention == "causal":
            return num_frames >= 1 and (num_frames - 1) % tc == 0
        if self.frame_convention == "blocks":
            return num_frames >= tc and num_frames % tc == 0
        return num_frames >= 1

    def usable_num_frames(self, num_frames: int) -> int:
        """Largest valid clip length not above ``num_frames`` (0 if there is none)."""
        for n in range(num_frames, 0, -1):
            if self.valid_num_frames(n):
                return n
        return 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Encoded:
    """What ``encode`` returns.

    Attributes:
        features: one float tensor per level, ``(b, d_l, t'_l, h'_l, w'_l)``; for a
            single-level continuous VAE a one-element list holding the latent (posterior
            mean). Level 0 is the finest (shallowest) level, the last is the deepest.
        indices: one int64 tensor per level, ``(b, t'_l, h'_l, w'_l)``, for discrete
            tokenizers; ``None`` for continuous ones.
        bits: ``(b,)`` float64, bits needed to store each clip's tokens
            (``sum over levels of numel * log2(vocab)``); ``None`` for continuous ones.
        num_frames: ``t`` of the encoded video (decoders trim to it).
        frame_size: ``(h, w)`` of the encoded video.
        latent: optional decoder input (for example the summed residual levels) when it
            differs from ``features``; ``None`` otherwise.
    """

    features: list[Tensor]
    indices: list[Tensor] | None
    bits: Tensor | None
    num_frames: int
    frame_size: tuple[int, int]
    latent: Tensor | None = None
    text_embeddings: Tensor | None = field(default=None, repr=False)

    @property
    def num_levels(self) -> int:
        return len(self.features)


class VideoTokenizer(torch.nn.Module):
    """Base class: a ``torch.nn.Module`` with a ``spec`` and encode/decode.

    Subclasses set ``self.spec`` in ``__init__`` and implement ``encode``/``decode``.
    """

    spec: TokenizerSpec

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        raise NotImplementedError

    def decode(self, encoded: Encoded) -> Tensor:
        raise NotImplementedError

    def embed_text(self, texts: list[str]) -> Tensor:
        raise NotImplementedError(f"tokenizer {self.spec.name!r} is not text-aligned")

    @property
    def device(self) -> torch.device:
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return torch.device("cpu")


def check_video(video: Tensor) -> None:
    """Raise a clear error when ``video`` is not ``(b, 3, t, h, w)`` float."""
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"expected video of shape (b, 3, t, h, w), got {tuple(video.shape)}")
    if not video.is_floating_point():
        raise TypeError(f"expected a float video in [-1, 1], got dtype {video.dtype}")
