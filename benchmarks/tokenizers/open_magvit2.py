"""``open-magvit2`` / ``open-magvit2-video``: TencentARC's Open-MAGVIT2 LFQ tokenizers.

Paper: Luo et al., "Open-MAGVIT2: An Open-Source Project Toward Democratizing
Auto-regressive Visual Generation" (arXiv:2409.04410), a reproduction of MAGVIT-v2's
lookup-free quantizer (Yu et al., "Language Model Beats Diffusion — Tokenizer is Key to
Visual Generation", ICLR 2024). Code: SEED-Voken, Apache-2.0.

- ``open-magvit2``: the image LFQ-GAN (PyPI ``open-magvit2`` 1.1) applied to every frame
  (``frame_convention="any"``): released with 2^18 codes (18 bits), 16× spatial
  (``ch_mult [1, 1, 2, 2, 4]``).
- ``open-magvit2-video``: the causal video LFQ-GAN (``OpenImageTokenizer`` 0.1.5,
  ``video_lfqgan.VQModel``): released with 2^18 codes, ``ch_mult [1, 2, 2, 4]`` → 8×
  spatial, 4× temporal on ``4k + 1`` frames.

Weights are a Lightning ``.ckpt`` and its LightningCLI YAML config, both from a local path
(``benchmarks.tokenizers.open_magvit2_model`` builds and loads them). The released weights
are on the Hugging Face hub only (TencentARC/Open-MAGVIT2-Tokenizer-…); download them
elsewhere and pass ``path=`` and ``config=``.

``Encoded``: ``features[0]`` is the quantized latent ``(b, bits, t', h', w')`` (values ±1,
what the decoder reads); ``indices[0]`` the LFQ indices ``(b, t', h', w')`` in
``[0, 2^bits)`` (bit ``i`` of an index is the sign of channel ``i``); ``bits`` is
``bits × t'h'w'`` per clip, over the padded grid (every stored token). Clips are padded by
edge replication to whole latent cells and (video) to ``4k + 1`` frames; ``decode`` crops
back. Decoding from ``indices`` alone gives the same video as decoding from ``features``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from einops import rearrange
from torch import Tensor, nn

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.open_magvit2_model import (
    IMAGE,
    VIDEO,
    Geometry,
    Variant,
    build_model,
    ensure_installed,
    geometry,
    load_checkpoint,
    read_init_args,
)
from benchmarks.tokenizers.padding import crop_video, pad_video, padded_num_frames

LICENSE = "Apache-2.0 (SEED-Voken code); released weights: see TencentARC's model card"


class OpenMagvit2Tokenizer(VideoTokenizer):
    """An Open-MAGVIT2 ``VQModel`` (image per frame, or causal video) as a tokenizer.

    Args:
        model: the loaded library ``VQModel`` (``encode`` → ``(quant, loss, indices, …)``,
            ``decode(quant)``, ``quantize.indices_to_bits``).
        variant: ``IMAGE`` or ``VIDEO``.
        geometry: its latent grid (``open_magvit2_model.geometry``).
        weights: the checkpoint path.
        config: the YAML config path.
    """

    def __init__(
        self, model: nn.Module, *, variant: Variant, geometry: Geometry, weights: str,
        config: str,
    ) -> None:
        super().__init__()
        self.model = model
        self.variant = variant
        self.geometry = geometry
        self.config_path = config
        bits = geometry.bits
        self.spec = TokenizerSpec(
            name=variant.name,
            n_params=sum(p.numel() for p in model.parameters()),
            vocab_size=2**bits,
            bits_per_token=float(bits),
            latent_channels=bits,
            feature_dim=bits,
            spatial_compression=geometry.spatial,
            temporal_compression=geometry.temporal,
            frame_convention="any" if variant.per_frame else "causal",
            weights=weights,
            license=LICENSE,
            capabilities=frozenset({"decode", "features", "bits"}),
        )

    def weight_files(self) -> list[Path]:
        return [Path(self.spec.weights), Path(self.config_path)]

    # per frame or whole clip ----------------------------------------------------------------

    def _encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(b, 3, t, h, w)`` → quantized ``(b, bits, t', h', w')``, indices
        ``(b, t', h', w')``."""
        b = x.shape[0]
        if self.variant.per_frame:
            frames = rearrange(x, "b c t h w -> (b t) c h w")
            quant, _, indices, _ = self.model.encode(frames)  # indices flat over (b t) h' w'
            quant = rearrange(quant, "(b t) d h w -> b d t h w", b=b)
        else:
            quant, _, indices, _ = self.model.encode(x)  # indices flat over b t' h' w'
        return quant.float(), indices.reshape(b, *quant.shape[2:]).long()

    def _decode(self, quant: Tensor) -> Tensor:
        """``(b, bits, t', h', w')`` → ``(b, 3, t, h, w)`` (uncropped)."""
        if self.variant.per_frame:
            frames = self.model.decode(rearrange(quant, "b d t h w -> (b t) d h w"))
            return rearrange(frames, "(b t) c h w -> b c t h w", b=quant.shape[0])
        return self.model.decode(quant)

    def codes_from_indices(self, indices: Tensor) -> Tensor:
        """``(b, t', h', w')`` indices → the ±1 latent ``(b, bits, t', h', w')``, by the
        library's own bit order (``quantize.indices_to_bits``)."""
        bits = self.model.quantize.indices_to_bits(indices.to(self.device).long())
        return rearrange(bits.float() * 2 - 1, "b t h w d -> b d t h w")

    # interface -----------------------------------------------------------------------------

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1]; ``texts`` are ignored."""
        check_video(video)
        b, _, t, h, w = video.shape
        g = self.geometry
        frames_to = padded_num_frames(t, convention=self.spec.frame_convention,
                                      multiple=g.temporal)
        x = pad_video(video, spatial_multiple=g.spatial, frames_to=frames_to)
        quant, indices = self._encode(x.to(device=self.device, dtype=torch.float32))
        tokens = indices[0].numel()
        bits = torch.full((b,), tokens * self.spec.bits_per_token, dtype=torch.float64)
        return Encoded(features=[quant], indices=[indices], bits=bits, num_frames=t,
                       frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode ``Encoded.latent``, else ``features[0]``, else ``indices[0]`` to
        ``(b, 3, num_frames, h, w)`` in [-1, 1]."""
        if encoded.latent is not None:
            quant = encoded.latent
        elif encoded.features:
            quant = encoded.features[0]
        elif encoded.indices:
            quant = self.codes_from_indices(encoded.indices[0])
        else:
            raise ValueError(f"{self.spec.name} decodes from Encoded.features or .indices")
        video = self._decode(quant.to(device=self.device, dtype=torch.float32))
        return crop_video(video.float(), num_frames=encoded.num_frames,
                          frame_size=encoded.frame_size)


# factories ---------------------------------------------------------------------------------------


def _create(variant: Variant, path: str | Path, config: str | Path) -> OpenMagvit2Tokenizer:
    ensure_installed(variant)
    config_file, init_args = read_init_args(config, variant=variant)
    grid = geometry(init_args, variant=variant, where=str(config_file))
    model = build_model(init_args, variant=variant, where=str(config_file))
    ckpt = load_checkpoint(model, path, variant=variant)
    return OpenMagvit2Tokenizer(model, variant=variant, geometry=grid, weights=str(ckpt),
                                config=str(config_file))


def create_open_magvit2(path: str | Path, *, config: str | Path) -> OpenMagvit2Tokenizer:
    """The Open-MAGVIT2 image tokenizer, per frame, from a local checkpoint.

    Args:
        path: the Lightning ``.ckpt`` (``~`` expanded), e.g. TencentARC's
            ``imagenet_256_L.ckpt``.
        config: its LightningCLI YAML (``model.init_args``), e.g.
            ``open_magvit2/configs/gpu/imagenet_lfqgan_256_L.yaml`` shipped in the package.
    """
    return _create(IMAGE, path, config)


def create_open_magvit2_video(path: str | Path, *, config: str | Path) -> OpenMagvit2Tokenizer:
    """The causal Open-MAGVIT2 video tokenizer from a local checkpoint.

    Args:
        path: the Lightning ``.ckpt`` (``~`` expanded).
        config: its LightningCLI YAML (``model.init_args`` of a ``video_lfqgan.VQModel``).
    """
    return _create(VIDEO, path, config)
