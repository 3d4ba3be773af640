"""``vq``: a continuous tokenizer's latent through a trained FSQ / LFQ / RVQ quantizer.

encode: base encode → latent ``(b, c, t', h', w')`` → :class:`LatentQuantizer` → one index
grid ``(b, t', h', w')`` per level; decode: indices (or the quantized latent) → base decode.
The geometry (compression, clip lengths, causality) is the base's; the quantizer codes each
latent cell on its own.

Bits: ``bits_per_token = log2(vocab_size)`` — one index; fsq's vocabulary is
``prod(levels)``, lfq's ``codebook_size``, rvq's one stage's ``codebook_size``. rvq has one
level per residual stage, so ``Encoded.bits = bits_per_token × stages × cells`` (every
cell of the latent grid the base encodes, padding included: a decoder needs them all).

Features (level ``i``, ``(b, c, t', h', w')``): the latent after stages ``0 … i`` in the
base's units — for fsq / lfq the quantized latent itself.

A quick quantizer baseline trained by ``python -m benchmarks.train_vq``, not a published
tokenizer: it never yields a paper-table row of its own.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from benchmarks.registry import RegistryError
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.arguments import check_arguments
from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer
from benchmarks.tokenizers.vq.folder import BaseRecord, load_quantizer
from benchmarks.tokenizers.vq.quantizer import LatentQuantizer

LIBRARY_LICENSE = "vector-quantize-pytorch: MIT"


def check_base(name: str, tokenizer: VideoTokenizer) -> None:
    """Raise ValueError unless ``tokenizer`` is continuous, decodes and exposes one latent."""
    caps = tokenizer.spec.capabilities
    if "bits" in caps or not {"decode", "features"} <= caps or tokenizer.spec.num_levels != 1:
        usable = ", ".join(n for n in TOKENIZERS.names()
                           if TOKENIZERS.about(n).startswith(("continuous", "reference")))
        raise ValueError(f"vq: base {name!r} is not a continuous tokenizer that decodes one "
                         f"latent level; use one of: {usable}")


class VQTokenizer(VideoTokenizer):
    """``base`` with its latent quantized by ``quantizer``.

    Args:
        base: a continuous tokenizer (see :func:`check_base`).
        quantizer: fitted to ``base``'s latent.
        weights: the quantizer folder.
    """

    def __init__(self, base: VideoTokenizer, quantizer: LatentQuantizer, *, weights: str) -> None:
        super().__init__()
        self.base, self.quantizer = base, quantizer
        config, spec = quantizer.config, base.spec
        self.spec = TokenizerSpec(
            name="vq",
            n_params=spec.n_params + sum(p.numel() for p in quantizer.parameters()),
            vocab_size=config.vocab_size,
            bits_per_token=math.log2(config.vocab_size),
            latent_channels=spec.latent_channels,
            feature_dim=spec.latent_channels,
            spatial_compression=spec.spatial_compression,
            temporal_compression=spec.temporal_compression,
            frame_convention=spec.frame_convention,
            weights=weights,
            license=f"quantizer: trained locally ({LIBRARY_LICENSE}); base {spec.name}: "
                    f"{spec.license}",
            capabilities=frozenset({"decode", "features", "bits"}),
            level_strides=spec.level_strides * config.num_levels,
            causal=spec.causal,
            window_frames=spec.window_frames,
        )

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """``(b, 3, t, h, w)`` in [-1, 1] → indices, bits and the quantized latent."""
        encoded = self.base.encode(video, texts)
        latent = encoded.latent if encoded.latent is not None else encoded.features[0]
        quantized = self.quantizer(latent.to(self.quantizer.mean.device))
        cells = sum(idx[0].numel() for idx in quantized.indices)
        bits = torch.full((video.shape[0],), self.spec.bits_per_token * cells,
                          dtype=torch.float64)
        return Encoded(features=quantized.levels, indices=quantized.indices, bits=bits,
                       num_frames=encoded.num_frames, frame_size=encoded.frame_size,
                       latent=quantized.latent)

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode ``encoded.latent``, or without it the indices, with the base decoder."""
        if encoded.latent is not None:
            latent = encoded.latent
        elif encoded.indices is not None:
            latent = self.quantizer.latent_from_indices(
                [i.to(self.quantizer.mean.device) for i in encoded.indices])
        else:
            raise ValueError("vq decodes from Encoded.latent or Encoded.indices")
        base_input = Encoded(features=[latent], indices=None, bits=None,
                             num_frames=encoded.num_frames, frame_size=encoded.frame_size)
        return self.base.decode(base_input).clamp(-1, 1)

    def weight_files(self) -> list[Path]:
        """The quantizer folder's files and the base's weights."""
        return [*super().weight_files(), *self.base.weight_files()]


def create_vq(
    quantizer: str | os.PathLike[str],
    *,
    base: str | None = None,
    base_args: dict[str, Any] | None = None,
) -> VQTokenizer:
    """The ``vq`` tokenizer from a quantizer folder written by ``benchmarks.train_vq``.

    Args:
        quantizer: the folder (``config.json`` + ``model.safetensors``; ``~`` expanded).
        base: the base tokenizer's registry name (default: the one it was trained on; any
            other is refused).
        base_args: the base's arguments, a mapping (``--tokenizer-arg 'base_args={path:
            ~/wan2.1}'``); default: those it was trained with.

    Raises:
        FileNotFoundError, ValueError: no quantizer there, or a base that differs from the
            one it was trained on (name, latent channels, compression or weights).
    """
    model, record = load_quantizer(quantizer)
    name = record.base.name if base is None else base
    if name != record.base.name:
        raise ValueError(f"vq: quantizer {record.path} was trained on base "
                         f"{record.base.name!r}, not {name!r}; train one for this base "
                         f"(python -m benchmarks.train_vq --base {name} ...)")
    args = dict(record.base.args if base_args is None else base_args)
    tokenizer = _create_base(name, args)
    given = BaseRecord.of(name, args, tokenizer)
    problem = record.base.mismatch(given)
    if problem:
        raise ValueError(f"vq: quantizer {record.path} does not fit base {name!r}: it has "
                         f"{problem}; train one for this base (python -m benchmarks.train_vq "
                         f"--base {name} ...)")
    return VQTokenizer(tokenizer, model, weights=str(record.path))


def _create_base(name: str, args: dict[str, Any]) -> VideoTokenizer:
    try:
        factory = TOKENIZERS.get(name)
    except RegistryError as err:
        raise ValueError(f"vq: base: {err}") from err
    problem = check_arguments(name, factory, args)
    if problem:
        raise ValueError(f"vq: base_args: {problem} (pass them as base_args={{key: value}})")
    tokenizer = factory(**args)
    check_base(name, tokenizer)
    return tokenizer
