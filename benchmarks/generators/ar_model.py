"""A small class-conditional autoregressive transformer over binary token codes.

Sequence layout (``CodeLayout``): the tokenizer's levels flattened coarse to fine —
the deepest level first, then each shallower one, ending with level 0 (the finest) —
each level in raster order over its ``(t', h', w')`` grid (t slowest, w fastest); the
condition token comes first: a learned class embedding (``ar``), or a linear map of the
caption's text embedding (``ar-text``, ``text_dim > 0``). For pyratok's 17-frame 32×32
clips: 12 + 20 + 80 + 576 = 688.

``tokens_per_step`` consecutive tokens of that order form one step. A token index has
``bits`` bits (16 for pyratok's 65,536-entry LFQ codebook); bit ``c``
is ``(index >> (bits − 1 − c)) & 1``. The model reads a token as its ±1 bit vector and
predicts the next token's bits as independent Bernoulli logits given the prefix (a
factorised head: 16 outputs instead of a 65,536-way softmax, the way LFQ codes are
binary; MAGVIT-v2 / Open-MAGVIT2 predict LFQ tokens by bit groups likewise).

Shapes: ``b`` batch, ``n`` sequence length, ``d`` width, ``k`` bits.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass(frozen=True)
class ARConfig:
    num_classes: int  # 0 for a text-conditioned model
    seq_len: int  # tokens per clip (without the condition token)
    bits: int  # bits per token index
    text_dim: int = 0  # > 0: conditioned on a text embedding of this size, not a class
    width: int = 128
    depth: int = 2
    heads: int = 4
    mlp_ratio: int = 4

    def to_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    def __init__(self, cfg: ARConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.norm1 = nn.LayerNorm(cfg.width)
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.width)
        self.norm2 = nn.LayerNorm(cfg.width)
        self.mlp = nn.Sequential(nn.Linear(cfg.width, cfg.mlp_ratio * cfg.width), nn.GELU(),
                                 nn.Linear(cfg.mlp_ratio * cfg.width, cfg.width))

    def _split(self, x: Tensor) -> Tensor:
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).transpose(1, 2)  # (b, nh, n, hs)

    def forward(self, x: Tensor, cache: list[Tensor] | None = None) -> Tensor:
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        if cache is not None:  # incremental decoding: x is the new position only
            if cache:
                k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
            cache[:] = [k, v]
            attn = F.scaled_dot_product_attention(q, k, v)
        else:
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(attn.transpose(1, 2).flatten(2))  # (b, n, d)
        return x + self.mlp(self.norm2(x))


class CodeTransformer(nn.Module):
    """``logits = model(condition, bits)``: next-token bit logits for every position.

    ``condition``: class ids ``(b,)`` int64, or text embeddings ``(b, text_dim)`` float
    when ``cfg.text_dim > 0``; either becomes the first position's ``(b, d)`` input.
    """

    def __init__(self, cfg: ARConfig) -> None:
        super().__init__()
        self.cfg = cfg
        if cfg.text_dim > 0:
            self.text_embed = nn.Linear(cfg.text_dim, cfg.width)
        else:
            self.class_embed = nn.Embedding(cfg.num_classes, cfg.width)
        self.token_embed = nn.Linear(cfg.bits, cfg.width)
        self.pos_embed = nn.Parameter(torch.randn(cfg.seq_len, cfg.width) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, cfg.bits)

    def embed_condition(self, condition: Tensor) -> Tensor:
        """Class ids ``(b,)`` or text embeddings ``(b, text_dim)`` → ``(b, d)``."""
        if self.cfg.text_dim > 0:
            return self.text_embed(condition.float())
        return self.class_embed(condition)

    def forward(self, condition: Tensor, bits: Tensor) -> Tensor:
        """condition (see the class); bits ``(b, n, k)`` in {0, 1} → logits ``(b, n, k)``
        of each position's bits given the condition and the positions before it."""
        b, n, _ = bits.shape
        prev = self.token_embed(bits[:, :-1].float() * 2 - 1)  # (b, n-1, d): shifted right
        x = torch.cat([self.embed_condition(condition)[:, None], prev], dim=1) + self.pos_embed[:n]
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    @torch.no_grad()
    def sample(self, condition: Tensor, uniforms: Tensor, temperature: float = 1.0) -> Tensor:
        """Bits ``(b, n, k)`` drawn position by position; ``uniforms`` ``(b, n, k)`` are
        the clip's own random numbers (bit = 1 iff u < sigmoid(logit / temperature)), so a
        clip does not depend on the others in the batch."""
        b, n, k = uniforms.shape
        caches: list[list[Tensor]] = [[] for _ in self.blocks]
        x = self.embed_condition(condition)[:, None] + self.pos_embed[:1]  # (b, 1, d)
        out = torch.empty(b, n, k, dtype=torch.bool, device=uniforms.device)
        for i in range(n):
            h = x
            for block, cache in zip(self.blocks, caches, strict=True):
                h = block(h, cache)
            probs = torch.sigmoid(self.head(self.norm(h[:, -1])) / temperature)  # (b, k)
            out[:, i] = uniforms[:, i] < probs
            if i + 1 < n:
                x = self.token_embed(out[:, i : i + 1].float() * 2 - 1) + self.pos_embed[i + 1]
        return out


def loss_bits(logits: Tensor, bits: Tensor) -> Tensor:
    """Mean binary cross-entropy in bits per token-bit (log base 2)."""
    return F.binary_cross_entropy_with_logits(logits, bits.float()) / math.log(2)


@dataclass(frozen=True)
class CodeLayout:
    """How a tokenizer's level grids flatten into one sequence (see module docstring).

    Attributes:
        shapes: ``(t', h', w')`` of each level, level 0 (finest) first, as in
            ``Encoded.indices``.
        bits: bits per token index.
        tokens_per_step: consecutive tokens (in the flattened order) predicted together
            as one step of ``tokens_per_step × bits`` bits; 4 makes pyratok's 688 tokens
            172 steps (every level's count is a multiple of 4) and keeps the tiny model
            trainable on 2 CPU cores.
    """

    shapes: tuple[tuple[int, int, int], ...]
    bits: int
    tokens_per_step: int = 1

    @property
    def order(self) -> list[int]:
        return list(range(len(self.shapes)))[::-1]  # deepest level first

    @property
    def num_tokens(self) -> int:
        return sum(t * h * w for t, h, w in self.shapes)

    @property
    def seq_len(self) -> int:
        """Steps per clip."""
        return self.num_tokens // self.tokens_per_step

    @property
    def step_bits(self) -> int:
        return self.bits * self.tokens_per_step

    def flatten(self, indices: list[Tensor]) -> Tensor:
        """Per-level ``(b, t', h', w')`` int64 → ``(b, steps, tokens_per_step · bits)``."""
        if self.num_tokens % self.tokens_per_step:
            raise ValueError(f"{self.num_tokens} tokens do not split into steps of "
                             f"{self.tokens_per_step}")
        seq = torch.cat([indices[lvl].flatten(1) for lvl in self.order], dim=1)  # (b, n)
        shifts = torch.arange(self.bits - 1, -1, -1, device=seq.device)
        bits = (seq[..., None] >> shifts) & 1  # (b, n, bits)
        return bits.reshape(seq.shape[0], self.seq_len, self.step_bits)

    def unflatten(self, bits: Tensor) -> list[Tensor]:
        """Inverse of :meth:`flatten`."""
        weights = 2 ** torch.arange(self.bits - 1, -1, -1, device=bits.device)
        bits = bits.reshape(bits.shape[0], self.num_tokens, self.bits)
        seq = (bits.long() * weights).sum(-1)  # (b, n)
        out: list[Tensor | None] = [None] * len(self.shapes)
        start = 0
        for lvl in self.order:
            t, h, w = self.shapes[lvl]
            out[lvl] = seq[:, start : start + t * h * w].reshape(-1, t, h, w)
            start += t * h * w
        return out  # type: ignore[return-value]
