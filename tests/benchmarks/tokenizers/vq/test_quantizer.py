"""LatentQuantizer: config checks, index ↔ code inverses, what training buys."""

from __future__ import annotations

import math

import pytest
import torch

from benchmarks.tokenizers.vq.quantizer import LatentQuantizer, QuantizerConfig
from benchmarks.tokenizers.vq.train import FitConfig, train_quantizer
from tests.helpers.tiny_vq import TINY


def cells(n: int = 2048, c: int = 3, seed: int = 0) -> torch.Tensor:
    """Correlated, off-centre cells: (n, c)."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, c, generator=gen)
    return z @ torch.tensor([[1.0, 0.5, 0.0], [0.0, 2.0, 0.3], [0.0, 0.0, 0.2]]) + 3.0


@pytest.mark.parametrize(("changes", "message"), [
    ({"kind": "vq"}, "expected one of fsq, lfq, rvq"),
    ({"kind": "fsq"}, "fsq needs levels"),
    ({"kind": "fsq", "levels": (8, 2)}, "each >= 3"),
    ({"kind": "fsq", "levels": (8, 5), "codebook_size": 8}, "fsq takes levels only"),
    ({"kind": "lfq", "codebook_size": 48}, "power of two"),
    ({"kind": "lfq"}, "needs a codebook size"),
    ({"kind": "lfq", "codebook_size": 64, "num_quantizers": 2}, "lfq takes a codebook size"),
    ({"kind": "rvq", "codebook_size": 16, "num_quantizers": 0}, "num_quantizers >= 1"),
    ({"kind": "rvq", "levels": (8, 5)}, "not levels"),
])
def test_config_mistakes_name_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        QuantizerConfig(latent_channels=3, **changes)


def test_vocab_and_levels_per_kind():
    fsq = QuantizerConfig(kind="fsq", latent_channels=3, levels=[8, 8, 8, 5, 5, 5])
    assert fsq.vocab_size == 64000 and fsq.num_levels == 1 and fsq.levels == (8, 8, 8, 5, 5, 5)
    lfq = QuantizerConfig(kind="lfq", latent_channels=3, codebook_size=1024)
    assert lfq.vocab_size == 1024 and lfq.describe() == "lfq 2^10"
    rvq = QuantizerConfig(kind="rvq", latent_channels=3, codebook_size=16, num_quantizers=3)
    assert rvq.vocab_size == 16 and rvq.num_levels == 3 and rvq.describe() == "rvq 3 x 16"
    assert QuantizerConfig(**fsq.to_dict()) == fsq


@pytest.mark.parametrize("kind", sorted(TINY))
def test_indices_are_the_exact_code_of_the_quantized_latent(kind):
    config = QuantizerConfig(kind=kind, latent_channels=3, **TINY[kind])
    quantizer, _ = train_quantizer(config, cells(), FitConfig(steps=5, batch_cells=256),
                                   progress=False)
    latent = torch.randn(2, 3, 3, 4, 5) * 2 + 3
    out = quantizer(latent)
    assert len(out.indices) == len(out.levels) == config.num_levels
    for idx in out.indices:
        assert idx.shape == (2, 3, 4, 5) and idx.dtype == torch.int64
        assert int(idx.min()) >= 0 and int(idx.max()) < config.vocab_size
    assert out.levels[-1] is out.latent and out.latent.shape == latent.shape
    torch.testing.assert_close(quantizer.latent_from_indices(out.indices), out.latent,
                               rtol=0, atol=1e-5)
    # and each index picks its own code: other indices give another latent
    shifted = [(idx + 1) % config.vocab_size for idx in out.indices]
    assert not torch.allclose(quantizer.latent_from_indices(shifted), out.latent)


def test_rvq_levels_add_up_stage_by_stage():
    config = QuantizerConfig(kind="rvq", latent_channels=3, codebook_size=16, num_quantizers=3)
    quantizer, _ = train_quantizer(config, cells(), FitConfig(steps=10, batch_cells=256),
                                   progress=False)
    x = cells(512, seed=1)
    out = quantizer(x.T.reshape(1, 3, 8, 8, 8))
    target = x.T.reshape(1, 3, 8, 8, 8)
    errors = [float(((lvl - target) ** 2).mean()) for lvl in out.levels]
    assert errors[0] > errors[1] > errors[2], errors  # each stage codes what was left


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(TINY))
def test_training_lowers_the_error_and_is_seeded(kind):
    config = QuantizerConfig(kind=kind, latent_channels=3, **TINY[kind])
    data = cells()
    _, untrained = train_quantizer(config, data, FitConfig(steps=0), progress=False)
    fit = FitConfig(steps=30, batch_cells=256, lr=1e-2)
    first, trained = train_quantizer(config, data, fit, progress=False)
    second, again = train_quantizer(config, data, fit, progress=False)
    assert math.isnan(untrained.last_loss) and untrained.steps == 0
    assert trained.mse < untrained.mse, (trained.mse, untrained.mse)
    assert 0 < trained.codebook_usage[0] <= 1 and len(trained.codebook_usage) == config.num_levels
    assert trained == again
    for (k, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), k


def test_statistics_standardise_each_channel():
    config = QuantizerConfig(kind="fsq", latent_channels=3, levels=(5, 5, 5))
    data = cells()
    quantizer, _ = train_quantizer(config, data, FitConfig(steps=0), progress=False)
    z = quantizer.standardize(data)
    torch.testing.assert_close(z.mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.std(0), torch.ones(3), atol=1e-5, rtol=0)


def test_a_latent_of_other_width_is_refused():
    quantizer = LatentQuantizer(QuantizerConfig(kind="fsq", latent_channels=3, levels=(5, 5, 5)))
    with pytest.raises(ValueError, match="trained on 3-channel latents got a 4-channel"):
        quantizer(torch.zeros(1, 4, 1, 2, 2))
    with pytest.raises(ValueError, match="1 level"):
        quantizer.latent_from_indices([torch.zeros(1, 1, 2, 2, dtype=torch.long)] * 2)
