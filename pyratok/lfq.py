"""Lookup-free quantization (LFQ) with a binary codebook shared by all LaPQ levels.

Paper: PyraTok §3.2.2 ("we adopt Lookup-Free Quantization (LFQ) [70] ... binary
codewords C_v = {-1, 1}^{log2 K} ... shared across all Q_l quantization blocks"), after
MAGVIT-v2 (Yu et al., "Language model beats diffusion — tokenizer is key to visual
generation", ICLR 2024), §3.1.

Vocabulary. The paper reports a ~48K vocabulary, which is not a power of two; LFQ's
vocabulary is 2^d by construction. We default to d = 16 bits, 2^16 = 65,536 codes, the
nearest power of two at or above 48K (d = 15 would give 32,768, below it).

Index convention (the same as the released PyraTok code): bit k is 1 iff code_k >= 0,
index = sum_k bit_k * 2^(d-1-k), so channel 0 is the most significant bit. `indices_to_codes`
is the exact inverse of `codes_to_indices` on {-1, 1}^d.

Straight-through estimator: forward uses sign(z), backward passes the gradient of z.

Entropy regularisation (MAGVIT-v2 Eq. 5): with the soft assignment
p(c | z) ∝ exp(-||z - c||² / τ), minimise E_tokens[H(p(c | z))] (confident tokens) and
maximise H(E_tokens[p(c | z)]) (a used codebook). Because ||z - c||² is a sum over bits,
p(c | z) factorises exactly into per-bit Bernoullis, P(bit_k = 1) = sigmoid(4 z_k / τ), so
the per-token entropy is exact. The batch-averaged distribution does not factorise; we
compute it exactly within groups of `group_bits` bits (256 codes for 8 bits) and sum the
group entropies (an upper bound of the joint entropy that is tight when groups are
independent) — the "factorised sub-codebook" form of Open-MAGVIT2. A fixed grouping never
sees correlations between bits of different groups: in our first CPU checkpoint the
finest level's two 8-bit groups had hard-code perplexities 101 and 131 (product 13,180) but
a joint perplexity of only 1,210, i.e. the groups were strongly dependent. So in
training (`shuffle_groups`, when a generator is given) the bits are dealt into groups by a
fresh random permutation at each call, and over many steps every pair of bits is measured.

Pairs of groups (`pair_groups`): the mean distribution over two groups' joint codes is
M = A^T B / N, where A, B are the tokens' (N, 2^g) sub-code distributions: one matrix
product gives a (2^g, 2^g) table, so with d = 2g (16 bits = two bytes, the default width) the
codebook entropy H(E_tokens[p(c | z)]) is computed exactly over all 65,536 codes (N·2^16
multiply-adds and a 256 KB table instead of N·2^16 floats). Measured on the demo
checkpoint's finest level after its stage 3 (40 clips): every bit balanced (marginal
entropies sum to 16.0 bits), pairwise |correlation| 0.07 on average, yet a joint entropy of
11.2 bits — a dependence of high order, which per-group sums barely see (their gradient
vanishes once each group is near uniform) and the exact joint entropy does: stage 4, with
it, raised utilization from 20.4% to 37.9% in 75 minutes (TRAINING.md of the checkpoint).
Pairs are taken after the shuffle; with more than two groups each pair is exact and the
pairs are summed.

Shapes: tokens are (b, n, d): b batch, n tokens, d code bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# helpers


@dataclass
class QuantizerOutput:
    """What every quantizer returns (LFQ here; VQ/GVQ/RVQ in `quantizers.py`).

    codes: (b, n, d) quantized vectors, straight-through (continuous where bypassed).
    indices: (b, n) int64 code indices of the hard codes.
    soft: the soft assignment distribution; LFQ: (b, n, d) P(bit = 1); VQ/RVQ: (b, n, K);
        GVQ: (b, n, G, K). Compare two of them with the quantizer's `kl`.
    commit_loss: scalar, ||z - sg(q)||² (the "vision-commitment" term of Eq. 2).
    entropy_loss: scalar, per_token_entropy - codebook_entropy (MAGVIT-v2).
    per_token_entropy, codebook_entropy: scalars in nats, for logging.
    """

    codes: Tensor
    indices: Tensor
    soft: Tensor
    commit_loss: Tensor
    entropy_loss: Tensor
    per_token_entropy: Tensor
    codebook_entropy: Tensor


@dataclass
class CodebookUsage:
    """utilization: fraction of the vocabulary used; perplexity: exp(entropy of usage)."""

    used: int
    vocab_size: int
    utilization: float
    perplexity: float


def codebook_usage(indices: Tensor, vocab_size: int) -> CodebookUsage:
    """Usage statistics of a flat set of indices (any shape) over a vocabulary."""
    counts = torch.bincount(indices.reshape(-1).long().cpu(), minlength=vocab_size).double()
    used = int((counts > 0).sum())
    probs = counts / counts.sum().clamp_min(1)
    entropy = -(probs[probs > 0] * probs[probs > 0].log()).sum()
    return CodebookUsage(
        used=used,
        vocab_size=vocab_size,
        utilization=used / vocab_size,
        perplexity=float(entropy.exp()),
    )


def bernoulli_entropy(logits: Tensor) -> Tensor:
    """Entropy (nats) of Bernoulli(sigmoid(logits)), elementwise."""
    p = torch.sigmoid(logits)
    return F.softplus(logits) - p * logits


def bernoulli_kl(p: Tensor, q: Tensor, eps: float = 1e-6) -> Tensor:
    """KL(Bern(p) || Bern(q)) summed over the last dim (the bits): (..., d) -> (...)."""
    p = p.clamp(eps, 1 - eps)
    q = q.clamp(eps, 1 - eps)
    kl = p * (p.log() - q.log()) + (1 - p) * ((1 - p).log() - (1 - q).log())
    return kl.sum(-1)


# class


class LFQ(nn.Module):
    """Lookup-free quantizer over {-1, 1}^dim.

    Args:
        dim: code bits d; vocabulary 2^d.
        entropy_temperature: τ of the soft assignment p(c | z) ∝ exp(-||z - c||² / τ).
        group_bits: bits per group for the exact codebook-entropy computation.
        shuffle_groups: in training, deal the bits into groups by a random permutation
            drawn from the forward pass's generator (fixed groups otherwise).
        pair_groups: codebook entropy over the joint codes of consecutive pairs of groups
            (exact over the whole codebook when dim == 2 * group_bits) instead of a sum
            over single groups.
    """

    def __init__(self, *, dim: int = 16, entropy_temperature: float = 1.0, group_bits: int = 8,
                 shuffle_groups: bool = True, pair_groups: bool = False):
        super().__init__()
        if dim > 62:
            raise ValueError(f"dim={dim}: indices must fit in int64")
        if dim % group_bits:
            raise ValueError(f"dim={dim} is not a multiple of group_bits={group_bits}")
        self.dim = dim
        self.entropy_temperature = entropy_temperature
        self.group_bits = group_bits
        self.shuffle_groups = shuffle_groups
        self.pair_groups = pair_groups
        # bit k has weight 2^(d-1-k): channel 0 is the most significant bit
        self.register_buffer("bit_weights", 2 ** torch.arange(dim - 1, -1, -1), persistent=False)
        # all 2^g sub-codes of one group as {0, 1} rows: (2^g, g)
        sub = torch.arange(2**group_bits)
        sub_bits = (sub[:, None] >> torch.arange(group_bits - 1, -1, -1)) & 1
        self.register_buffer("group_codebook", sub_bits.float(), persistent=False)

    @property
    def vocab_size(self) -> int:
        return 2**self.dim

    @property
    def code_dim(self) -> int:
        return self.dim

    @property
    def codebook(self) -> Tensor:
        """The full binary codebook {-1, 1}^d as (2^d, d) (built on demand: 4 MB for d=16)."""
        return self.indices_to_codes(torch.arange(self.vocab_size, device=self.bit_weights.device))

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        """(..., d) codes (sign read as >= 0 -> 1) -> (...) int64 indices."""
        bits = (codes >= 0).long()
        return (bits * self.bit_weights).sum(-1)

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        """(...) int64 indices -> (..., d) float codes in {-1, 1}; exact inverse."""
        bits = (indices.long()[..., None] >> (self.dim - 1 - torch.arange(
            self.dim, device=indices.device))) & 1
        return bits.float() * 2 - 1

    def text_prior(self, direction: Tensor) -> Tensor:
        """Distribution over the codebook induced by a direction v in code space.

        p(c) ∝ exp(<c, v>) factorises into per-bit Bernoullis with P(bit=1) = sigmoid(2 v).
        (n, d) -> (n, d), the same type as `soft`.
        """
        return torch.sigmoid(2 * direction)

    def kl(self, p: Tensor, q: Tensor) -> Tensor:
        """KL between two factorised (per-bit) soft assignments: (..., d) -> (...)."""
        return bernoulli_kl(p, q)

    def forward(
        self,
        z: Tensor,
        *,
        quantize_fraction: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> QuantizerOutput:
        """Quantize tokens.

        Args:
            z: (b, n, d) pre-quantization features.
            quantize_fraction: fraction of tokens quantized; the rest pass through
                continuous (the warm-up ramp of lfq-training.md). 1.0 at inference.
            generator: for the random choice of quantized tokens when fraction < 1.
        Returns:
            QuantizerOutput.
        """
        if z.shape[-1] != self.dim:
            raise ValueError(f"LFQ expects (b, n, {self.dim}) tokens, got {tuple(z.shape)}")
        z = z.float()
        hard = torch.where(z >= 0, 1.0, -1.0)
        # straight-through: the value is exactly `hard` (z - sg(z) is exactly 0), the
        # gradient that of z
        codes = hard + (z - z.detach())
        if quantize_fraction < 1.0:
            draw = torch.rand(z.shape[:-1] + (1,), generator=generator, device=z.device)
            codes = torch.where(draw < quantize_fraction, codes, z)
        indices = self.codes_to_indices(hard)

        logits = 4 * z / self.entropy_temperature  # log P(bit=1) - log P(bit=0)
        per_token_entropy = bernoulli_entropy(logits).sum(-1).mean()
        order = None
        if self.shuffle_groups and self.training and generator is not None:
            order = torch.randperm(self.dim, generator=generator).to(z.device)
        codebook_entropy = self._codebook_entropy(logits, order)
        commit = F.mse_loss(z, hard.detach())
        return QuantizerOutput(
            codes=codes,
            indices=indices,
            soft=torch.sigmoid(logits),
            commit_loss=commit,
            entropy_loss=per_token_entropy - codebook_entropy,
            per_token_entropy=per_token_entropy,
            codebook_entropy=codebook_entropy,
        )

    def _codebook_entropy(self, logits: Tensor, order: Tensor | None = None) -> Tensor:
        """Σ_groups H(mean_tokens p(sub-code | z)), exact within each group of bits (or
        each pair of groups, `pair_groups`); `order` (a permutation of the d bits) deals
        them into groups, identity if None."""
        flat = logits.reshape(-1, self.dim)  # (N, d)
        if order is not None:
            flat = flat[:, order]
        log_on, log_off = F.logsigmoid(flat), F.logsigmoid(-flat)
        table = self.group_codebook  # (2^g, g)
        probs = []  # per group: (N, 2^g) p(sub-code | z)
        for start in range(0, self.dim, self.group_bits):
            on = log_on[:, start : start + self.group_bits]
            off = log_off[:, start : start + self.group_bits]
            probs.append((on @ table.T + off @ (1 - table).T).exp())
        total = flat.new_zeros(())
        step = 2 if self.pair_groups else 1
        for k in range(0, len(probs), step):
            if k + 1 < len(probs) and self.pair_groups:
                mean_p = probs[k].T @ probs[k + 1] / flat.shape[0]  # (2^g, 2^g) joint
            else:
                mean_p = probs[k].mean(0)
            total = total - (mean_p * mean_p.clamp_min(1e-12).log()).sum()
        return total
