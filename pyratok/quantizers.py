"""Codebook quantizers for the quantizer ablation (PyraTok Table 9) and the factory.

- VQ: one learned codebook, nearest neighbour, codebook + commitment losses
  (van den Oord et al., "Neural discrete representation learning", NeurIPS 2017).
- GVQ: the code vector is split into G groups that share one codebook; training assigns
  each group with straight-through Gumbel-softmax (Jang et al., "Categorical
  reparametrization with Gumbel-softmax", ICLR 2017 — the paper's [20]; its text calls
  GVQ a "group structure", so we implement both readings at once).
- RVQ: D residual stages, each with its own codebook (Lee et al., "Autoregressive image
  generation using residual quantization", CVPR 2022).
- LFQ lives in `lfq.py`.

All take tokens (b, n, d) and return `lfq.QuantizerOutput`. Multi-part indices (GVQ
groups, RVQ stages) are packed into one int64 in mixed radix K (first part most
significant). `indices_to_codes` is exact for all three; `codes_to_indices` inverts it
exactly for VQ/GVQ codewords, while for RVQ it re-quantizes the summed vector greedily
(several stage paths can sum to nearly the same vector).
The soft assignment is softmax(-||z - e_k||² / τ) over the K entries (RVQ: stage 1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from pyratok.config import PyraTokConfig
from pyratok.lfq import LFQ, QuantizerOutput

# helpers


def _categorical_entropy(p: Tensor) -> Tensor:
    return -(p * p.clamp_min(1e-12).log()).sum(-1)


def _categorical_kl(p: Tensor, q: Tensor) -> Tensor:
    return (p * (p.clamp_min(1e-12).log() - q.clamp_min(1e-12).log())).sum(-1)


def _sq_dist(z: Tensor, codebook: Tensor) -> Tensor:
    """(..., d), (K, d) -> (..., K) squared Euclidean distances."""
    return z.pow(2).sum(-1, keepdim=True) - 2 * z @ codebook.T + codebook.pow(2).sum(-1)


def _pack(parts: Tensor, radix: int) -> Tensor:
    """(..., P) int64 digits -> (...) int64, first digit most significant."""
    out = torch.zeros_like(parts[..., 0])
    for i in range(parts.shape[-1]):
        out = out * radix + parts[..., i]
    return out


def _unpack(indices: Tensor, radix: int, n_parts: int) -> Tensor:
    digits = []
    rest = indices.long()
    for _ in range(n_parts):
        digits.append(rest % radix)
        rest = rest // radix
    return torch.stack(digits[::-1], -1)


# classes


class VQ(nn.Module):
    """Single learned codebook of `codebook_size` vectors of size `dim`."""

    def __init__(self, *, dim: int, codebook_size: int, temperature: float = 1.0):
        super().__init__()
        self.dim, self.size, self.temperature = dim, codebook_size, temperature
        self.embed = nn.Parameter(torch.randn(codebook_size, dim))

    vocab_size = property(lambda self: self.size)
    code_dim = property(lambda self: self.dim)

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        return _sq_dist(codes, self.embed).argmin(-1)

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        return self.embed[indices.long()]

    def text_prior(self, direction: Tensor) -> Tensor:
        return torch.softmax(direction @ self.embed.T, -1)

    def kl(self, p: Tensor, q: Tensor) -> Tensor:
        return _categorical_kl(p, q)

    def forward(self, z, *, quantize_fraction=1.0, generator=None) -> QuantizerOutput:
        dist = _sq_dist(z, self.embed)  # (b, n, K)
        indices = dist.argmin(-1)
        quantized = self.embed[indices]
        codes = _straight_through(z, quantized, quantize_fraction, generator)
        soft = torch.softmax(-dist / self.temperature, -1)
        return _output(z, quantized, codes, indices, soft)


class GVQ(nn.Module):
    """`groups` groups of size dim/groups sharing one codebook; Gumbel-softmax in training."""

    def __init__(self, *, dim: int, codebook_size: int, groups: int, temperature: float = 1.0):
        super().__init__()
        if dim % groups:
            raise ValueError(f"GVQ dim={dim} is not divisible by groups={groups}")
        self.dim, self.size, self.groups, self.temperature = dim, codebook_size, groups, temperature
        self.embed = nn.Parameter(torch.randn(codebook_size, dim // groups))

    vocab_size = property(lambda self: self.size**self.groups)
    code_dim = property(lambda self: self.dim)

    def _split(self, x: Tensor) -> Tensor:
        return x.reshape(*x.shape[:-1], self.groups, self.dim // self.groups)

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        return _pack(_sq_dist(self._split(codes), self.embed).argmin(-1), self.size)

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        parts = _unpack(indices, self.size, self.groups)
        return self.embed[parts].flatten(-2)

    def text_prior(self, direction: Tensor) -> Tensor:
        return torch.softmax(self._split(direction) @ self.embed.T, -1)

    def kl(self, p: Tensor, q: Tensor) -> Tensor:
        return _categorical_kl(p, q).sum(-1)  # sum over groups

    def forward(self, z, *, quantize_fraction=1.0, generator=None) -> QuantizerOutput:
        logits = -_sq_dist(self._split(z), self.embed) / self.temperature  # (b, n, G, K)
        parts = logits.argmax(-1)
        if self.training:  # straight-through Gumbel-softmax sample
            one_hot = F.gumbel_softmax(logits, tau=1.0, hard=True)
            parts = one_hot.argmax(-1)
            quantized = (one_hot @ self.embed).flatten(-2)
        else:
            quantized = self.embed[parts].flatten(-2)
        hard = self.embed[parts].flatten(-2)
        codes = _straight_through(z, quantized, quantize_fraction, generator, ste=not self.training)
        out = _output(z, hard, codes, _pack(parts, self.size), torch.softmax(logits, -1))
        return out


class RVQ(nn.Module):
    """`depth` residual stages with their own codebooks; code = sum of the stage vectors."""

    def __init__(self, *, dim: int, codebook_size: int, depth: int, temperature: float = 1.0):
        super().__init__()
        self.dim, self.size, self.depth, self.temperature = dim, codebook_size, depth, temperature
        self.embed = nn.Parameter(torch.randn(depth, codebook_size, dim) / (2 ** torch.arange(
            depth).float())[:, None, None])

    vocab_size = property(lambda self: self.size**self.depth)
    code_dim = property(lambda self: self.dim)

    def _quantize(self, z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        residual, total, parts, first_dist = z, torch.zeros_like(z), [], None
        for stage in range(self.depth):
            dist = _sq_dist(residual, self.embed[stage])
            first_dist = dist if first_dist is None else first_dist
            idx = dist.argmin(-1)
            vec = self.embed[stage][idx]
            total, residual = total + vec, residual - vec.detach()
            parts.append(idx)
        return total, torch.stack(parts, -1), first_dist

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        return _pack(self._quantize(codes)[1], self.size)

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        parts = _unpack(indices, self.size, self.depth)
        return sum(self.embed[s][parts[..., s]] for s in range(self.depth))

    def text_prior(self, direction: Tensor) -> Tensor:
        return torch.softmax(direction @ self.embed[0].T, -1)

    def kl(self, p: Tensor, q: Tensor) -> Tensor:
        return _categorical_kl(p, q)

    def forward(self, z, *, quantize_fraction=1.0, generator=None) -> QuantizerOutput:
        quantized, parts, first_dist = self._quantize(z)
        codes = _straight_through(z, quantized, quantize_fraction, generator)
        soft = torch.softmax(-first_dist / self.temperature, -1)
        return _output(z, quantized, codes, _pack(parts, self.size), soft)


def _straight_through(z, quantized, fraction, generator, *, ste: bool = True) -> Tensor:
    # value exactly `quantized` (so encode's codes are the codewords), gradient that of z
    codes = quantized.detach() + (z - z.detach()) if ste else quantized
    if fraction < 1.0:
        draw = torch.rand(z.shape[:-1] + (1,), generator=generator, device=z.device)
        codes = torch.where(draw < fraction, codes, z)
    return codes


def _output(z, quantized, codes, indices, soft) -> QuantizerOutput:
    # VQ-VAE: codebook loss ||sg(z) - e||² plus commitment ||z - sg(e)||²
    commit = F.mse_loss(quantized, z.detach()) + F.mse_loss(z, quantized.detach())
    per_token = _categorical_entropy(soft).mean() if soft.dim() == 3 else _categorical_entropy(
        soft).sum(-1).mean()
    mean_soft = soft.reshape(-1, *soft.shape[2:]).mean(0)
    codebook = _categorical_entropy(mean_soft).sum()
    return QuantizerOutput(
        codes=codes,
        indices=indices,
        soft=soft,
        commit_loss=commit,
        entropy_loss=per_token - codebook,
        per_token_entropy=per_token,
        codebook_entropy=codebook,
    )


# factory


def create_quantizer(config: PyraTokConfig) -> nn.Module:
    """The one quantizer shared by all LaPQ levels, built from the config."""
    if config.quantizer == "lfq":
        return LFQ(
            dim=config.code_dim,
            entropy_temperature=config.entropy_temperature,
            group_bits=min(config.entropy_group_bits, config.code_dim),
            shuffle_groups=config.entropy_shuffle_groups,
            pair_groups=config.entropy_pair_groups,
        )
    if config.quantizer == "vq":
        return VQ(dim=config.code_dim, codebook_size=config.codebook_size)
    if config.quantizer == "gvq":
        return GVQ(dim=config.code_dim, codebook_size=config.codebook_size,
                   groups=config.gvq_groups)
    if config.quantizer == "rvq":
        return RVQ(dim=config.code_dim, codebook_size=config.codebook_size,
                   depth=config.rvq_depth)
    raise ValueError(f"unknown quantizer {config.quantizer!r}")
