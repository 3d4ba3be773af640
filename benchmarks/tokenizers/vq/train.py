"""Fitting a :class:`LatentQuantizer` to a base tokenizer's latent.

The quantizer acts on each latent cell alone, so training needs only cells: the training
clips are encoded once by the base (the valid cells, padding cropped away), then every step
draws ``batch_cells`` cells at random and minimises ``MSE(quantized, latent)`` in
standardised units (each channel counts alike) plus the quantizer's own auxiliary loss
(lfq: entropy; rvq: commitment; its codebooks follow by EMA). Seeded: the same cells,
config and seed give the same quantizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor
from tqdm import tqdm

from benchmarks.tokenizers.base import VideoTokenizer
from benchmarks.tokenizers.vq.quantizer import LatentQuantizer, QuantizerConfig

_EVAL_CHUNK = 1 << 16  # cells a forward pass when scoring the whole training set


@dataclass(frozen=True, kw_only=True)
class FitConfig:
    """Attributes:
        steps: optimiser steps. One step of 1024 cells took 2 ms of CPU time for fsq
            8,8,8,5,5,5, 42 ms for lfq 2^10 and 65 ms for rvq 4 x 1024 (one thread,
            measured 2026-12-07): 1000 steps are seconds to about a minute.
        batch_cells: latent cells a step (lfq holds a ``batch_cells × codebook_size``
            matrix for its entropy term: lower it for large codebooks).
        lr: Adam learning rate of the projections (fsq / lfq / rvq with a code width).
        seed: initialisation, batch draws and rvq's dead-code resets.
    """

    steps: int = 1000
    batch_cells: int = 1024
    lr: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_cells < 1 or not self.lr > 0:
            raise ValueError(f"steps >= 0, batch_cells >= 1 and lr > 0 expected, got {self}")


@dataclass(frozen=True)
class FitResult:
    """Attributes:
        steps: optimiser steps taken.
        cells: training cells.
        last_loss: the last step's loss (MSE + auxiliary), ``nan`` for 0 steps.
        mse: MSE of the quantized cells against the latent over every training cell, eval
            mode, standardised units (1.0 = as bad as predicting the channel means).
        codebook_usage: per level, distinct indices over the training cells / vocab size.
    """

    steps: int
    cells: int
    last_loss: float
    mse: float
    codebook_usage: list[float]


@torch.no_grad()
def latent_cells(base: VideoTokenizer, clips: Iterable[Tensor], *,
                 progress: bool = True) -> Tensor:
    """Every valid latent cell of ``clips`` (each ``(b, 3, t, h, w)`` in [-1, 1]) under
    ``base``: ``(N, c)`` float32 on the CPU."""
    out = []
    for video in tqdm(clips, desc="encoding training clips", unit="clip", disable=not progress):
        encoded = base.encode(video.to(base.device))
        latent = base.level_features(encoded, 0).features  # (b, c, t', h', w'), padding cut
        out.append(rearrange(latent.float().cpu(), "b c t h w -> (b t h w) c"))
    if not out:
        raise ValueError("no training clips: the data has no usable video")
    return torch.cat(out)


def train_quantizer(config: QuantizerConfig, cells: Tensor, fit_config: FitConfig, *,
                    progress: bool = True) -> tuple[LatentQuantizer, FitResult]:
    """A new quantizer fitted to ``cells`` ``(N, c)``; returned in eval mode."""
    if cells.ndim != 2 or cells.shape[1] != config.latent_channels or len(cells) < 2:
        raise ValueError(f"expected (N >= 2, {config.latent_channels}) latent cells, "
                         f"got {tuple(cells.shape)}")
    torch.manual_seed(fit_config.seed)
    quantizer = LatentQuantizer(config)
    quantizer.set_statistics(cells.mean(0), cells.std(0))
    z_all = quantizer.standardize(cells)
    params = [p for p in quantizer.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=fit_config.lr) if params else None
    gen = torch.Generator().manual_seed(fit_config.seed)
    loss = torch.tensor(float("nan"))
    quantizer.train()
    with tqdm(total=fit_config.steps, desc=f"training {config.describe()}", unit="step",
              disable=not progress) as bar:
        for _ in range(fit_config.steps):
            pick = torch.randint(len(z_all), (fit_config.batch_cells,), generator=gen)
            z = z_all[pick][None]  # (1, n, c)
            out = quantizer.quantize_cells(z)
            loss = F.mse_loss(out.codes, z) + out.aux_loss
            if opt is not None:
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.4f}")
    quantizer.eval()
    mse, usage = _score(quantizer, z_all)
    return quantizer, FitResult(steps=fit_config.steps, cells=len(cells),
                                last_loss=float(loss.detach()), mse=mse, codebook_usage=usage)


@torch.no_grad()
def _score(quantizer: LatentQuantizer, z_all: Tensor) -> tuple[float, list[float]]:
    squared, seen = 0.0, None
    for chunk in z_all.split(_EVAL_CHUNK):
        out = quantizer.quantize_cells(chunk[None])
        squared += float(((out.codes - chunk[None]) ** 2).sum())
        used = [set(level.unique().tolist()) for level in out.indices[0].unbind(-1)]
        seen = used if seen is None else [a | b for a, b in zip(seen, used, strict=True)]
    vocab = quantizer.config.vocab_size
    return squared / z_all.numel(), [len(s) / vocab for s in seen or []]
