"""A tiny random PyraTok saved with its own ``save_pretrained``, for adapter tests."""

from __future__ import annotations

from pathlib import Path

import torch


def save_tiny_pyratok(path: Path, *, seed: int = 0) -> Path:
    """Write ``config.json`` + ``model.safetensors`` of a few-thousand-parameter PyraTok."""
    from pyratok.config import PyraTokConfig
    from pyratok.model import PyraTok

    torch.manual_seed(seed)
    # text_dim stays MiniLM's 384: the loaded model embeds text with the real MiniLM.
    config = PyraTokConfig(
        pre_channels=8,
        stage_channels=(8, 16, 16, 16),
        block_dim=16,
        attn_heads=2,
        code_dim=8,
        entropy_group_bits=4,
        sem_dim=16,
    )
    folder = Path(path) / "tiny-pyratok"
    PyraTok(config).eval().save_pretrained(folder)
    return folder
