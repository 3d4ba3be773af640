"""Tiny ``vq`` quantizer folders: fitted for a few steps to ``avgpool`` latents of random
clips and written with the library's own :func:`save_quantizer`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from benchmarks.tokenizers.avgpool import AvgPoolTokenizer
from benchmarks.tokenizers.vq.folder import BaseRecord, save_quantizer
from benchmarks.tokenizers.vq.quantizer import QuantizerConfig
from benchmarks.tokenizers.vq.train import FitConfig, latent_cells, train_quantizer

# one small config per kind: 1000, 64 and 16 (x 2 stages) codes
TINY: dict[str, dict[str, Any]] = {
    "fsq": {"levels": (8, 5, 5, 5)},
    "lfq": {"codebook_size": 64},
    "rvq": {"codebook_size": 16, "num_quantizers": 2, "codebook_dim": 4},
}


def random_clips(n: int = 2, shape: tuple[int, int, int] = (5, 16, 16)) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return [torch.rand(1, 3, *shape, generator=gen) * 2 - 1 for _ in range(n)]


def save_tiny_vq(folder: Path, kind: str = "fsq", *, steps: int = 10) -> Path:
    """``folder/vq-<kind>``: a quantizer of ``kind`` fitted ``steps`` steps to avgpool."""
    base = AvgPoolTokenizer()
    cells = latent_cells(base, random_clips(), progress=False)
    config = QuantizerConfig(kind=kind, latent_channels=3, **TINY[kind])
    quantizer, _ = train_quantizer(config, cells, FitConfig(steps=steps, batch_cells=256),
                                   progress=False)
    return save_quantizer(Path(folder) / f"vq-{kind}", quantizer,
                          base=BaseRecord.of("avgpool", {}, base),
                          training={"steps": steps, "data": "random test clips"},
                          overwrite=True)  # builders may be called twice on one folder
