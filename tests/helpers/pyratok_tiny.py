"""Tiny PyraTok configs and a deterministic stand-in text encoder for the pyratok tests."""

from __future__ import annotations

import zlib

import torch
import torch.nn.functional as F
from torch import nn

from pyratok.config import PyraTokConfig, TrainConfig
from pyratok.text import TextEmbedding

TEXT_DIM = 32


class FakeTextEncoder(nn.Module):
    """Each word maps to a fixed random vector (seeded by its CRC32); no weights to load."""

    dim = TEXT_DIM

    def __init__(self):
        super().__init__()
        # a frozen weight, so that a text encoder leaking into a model's state is caught
        self.unused = nn.Parameter(torch.ones(()), requires_grad=False)

    def encode(self, texts: list[str]) -> TextEmbedding:
        rows = []
        for text in texts:
            words = text.split() or [""]
            rows.append(torch.stack([
                torch.randn(TEXT_DIM, generator=torch.Generator().manual_seed(
                    zlib.crc32(w.encode())))
                for w in words
            ]))
        longest = max(r.shape[0] for r in rows)
        tokens = torch.zeros(len(rows), longest, TEXT_DIM)
        mask = torch.zeros(len(rows), longest, dtype=torch.bool)
        for i, r in enumerate(rows):
            tokens[i, : r.shape[0]] = r
            mask[i, : r.shape[0]] = True
        pooled = F.normalize((tokens * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), dim=-1)
        return TextEmbedding(tokens=tokens, mask=mask, pooled=pooled)


def tiny_model_config(**changes) -> PyraTokConfig:
    base = dict(pre_channels=8, stage_channels=(8, 16, 16, 16), block_dim=16, attn_heads=2,
                code_dim=8, entropy_group_bits=4, text_dim=TEXT_DIM, sem_dim=16)
    base.update(changes)
    return PyraTokConfig(**base)


def tiny_train_config(run_dir, **changes) -> TrainConfig:
    base = dict(run_dir=str(run_dir), steps=4, batch_size=2, frames=9, size=32, lr=1e-3,
                ae_warmup_steps=1, quant_ramp_steps=2, ar_width=32, ar_depth=1, text_bank=8,
                log_every=2, checkpoint_minutes=1e6, lr_warmup_steps=1)
    base.update(changes)
    return TrainConfig(**base)


def tiny_model(seed: int = 0, **changes):
    from pyratok.model import PyraTok

    torch.manual_seed(seed)
    model = PyraTok(tiny_model_config(**changes))
    model.set_text_encoder(FakeTextEncoder())
    return model


def random_video(b: int = 2, t: int = 9, size: int = 32, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(b, 3, t, size, size, generator=gen) * 2 - 1
