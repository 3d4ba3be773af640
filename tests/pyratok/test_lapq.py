"""LaPQ blocks and the causal backbone: shapes, causality, text guidance, ablation modes."""

from __future__ import annotations

import pytest
import torch

from pyratok.backbones.causal_vae import CausalEncoder, pad_frames
from pyratok.lapq import LaPQ, TextContext, resample_codes
from pyratok.lfq import LFQ
from tests.helpers.pyratok_tiny import TEXT_DIM, FakeTextEncoder, random_video

torch.set_num_threads(1)


def _text(texts: list[str]) -> TextContext:
    emb = FakeTextEncoder().encode(texts)
    return TextContext(tokens=emb.tokens, mask=emb.mask)


def _lapq(*, text_guidance=True, plain=False, levels=3) -> LaPQ:
    torch.manual_seed(0)
    return LaPQ(in_channels=[8, 12, 16][:levels], quantizer=LFQ(dim=8, group_bits=4),
                block_dim=16, code_dim=8, text_dim=TEXT_DIM, sem_dim=16, heads=2,
                text_guidance=text_guidance, plain=plain)


def _features(b=2, seed=0) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 8, 5, 8, 8, generator=gen), torch.randn(b, 12, 3, 4, 4, generator=gen),
            torch.randn(b, 16, 2, 2, 2, generator=gen)]


def test_levels_have_their_grids_and_consistent_indices():
    lapq = _lapq()
    out = lapq(_features(), _text(["a red circle", "a blue star moving left"]))
    assert [tuple(lv.codes.shape) for lv in out.levels] == [
        (2, 8, 5, 8, 8), (2, 8, 3, 4, 4), (2, 8, 2, 2, 2)]
    for i, level in enumerate(out.levels):
        assert level.indices.shape == level.codes.shape[:1] + level.codes.shape[2:]
        codes = level.codes.detach().movedim(1, -1)
        assert torch.equal(lapq.quantizer.codes_to_indices(codes), level.indices)
        assert level.features.shape == (2, 16, *level.codes.shape[2:])
        assert torch.allclose(level.features.norm(dim=1), torch.ones(1), atol=1e-5)
        assert torch.allclose(level.features, lapq.features_from_codes(level.codes, i))


@pytest.mark.slow
def test_text_changes_the_codes_only_with_text_guidance():
    feats = _features()
    a, b = _text(["a red circle", "a red circle"]), _text(["a green cross", "a purple star"])
    guided = _lapq(text_guidance=True)
    assert not torch.equal(guided(feats, a).levels[0].codes, guided(feats, b).levels[0].codes)
    unguided = _lapq(text_guidance=False)
    assert all(block.attn is None for block in unguided.blocks)
    assert torch.equal(unguided(feats, a).levels[0].codes, unguided(feats, b).levels[0].codes)


@pytest.mark.slow
def test_previous_level_feeds_the_next_block():
    lapq = _lapq()
    feats = _features()
    base = lapq(feats, _text(["x", "y"]))
    changed = [feats[0] + 1.0, feats[1], feats[2]]
    other = lapq(changed, _text(["x", "y"]))
    assert not torch.equal(base.levels[1].codes, other.levels[1].codes)  # via q^(1)


def test_plain_mode_is_one_untexted_level():
    lapq = _lapq(plain=True, levels=1)
    out = lapq([torch.randn(2, 8, 2, 2, 2)], None)
    assert len(out.levels) == 1 and not lapq.text_guidance


def test_causal_temporal_resampling_never_looks_ahead():
    x = torch.randn(1, 3, 5, 4, 4)
    y = resample_codes(x, (3, 2, 2))
    assert y.shape == (1, 3, 3, 2, 2)
    x2 = x.clone()
    x2[:, :, 4] += 10  # the last step only reaches the last coarse step
    y2 = resample_codes(x2, (3, 2, 2))
    assert torch.equal(y[:, :, :2], y2[:, :, :2]) and not torch.equal(y[:, :, 2], y2[:, :, 2])
    # step 0 stays alone: the coarse step 0 is the spatial mean of fine step 0
    assert torch.allclose(y[:, :, 0], x[:, :, 0].reshape(1, 3, 2, 2, 2, 2).mean((3, 5)))


def test_encoder_is_causal_in_time():
    torch.manual_seed(0)
    encoder = CausalEncoder(pre=8, stages=(8, 8, 8, 8)).eval()
    video = random_video(b=1, t=9, size=32)
    later = video.clone()
    later[:, :, 5:] = 0.0  # change frames 5..8
    with torch.no_grad():
        a, b = encoder(video).levels, encoder(later).levels
    # S1 has temporal stride 2: step k covers frames 2k-1, 2k -> steps 0..2 see frames <= 4
    assert torch.equal(a[0][:, :, :3], b[0][:, :, :3]) and not torch.equal(a[0], b[0])
    # S4 has stride 8: step 0 is frame 0 alone
    assert torch.equal(a[3][:, :, :1], b[3][:, :, :1])


@pytest.mark.parametrize("frames", [1, 5, 9, 13])
def test_pad_frames_reaches_one_plus_eight_k(frames):
    padded = pad_frames(random_video(b=1, t=frames, size=16))
    assert (padded.shape[2] - 1) % 8 == 0 and padded.shape[2] >= frames


def test_semantic_features_are_causal_and_see_neighbouring_tokens():
    lapq = _lapq()
    gen = torch.Generator().manual_seed(0)
    codes = torch.randint(0, 2, (1, 8, 5, 8, 8), generator=gen).float() * 2 - 1
    base = lapq.features_from_codes(codes, 0)
    assert base.shape == (1, 16, 5, 8, 8)
    assert torch.allclose(base.norm(dim=1), torch.ones(1, 5, 8, 8), atol=1e-5)
    later = codes.clone()
    later[:, :, 3:] *= -1  # change steps 3, 4 only
    changed = lapq.features_from_codes(later, 0)
    assert torch.allclose(changed[:, :, :3], base[:, :, :3], atol=1e-6)
    assert not torch.allclose(changed[:, :, 3:], base[:, :, 3:])
    one = codes.clone()
    one[:, :, 1, 4, 4] *= -1  # one token: its spatial neighbours' features move too
    moved = (lapq.features_from_codes(one, 0) - base).abs().amax(1)[0]  # (t, h, w)
    assert moved[1, 4, 5] > 0 and moved[1, 3, 4] > 0 and moved[2, 4, 4] > 0
    assert moved[0].max() == 0  # ... but never an earlier step


def test_attention_pool_starts_as_the_mean_and_can_single_out_tokens():
    import torch.nn.functional as F

    lapq = _lapq()
    gen = torch.Generator().manual_seed(1)
    feats = F.normalize(torch.randn(2, 16, 3, 4, 4, generator=gen), dim=1)
    mean = F.normalize(feats.mean((2, 3, 4)), dim=-1)
    assert torch.allclose(lapq.pool(feats, 0), mean, atol=1e-6)  # zero-initialised scores
    target = feats[:, :, 2, 1, 3]  # make one token's direction score far above the rest
    with torch.no_grad():
        lapq.pool_score[0].weight.copy_(100 * target[:1])
    pooled = lapq.pool(feats, 0)
    assert torch.allclose(pooled[0], target[0], atol=1e-3)
