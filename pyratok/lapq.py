"""Language-aligned Pyramidal Quantization (LaPQ).

Paper: PyraTok §3.2.1, Eq. 1, q^(l) = Q_l(q^(l-1), F^(l), e_t), and §3.2.2 ① ("lateral
connections ... attending to the text embedding e_t ... via multi-head attention ... fused
through projection layers ... LFQ ... codebook C_v shared across all Q_l").

One `QuantizationBlock` per level l = 1 (shallowest, finest grid) ... L (deepest):

    x   = lateral(F^(l)) + prev(resample(q^(l-1)))      lateral: 1x1 projection C_l -> D
    a   = MultiHeadAttention(query=LN(x), key=value=text(e_t))   visual tokens -> text tokens
    z   = LayerNorm_noBias(fuse([x, a]))                fuse: D+D -> D -> d (an MLP)
    q^(l) = Quantizer(z)                               the ONE quantizer shared by all levels
    features^(l) = normalize(W_l q^(l) + g_l(q^(l)))   text-aligned features, (b, d_sem, ...);
                                                   g_l a causal conv head over the code map

q^(0) does not exist (block 1 has no `prev` input). Resampling q^(l-1) to level l's grid
is average pooling in space and causal pooling in time (step j of the coarser grid averages
steps 2j-1 and 2j of the finer one, step 0 stays alone), so no level looks into the future.
The pre-quantization LayerNorm has a learned scale but no bias, and (`center_codes`) each
channel of z is centred over the tokens of its latent frame, z <- z - mean_{h,w} z, so no
shared bias decides the sign of a bit for all tokens (lfq-training.md). Without the
centring our CPU run collapsed to a handful of codes (the deepest level to one) as soon as
the quantizer was switched on; with it each bit is positive for about half of the tokens
of every frame. It uses only the current frame's tokens, so causality is kept. With no
text (texts=None) the keys are one learned null token.

Ablations (Table 6): `lapq=False` replaces everything by a single plain quantizer on the
deepest features (a 1x1 projection, no text, no lateral inputs); `pyramid=False` keeps one
text-guided block at the deepest level; `text_guidance=False` drops the attention.

Letters: b batch, c channels, t time, h height, w width, n tokens (= t h w), s text tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

from pyratok.backbones.causal_vae import CausalTemporalConv, SpatialConv
from pyratok.lfq import QuantizerOutput

# outputs


@dataclass
class QuantizedLevel:
    """One pyramid level of an encoding.

    codes: (b, d, t_l, h_l, w_l) float code vectors (±1 for LFQ).
    indices: (b, t_l, h_l, w_l) int64.
    features: (b, d_sem, t_l, h_l, w_l) text-aligned features, L2-normalised over channels,
        a function of `codes` only.
    """

    codes: Tensor
    indices: Tensor
    features: Tensor


@dataclass
class TextContext:
    """Text keys for the LaPQ attention: tokens (b, s, text_dim), mask (b, s) bool."""

    tokens: Tensor
    mask: Tensor


@dataclass
class LaPQOutput:
    levels: list[QuantizedLevel]  # l = 1 .. L
    quantized: list[QuantizerOutput]  # per level, with soft assignments and aux losses


# helpers


def resample_codes(x: Tensor, size: tuple[int, int, int]) -> Tensor:
    """(b, c, t, h, w) -> (b, c, *size): causal pooling in time, area pooling in space."""
    t_out, h_out, w_out = size
    while x.shape[2] > t_out and x.shape[2] % 2 == 1 and (x.shape[2] + 1) // 2 >= t_out:
        x = torch.cat([x[:, :, :1], x], 2)  # step 0 pairs with itself
        x = F.avg_pool3d(x, (2, 1, 1))
    if x.shape[2] != t_out:  # grids that are not causal multiples (other backbones)
        x = F.interpolate(x, size=(t_out, *x.shape[3:]), mode="nearest")
    if x.shape[3:] != (h_out, w_out):
        b = x.shape[0]
        y = rearrange(x, "b c t h w -> (b t) c h w")
        if h_out <= y.shape[2] and w_out <= y.shape[3]:
            y = F.adaptive_avg_pool2d(y, (h_out, w_out))
        else:
            y = F.interpolate(y, size=(h_out, w_out), mode="bilinear", align_corners=False)
        x = rearrange(y, "(b t) c h w -> b c t h w", b=b)
    return x


# blocks


class SemanticHead(nn.Module):
    """g_l: (b, d, t, h, w) codes -> (b, d_sem, t, h, w), causal in time.

    Two factorised layers (3x3 spatial conv per frame, then a kernel-3 temporal conv that
    pads the past only), as in the backbone: token (t, h, w) sees codes at steps <= t
    within a 5x5 spatial window, so features stay causal like the codes themselves.
    """

    def __init__(self, code_dim: int, sem_dim: int, width: int = 64):
        super().__init__()
        self.layers = nn.ModuleList([
            SpatialConv(code_dim, width), CausalTemporalConv(width, width),
            SpatialConv(width, width), CausalTemporalConv(width, width),
        ])
        self.out = nn.Conv3d(width, sem_dim, 1)

    def forward(self, codes: Tensor) -> Tensor:
        x = codes
        for layer in self.layers:
            x = F.gelu(layer(x))
        return self.out(x)


class QuantizationBlock(nn.Module):
    """Q_l of Eq. 1: lateral + previous level + text attention -> fused -> pre-quant z."""

    def __init__(
        self,
        *,
        in_channels: int,
        block_dim: int,
        code_dim: int,
        text_dim: int,
        heads: int,
        use_prev: bool,
        use_text: bool,
    ):
        super().__init__()
        self.lateral = nn.Linear(in_channels, block_dim)
        self.prev = nn.Linear(code_dim, block_dim) if use_prev else None
        if use_text:
            self.query_norm = nn.LayerNorm(block_dim)
            self.text_proj = nn.Linear(text_dim, block_dim)
            self.attn = nn.MultiheadAttention(block_dim, heads, batch_first=True)
        else:
            self.attn = None
        fuse_in = 2 * block_dim if use_text else block_dim
        self.fuse = nn.Sequential(
            nn.LayerNorm(fuse_in), nn.Linear(fuse_in, block_dim), nn.GELU(),
            nn.Linear(block_dim, code_dim),
        )
        self.pre_quant_norm = nn.LayerNorm(code_dim, bias=False)

    def forward(
        self, feature: Tensor, prev_codes: Tensor | None, text: TextContext | None
    ) -> Tensor:
        """feature (b, c, t, h, w) -> pre-quantization tokens z (b, n, d)."""
        x = self.lateral(rearrange(feature, "b c t h w -> b (t h w) c"))  # (b, n, D)
        if self.prev is not None and prev_codes is not None:
            prev = resample_codes(prev_codes, tuple(feature.shape[2:]))
            x = x + self.prev(rearrange(prev, "b d t h w -> b (t h w) d"))
        if self.attn is not None:
            if text is None:
                raise ValueError("a text-guided block needs a TextContext (null text for none)")
            keys = self.text_proj(text.tokens)  # (b, s, D)
            attended, _ = self.attn(
                self.query_norm(x), keys, keys, key_padding_mask=~text.mask, need_weights=False
            )
            x = torch.cat([x, attended], -1)
        return self.pre_quant_norm(self.fuse(x))


class LaPQ(nn.Module):
    """The pyramid of quantization blocks sharing one quantizer.

    Args:
        in_channels: channels of the encoder features fed to each level, shallow -> deep.
        quantizer: the shared quantizer (LFQ, or VQ/GVQ/RVQ for the Table 9 ablation).
        plain: the "w/o LaPQ" ablation (one level, no text, no lateral fusion MLP).
        center_codes: centre z per channel over each latent frame's tokens.
    """

    def __init__(
        self,
        *,
        in_channels: list[int],
        quantizer: nn.Module,
        block_dim: int,
        code_dim: int,
        text_dim: int,
        sem_dim: int,
        heads: int,
        text_guidance: bool,
        plain: bool = False,
        center_codes: bool = True,
    ):
        super().__init__()
        self.quantizer = quantizer
        self.plain = plain
        self.center_codes = center_codes
        self.text_guidance = text_guidance and not plain
        if plain:
            self.blocks = nn.ModuleList([nn.Sequential(
                nn.Linear(in_channels[-1], code_dim), nn.LayerNorm(code_dim, bias=False))])
        else:
            self.blocks = nn.ModuleList([
                QuantizationBlock(
                    in_channels=c, block_dim=block_dim, code_dim=code_dim, text_dim=text_dim,
                    heads=heads, use_prev=i > 0, use_text=self.text_guidance,
                )
                for i, c in enumerate(in_channels)
            ])
        # Text-aligned features of each level: f(q) = normalize(W_l q + g_l(q)). W_l is the
        # codewords' linear semantic embedding (the text-codebook term of Eq. 2 uses it,
        # exactly, over all 2^d codewords); g_l is a small causal convolutional head over
        # the level's code map (`SemanticHead`). A per-token function of the codes is not
        # enough: in a probe on our CPU checkpoint, a per-token MLP over frozen codes
        # classified shape x motion at chance even with labels, while a head that sees
        # neighbouring tokens in space and time read motion at 75-84% (motion lives in how
        # codes change, not in one code). The features stay a function of the level's codes
        # only, so anyone holding the tokens can compute them.
        self.semantic = nn.ModuleList([nn.Linear(code_dim, sem_dim) for _ in in_channels])
        self.semantic_head = nn.ModuleList([
            SemanticHead(code_dim, sem_dim) for _ in in_channels])
        # Clip embedding of a level: attention pooling over its tokens (`pool`). An object
        # covers a few percent of the finest level's tokens; a plain mean lets the
        # background set the direction. The scores start at zero (= the plain mean); no
        # bias, since a softmax ignores a constant shift.
        self.pool_score = nn.ModuleList([nn.Linear(sem_dim, 1, bias=False) for _ in in_channels])
        for score in self.pool_score:
            nn.init.zeros_(score.weight)

    @property
    def num_levels(self) -> int:
        return len(self.blocks)

    def features_from_codes(self, codes: Tensor, level: int) -> Tensor:
        """(b, d, t, h, w) codes -> (b, d_sem, t, h, w) L2-normalised features."""
        linear = rearrange(self.semantic[level](rearrange(codes, "b d t h w -> b t h w d")),
                           "b t h w e -> b e t h w")
        return F.normalize(linear + self.semantic_head[level](codes), dim=1)

    def pool(self, features: Tensor, level: int) -> Tensor:
        """(b, d_sem, t, h, w) aligned features -> (b, d_sem) L2-normalised clip embedding:
        sum_n softmax_n(w_l . f_n) f_n over the level's tokens n (a function of the codes)."""
        tokens = rearrange(features, "b e t h w -> b (t h w) e")
        weights = self.pool_score[level](tokens).softmax(1)  # (b, n, 1)
        return F.normalize((weights * tokens).sum(1), dim=-1)

    def forward(
        self,
        features: list[Tensor],
        text: TextContext | None,
        *,
        quantize_fraction: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> LaPQOutput:
        """features: encoder maps F^(l), shallow -> deep, (b, C_l, t_l, h_l, w_l)."""
        if len(features) != len(self.blocks):
            raise ValueError(f"LaPQ has {len(self.blocks)} levels, got {len(features)} maps")
        levels, outputs, prev = [], [], None
        for i, (block, feature) in enumerate(zip(self.blocks, features, strict=True)):
            b, _, t, h, w = feature.shape
            if self.plain:
                z = block(rearrange(feature, "b c t h w -> b (t h w) c"))
            else:
                z = block(feature, prev, text if self.text_guidance else None)
            if self.center_codes:  # every bit balanced within each latent frame
                z = rearrange(z, "b (t n) d -> b t n d", t=t)
                z = rearrange(z - z.mean(2, keepdim=True), "b t n d -> b (t n) d")
            out = self.quantizer(z, quantize_fraction=quantize_fraction, generator=generator)
            codes = rearrange(out.codes, "b (t h w) d -> b d t h w", t=t, h=h, w=w)
            levels.append(QuantizedLevel(
                codes=codes,
                indices=out.indices.reshape(b, t, h, w),
                features=self.features_from_codes(codes, i),
            ))
            outputs.append(out)
            prev = codes
        return LaPQOutput(levels=levels, quantized=outputs)
