"""Tokenizer adapters, registered lazily so that start-up imports nothing heavy.

A registry entry is a factory ``(**kwargs) -> VideoTokenizer``. Third-party packages add
their own through the ``benchmarks.tokenizers`` entry-point group.
"""

from __future__ import annotations

from typing import Any

from benchmarks.registry import Registry

TOKENIZERS: Registry = Registry("tokenizer", entry_point_group="benchmarks.tokenizers")

# one lazy entry a line: a table (alike in shape to the readers' one in benchmarks/datasets,
# which `duplicates` pairs with it), not repeated logic. `about` is what `list` shows:
# kind, latent channels, spatial × temporal compression, clip lengths (the released
# weights' values; a loaded model's spec reads them from its own config).
_ADD = TOKENIZERS.add_lazy
_ADD("identity", "benchmarks.tokenizers.identity:create_identity",
     about="reference: pixels as the latent, 3 ch, 1x · 1x, any length")
_ADD("avgpool", "benchmarks.tokenizers.avgpool:create_avgpool",
     about="reference: average pooling, 3 ch, factor x (4) · temporal x (1), any length")
_ADD("wan2.1", "benchmarks.tokenizers.diffusers_vae:create_wan21",
     about="continuous VAE, 16 ch, 8x · 4x causal, 4k+1 frames")
_ADD("wan2.2", "benchmarks.tokenizers.diffusers_vae:create_wan22",
     about="continuous VAE, 48 ch, 16x · 4x causal, 4k+1 frames")
_ADD("cogvideox", "benchmarks.tokenizers.diffusers_vae:create_cogvideox",
     about="continuous VAE, 16 ch, 8x · 4x causal, 8k+1 frames")
_ADD("mochi", "benchmarks.tokenizers.diffusers_vae:create_mochi",
     about="continuous VAE, 12 ch, 8x · 6x causal, 6k+1 frames")
_ADD("svd", "benchmarks.tokenizers.diffusers_vae:create_svd",
     about="continuous VAE, 4 ch, 8x · per frame (temporal decoder), any length")
_ADD("sd-vae", "benchmarks.tokenizers.diffusers_image:create_sd_vae",
     about="continuous VAE, 4 ch (SD, SDXL) or 16 ch (SD3, FLUX.1), 8x · per frame, any length")
_ADD("dc-ae", "benchmarks.tokenizers.diffusers_image:create_dc_ae",
     about="continuous autoencoder (DC-AE), 32 ch, 32x · per frame, any length")
_ADD("vqgan", "benchmarks.tokenizers.diffusers_vqgan:create_vqgan",
     about="discrete VQ 16384 (14 bit), 4 ch, 8x (MoVQ) · per frame, any length")
_ADD("hunyuanvideo", "benchmarks.tokenizers.diffusers_vae:create_hunyuanvideo",
     about="continuous VAE, 16 ch, 8x · 4x causal, 4k+1 frames")
_ADD("hunyuanvideo1.5", "benchmarks.tokenizers.diffusers_vae:create_hunyuanvideo15",
     about="continuous VAE, 32 ch, 16x · 4x causal, 4k+1 frames")
_ADD("ltx-video", "benchmarks.tokenizers.diffusers_vae:create_ltx_video",
     about="continuous VAE, 128 ch, 32x · 8x causal, 8k+1 frames")
_ADD("cosmos-cv", "benchmarks.tokenizers.diffusers_vae:create_cosmos_cv",
     about="continuous AE (deterministic), 16 ch, 8x · 8x causal, 8k+1 frames (CV8x8x8)")
_ADD("easyanimate", "benchmarks.tokenizers.diffusers_vae:create_easyanimate",
     about="continuous VAE (AutoencoderKLMagvit), 16 ch, 8x · 4x causal, 4k+1 frames")
_ADD("kvae-video", "benchmarks.tokenizers.diffusers_vae:create_kvae_video",
     about="continuous VAE (deterministic), 16 ch, 8x · 4x causal, 4k+1 frames")
_ADD("qwen-image", "benchmarks.tokenizers.diffusers_vae:create_qwen_image",
     about="continuous VAE (image VAE, Wan 2.1 layout), 16 ch, 8x · 4x causal, 4k+1 frames")
_ADD("vidtok", "benchmarks.tokenizers.vidtok:create_vidtok",
     about="discrete FSQ 2^18 (18 bit), 6 ch, 8x · 4x causal, 4k+1 frames "
           "(a config's own: 8^z codes; non-causal: 16-frame blocks)")
_ADD("vidtok-kl", "benchmarks.tokenizers.vidtok:create_vidtok_kl",
     about="continuous VAE, 4 ch, 8x · 4x causal, 4k+1 frames (non-causal: 16-frame blocks)")
_ADD("pyratok", "benchmarks.tokenizers.pyratok:create_pyratok",
     about="discrete LFQ 2^16 (16 bit), 4 levels, 4x · 2x finest, any length, text-aligned")
_ADD("pyratok-release", "benchmarks.tokenizers.pyratok_release:create_pyratok_release",
     about="discrete LFQ 2^16 (16 bit), 16 ch, 8x · 4x causal, 17-frame windows")
# optional extra: pip install 'pyratok[magvit]' plus the --no-deps packages (README)
_ADD("open-magvit2", "benchmarks.tokenizers.open_magvit2:create_open_magvit2",
     about="discrete LFQ 2^18 (18 bit), 18 ch, 16x · per frame (image LFQ-GAN), any length")
_ADD("open-magvit2-video", "benchmarks.tokenizers.open_magvit2:create_open_magvit2_video",
     about="discrete LFQ 2^18 (18 bit), 18 ch, 8x · 4x causal, 4k+1 frames")
_ADD("magvit2", "benchmarks.tokenizers.magvit2:create_magvit2",
     about="discrete LFQ/FSQ (train your own), ch from its config, 2^n x · 2^m x causal, "
           "2^m k+1 frames")
_ADD("vq", "benchmarks.tokenizers.vq.adapter:create_vq",
     about="discrete FSQ / LFQ / RVQ on a continuous tokenizer's latent (train_vq), "
           "the base's ch, compression and clip lengths")
_ADD("h264", "benchmarks.tokenizers.codecs.pyav_codecs:create_h264",
     about="codec (x264), bits = stream size, any length")
_ADD("hevc", "benchmarks.tokenizers.codecs.pyav_codecs:create_hevc",
     about="codec (x265), bits = stream size, any length")
_ADD("vvc", "benchmarks.tokenizers.codecs.vvc:create_vvc",
     about="codec (VVenC), bits = stream size, any length")

__all__ = ["TOKENIZERS", "Encoded", "TokenizerSpec", "VideoTokenizer"]


def __getattr__(name: str) -> Any:  # the interface imports torch: only on use
    if name in ("Encoded", "TokenizerSpec", "VideoTokenizer"):
        from benchmarks.tokenizers import base

        return getattr(base, name)
    raise AttributeError(name)
