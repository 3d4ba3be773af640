"""Autoregressive semantic alignment (the global L_AR of PyraTok §3.2.2 ②).

Paper: "Tokens from all levels are concatenated with separator tokens <Q-SEP> ... a
start-of-image token <SOI> is prepended after the text ... the VLM decoder ...
autoregressively predicts each visual token conditioned on the text and preceding tokens:
L_AR = -Σ_l log p(q^(l) | q^(<l), e_t)."

What we build instead of a 3B VLM decoder: a small causal transformer over the sequence

    [TEXT] [SOI] q(1)_1 .. q(1)_m [Q-SEP] q(2)_1 .. q(2)_m [Q-SEP] ... q(L)_m

where [TEXT] is a projection of the pooled caption embedding, or a learned null token for
clips whose text was dropped in the encoder (the AR prior sees the caption exactly when the
encoder did, so it also learns the unconditioned prior of `encode(video, texts=None)`).
Level 1 alone has thousands of tokens, so every level is first pooled to 1 x P x P tokens
(time averaged out, P = `pool`, default 2), i.e. m = P² tokens per level and a sequence
of 2 + L P² + (L - 1) positions. A pooled token is the mean of its ±1 codes;
its target is the sign of that mean (the majority code of the region). With 2^16 codes a
softmax is wasteful, so the prediction is factorised per bit:
log p(q) = Σ_k log Bernoulli(bit_k | logit_k), which is exact for the LFQ index
(an index is its bits). The loss is in nats per visual token. Targets are detached:
gradients reach the codes through the transformer's inputs (making earlier tokens
informative about later ones and about the text), never by flattening the targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn


@dataclass
class ARLossOutput:
    loss: Tensor  # scalar, nats per visual token
    bit_accuracy: Tensor  # scalar, fraction of bits predicted right


class ARAlignment(nn.Module):
    """Small causal transformer predicting the pooled code pyramid from the text.

    Args:
        code_dim: bits per code d.
        text_dim: width of the pooled text embedding.
        levels: L.
        width, depth, heads: transformer size.
        pool: P, each level is pooled to 1 x P x P tokens.
    """

    def __init__(
        self, *, code_dim: int, text_dim: int, levels: int, width: int = 128, depth: int = 2,
        heads: int = 4, pool: int = 2,
    ):
        super().__init__()
        self.pool, self.levels = pool, levels
        self.code_in = nn.Linear(code_dim, width)
        self.text_in = nn.Linear(text_dim, width)
        self.null_text = nn.Parameter(torch.zeros(width))
        self.soi = nn.Parameter(torch.randn(width) * 0.02)
        self.sep = nn.Parameter(torch.randn(width) * 0.02)
        self.level_embed = nn.Parameter(torch.randn(levels, width) * 0.02)
        self.max_len = 2 + levels * pool * pool + levels - 1
        self.position = nn.Parameter(torch.randn(self.max_len, width) * 0.02)
        layer = nn.TransformerEncoderLayer(
            width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True,
            activation="gelu",
        )
        self.transformer = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, code_dim)

    def forward(
        self,
        level_codes: list[Tensor],
        text_pooled: Tensor | None,
        text_present: Tensor | None = None,
    ) -> ARLossOutput:
        """
        Args:
            level_codes: L maps (b, d, t_l, h_l, w_l), l = 1 .. L (straight-through codes).
            text_pooled: (b, text_dim) pooled caption embedding, or None for no text.
            text_present: (b,) bool, False where the null token replaces the text.
        """
        if len(level_codes) != self.levels:
            raise ValueError(f"ARAlignment expects {self.levels} levels, got {len(level_codes)}")
        b = level_codes[0].shape[0]
        pooled = [  # (b, P*P, d) per level
            rearrange(F.adaptive_avg_pool3d(c, (1, self.pool, self.pool)),
                      "b d 1 p q -> b (p q) d")
            for c in level_codes
        ]
        null = self.null_text.expand(b, -1)
        if text_pooled is None:
            prefix = null
        else:
            prefix = self.text_in(text_pooled)
            if text_present is not None:
                prefix = torch.where(text_present[:, None], prefix, null)
        pieces = [prefix[:, None], self.soi.expand(b, 1, -1)]
        for level, tokens in enumerate(pooled):
            if level > 0:
                pieces.append(self.sep.expand(b, 1, -1))
            pieces.append(self.code_in(tokens) + self.level_embed[level])
        seq = torch.cat(pieces, 1)  # (b, S, width)
        seq = seq + self.position[: seq.shape[1]]
        causal = nn.Transformer.generate_square_subsequent_mask(seq.shape[1], device=seq.device)
        hidden = self.norm(self.transformer(seq, mask=causal, is_causal=True))
        # the position before each visual token predicts it
        predict_at, targets, cursor = [], [], 2  # cursor: index of the first q(1) token
        m = self.pool * self.pool
        for level, tokens in enumerate(pooled):
            if level > 0:
                cursor += 1  # skip the separator
            predict_at.extend(range(cursor - 1, cursor - 1 + m))
            targets.append(tokens)
            cursor += m
        logits = self.head(hidden[:, predict_at])  # (b, L*m, d)
        bits = (torch.cat(targets, 1) > 0).float().detach()
        loss = F.binary_cross_entropy_with_logits(logits, bits, reduction="none").sum(-1).mean()
        accuracy = ((logits > 0).float() == bits).float().mean()
        return ARLossOutput(loss=loss, bit_accuracy=accuracy.detach())
