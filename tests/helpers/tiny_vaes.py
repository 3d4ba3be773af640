"""Tiny random diffusers video VAEs, saved as local folders for adapter tests.

Each ``tiny_*`` builds a model with a fixed seed (same seed → same weights); each
``save_tiny_*`` writes it with ``save_pretrained`` (``config.json`` +
``diffusion_pytorch_model.safetensors``) and returns the folder. All encode and decode a
``(1, 3, 9, 16, 16)`` clip on CPU in well under a second.

Clip sizes each model takes (``t`` frames at ``h × w``, ``h``, ``w`` multiples of the
spatial compression): Wan 2.1-style ``4k + 1`` at 8×; Wan 2.2-style ``4k + 1`` at 16×;
CogVideoX ``8k + 1`` at 8×; Mochi ``6k + 1`` at 8×; SVD any ``t`` at 2×; HunyuanVideo
``4k + 1`` at 8×; HunyuanVideo 1.5 ``4k + 1`` at 16×; LTX-Video ``8k + 1`` at 32×; Cosmos
``8k + 1`` at 8×; EasyAnimate ``4k + 1`` at 8×; KVAE ``4k + 1`` at 4×; Qwen-Image ``4k + 1``
at 8×; VidTok (causal) ``4k + 1`` at 8× after a 3-frame front pad, (non-causal) 16-frame
blocks at 8×.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

RELEASE_CLASS_NAME = "AutoencoderKLPyraTok"
RELEASE_EXTRA_KEYS = ("lapq_codebook", "lapq_level_scales")


def tiny_wan(*, z_dim: int = 16, seed: int = 0):
    """Wan 2.1 layout: 8× spatial, 4× causal temporal, ``z_dim`` latent channels."""
    from diffusers import AutoencoderKLWan

    # z_dim 16 keeps diffusers' (Wan 2.1) latents_mean / latents_std, so a test can tell
    # whether an adapter wrongly normalises the latent
    stats = {} if z_dim == 16 else {"latents_mean": [0.0] * z_dim, "latents_std": [1.0] * z_dim}
    torch.manual_seed(seed)
    return AutoencoderKLWan(
        base_dim=3,
        z_dim=z_dim,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
        **stats,
    ).eval()


def tiny_wan22(*, seed: int = 0):
    """Wan 2.2 layout: 48 channels, ``patch_size`` 2 (16× spatial), residual blocks."""
    from diffusers import AutoencoderKLWan

    torch.manual_seed(seed)
    return AutoencoderKLWan(
        base_dim=4,
        decoder_base_dim=6,
        z_dim=48,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
        is_residual=True,
        patch_size=2,
        in_channels=12,
        out_channels=12,
        scale_factor_spatial=16,
        latents_mean=[0.0] * 48,
        latents_std=[1.0] * 48,
    ).eval()


def tiny_cogvideox(*, seed: int = 0):
    """CogVideoX: 4 latent channels, 8× spatial, 4× causal temporal."""
    from diffusers import AutoencoderKLCogVideoX

    torch.manual_seed(seed)
    return AutoencoderKLCogVideoX(
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
    ).eval()


def tiny_mochi(*, seed: int = 0):
    """Mochi: 4 latent channels, 8× spatial, 6× causal temporal."""
    from diffusers import AutoencoderKLMochi

    torch.manual_seed(seed)
    return AutoencoderKLMochi(
        latent_channels=4,
        encoder_block_out_channels=(32,) * 4,
        decoder_block_out_channels=(32,) * 4,
        layers_per_block=(1,) * 5,
        latents_mean=(0.0,) * 4,
        latents_std=(1.0,) * 4,
    ).eval()


def tiny_svd(*, seed: int = 0):
    """SVD temporal-decoder VAE: 4 latent channels, 2× spatial, per-frame encoder."""
    from diffusers import AutoencoderKLTemporalDecoder

    torch.manual_seed(seed)
    return AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 64],
        down_block_types=["DownEncoderBlock2D"] * 2,
        latent_channels=4,
        layers_per_block=2,
    ).eval()


def tiny_hunyuanvideo(*, seed: int = 0):
    """HunyuanVideo: 4 latent channels, 8× spatial, 4× causal temporal (71k parameters)."""
    from diffusers import AutoencoderKLHunyuanVideo

    torch.manual_seed(seed)
    return AutoencoderKLHunyuanVideo(
        latent_channels=4, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
        norm_num_groups=4, spatial_compression_ratio=8, temporal_compression_ratio=4,
    ).eval()


def tiny_hunyuanvideo15(*, seed: int = 0):
    """HunyuanVideo 1.5: 4 latent channels, 16× spatial, 4× causal temporal."""
    from diffusers import AutoencoderKLHunyuanVideo15

    torch.manual_seed(seed)
    return AutoencoderKLHunyuanVideo15(
        latent_channels=4, block_out_channels=(8,) * 5, layers_per_block=1,
        spatial_compression_ratio=16, temporal_compression_ratio=4,
    ).eval()


def tiny_ltx_video(*, seed: int = 0):
    """LTX-Video: 8 latent channels, 32× spatial (patch 4, three 2× stages), 8× causal
    temporal; the compression ratios are left out of the config, as in LTX-Video 0.9.1."""
    from diffusers import AutoencoderKLLTXVideo

    torch.manual_seed(seed)
    return AutoencoderKLLTXVideo(
        latent_channels=8, block_out_channels=(8,) * 4, decoder_block_out_channels=(8,) * 4,
        layers_per_block=(1,) * 5, decoder_layers_per_block=(1,) * 5,
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
        upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=4, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    ).eval()


def tiny_cosmos_cv(*, seed: int = 0):
    """Cosmos CV8x8x8 layout: 4 latent channels, 8× spatial, 8× causal temporal."""
    from diffusers import AutoencoderKLCosmos

    torch.manual_seed(seed)
    return AutoencoderKLCosmos(
        latent_channels=4, encoder_block_out_channels=(8,) * 4,
        decode_block_out_channels=(8,) * 4, attention_resolutions=(8,), resolution=64,
        num_layers=1, patch_size=4, patch_type="haar", spatial_compression_ratio=8,
        temporal_compression_ratio=8, latents_mean=[0.0] * 4, latents_std=[1.0] * 4,
    ).eval()


def tiny_easyanimate(*, seed: int = 0):
    """EasyAnimate (``AutoencoderKLMagvit``): 4 latent channels, 8× spatial, 4× causal."""
    from diffusers import AutoencoderKLMagvit

    torch.manual_seed(seed)
    return AutoencoderKLMagvit(
        latent_channels=4, block_out_channels=[8, 8, 8, 8], layers_per_block=1,
        norm_num_groups=8, spatial_group_norm=True,
    ).eval()


def tiny_kvae_video(*, seed: int = 0):
    """KVAE video: 4 latent channels, 4× spatial, 4× causal temporal (its GroupNorm has 32
    groups, so 32 channels is the narrowest it builds)."""
    from diffusers import AutoencoderKLKVAEVideo

    torch.manual_seed(seed)
    return AutoencoderKLKVAEVideo(
        ch=32, ch_mult=(1, 1, 1), num_res_blocks=1, z_channels=4, temporal_compress_times=4
    ).eval()


def tiny_qwen_image(*, seed: int = 0):
    """Qwen-Image VAE (Wan 2.1 layout): 4 latent channels, 8× spatial, 4× causal."""
    from diffusers import AutoencoderKLQwenImage

    torch.manual_seed(seed)
    return AutoencoderKLQwenImage(
        base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True], latents_mean=[0.0] * 4, latents_std=[1.0] * 4,
    ).eval()


def tiny_vidtok(*, regularizer: str = "fsq", is_causal: bool = True, seed: int = 0):
    """VidTok: 4 latent channels, 8× spatial, 4× temporal; ``"fsq"``: 8^4 = 4096 codes."""
    from diffusers import AutoencoderVidTok

    torch.manual_seed(seed)
    return AutoencoderVidTok(
        ch=8, ch_mult=[1, 2, 2, 2], z_channels=4, double_z=regularizer == "kl",
        num_res_blocks=1, regularizer=regularizer, codebook_size=4096, is_causal=is_causal,
    ).eval()


def _save(model, path: Path) -> Path:
    path = Path(path)
    model.save_pretrained(str(path), safe_serialization=True)
    return path


def save_tiny_wan(path: Path, z_dim: int = 16, *, seed: int = 0) -> Path:
    """``tiny_wan(z_dim=z_dim)`` saved to ``path``; returns ``path``."""
    return _save(tiny_wan(z_dim=z_dim, seed=seed), path)


def save_tiny_wan22(path: Path, *, seed: int = 0) -> Path:
    """``tiny_wan22()`` saved to ``path``; returns ``path``."""
    return _save(tiny_wan22(seed=seed), path)


def save_tiny_cogvideox(path: Path, *, seed: int = 0) -> Path:
    """``tiny_cogvideox()`` saved to ``path``; returns ``path``."""
    return _save(tiny_cogvideox(seed=seed), path)


def save_tiny_mochi(path: Path, *, seed: int = 0) -> Path:
    """``tiny_mochi()`` saved to ``path``; returns ``path``."""
    return _save(tiny_mochi(seed=seed), path)


def save_tiny_svd(path: Path, *, seed: int = 0) -> Path:
    """``tiny_svd()`` saved to ``path``; returns ``path``."""
    return _save(tiny_svd(seed=seed), path)


def save_tiny_hunyuanvideo(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_hunyuanvideo(seed=seed), path)


def save_tiny_hunyuanvideo15(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_hunyuanvideo15(seed=seed), path)


def save_tiny_ltx_video(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_ltx_video(seed=seed), path)


def save_tiny_cosmos_cv(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_cosmos_cv(seed=seed), path)


def save_tiny_easyanimate(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_easyanimate(seed=seed), path)


def save_tiny_kvae_video(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_kvae_video(seed=seed), path)


def save_tiny_qwen_image(path: Path, *, seed: int = 0) -> Path:
    return _save(tiny_qwen_image(seed=seed), path)


def save_tiny_vidtok(
    path: Path, *, regularizer: str = "fsq", is_causal: bool = True, seed: int = 0
) -> Path:
    """``tiny_vidtok(...)`` saved to ``path``; returns ``path``."""
    return _save(tiny_vidtok(regularizer=regularizer, is_causal=is_causal, seed=seed), path)


def save_tiny_release(path: Path, *, seed: int = 0) -> Path:
    """A folder in the released PyraTok layout, built from ``tiny_wan(z_dim=16, seed=seed)``.

    ``config.json`` gets ``_class_name`` ``AutoencoderKLPyraTok`` and the safetensors file
    two extra ``lapq_*`` tensors, as in the official release.
    """
    from safetensors.torch import load_file, save_file

    path = _save(tiny_wan(z_dim=16, seed=seed), path)
    config_path = path / "config.json"
    config = json.loads(config_path.read_text())
    config["_class_name"] = RELEASE_CLASS_NAME
    config_path.write_text(json.dumps(config, indent=2))
    weights_path = path / "diffusion_pytorch_model.safetensors"
    state = load_file(str(weights_path))
    generator = torch.Generator().manual_seed(seed)
    state[RELEASE_EXTRA_KEYS[0]] = torch.randn(4, 16, generator=generator)
    state[RELEASE_EXTRA_KEYS[1]] = torch.tensor([1.0, 0.5, 0.25, 0.125])
    save_file(state, str(weights_path), metadata={"format": "pt"})
    return path
