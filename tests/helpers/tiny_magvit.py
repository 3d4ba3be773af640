"""Tiny random MAGVIT-v2-family tokenizers, saved in their libraries' own formats.

- Open-MAGVIT2 (image and video): a LightningCLI YAML config (``model.class_path`` /
  ``init_args``, as the library ships them) and a Lightning ``.ckpt``
  (``{"state_dict": …}`` plus Lightning's bookkeeping keys). The saved state dict also
  carries a ``loss.*`` tensor, as a trained checkpoint carries its discriminator.
- magvit2-pytorch: ``VideoTokenizer.save`` (``model_state_dict``, ``version``, pickled
  ``config``).

Fixed seeds: the same call writes the same weights. Clip sizes: the image model takes any
``t`` at 2× (``h``, ``w`` even); the video model ``2k + 1`` frames at 4×; magvit2-pytorch
``4k + 1`` frames at 4×.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import yaml

# ch 32: the models' GroupNorm has 32 groups; 2^6 codes keep the LFQ tables small
OPEN_MAGVIT2_IMAGE_CLASS = "open_magvit2.taming.models.lfqgan.VQModel"
OPEN_MAGVIT2_VIDEO_CLASS = "OpenImageTokenizer.Open_MAGVIT2.models.video_lfqgan.VQModel"
TINY_BITS = 6


def open_magvit2_init_args(*, video: bool, use_ema: bool = False) -> dict[str, Any]:
    """``model.init_args`` of a tiny config, with the real configs' training-only keys."""
    return {
        "ddconfig": {
            "double_z": False, "z_channels": TINY_BITS, "resolution": 16, "in_channels": 3,
            "out_ch": 3, "ch": 32, "ch_mult": [1, 2, 2] if video else [1, 2],
            "num_res_blocks": 1,
        },
        "lossconfig": {  # replaced by torch.nn.Identity when loading (imports torchvision)
            "target": "open_magvit2.taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator",
            "params": {"disc_start": 0},
        },
        "n_embed": 2**TINY_BITS,
        "embed_dim": TINY_BITS,
        "learning_rate": 1e-4,
        "sample_minimization_weight": 1.0,
        "batch_maximization_weight": 1.0,
        "scheduler_type": "None",
        "use_ema": use_ema,
        **({"image_pretrain_path": "../upload_ckpts/never_read.ckpt"} if video else {}),
    }


def tiny_open_magvit2(*, video: bool, use_ema: bool = False, seed: int = 0) -> torch.nn.Module:
    """The library's ``VQModel`` with the tiny config (loss: ``torch.nn.Identity``)."""
    from benchmarks.tokenizers.open_magvit2_model import IMAGE, VIDEO, build_model

    args = open_magvit2_init_args(video=video, use_ema=use_ema)
    torch.manual_seed(seed)
    return build_model(args, variant=VIDEO if video else IMAGE, where="tiny")


def save_open_magvit2_config(path: Path, init_args: dict[str, Any], *, video: bool) -> Path:
    """Write a LightningCLI config as the library ships them (trainer + model)."""
    document = {
        "seed_everything": True,
        "trainer": {"accelerator": "gpu", "devices": 8, "precision": "16-mixed"},
        "model": {
            "class_path": OPEN_MAGVIT2_VIDEO_CLASS if video else OPEN_MAGVIT2_IMAGE_CLASS,
            "init_args": init_args,
        },
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def save_lightning_ckpt(path: Path, state_dict: dict[str, torch.Tensor]) -> Path:
    """A Lightning-format ``.ckpt``: what ``Trainer.save_checkpoint`` writes, less the
    optimizer and loop states (tensors and plain values only)."""
    torch.save({"epoch": 0, "global_step": 0, "pytorch-lightning_version": "2.2.0",
                "state_dict": state_dict}, path)
    return path


def save_tiny_open_magvit2(
    folder: Path, *, video: bool = False, use_ema: bool = False, seed: int = 0
) -> dict[str, str]:
    """Write ``config.yaml`` and ``model.ckpt`` under ``folder``; return the factory's
    ``path`` / ``config`` keyword arguments."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = tiny_open_magvit2(video=video, use_ema=use_ema, seed=seed)
    state = dict(model.state_dict())
    state["loss.discriminator.main.0.weight"] = torch.zeros(4, 3, 4, 4)  # skipped on load
    config = save_open_magvit2_config(
        folder / "config.yaml", open_magvit2_init_args(video=video, use_ema=use_ema),
        video=video,
    )
    ckpt = save_lightning_ckpt(folder / "model.ckpt", state)
    return {"path": str(ckpt), "config": str(config)}


# magvit2-pytorch ---------------------------------------------------------------------------------

MAGVIT2_LAYERS = ("residual", "compress_space", ("consecutive_residual", 1), "compress_space",
                  "residual", "compress_time", "residual", "compress_time")


def magvit2_kwargs(**overrides: Any) -> dict[str, Any]:
    """``VideoTokenizer`` kwargs of a tiny model: 4× spatial, 4× causal temporal, 2^6 LFQ."""
    return {
        "image_size": 16, "init_dim": 8, "max_dim": 16, "codebook_size": 2**TINY_BITS,
        "layers": MAGVIT2_LAYERS, "use_gan": False, "perceptual_loss_weight": 0.0,
        "flash_attn": False, "attn_heads": 2, "attn_dim_head": 8, **overrides,
    }


def tiny_magvit2(*, seed: int = 0, **overrides: Any) -> torch.nn.Module:
    """The library's ``VideoTokenizer`` with ``magvit2_kwargs(**overrides)``."""
    from benchmarks.tokenizers.magvit2 import import_video_tokenizer

    torch.manual_seed(seed)
    model = import_video_tokenizer()(**magvit2_kwargs(**overrides)).eval()
    # At the library's initialisation a tiny model maps a smooth clip (a demo video) to a
    # single code; redrawing the weight matrices larger, N(0, 1.5² / fan_in), spreads the
    # codes so that code statistics (entropy, codebook usage) are not degenerate.
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.ndim > 1:
                fan_in = param[0].numel()
                param.copy_(torch.randn(param.shape, generator=generator) * 1.5 / fan_in**0.5)
    return model


def save_tiny_magvit2(folder: Path, *, seed: int = 0, **overrides: Any) -> Path:
    """``VideoTokenizer.save`` of a tiny model to ``folder/tokenizer.pt``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokenizer.pt"
    tiny_magvit2(seed=seed, **overrides).save(str(path))
    return path
