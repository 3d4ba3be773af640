"""VidTok (Tang et al. 2024, "VidTok: A Versatile and Open-Source Video Tokenizer",
arXiv:2412.13061, github.com/microsoft/VidTok) through diffusers' ``AutoencoderVidTok``.

Two registry entries, one per regularizer the checkpoint's ``config.json`` names:

- ``vidtok``: ``regularizer="fsq"``, the discrete tokenizer. diffusers builds
  ``FSQRegularizer(levels=[8] * z_channels)`` (Finite Scalar Quantization, Mentzer et al.
  2023): ``vocab_size`` is the config's ``codebook_size``, which must be ``8^z_channels``
  (2^18 = 262144 for the released z = 6 models), and one token index is
  ``log2(vocab_size) = 3 · z_channels`` bits. ``Encoded.indices = [(b, t', h', w') int64]``;
  the latent handed out is the FSQ code of those indices (``indices_to_latent``), so decoding
  from the indices and from the latent are the same computation.
- ``vidtok-kl``: ``regularizer="kl"``, a continuous VAE (no token ids).

Each refuses the other's checkpoints with one line naming the right entry.

Geometry, read from the config as diffusers' ``VidTokEncoder3D`` builds it: the levels in
``spatial_ds`` (default every level but the last) halve ``h`` and ``w``; those in
``tempo_ds`` (default the second- and third-last) also halve ``t``, and diffusers' own
``temporal_compression_ratio`` is ``2^len(tempo_ds)``.

Clip lengths (measured on diffusers 0.42.1):
- causal (``is_causal``): the encoder takes multiples of ``tc`` frames, and ``decode`` drops
  the first ``tc − 1`` frames it makes. A clip of ``4k + 1`` frames (``tc`` = 4) gets
  ``tc − 1`` copies of frame 0 in front: ``4k + 4`` frames → ``k + 1`` latent steps →
  ``4k + 1`` frames back, step 0 coding frame 0 alone (the causal convention).
- non-causal: the decoder keeps only whole groups of ``num_latent_frames_batch_size``
  latent steps (16 frames), so clips are padded to blocks of 16 frames (``"blocks"``).

Spatial tiling (``tile_size``) blends the tiles' FSQ codes over their overlaps and snaps the
result back to the nearest code, so the indices stay in the codebook.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from benchmarks.tokenizers.base import Encoded, check_video
from benchmarks.tokenizers.diffusers_families import Config, Geometry, VAEFamily
from benchmarks.tokenizers.diffusers_vae import DiffusersVideoVAE, vae_factory

__all__ = ["VIDTOK", "VIDTOK_KL", "VidTokFSQ", "create_vidtok", "create_vidtok_kl", "fsq_indices"]

FSQ_LEVELS = 8  # per latent channel: diffusers' AutoencoderVidTok, FSQRegularizer([8] * z)
LICENSE = "MIT (microsoft/VidTok)"


# geometry ------------------------------------------------------------------------------------


def _spatial_levels(cfg: Config) -> list[int]:
    return list(range(len(cfg.ch_mult) - 1)) if cfg.spatial_ds is None else list(cfg.spatial_ds)


def _temporal_levels(cfg: Config) -> list[int]:
    levels = len(cfg.ch_mult)
    return [levels - 2, levels - 3] if cfg.tempo_ds is None else list(cfg.tempo_ds)


@dataclass(frozen=True, kw_only=True)
class VidTokFamily(VAEFamily):
    """A VidTok entry: the regularizer its checkpoints use, and the clip rule of
    ``is_causal`` (causal: ``4k + 1`` frames with a front pad; else 16-frame blocks).

    Attributes:
        regularizer: ``"fsq"`` or ``"kl"``, what the config must say.
        other: the registry entry for the other regularizer (named in the refusal).
    """

    regularizer: str
    other: str

    def geometry(self, vae: nn.Module) -> Geometry:
        cfg = vae.config
        if cfg.regularizer != self.regularizer:
            raise ValueError(
                f"{self.name}: this VidTok checkpoint has regularizer {cfg.regularizer!r} in "
                f"its config.json; {self.name} takes {self.regularizer!r} checkpoints: use "
                f"--tokenizer {self.other}"
            )
        temporal = self.temporal(cfg)
        common = {
            "latent_channels": int(cfg.z_channels),
            "spatial_compression": self.spatial(cfg),
            "temporal_compression": temporal,
        }
        if cfg.is_causal:
            return Geometry(**common, frame_multiple=temporal, frame_convention="causal",
                            front_frames=temporal - 1)
        # the non-causal decoder drops latent steps past whole groups of this many
        group = int(vae.num_latent_frames_batch_size)
        return Geometry(**common, frame_multiple=temporal * group, frame_convention="blocks")


VIDTOK = VidTokFamily(
    name="vidtok",
    title="VidTok, discrete (FSQ)",
    class_name="AutoencoderVidTok",
    license=LICENSE,
    channels_key="z_channels",
    spatial=lambda cfg: 2 ** len(_spatial_levels(cfg)),
    temporal=lambda cfg: 2 ** len(_temporal_levels(cfg)),
    deterministic=True,  # FSQ: one code per latent cell
    regularizer="fsq",
    other="vidtok-kl",
)
VIDTOK_KL = dataclasses.replace(
    VIDTOK, name="vidtok-kl", title="VidTok, continuous (KL)", deterministic=False,
    regularizer="kl", other="vidtok",
)


# FSQ codes -----------------------------------------------------------------------------------


def fsq_indices(codes: Tensor) -> Tensor:
    """FSQ codes ``(b, z, t', h', w')`` (values ``k / 4``, ``k`` in ``-4 … 3``) → token
    indices ``(b, t', h', w')`` int64, each value snapped to the nearest code first.

    Channel 0 is the least significant base-8 digit, as in diffusers'
    ``FSQRegularizer.codes_to_indices`` (``_basis = cumprod([1] + levels[:-1])``).
    """
    half = FSQ_LEVELS // 2
    digits = (codes.float() * half).round().clamp(-half, half - 1).long() + half  # 0 … 7
    basis = FSQ_LEVELS ** torch.arange(codes.shape[1], device=codes.device)
    return (digits * basis.view(1, -1, 1, 1, 1)).sum(dim=1)


# adapter -------------------------------------------------------------------------------------


class VidTokFSQ(DiffusersVideoVAE):
    """VidTok with its FSQ regularizer: the ``DiffusersVideoVAE`` adapter plus token ids.

    ``vocab_size`` is the config's ``codebook_size`` (checked to be ``8^z_channels``, the
    codebook diffusers' FSQ really has); ``Encoded.bits`` is ``bits_per_token`` times the
    clip's index count (every latent cell the decoder needs, padded ones included).
    """

    def __init__(self, vae: nn.Module, **options) -> None:
        super().__init__(vae, **options)
        cfg = vae.config
        vocab, z = int(cfg.codebook_size), int(cfg.z_channels)
        if vocab != FSQ_LEVELS**z:
            raise ValueError(
                f"vidtok: config.json has codebook_size {vocab}, but diffusers' FSQ has "
                f"{FSQ_LEVELS} levels on each of its z_channels = {z} channels, "
                f"{FSQ_LEVELS}^{z} = {FSQ_LEVELS**z} codes"
            )
        self.spec = dataclasses.replace(
            self.spec,
            vocab_size=vocab,
            bits_per_token=math.log2(vocab),
            capabilities=self.spec.capabilities | {"bits"},
        )

    def _posterior(self, video: Tensor) -> Tensor:
        quant, _ = self.vae.encode(video)  # FSQ: (codes, indices), no distribution
        return quant

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1] to token ids and their FSQ codes."""
        check_video(video)
        b, _, t, h, w = video.shape
        codes, _ = self._encode_padded(video)
        indices = fsq_indices(codes)  # b t' h' w'
        latent = self.vae.indices_to_latent(indices).float()  # b z t' h' w'
        bits = torch.full(
            (b,), indices[0].numel() * self.spec.bits_per_token, dtype=torch.float64
        )
        return Encoded(
            features=[latent], indices=[indices], bits=bits, num_frames=t, frame_size=(h, w)
        )

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode the token ids (or, without them, the latent) to ``(b, 3, t, h, w)``."""
        if encoded.indices is None:
            return super().decode(encoded)
        if len(encoded.indices) != 1:
            raise ValueError(f"vidtok has one level of token ids, got {len(encoded.indices)}")
        indices = encoded.indices[0].to(device=self.device, dtype=torch.long)
        return self._decode_to_clip(self.vae.indices_to_latent(indices), encoded)


create_vidtok = vae_factory(VIDTOK, VidTokFSQ)
create_vidtok_kl = vae_factory(VIDTOK_KL)
