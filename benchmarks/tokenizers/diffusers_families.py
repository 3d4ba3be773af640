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
- ``hunyuanvideo`` → ``AutoencoderKLHunyuanVideo`` (HunyuanVideo, Kong et al. 2024,
  arXiv:2412.03603): 16 channels, 8× / 4× causal. Other lengths than ``4k + 1`` are floored
  by the model (frames dropped), so clips are padded to ``4k + 1``.
- ``hunyuanvideo1.5`` → ``AutoencoderKLHunyuanVideo15`` (HunyuanVideo 1.5, Tencent 2025):
  32 channels, 16× / 4× causal; other lengths than ``4k + 1`` raise inside the model, and
  so do batches of more than one clip (diffusers 0.42.1 builds its causal attention mask
  with a batch axis that does not broadcast): clips go through one at a time.
- ``ltx-video`` → ``AutoencoderKLLTXVideo`` (LTX-Video, HaCohen et al. 2024,
  arXiv:2501.00103): 128 channels, 32× / 8× causal (patch 4 then three 2× stages); other
  lengths than ``8k + 1`` are floored.
- ``cosmos-cv`` → ``AutoencoderKLCosmos`` (Cosmos World Foundation Model Platform, NVIDIA
  2025, arXiv:2501.03575): the continuous tokenizer (CV8x8x8: 16 channels, 8× / 8× causal,
  ``8k + 1``). A deterministic auto-encoder: no posterior to sample.
- ``easyanimate`` → ``AutoencoderKLMagvit`` (EasyAnimate, Xu et al. 2024,
  arXiv:2405.18991): a KL VAE (not MAGVIT-v2's LFQ), 16 channels, 8× / 4× causal. A length
  off ``4k + 1`` raises inside the model and leaves its convolution caches filled, so that
  every later call fails: the adapter never passes one.
- ``kvae-video`` → ``AutoencoderKLKVAEVideo`` (KVAE, Kandinsky lab,
  github.com/kandinskylab/kvae-1): 16 channels, 8× / 4× causal ``4k + 1``. diffusers'
  encoder returns the mean with a log-variance of 0: there is no posterior to sample.
- ``qwen-image`` → ``AutoencoderKLQwenImage`` (Qwen-Image, Qwen team 2025,
  arXiv:2508.02324): an image VAE on Wan 2.1's causal video layout, 16 channels, 8× / 4×.

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
        frame_multiple: clips are padded to ``k * frame_multiple + 1`` frames (causal) or
            to whole blocks of ``frame_multiple`` frames before encoding; ``1`` for per-frame
            models.
        frame_convention: the clip lengths the model takes (``TokenizerSpec``'s meaning).
        front_frames: copies of frame 0 put before a clip, which the model's decoder drops
            again (VidTok's causal models: ``temporal_compression - 1``).
    """

    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    frame_multiple: int
    frame_convention: FrameConvention = "causal"
    front_frames: int = 0

    def latent_grid(self, num_frames: int, height: int, width: int) -> tuple[int, int, int]:
        """``(t', h', w')`` of a clip already padded to a valid size (front frames not
        counted): what the model must give, checked after every encode."""
        s, tc = self.spatial_compression, self.temporal_compression
        causal = self.frame_convention == "causal"
        steps = (num_frames - 1) // tc + 1 if causal else num_frames // tc
        return steps, height // s, width // s


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
        deterministic: the encoder gives a latent but no posterior variance (Cosmos, KVAE):
            ``sample=true`` is refused.
        one_clip_at_a_time: the model fails on batches of more than one clip (diffusers'
            slicing, ``enable_slicing``, then runs it clip by clip).
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
    deterministic: bool = False
    one_clip_at_a_time: bool = False

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
            frame_convention=self.frame_convention,
        )


# config readers -----------------------------------------------------------------------------


def _halvings(count: int) -> int:
    """Compression of ``count`` 2× down-sampling stages."""
    return 2**count


def _wan_spatial(cfg: Config) -> int:
    # one 2x stage between consecutive dim_mult entries, then Wan 2.2's patchify (Qwen-Image's
    # config has no patch_size)
    return (cfg.get("patch_size") or 1) * _halvings(len(cfg.dim_mult) - 1)


def _wan_temporal(cfg: Config) -> int:
    return _halvings(sum(bool(d) for d in cfg.temperal_downsample))  # diffusers' spelling


def _down_blocks_spatial(cfg: Config) -> int:
    # every down block but the last halves h and w (CogVideoX, SVD, EasyAnimate)
    return _halvings(len(cfg.block_out_channels) - 1)


def _ratio(key: str) -> Callable[[Config], int]:
    """The config key that holds a compression itself (HunyuanVideo, Cosmos)."""
    return lambda cfg: int(cfg[key])


def _ltx_compression(key: str, patch_key: str) -> Callable[[Config], int]:
    # diffusers' AutoencoderKLLTXVideo.__init__: the config's ratio when set (LTX-Video
    # 0.9.5+ configs write it), else the patch times one 2x per spatio-temporal stage
    def read(cfg: Config) -> int:
        if cfg.get(key) is not None:
            return int(cfg[key])
        return int(cfg[patch_key]) * _halvings(sum(bool(s) for s in cfg.spatio_temporal_scaling))

    return read


def _easyanimate_temporal(cfg: Config) -> int:
    # EasyAnimateEncoder: every block but the last downsamples; the SpatialTemporal ones in time
    stages = cfg.down_block_types[: len(cfg.block_out_channels) - 1]
    return _halvings(sum(t == "SpatialTemporalDownBlock3D" for t in stages))


def _kvae_spatial(cfg: Config) -> int:
    # KVAECachedEncoder3D: every level but the last downsamples h and w
    return _halvings(len(cfg.ch_mult) - 1)


def _kvae_temporal(cfg: Config) -> int:
    # the first log2(temporal_compress_times) levels also halve t; a config asking more
    # than the levels give would decode with the wrong latent chunks (diffusers' _decode)
    times, levels = int(cfg.temporal_compress_times), len(cfg.ch_mult) - 1
    if times < 1 or times & (times - 1) or times > _halvings(levels):
        raise ValueError(
            f"KVAE config: temporal_compress_times {times} must be a power of 2 of at most "
            f"2^(len(ch_mult) - 1) = {_halvings(levels)} (ch_mult {list(cfg.ch_mult)})"
        )
    return times


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

HUNYUANVIDEO = VAEFamily(
    name="hunyuanvideo",
    title="HunyuanVideo",
    class_name="AutoencoderKLHunyuanVideo",
    license="Tencent Hunyuan Community License (HunyuanVideo; see the model card)",
    channels_key="latent_channels",
    spatial=_ratio("spatial_compression_ratio"),
    temporal=_ratio("temporal_compression_ratio"),
)
HUNYUANVIDEO15 = VAEFamily(
    name="hunyuanvideo1.5",
    title="HunyuanVideo 1.5",
    class_name="AutoencoderKLHunyuanVideo15",
    license="Tencent Hunyuan Community License (HunyuanVideo-1.5; see the model card)",
    channels_key="latent_channels",
    spatial=_ratio("spatial_compression_ratio"),
    temporal=_ratio("temporal_compression_ratio"),
    one_clip_at_a_time=True,
)
LTX_VIDEO = VAEFamily(
    name="ltx-video",
    title="LTX-Video",
    class_name="AutoencoderKLLTXVideo",
    license=(
        "Lightricks LTX-Video licence: OpenRAIL-M for the 2B v0.9 / v0.9.1 weights, the LTXV "
        "Open Weights License for later releases (see the model card)"
    ),
    channels_key="latent_channels",
    spatial=_ltx_compression("spatial_compression_ratio", "patch_size"),
    temporal=_ltx_compression("temporal_compression_ratio", "patch_size_t"),
)
COSMOS_CV = VAEFamily(
    name="cosmos-cv",
    title="Cosmos continuous tokenizer (CV)",
    class_name="AutoencoderKLCosmos",
    license="NVIDIA Open Model License (Cosmos tokenizers)",
    channels_key="latent_channels",
    spatial=_ratio("spatial_compression_ratio"),
    temporal=_ratio("temporal_compression_ratio"),
    deterministic=True,
)
EASYANIMATE = VAEFamily(
    name="easyanimate",
    title="EasyAnimate (AutoencoderKLMagvit)",
    class_name="AutoencoderKLMagvit",
    license="Apache-2.0 (EasyAnimate, Alibaba PAI; see the model card)",
    channels_key="latent_channels",
    spatial=_down_blocks_spatial,
    temporal=_easyanimate_temporal,
)
KVAE_VIDEO = VAEFamily(
    name="kvae-video",
    title="KVAE video (Kandinsky lab)",
    class_name="AutoencoderKLKVAEVideo",
    license="see the model card (kandinskylab/kvae-1)",
    channels_key="z_channels",
    spatial=_kvae_spatial,
    temporal=_kvae_temporal,
    deterministic=True,
)
QWEN_IMAGE = VAEFamily(
    name="qwen-image",
    title="Qwen-Image (image VAE on the Wan 2.1 video layout)",
    class_name="AutoencoderKLQwenImage",
    license="Apache-2.0 (Qwen-Image, Qwen team)",
    channels_key="z_dim",
    spatial=_wan_spatial,
    temporal=_wan_temporal,
)

VAE_FAMILIES: dict[str, VAEFamily] = {
    f.name: f
    for f in (
        WAN21, WAN22, COGVIDEOX, MOCHI, SVD, HUNYUANVIDEO, HUNYUANVIDEO15, LTX_VIDEO, COSMOS_CV,
        EASYANIMATE, KVAE_VIDEO, QWEN_IMAGE,
    )
}
