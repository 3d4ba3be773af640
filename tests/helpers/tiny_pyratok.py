"""A tiny random PyraTok saved with its own ``save_pretrained``, for adapter tests."""

from __future__ import annotations

from pathlib import Path

import torch


def save_tiny_pyratok(path: Path, *, seed: int = 0) -> Path:
    """Write ``config.json`` + ``model.safetensors`` of a few-thousand-parameter PyraTok."""
    from pyratok.config import PyraTokConfig
    from pyratok.model import PyraTok

    torch.manual_seed(seed)
    config = PyraTokConfig(
        stem_channels=4,
        pre_channels=8,
        stage_channels=(8, 8, 8, 8),
        block_dim=16,
        attn_heads=2,
        sem_dim=16,
    )
    folder = Path(path) / "tiny-pyratok"
    PyraTok(config).eval().save_pretrained(folder)
    return folder
