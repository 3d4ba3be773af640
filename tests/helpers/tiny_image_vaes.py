"""Tiny random diffusers image autoencoders, saved as local folders for adapter tests.

Each ``tiny_*`` builds a model with a fixed seed (same seed → same weights); each
``save_tiny_*`` writes it with ``save_pretrained`` (``config.json`` +
``diffusion_pytorch_model.safetensors``) and returns the folder. All are 2× spatial (two
blocks) with 4 latent channels, after the small configs of diffusers' own model tests, and
encode and decode ten 16 × 16 frames on CPU in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import torch

_BLOCKS = {
    "block_out_channels": (8, 16),
    "down_block_types": ("DownEncoderBlock2D",) * 2,
    "up_block_types": ("UpDecoderBlock2D",) * 2,
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "sample_size": 16,
}


def tiny_vqgan(*, seed: int = 0, num_vq_embeddings: int = 64, **changes):
    """``VQModel``: 2× spatial, 4 latent channels, ``num_vq_embeddings`` codes."""
    from diffusers import VQModel

    torch.manual_seed(seed)
    model = VQModel(latent_channels=4, num_vq_embeddings=num_vq_embeddings,
                    **{**_BLOCKS, **changes}).eval()
    # diffusers initialises the codebook in ±1/num_vq_embeddings, far from the random
    # encoder's output (mean ≈ -0.26, std ≈ 0.21 on uniform frames): codes spread like it
    # make a random model use many of them
    with torch.no_grad():
        model.quantize.embedding.weight.normal_(-0.25, 0.2)
    return model


def tiny_sd_vae(*, seed: int = 0):
    """``AutoencoderKL``: 2× spatial, 4 latent channels."""
    from diffusers import AutoencoderKL

    torch.manual_seed(seed)
    return AutoencoderKL(latent_channels=4, **_BLOCKS).eval()


def tiny_dc_ae(*, seed: int = 0, layers_per_block: tuple[int, ...] = (1, 1)):
    """``AutoencoderDC``: 2× spatial (two blocks), 4 latent channels."""
    from diffusers import AutoencoderDC

    n = len(layers_per_block)
    torch.manual_seed(seed)
    return AutoencoderDC(
        latent_channels=4,
        attention_head_dim=2,
        encoder_block_types=("ResBlock",) * (n - 1) + ("EfficientViTBlock",),
        decoder_block_types=("ResBlock",) * (n - 1) + ("EfficientViTBlock",),
        encoder_block_out_channels=(8,) * n,
        decoder_block_out_channels=(8,) * n,
        encoder_qkv_multiscales=((),) * (n - 1) + ((5,),),
        decoder_qkv_multiscales=((),) * (n - 1) + ((5,),),
        encoder_layers_per_block=tuple(layers_per_block),
        decoder_layers_per_block=(1,) * n,
        downsample_block_type="conv",
        upsample_block_type="interpolate",
    ).eval()


def _save(model, path: Path) -> Path:
    path = Path(path)
    model.save_pretrained(str(path), safe_serialization=True)
    return path


def save_tiny_vqgan(path: Path, *, seed: int = 0, **changes) -> Path:
    """``tiny_vqgan(**changes)`` saved to ``path``; returns ``path``."""
    return _save(tiny_vqgan(seed=seed, **changes), path)


def save_tiny_sd_vae(path: Path, *, seed: int = 0) -> Path:
    """``tiny_sd_vae()`` saved to ``path``; returns ``path``."""
    return _save(tiny_sd_vae(seed=seed), path)


def save_tiny_dc_ae(path: Path, *, seed: int = 0) -> Path:
    """``tiny_dc_ae()`` saved to ``path``; returns ``path``."""
    return _save(tiny_dc_ae(seed=seed), path)
