"""``features`` / ``embed_video`` / ``bits`` contract, parametrized over EVERY registered tokenizer.

Tokenizers are built from tiny random weights (``tests.helpers.tokenizer_builders``); the
PyraTok-specific checks use the bundled checkpoint, whose attention pooling is trained.
Expected grids and frame → step maps are written out here by hand, independently of
``benchmarks.tokenizers.grid``.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.avgpool import AvgPoolTokenizer
from benchmarks.tokenizers.base import LevelFeatures, TokenizerSpec, VideoTokenizer
from benchmarks.tokenizers.identity import IdentityTokenizer
from tests.helpers.tokenizer_builders import build_tokenizer, clip_shape

NAMES = TOKENIZERS.names()
RAGGED = (11, 40, 56)  # pads in t (cogvideox, pyratok) and in h, w (pyratok: to 48 x 64)


def clip(t: int, h: int, w: int, *, seed: int = 0, batch: int = 2) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, VideoTokenizer] = {}

    def get(name: str) -> VideoTokenizer:
        if name not in cache:
            folder = tmp_path_factory.mktemp(name.replace(".", "_"))
            cache[name] = build_tokenizer(name, folder).eval()
        return cache[name]

    return get


# by-hand layouts ------------------------------------------------------------------------------


def hand_steps(t: int, s: int, causal: bool) -> int:
    return 1 + math.ceil((t - 1) / s) if causal else math.ceil(t / s)


def hand_frame_to_step(t: int, s: int, causal: bool) -> list[int]:
    if causal:  # step 0 = frame 0 alone, step j = frames (j - 1) s + 1 ... j s
        return [0 if f == 0 else (f - 1) // s + 1 for f in range(t)]
    return [f // s for f in range(t)]


# registry-wide --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_features_are_cropped_to_the_valid_grid(name, tokenizer):
    tok = tokenizer(name)
    spec = tok.spec
    if "features" not in spec.capabilities:
        pytest.skip(f"{name} has no 'features' capability")
    t, h, w = RAGGED
    video = clip(t, h, w)
    encoded = tok.encode(video)
    assert encoded.num_levels == spec.num_levels == len(spec.level_strides)
    for level, stride in enumerate(spec.level_strides):
        s_t, s_h, s_w = stride
        feats = tok.features(video, level)
        assert isinstance(feats, LevelFeatures)
        assert feats.level == level and feats.stride == stride and feats.causal == spec.causal
        assert feats.num_frames == t and feats.frame_size == (h, w)
        valid = (hand_steps(t, s_t, spec.causal), math.ceil(h / s_h), math.ceil(w / s_w))
        assert feats.features.shape == (2, spec.feature_dim, *valid)
        # the crop keeps the leading cells of what encode returned
        full = encoded.features[level]
        assert all(n >= v for n, v in zip(full.shape[2:], valid, strict=True))
        torch.testing.assert_close(feats.features, full[:, :, : valid[0], : valid[1], : valid[2]])
        steps = feats.frame_to_step
        assert steps.dtype == torch.int64 and steps.shape == (t,)
        assert steps.tolist() == hand_frame_to_step(t, s_t, spec.causal)
        for step in range(valid[0]):
            assert list(feats.step_frames(step)) == [f for f in range(t) if steps[f] == step]
    deepest = tok.features(video, -1)
    assert deepest.level == spec.num_levels - 1


@pytest.mark.parametrize("name", NAMES)
def test_embed_video_is_unit_norm_and_pools_every_level(name, tokenizer):
    tok = tokenizer(name)
    spec = tok.spec
    if "features" not in spec.capabilities:
        pytest.skip(f"{name} has no 'features' capability")
    video = clip(*clip_shape(name, spec), seed=1)
    per_level = [tok.embed_video(video, level) for level in range(spec.num_levels)]
    for emb in per_level:
        assert emb.shape == (2, spec.feature_dim)
        torch.testing.assert_close(emb.norm(dim=-1), torch.ones(2))
    whole = tok.embed_video(video)
    assert whole.shape == (2, spec.feature_dim)
    torch.testing.assert_close(whole.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(whole, F.normalize(torch.stack(per_level).mean(0), dim=-1))
    if type(tok).pool_features is VideoTokenizer.pool_features:  # the default: a plain mean
        feats = tok.features(video, 0).features
        torch.testing.assert_close(per_level[0], F.normalize(feats.mean(dim=(2, 3, 4)), dim=-1))


@pytest.mark.parametrize("name", NAMES)
def test_level_out_of_range_names_tokenizer_level_and_count(name, tokenizer):
    tok = tokenizer(name)
    if "features" not in tok.spec.capabilities:
        pytest.skip(f"{name} has no 'features' capability")
    n = tok.spec.num_levels
    video = clip(*clip_shape(name, tok.spec), batch=1)
    with pytest.raises(ValueError, match=rf"'{name}' has {n} level.*got level {n}\b"):
        tok.features(video, n)
    with pytest.raises(ValueError, match=rf"'{name}' has {n} level.*got level -{n + 1}\b"):
        tok.embed_video(video, -(n + 1))


@pytest.mark.parametrize("name", NAMES)
def test_bits_per_token_means_one_index_everywhere(name, tokenizer):
    tok = tokenizer(name)
    spec = tok.spec
    video = clip(*clip_shape(name, spec))
    encoded = tok.encode(video)
    if "bits" not in spec.capabilities:
        assert spec.vocab_size is None and spec.bits_per_token is None
        assert encoded.bits is None and encoded.indices is None
        return
    assert spec.bits_per_token == math.log2(spec.vocab_size)
    assert encoded.indices is not None and len(encoded.indices) == spec.num_levels
    for i in range(2):
        indices_of_clip = sum(idx[i].numel() for idx in encoded.indices)
        assert encoded.bits[i].item() == spec.bits_per_token * indices_of_clip


# spec ---------------------------------------------------------------------------------------


def _spec(**changes) -> TokenizerSpec:
    fields = dict(
        name="toy",
        n_params=0,
        vocab_size=2**16,
        bits_per_token=16.0,
        latent_channels=4,
        feature_dim=4,
        spatial_compression=8,
        temporal_compression=4,
        frame_convention="causal",
        weights="none",
        license="n/a",
        capabilities=frozenset({"decode", "features", "bits"}),
    )
    return TokenizerSpec(**{**fields, **changes})


def test_spec_defaults_and_consistency_checks():
    spec = _spec()
    assert spec.level_strides == ((4, 8, 8),) and spec.num_levels == 1 and spec.causal
    assert not spec.text_aligned and _spec(frame_convention="blocks").causal is False
    with pytest.raises(ValueError, match="'toy'.*log2\\(vocab_size\\) = 16.0.*got 64"):
        _spec(bits_per_token=64.0)  # the old "summed over levels" meaning
    with pytest.raises(ValueError, match="unknown capabilities \\['video'\\]"):
        _spec(capabilities={"decode", "bits", "video"})
    with pytest.raises(ValueError, match="capability 'bits' goes with a vocab_size"):
        _spec(vocab_size=None, bits_per_token=None)
    with pytest.raises(ValueError, match="starting with the finest level's \\(4, 8, 8\\)"):
        _spec(level_strides=((2, 8, 8),))
    with pytest.raises(ValueError, match="window=16"):
        _spec(window_frames=16)


def test_missing_features_capability_is_a_clear_error():
    tok = IdentityTokenizer()
    tok.spec = TokenizerSpec(**{**tok.spec.to_dict(), "capabilities": ["decode"]})
    with pytest.raises(NotImplementedError, match="'identity' lacks the 'features' capability"):
        tok.features(clip(2, 4, 4))
    with pytest.raises(NotImplementedError, match="'identity' lacks the 'features'"):
        tok.embed_video(clip(2, 4, 4))


def test_blocks_layout_of_avgpool():
    tok = AvgPoolTokenizer(factor=4, temporal=2)
    feats = tok.features(clip(10, 8, 12), 0)
    assert not feats.causal and feats.features.shape == (2, 3, 5, 2, 3)
    assert feats.frame_to_step.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert feats.step_frames(4) == range(8, 10)


# pyratok-release: causal state restarts every 17 frames ---------------------------------------


def test_release_frame_to_step_restarts_every_window(tokenizer):
    tok = tokenizer("pyratok-release")
    video = clip(21, 16, 16, batch=1)  # a 17-frame window, then 4 frames
    encoded = tok.encode(video)
    assert encoded.features[0].shape[2] == 7  # 5 + 2 steps
    for level in range(4):
        feats = tok.level_features(encoded, level)
        assert feats.features.shape == (1, 16, 7, 2, 2)
        assert feats.frame_to_step.tolist() == [
            0,
            1,
            1,
            1,
            1,
            2,
            2,
            2,
            2,
            3,
            3,
            3,
            3,
            4,
            4,
            4,
            4,  # frames 0-16
            5,
            6,
            6,
            6,  # frame 17 alone, then 18-20
        ]
    assert feats.step_frames(5) == range(17, 18) and feats.step_frames(6) == range(18, 21)


# pyratok: trained attention pooling on the cropped features ----------------------------------


@pytest.fixture(scope="module")
def demo_tokenizer():
    from benchmarks.tokenizers.pyratok import create_pyratok

    return create_pyratok()  # the bundled checkpoint


def test_pyratok_spec_channels(demo_tokenizer):
    spec, config = demo_tokenizer.spec, demo_tokenizer.model.config
    assert spec.latent_channels == config.code_dim and spec.feature_dim == config.sem_dim
    assert spec.level_strides == ((2, 4, 4), (4, 8, 8), (4, 16, 16), (8, 16, 16))
    assert spec.capabilities == {"decode", "features", "text", "bits"} and spec.causal


@pytest.mark.slow
def test_pyratok_embed_video_is_the_models_clip_embedding(demo_tokenizer):
    model = demo_tokenizer.model
    video = clip(17, 64, 64, seed=2)  # no padding: 1 + 8k frames, a multiple of 16
    encoding = model.encode(video)
    torch.testing.assert_close(
        demo_tokenizer.embed_video(video), model.clip_embedding(encoding), rtol=0, atol=1e-6
    )
    for level, expected in enumerate(model.clip_embeddings(encoding)):
        torch.testing.assert_close(
            demo_tokenizer.embed_video(video, level), expected, rtol=0, atol=1e-6
        )


@pytest.mark.slow
def test_pyratok_padding_never_reaches_features_or_embeddings(demo_tokenizer):
    model = demo_tokenizer.model
    video = clip(13, 60, 60, seed=3, batch=1)  # pads to 17 frames at 64 x 64
    encoding = model.encode(video)
    # (t', h', w') of the valid grid per level, strides (2, 4), (4, 8), (4, 16), (8, 16)
    valid = [(7, 15, 15), (4, 8, 8), (4, 4, 4), (3, 4, 4)]
    assert tuple(encoding.levels[0].features.shape[2:]) == (9, 16, 16)  # padding is there
    feats = demo_tokenizer.features(video, 0)
    assert feats.frame_to_step.tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    pooled = []
    for level, grid in enumerate(valid):
        feats = demo_tokenizer.features(video, level)
        assert feats.features.shape == (1, model.config.sem_dim, *grid)
        t, h, w = grid
        cropped = encoding.levels[level].features[:, :, :t, :h, :w]
        expected = model.lapq.pool(cropped, level)
        got = demo_tokenizer.embed_video(video, level)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
        pooled.append(expected)
    uncropped = model.lapq.pool(encoding.levels[0].features, 0)
    assert not torch.allclose(pooled[0], uncropped, atol=1e-4)
    torch.testing.assert_close(
        demo_tokenizer.embed_video(video),
        F.normalize(torch.stack(pooled).mean(0), dim=-1),
        rtol=0,
        atol=1e-6,
    )
