"""The pretrained diffusers video VAEs, one table row each: class, latent grid, quirks.

Registry name → diffusers class (the row's sources):

- ``wan2.1`` / ``wan2.2`` → ``AutoencoderKLWan`` (Wan: Open and Advanced Large-Scale Video
  Generative Models, 2025). 2.1: 16 channels, 8× spatial; 2.2: 48 channels, 16× spatial
  through ``patch_size`` 2. Both 4× causal temporal.
- ``cogvideox`` → ``AutoencoderKLCogVideoX`` (CogVideoX, Yang et al. 2024): 8× / 4× causal;
  its decoder reads latent steps in pairs after the first, so clips are ``8k + 1`` frames.
- ``mochi`` → ``AutoencoderKLMochi`` (Mochi 1, Genmo 2024): 8× / 6× causal.
- ``svd`` → ``AutoencoderKLTemporalDecoder`` (Stable Video Diffusion, Blattmann et al.
  2023): a per-frame image encoder and a temporal decoder; no temporal compression.

Every number of the latent grid is read from the loaded model's config (the keys its
diffusers class writes with ``save_pretrained``), never assumed. No family's
``scaling_factor`` / ``latents_mean`` normalisation is applied: the adapter hands out the raw
latent the decoder takes back.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from benchmarks.tokenizers.base import FrameConvention

Config = Any  # a diffusers model's ``config`` (a FrozenDict with attribute access)


@dataclass(frozen=True)
class Geometry:
    """Latent layout of a loaded VAE, read from its config.

    Attributes:
        latent_channels: channels of the latent.
        spatial_compression: pixels per latent cell along ``h`` and ``w``.
        temporal_compression: frames per latent step.
        frame_multiple: clips are padded to ``k * frame_multiple + 1`` frames (causal) before
            encoding; ``1`` for per-frame models.
    """

    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    frame_multiple: int


@dataclass(frozen=True, kw_only=True)
class VAEFamily:
    """One registry entry: which diffusers class, how its config gives the grid, its licence.

    Attributes:
        name: registry name.
        title: what the factory's docstring calls the model.
        class_name: the diffusers class, and the ``_class_name`` its folder's config holds.
        license: licence of the released weights.
        channels_key: config key of the latent channels.
        spatial: config → pixels per latent cell along ``h`` and ``w``.
        temporal: config → frames per latent step.
        frame_convention: ``"causal"``: clips of ``k * frame_multiple + 1`` frames; ``"any"``.
        decode_group: ``(attribute, default)`` of a model whose decoder reads latent steps in
            groups of that many after the first (CogVideoX's
            ``num_latent_frames_batch_size``): clips are padded to whole groups. ``None``: 1.
        per_frame: a 2-D encoder (frames folded into the batch) and a temporal decoder told
            ``num_frames`` (SVD).
    """

    name: str
    title: str
    class_name: str
    license: str
    channels_key: str
    spatial: Callable[[Config], int]
    temporal: Callable[[Config], int]
    frame_convention: FrameConvention = "causal"
    decode_group: tuple[str, int] | None = None
    per_frame: bool = False

    def geometry(self, vae: nn.Module) -> Geometry:
        """The latent layout of ``vae``, a loaded model of this family."""
        cfg = vae.config
        temporal = self.temporal(cfg)
        group = 1 if self.decode_group is None else int(getattr(vae, *self.decode_group))
        return Geometry(
            latent_channels=int(getattr(cfg, self.channels_key)),
            spatial_compression=self.spatial(cfg),
            temporal_compression=temporal,
            frame_multiple=temporal * group,
        )


# config readers -----------------------------------------------------------------------------


def _halvings(count: int) -> int:
    """Compression of ``count`` 2× down-sampling stages."""
    return 2**count


def _wan_spatial(cfg: Config) -> int:
    # one 2x stage between consecutive dim_mult entries, then Wan 2.2's patchify
    return (cfg.patch_size or 1) * _halvings(len(cfg.dim_mult) - 1)


def _wan_temporal(cfg: Config) -> int:
    return _halvings(sum(bool(d) for d in cfg.temperal_downsample))  # diffusers' spelling


def _down_blocks_spatial(cfg: Config) -> int:
    # every down block but the last halves h and w (CogVideoX, SVD)
    return _halvings(len(cfg.block_out_channels) - 1)


# the table ----------------------------------------------------------------------------------
# (rows of one dataclass, alike in shape by design: `duplicates` pairs WAN21 with MOCHI)

WAN21 = VAEFamily(
    name="wan2.1",
    title="Wan 2.1",
    class_name="AutoencoderKLWan",
    license="Apache-2.0 (Wan2.1 VAE, Wan-AI)",
    channels_key="z_dim",
    spatial=_wan_spatial,
    temporal=_wan_temporal,
)
WAN22 = dataclasses.replace(
    WAN21,
    name="wan2.2",
    title="Wan 2.2 (officially 48 channels, 16× spatial)",
    license="Apache-2.0 (Wan2.2 VAE, Wan-AI)",
)
COGVIDEOX = VAEFamily(
    name="cogvideox",
    title="CogVideoX",
    class_name="AutoencoderKLCogVideoX",
    license=(
        "Apache-2.0 (VAE of the CogVideoX-2B release; the CogVideoX-5B transformer is under "
        "the CogVideoX License)"
    ),
    channels_key="latent_channels",
    spatial=_down_blocks_spatial,
    temporal=lambda cfg: int(cfg.temporal_compression_ratio),
    # the decoder takes latent steps in pairs after the first: 1 + 2k steps, 8k + 1 frames
    decode_group=("num_latent_frames_batch_size", 2),
)
MOCHI = VAEFamily(
    name="mochi",
    title="Mochi 1",
    class_name="AutoencoderKLMochi",
    license="Apache-2.0 (Mochi 1 preview, Genmo)",
    channels_key="latent_channels",
    spatial=lambda cfg: math.prod(cfg.spatial_expansions),
    temporal=lambda cfg: math.prod(cfg.temporal_expansions),
)
SVD = VAEFamily(
    name="svd",
    title="Stable Video Diffusion (per-frame encoder, temporal decoder)",
    class_name="AutoencoderKLTemporalDecoder",
    license=(
        "stable-video-diffusion-community (Stability AI Community License; first released "
        "under the non-commercial stable-video-diffusion-nc-community licence)"
    ),
    channels_key="latent_channels",
    spatial=_down_blocks_spatial,
    temporal=lambda cfg: 1,
    frame_convention="any",
    per_frame=True,
)

VAE_FAMILIES: dict[str, VAEFamily] = {f.name: f for f in (WAN21, WAN22, COGVIDEOX, MOCHI, SVD)}
