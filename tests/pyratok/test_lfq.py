"""LFQ and the ablation quantizers: exact index round trips, STE, entropy vs brute force."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from pyratok.lfq import LFQ, bernoulli_kl, codebook_usage
from pyratok.quantizers import GVQ, RVQ, VQ


def test_index_code_round_trip_is_exact_over_the_whole_codebook():
    lfq = LFQ(dim=8, group_bits=4)
    indices = torch.arange(256)
    codes = lfq.indices_to_codes(indices)
    assert set(codes.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(lfq.codes_to_indices(codes), indices)
    assert len({tuple(c.tolist()) for c in codes}) == 256  # a bijection


def test_round_trip_16_bits_and_bit_order():
    lfq = LFQ(dim=16)
    assert lfq.vocab_size == 65536
    idx = torch.randint(0, 65536, (3, 5, 7), generator=torch.Generator().manual_seed(0))
    assert torch.equal(lfq.codes_to_indices(lfq.indices_to_codes(idx)), idx)
    msb_only = -torch.ones(16)
    msb_only[0] = 1  # channel 0 is the most significant bit
    assert int(lfq.codes_to_indices(msb_only)) == 2**15
    assert int(lfq.codes_to_indices(torch.ones(16))) == 2**16 - 1
    assert lfq.codebook.shape == (65536, 16)


def test_forward_quantizes_to_signs_with_straight_through_gradient():
    lfq = LFQ(dim=8, group_bits=4)
    z = torch.randn(2, 10, 8, requires_grad=True)
    out = lfq(z)
    assert torch.equal(out.codes.detach(), torch.where(z >= 0, 1.0, -1.0))
    assert torch.equal(out.indices, lfq.codes_to_indices(z.detach()))
    (out.codes * torch.arange(8.0)).sum().backward()
    assert torch.allclose(z.grad, torch.arange(8.0).expand(2, 10, 8))  # identity STE


def test_quantize_fraction_zero_passes_features_through():
    lfq = LFQ(dim=8, group_bits=4)
    z = torch.randn(2, 10, 8)
    assert torch.equal(lfq(z, quantize_fraction=0.0).codes, z)


def _brute_force_entropies(z: torch.Tensor, temperature: float) -> tuple[float, float]:
    codebook = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=z.shape[-1])))
    logits = -((z[:, None, :] - codebook[None]) ** 2).sum(-1) / temperature  # (N, K)
    p = logits.softmax(-1)
    per_token = -(p * p.log()).sum(-1).mean()
    mean_p = p.mean(0)
    return float(per_token), float(-(mean_p * mean_p.log()).sum())


def test_entropy_terms_match_the_exact_softmax_over_all_codes():
    torch.manual_seed(0)
    z = torch.randn(1, 50, 4)
    lfq = LFQ(dim=4, group_bits=4, entropy_temperature=2.0)  # one group = exact joint
    out = lfq(z)
    per_token, codebook = _brute_force_entropies(z[0], 2.0)
    assert math.isclose(float(out.per_token_entropy), per_token, rel_tol=1e-4)
    assert math.isclose(float(out.codebook_entropy), codebook, rel_tol=1e-4)
    assert math.isclose(float(out.entropy_loss), per_token - codebook, rel_tol=1e-4, abs_tol=1e-5)


def test_grouped_codebook_entropy_upper_bounds_the_joint_one():
    torch.manual_seed(1)
    z = torch.randn(1, 64, 4)
    grouped = LFQ(dim=4, group_bits=2)(z).codebook_entropy
    _, joint = _brute_force_entropies(z[0], 1.0)
    assert float(grouped) >= joint - 1e-5


def test_text_prior_is_the_per_bit_marginal_of_the_codeword_softmax():
    lfq = LFQ(dim=4, group_bits=4)
    v = torch.randn(3, 4)
    codebook = lfq.codebook
    p = (v @ codebook.T).softmax(-1)  # (3, 16) p(c) ∝ exp(<c, v>)
    marginal = p @ (codebook > 0).float()  # P(bit = 1)
    assert torch.allclose(lfq.text_prior(v), marginal, atol=1e-6)


def test_bernoulli_kl_matches_torch_distributions():
    p, q = torch.rand(5, 8) * 0.98 + 0.01, torch.rand(5, 8) * 0.98 + 0.01
    ref = torch.distributions.kl_divergence(
        torch.distributions.Bernoulli(probs=p), torch.distributions.Bernoulli(probs=q)).sum(-1)
    assert torch.allclose(bernoulli_kl(p, q), ref, atol=1e-5)


def test_codebook_usage_counts_and_perplexity():
    usage = codebook_usage(torch.tensor([0, 0, 1, 3]), 8)
    assert usage.used == 3 and usage.utilization == 3 / 8
    probs = torch.tensor([0.5, 0.25, 0.25], dtype=torch.float64)
    assert math.isclose(usage.perplexity, float(torch.exp(-(probs * probs.log()).sum())),
                        rel_tol=1e-9)


@pytest.mark.parametrize("quantizer", [
    VQ(dim=6, codebook_size=16),
    GVQ(dim=6, codebook_size=16, groups=3),
    RVQ(dim=6, codebook_size=16, depth=3),
], ids=["vq", "gvq", "rvq"])
def test_codebook_quantizers_round_trip_and_shapes(quantizer):
    quantizer.eval()
    z = torch.randn(2, 12, 6, requires_grad=True)
    out = quantizer(z)
    assert out.codes.shape == z.shape and out.indices.shape == (2, 12)
    assert out.indices.dtype == torch.int64
    assert int(out.indices.max()) < quantizer.vocab_size
    codes = quantizer.indices_to_codes(out.indices)
    assert torch.allclose(codes, out.codes.detach(), atol=1e-5)
    if not isinstance(quantizer, RVQ):  # RVQ re-quantizes a sum greedily: not unique
        assert torch.equal(quantizer.codes_to_indices(codes), out.indices)
    (out.codes.sum() + out.commit_loss + out.entropy_loss).backward()
    assert z.grad is not None and quantizer.embed.grad is not None
    assert torch.isfinite(quantizer.kl(out.soft, out.soft.detach())).all()
    prior = quantizer.text_prior(torch.randn(2, 6))
    assert torch.isfinite(quantizer.kl(out.soft.mean(1), prior)).all()


def test_shuffled_groups_see_dependence_across_fixed_groups():
    # bits 0-3 copy bits 4-7: the fixed grouping (0-3 | 4-7) sees two independent uniform
    # groups, a grouping that pairs copies sees the dependence (lower entropy)
    torch.manual_seed(0)
    half = torch.randint(0, 2, (1, 4096, 4)).float() * 2 - 1
    z = 8 * torch.cat([half, half], -1)  # confident bits
    lfq = LFQ(dim=8, group_bits=4)
    fixed = lfq._codebook_entropy(4 * z)
    paired = lfq._codebook_entropy(4 * z, torch.tensor([0, 4, 1, 5, 2, 6, 3, 7]))
    assert float(fixed) == pytest.approx(2 * math.log(16), rel=1e-2)
    assert float(paired) == pytest.approx(math.log(16), rel=1e-2)


def test_group_shuffle_only_in_training_and_reproducible_by_generator():
    torch.manual_seed(0)
    z = torch.randn(2, 64, 8)
    lfq = LFQ(dim=8, group_bits=4)
    fixed = LFQ(dim=8, group_bits=4, shuffle_groups=False)
    lfq.eval()
    assert torch.equal(lfq(z, generator=torch.Generator().manual_seed(3)).codebook_entropy,
                       fixed(z).codebook_entropy)
    lfq.train()
    a = lfq(z, generator=torch.Generator().manual_seed(3)).codebook_entropy
    b = lfq(z, generator=torch.Generator().manual_seed(3)).codebook_entropy
    assert torch.equal(a, b)
    draws = {float(lfq(z, generator=torch.Generator().manual_seed(s)).codebook_entropy)
             for s in range(8)}
    assert len(draws) > 1  # different permutations measure different groupings
    assert torch.equal(lfq(z).codebook_entropy, fixed(z).codebook_entropy)  # no generator


def test_paired_groups_give_the_exact_codebook_entropy():
    # d = 2 x group_bits: the pair's joint table is the whole codebook; compare with the
    # batch-mean distribution built over all 2^d codes by brute force
    torch.manual_seed(0)
    z = torch.randn(1, 300, 8)
    lfq = LFQ(dim=8, group_bits=4, pair_groups=True, shuffle_groups=False)
    logits = 4 * z
    codes = lfq.codebook  # (256, 8) in {-1, 1}
    log_p = (F.logsigmoid(logits.reshape(-1, 1, 8) * codes)).sum(-1)  # (N, 256)
    mean_p = log_p.exp().mean(0)
    brute = -(mean_p * mean_p.log()).sum()
    assert float(lfq._codebook_entropy(logits)) == pytest.approx(float(brute), rel=1e-5)
    assert float(lfq(z).codebook_entropy) == pytest.approx(float(brute), rel=1e-5)


def test_paired_groups_see_dependence_no_grouping_of_bits_shows():
    # bit 7 = parity of bits 0-6: every pair of bits (and every group of 4 but the ones
    # holding all eight) is independent and uniform, so single groups report the maximum;
    # only the joint sees that half of the 256 codes never occur
    torch.manual_seed(0)
    free = torch.randint(0, 2, (4096, 7))
    parity = free.sum(-1, keepdim=True) % 2
    z = 8 * (torch.cat([free, parity], -1).float() * 2 - 1)
    single = LFQ(dim=8, group_bits=4, shuffle_groups=False)._codebook_entropy(4 * z)
    paired = LFQ(dim=8, group_bits=4, pair_groups=True)._codebook_entropy(4 * z)
    assert float(single) == pytest.approx(8 * math.log(2), rel=1e-2)
    assert float(paired) == pytest.approx(7 * math.log(2), rel=1e-2)


def test_paired_groups_pass_gradients_and_stay_finite():
    z = torch.randn(2, 64, 16, requires_grad=True)
    out = LFQ(dim=16, group_bits=8, pair_groups=True)(
        z, generator=torch.Generator().manual_seed(0))
    out.entropy_loss.backward()
    assert torch.isfinite(out.entropy_loss) and z.grad is not None
    assert float(z.grad.abs().sum()) > 0
