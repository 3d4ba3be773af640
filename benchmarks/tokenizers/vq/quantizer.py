"""A quantizer over a continuous latent, one latent cell (a ``c``-vector) at a time.

Three kinds from ``vector-quantize-pytorch`` (MIT, lucidrains), each with its paper:

- ``fsq``: finite scalar quantization (Mentzer et al., "Finite Scalar Quantization: VQ-VAE
  Made Simple", ICLR 2024): each code dimension rounded to one of ``levels[i]`` values;
  codebook ``prod(levels)``, no codebook to learn;
- ``lfq``: lookup-free quantization (Yu et al., "Language Model Beats Diffusion —
  Tokenizer is Key to Visual Generation" (MAGVIT-v2), ICLR 2024): the sign of each of
  ``log2(codebook_size)`` dimensions, with its entropy auxiliary loss;
- ``rvq``: residual VQ (Zeghidour et al., "SoundStream", 2021): ``num_quantizers``
  learned codebooks of ``codebook_size`` entries (EMA updates), each coding what the
  previous stages left; one token index per stage and cell.

Every kind sees the latent standardised per channel (the training set's mean and std,
stored as buffers) and brings its own linear projection in and out when the code width
differs from the latent's channels: a 1×1×1 convolution, so the token grid is the base's
latent grid. Letters: ``b`` batch, ``c`` latent channels, ``t h w`` the latent grid,
``n`` cells (``t·h·w``), ``l`` levels (rvq stages; 1 otherwise).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import torch
from einops import rearrange
from torch import Tensor, nn

QuantizerKind = Literal["fsq", "lfq", "rvq"]
KINDS: tuple[str, ...] = ("fsq", "lfq", "rvq")
# The library's README for residual VQ: codes unused for this many EMA updates are
# replaced by vectors of the current batch ("threshold_ema_dead_code = 2").
RVQ_DEAD_CODE_THRESHOLD = 2


@dataclass(frozen=True, kw_only=True)
class QuantizerConfig:
    """What a quantizer is; written to the folder's ``config.json`` and read back.

    Attributes:
        kind: ``"fsq"``, ``"lfq"`` or ``"rvq"``.
        latent_channels: ``c`` of the base latent the quantizer was built for.
        levels: fsq only: values per code dimension, each >= 3 (``8,8,8,5,5,5`` is the FSQ
            paper's choice for a 2^16 codebook, its Table 1).
        codebook_size: lfq: a power of two (``log2`` sign bits a cell); rvq: entries of
            each stage's codebook.
        num_quantizers: rvq only: residual stages, one token level each.
        codebook_dim: rvq only: width of the codes (``None``: the latent's channels; another
            value adds the projection).
    """

    kind: QuantizerKind
    latent_channels: int
    levels: tuple[int, ...] = ()
    codebook_size: int | None = None
    num_quantizers: int = 1
    codebook_dim: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(int(x) for x in self.levels))
        if self.kind not in KINDS:
            raise ValueError(f"quantizer kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        if self.latent_channels < 1:
            raise ValueError(f"latent_channels must be >= 1, got {self.latent_channels}")
        if self.kind == "fsq":
            # FSQ needs >= 3 values a dimension unless its symmetry option is on (library assert)
            if not self.levels or min(self.levels) < 3:
                raise ValueError(f"fsq needs levels, each >= 3 (e.g. 8,8,8,5,5,5), "
                                 f"got {list(self.levels)}")
            if self.codebook_size is not None or self.num_quantizers != 1 or self.codebook_dim:
                raise ValueError("fsq takes levels only (no codebook size, stages or dim)")
            return
        if self.levels:
            raise ValueError(f"{self.kind} takes a codebook size, not levels")
        size = self.codebook_size
        if size is None or size < 2:
            raise ValueError(f"{self.kind} needs a codebook size >= 2, got {size}")
        if self.kind == "lfq":
            if size & (size - 1):
                raise ValueError(f"lfq codebook size must be a power of two (its bits are "
                                 f"signs), got {size}")
            if self.num_quantizers != 1 or self.codebook_dim is not None:
                raise ValueError("lfq takes a codebook size only (no stages or dim)")
            return
        if self.num_quantizers < 1:
            raise ValueError(f"rvq needs num_quantizers >= 1, got {self.num_quantizers}")
        if self.codebook_dim is not None and self.codebook_dim < 1:
            raise ValueError(f"rvq codebook_dim must be >= 1, got {self.codebook_dim}")

    @property
    def vocab_size(self) -> int:
        """Entries of ONE token index's codebook."""
        return math.prod(self.levels) if self.kind == "fsq" else int(self.codebook_size)

    @property
    def num_levels(self) -> int:
        """Token levels: the residual stages of rvq, else 1."""
        return self.num_quantizers if self.kind == "rvq" else 1

    def describe(self) -> str:
        """``"fsq 8,8,8,5,5,5"``, ``"lfq 2^10"``, ``"rvq 4 x 1024"``."""
        if self.kind == "fsq":
            return "fsq " + ",".join(str(x) for x in self.levels)
        if self.kind == "lfq":
            return f"lfq 2^{int(math.log2(self.vocab_size))}"
        return f"rvq {self.num_quantizers} x {self.vocab_size}"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["levels"] = list(self.levels)
        return out


@dataclass
class Quantized:
    """What :meth:`LatentQuantizer.forward` returns.

    Attributes:
        latent: ``(b, c, t, h, w)``, the quantized latent in the base's units (the decoder
            input).
        levels: one ``(b, c, t, h, w)`` per level, in the base's units: level ``i`` is the
            latent after stages ``0 … i`` (fsq / lfq: one level, ``latent`` itself).
        indices: one int64 ``(b, t, h, w)`` per level, in ``[0, vocab_size)``.
    """

    latent: Tensor
    levels: list[Tensor]
    indices: list[Tensor]


@dataclass
class CellCodes:
    """:meth:`LatentQuantizer.quantize_cells` on standardised cells ``(b, n, c)``.

    Attributes:
        codes: ``(b, n, c)`` the quantized cells, standardised units.
        indices: ``(b, n, l)`` int64.
        aux_loss: scalar, the library's auxiliary losses (0 in eval mode): lfq's entropy
            term, rvq's commitment terms summed over stages; fsq has none.
    """

    codes: Tensor
    indices: Tensor
    aux_loss: Tensor


def _library() -> Any:
    try:
        import vector_quantize_pytorch
    except ImportError as err:
        raise ImportError(
            "the vq tokenizer needs vector-quantize-pytorch: pip install 'pyratok[vq]' "
            "(or: pip install vector-quantize-pytorch)"
        ) from err
    return vector_quantize_pytorch


def _build(config: QuantizerConfig) -> nn.Module:
    vqp, c = _library(), config.latent_channels
    if config.kind == "fsq":
        return vqp.FSQ(levels=list(config.levels), dim=c)
    if config.kind == "lfq":  # the library's default loss weights (entropy 0.1, commitment 0)
        return vqp.LFQ(dim=c, codebook_size=config.vocab_size)
    return vqp.ResidualVQ(dim=c, num_quantizers=config.num_quantizers,
                          codebook_size=config.vocab_size, codebook_dim=config.codebook_dim,
                          threshold_ema_dead_code=RVQ_DEAD_CODE_THRESHOLD)


class LatentQuantizer(nn.Module):
    """Standardise each latent cell, quantize it, and map indices back to the latent.

    Args:
        config: the quantizer's kind and sizes.
    """

    def __init__(self, config: QuantizerConfig) -> None:
        super().__init__()
        self.config = config
        c = config.latent_channels
        self.register_buffer("mean", torch.zeros(c))
        self.register_buffer("std", torch.ones(c))
        self.quantizer = _build(config)

    def set_statistics(self, mean: Tensor, std: Tensor) -> None:
        """Per-channel ``(c,)`` statistics of the training latents (std floored at 1e-6)."""
        self.mean.copy_(mean.float())
        self.std.copy_(std.float().clamp_min(1e-6))

    def standardize(self, cells: Tensor) -> Tensor:
        """``(..., c)`` latent cells → standardised units."""
        return (cells.float() - self.mean) / self.std

    def quantize_cells(self, z: Tensor) -> CellCodes:
        """Quantize standardised cells ``(b, n, c)`` (float32)."""
        kind, q = self.config.kind, self.quantizer
        if kind == "fsq":
            codes, indices = q(z)
            return CellCodes(codes, indices.long()[..., None], z.new_zeros(()))
        if kind == "lfq":
            out = q(z)
            return CellCodes(out.quantized, out.indices.long()[..., None], out.entropy_aux_loss)
        codes, indices, losses = q(z)
        return CellCodes(codes, indices.long(), losses.sum())

    def cells_from_indices(self, indices: Tensor) -> list[Tensor]:
        """``(b, n, l)`` indices → one ``(b, n, c)`` per level (after stages ``0 … i``),
        standardised units; the exact inverse of :meth:`quantize_cells`'s indices."""
        kind, q = self.config.kind, self.quantizer
        if kind in ("fsq", "lfq"):  # one level; (b, n) indices give (b, n, c) codes
            return [q.indices_to_codes(indices[..., 0])]
        stages = q.get_codes_from_indices(indices)  # (l, b, n, d)
        return [q.project_out(partial) for partial in stages.cumsum(dim=0)]

    def forward(self, latent: Tensor) -> Quantized:
        """Quantize ``latent`` ``(b, c, t, h, w)``; see :class:`Quantized`."""
        b, c, t, h, w = latent.shape
        if c != self.config.latent_channels:
            raise ValueError(f"quantizer trained on {self.config.latent_channels}-channel "
                             f"latents got a {c}-channel latent")
        z = self.standardize(rearrange(latent, "b c t h w -> b (t h w) c"))
        cells = self.quantize_cells(z)
        final = self._to_grid(cells.codes, (t, h, w))
        levels = [self._to_grid(x, (t, h, w)) for x in self.cells_from_indices(cells.indices)[:-1]]
        return Quantized(latent=final, levels=[*levels, final],
                         indices=self._index_grids(cells.indices, (t, h, w)))

    def latent_from_indices(self, indices: list[Tensor]) -> Tensor:
        """One ``(b, t, h, w)`` index grid per level → the quantized latent ``(b, c, t, h, w)``."""
        if len(indices) != self.config.num_levels:
            raise ValueError(f"{self.config.describe()} has {self.config.num_levels} "
                             f"level(s) of indices, got {len(indices)}")
        t, h, w = indices[0].shape[1:]
        flat = torch.stack([rearrange(i, "b t h w -> b (t h w)") for i in indices], dim=-1)
        return self._to_grid(self.cells_from_indices(flat.long())[-1], (t, h, w))

    def _to_grid(self, codes: Tensor, grid: tuple[int, int, int]) -> Tensor:
        t, h, w = grid
        cells = codes * self.std + self.mean  # back to the base's units
        return rearrange(cells, "b (t h w) c -> b c t h w", t=t, h=h, w=w)

    @staticmethod
    def _index_grids(indices: Tensor, grid: tuple[int, int, int]) -> list[Tensor]:
        t, h, w = grid
        return [rearrange(indices[..., lvl], "b (t h w) -> b t h w", t=t, h=h, w=w)
                for lvl in range(indices.shape[-1])]
