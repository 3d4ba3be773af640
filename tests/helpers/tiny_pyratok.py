"""A tiny random PyraTok saved with its own ``save_pretrained``, for adapter tests."""

from __future__ import annotations

from pathlib import Path

import torch


def save_tiny_pyratok(path: Path, *, seed: int = 0) -> Path:
    """Write ``config.json`` + ``model.safetensors`` of a few-thousand-parameter PyraTok."""
    from pyratok.model import PyraTok
    from tests.helpers.pyratok_tiny import tiny_model_config

    torch.manual_seed(seed)
    # text_dim stays MiniLM's 384: the loaded model embeds text with the real MiniLM.
    config = tiny_model_config(text_dim=384)
    folder = Path(path) / "tiny-pyratok"
    PyraTok(config).eval().save_pretrained(folder)
    return folder
