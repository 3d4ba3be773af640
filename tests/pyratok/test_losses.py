"""Loss terms: SSIM against skimage, each term finite and absent when switched off, AR causality."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from pyratok.ar import ARAlignment
from pyratok.losses import PyraTokObjective, ssim
from tests.helpers.pyratok_tiny import random_video, tiny_model, tiny_train_config

torch.set_num_threads(1)
TEXTS = ["a red circle moving left on a beige background", "a blue star rotating"]
CODEBOOK_TERMS = {"w_commit": "commit", "w_entropy": "entropy", "w_hier_kl": "hier_kl",
                  "w_text_cond": "text_cond", "w_text_codebook": "text_codebook"}
TOP_TERMS = {"lambda_ar": "ar", "lambda_drift": "drift", "lambda_recon": "l1"}


def test_ssim_matches_skimage():
    from skimage.metrics import structural_similarity

    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, 2, 32, 32, generator=gen)
    y = (x + 0.1 * torch.randn(x.shape, generator=gen)).clamp(0, 1)
    ref = np.mean([
        structural_similarity(x[0, :, t].permute(1, 2, 0).numpy(),
                              y[0, :, t].permute(1, 2, 0).numpy(), data_range=1.0,
                              channel_axis=-1, gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False)
        for t in range(2)
    ])
    assert math.isclose(float(ssim(x, y)), float(ref), abs_tol=1e-4)
    assert math.isclose(float(ssim(x, x)), 1.0, abs_tol=1e-5)


def _terms(tmp_path, **weights):
    model = tiny_model().train()
    objective = PyraTokObjective(model, tiny_train_config(tmp_path, **weights))
    video = random_video()
    fwd = model.forward_train(video, TEXTS, text_drop=torch.tensor([True, False]))
    out = objective(model, fwd, video, video, TEXTS)
    return out, objective


def test_every_term_is_finite_with_all_switches_on(tmp_path):
    out, objective = _terms(tmp_path)
    expected = {"l1", "ssim", "commit", "entropy", "hier_kl", "text_cond", "text_codebook",
                "ar", "drift"}
    assert expected <= set(out.terms)
    assert all(math.isfinite(v) for v in out.terms.values()) and torch.isfinite(out.total)
    assert any("lpips(skipped" in t for t in objective.active_terms())


@pytest.mark.slow
@pytest.mark.parametrize("switch", sorted(CODEBOOK_TERMS) + sorted(TOP_TERMS))
def test_a_term_switched_off_is_not_computed(tmp_path, switch):
    name = CODEBOOK_TERMS.get(switch) or TOP_TERMS[switch]
    out, objective = _terms(tmp_path, **{switch: 0.0})
    assert name not in out.terms
    assert not any(t.startswith(name) for t in objective.active_terms())
    if switch == "lambda_ar":
        assert objective.ar is None
    if switch == "lambda_drift":
        assert objective.drift_head is None


@pytest.mark.slow
def test_codebook_switch_removes_all_five_terms(tmp_path):
    out, _ = _terms(tmp_path, lambda_codebook=0.0)
    assert not set(CODEBOOK_TERMS.values()) & set(out.terms)


@pytest.mark.slow
def test_lpips_is_never_computed_with_random_weights(tmp_path, caplog):
    with caplog.at_level("INFO", logger="pyratok"):
        out, _ = _terms(tmp_path)
    assert "lpips" not in out.terms
    assert "LPIPS term skipped" in caplog.text


def test_text_alignment_prefers_the_matching_caption(tmp_path):
    """KL(P_target || P) is lower when the clip embedding equals its caption's embedding."""
    model = tiny_model()
    objective = PyraTokObjective(model, tiny_train_config(tmp_path))
    pooled = model.text_encoder.encode(TEXTS).pooled
    u = model.project_text(pooled).detach()

    class Level:  # features constant over tokens = the given embedding
        def __init__(self, emb):
            self.features = emb[:, :, None, None, None].expand(-1, -1, 1, 2, 2)

    class Out:
        def __init__(self, emb):
            self.levels = [Level(emb)]

    matched = objective._text_conditioned(model, Out(u), pooled)
    swapped = objective._text_conditioned(model, Out(u.flip(0)), pooled)
    assert float(matched.detach()) < float(swapped.detach())


def test_ar_predictions_only_see_the_past():
    torch.manual_seed(0)
    ar = ARAlignment(code_dim=4, text_dim=8, levels=2, width=16, depth=1, heads=2, pool=2)
    codes = [torch.randn(1, 4, 3, 4, 4).sign(), torch.randn(1, 4, 2, 2, 2).sign()]
    text = torch.randn(1, 8)
    codes_late = [codes[0], -codes[1]]
    captured = []
    hook = ar.head.register_forward_hook(lambda m, i, o: captured.append(o.detach()))
    ar(codes, text)
    ar(codes_late, text)
    hook.remove()
    first, second = captured
    m = 4  # pooled tokens per level
    assert torch.allclose(first[:, :m + 1], second[:, :m + 1])  # level 1 + first of level 2
    assert not torch.allclose(first[:, m + 1:], second[:, m + 1:])
    out = ar(codes, text)
    assert torch.isfinite(out.loss) and 0 <= float(out.bit_accuracy) <= 1
