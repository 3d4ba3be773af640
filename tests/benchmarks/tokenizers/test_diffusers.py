"""Tests for the diffusers video VAE adapters (wan2.1, wan2.2, cogvideox, mochi, svd,
hunyuanvideo, hunyuanvideo1.5, ltx-video, cosmos-cv, easyanimate, kvae-video, qwen-image and
the continuous vidtok-kl; the discrete vidtok has its own file, ``test_vidtok.py``).

Every model is a tiny random one from ``tests.helpers.tiny_vaes``, saved with
``save_pretrained`` to a temporary folder and loaded through the tokenizer registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.diffusers_vae import DiffusersVideoVAE, padded_num_frames
from tests.helpers.tiny_vaes import (
    save_tiny_cogvideox,
    save_tiny_cosmos_cv,
    save_tiny_easyanimate,
    save_tiny_hunyuanvideo,
    save_tiny_hunyuanvideo15,
    save_tiny_kvae_video,
    save_tiny_ltx_video,
    save_tiny_mochi,
    save_tiny_qwen_image,
    save_tiny_svd,
    save_tiny_vidtok,
    save_tiny_wan,
    save_tiny_wan22,
    tiny_cogvideox,
    tiny_cosmos_cv,
    tiny_easyanimate,
    tiny_hunyuanvideo,
    tiny_hunyuanvideo15,
    tiny_kvae_video,
    tiny_ltx_video,
    tiny_mochi,
    tiny_qwen_image,
    tiny_svd,
    tiny_vidtok,
    tiny_wan,
    tiny_wan22,
)


@dataclass(frozen=True)
class Case:
    name: str
    save: Callable[[Path], Path]
    build: Callable[[], torch.nn.Module]
    class_name: str
    latent_channels: int
    spatial: int
    temporal: int
    convention: str
    license_word: str
    clip: tuple[int, int, int]  # a valid (t, h, w)
    ragged_clip: tuple[int, int, int]  # needs padding in t, h and w
    ragged_latent: tuple[int, int, int]  # (t', h', w') after padding
    # the clip lengths the model itself takes: front_frames + k * frame_multiple + 1
    frame_multiple: int = 1
    front_frames: int = 0


CASES = [
    Case(
        name="wan2.1",
        save=save_tiny_wan,
        build=tiny_wan,
        class_name="AutoencoderKLWan",
        latent_channels=16,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="Apache-2.0",
        clip=(9, 16, 16),
        ragged_clip=(7, 20, 12),
        ragged_latent=(3, 3, 2),
        frame_multiple=4,
    ),
    Case(
        name="wan2.2",
        save=save_tiny_wan22,
        build=tiny_wan22,
        class_name="AutoencoderKLWan",
        latent_channels=48,
        spatial=16,
        temporal=4,
        convention="causal",
        license_word="Apache-2.0",
        clip=(5, 32, 32),
        ragged_clip=(3, 20, 36),
        ragged_latent=(2, 2, 3),
        frame_multiple=4,
    ),
    Case(
        name="cogvideox",
        save=save_tiny_cogvideox,
        build=tiny_cogvideox,
        class_name="AutoencoderKLCogVideoX",
        latent_channels=4,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="Apache-2.0",
        clip=(9, 16, 16),
        ragged_clip=(5, 12, 16),
        ragged_latent=(3, 2, 2),
        frame_multiple=8,
    ),
    Case(
        name="mochi",
        save=save_tiny_mochi,
        build=tiny_mochi,
        class_name="AutoencoderKLMochi",
        latent_channels=4,
        spatial=8,
        temporal=6,
        convention="causal",
        license_word="Apache-2.0",
        clip=(7, 16, 16),
        ragged_clip=(4, 16, 20),
        ragged_latent=(2, 2, 3),
        frame_multiple=6,
    ),
    Case(
        name="svd",
        save=save_tiny_svd,
        build=tiny_svd,
        class_name="AutoencoderKLTemporalDecoder",
        latent_channels=4,
        spatial=2,
        temporal=1,
        convention="any",
        license_word="stable-video-diffusion",
        clip=(4, 16, 16),
        ragged_clip=(3, 15, 9),
        ragged_latent=(3, 8, 5),
    ),
    Case(
        name="hunyuanvideo",
        save=save_tiny_hunyuanvideo,
        build=tiny_hunyuanvideo,
        class_name="AutoencoderKLHunyuanVideo",
        latent_channels=4,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="Tencent Hunyuan Community License",
        clip=(9, 16, 16),
        ragged_clip=(7, 20, 12),
        ragged_latent=(3, 3, 2),
        frame_multiple=4,
    ),
    Case(
        name="hunyuanvideo1.5",
        save=save_tiny_hunyuanvideo15,
        build=tiny_hunyuanvideo15,
        class_name="AutoencoderKLHunyuanVideo15",
        latent_channels=4,
        spatial=16,
        temporal=4,
        convention="causal",
        license_word="Tencent Hunyuan Community License",
        clip=(5, 32, 32),
        ragged_clip=(3, 20, 36),
        ragged_latent=(2, 2, 3),
        frame_multiple=4,
    ),
    Case(
        name="ltx-video",
        save=save_tiny_ltx_video,
        build=tiny_ltx_video,
        class_name="AutoencoderKLLTXVideo",
        latent_channels=8,
        spatial=32,
        temporal=8,
        convention="causal",
        license_word="LTX-Video",
        clip=(9, 64, 64),
        ragged_clip=(5, 40, 70),
        ragged_latent=(2, 2, 3),
        frame_multiple=8,
    ),
    Case(
        name="cosmos-cv",
        save=save_tiny_cosmos_cv,
        build=tiny_cosmos_cv,
        class_name="AutoencoderKLCosmos",
        latent_channels=4,
        spatial=8,
        temporal=8,
        convention="causal",
        license_word="NVIDIA Open Model License",
        clip=(9, 16, 16),
        ragged_clip=(4, 12, 20),
        ragged_latent=(2, 2, 3),
        frame_multiple=8,
    ),
    Case(
        name="easyanimate",
        save=save_tiny_easyanimate,
        build=tiny_easyanimate,
        class_name="AutoencoderKLMagvit",
        latent_channels=4,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="Apache-2.0",
        clip=(9, 16, 16),
        ragged_clip=(6, 12, 20),
        ragged_latent=(3, 2, 3),
        frame_multiple=4,
    ),
    Case(
        name="kvae-video",
        save=save_tiny_kvae_video,
        build=tiny_kvae_video,
        class_name="AutoencoderKLKVAEVideo",
        latent_channels=4,
        spatial=4,
        temporal=4,
        convention="causal",
        license_word="see the model card",
        clip=(5, 16, 16),
        ragged_clip=(2, 10, 6),
        ragged_latent=(2, 3, 2),
        frame_multiple=4,
    ),
    Case(
        name="qwen-image",
        save=save_tiny_qwen_image,
        build=tiny_qwen_image,
        class_name="AutoencoderKLQwenImage",
        latent_channels=4,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="Apache-2.0",
        clip=(9, 16, 16),
        ragged_clip=(7, 20, 12),
        ragged_latent=(3, 3, 2),
        frame_multiple=4,
    ),
    Case(
        name="vidtok-kl",
        save=lambda path: save_tiny_vidtok(path, regularizer="kl"),
        build=lambda: tiny_vidtok(regularizer="kl"),
        class_name="AutoencoderVidTok",
        latent_channels=4,
        spatial=8,
        temporal=4,
        convention="causal",
        license_word="MIT",
        clip=(9, 16, 16),
        ragged_clip=(7, 20, 12),
        ragged_latent=(3, 3, 2),
        frame_multiple=4,
        front_frames=3,
    ),
]
CASE_IDS = [c.name for c in CASES]


def clip(t: int, h: int, w: int, *, seed: int = 0, batch: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("vaes")
    return {c.name: c.save(root / c.name) for c in CASES}


@pytest.fixture(scope="module")
def loaded(folders: dict[str, Path]) -> dict[str, DiffusersVideoVAE]:
    return {c.name: TOKENIZERS.get(c.name)(path=str(folders[c.name])) for c in CASES}


# spec and round trip ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_spec_is_read_from_the_config(case: Case, folders, loaded):
    tok = loaded[case.name]
    spec = tok.spec
    assert type(tok.vae).__name__ == case.class_name
    assert spec.name == case.name
    assert spec.vocab_size is None and spec.bits_per_token is None
    assert spec.latent_channels == spec.feature_dim == case.latent_channels
    assert spec.spatial_compression == case.spatial
    assert spec.temporal_compression == case.temporal
    assert spec.frame_convention == case.convention
    assert spec.weights == str(folders[case.name])
    assert case.license_word in spec.license
    assert spec.capabilities == {"decode", "features"} and spec.text_aligned is False
    assert spec.level_strides == ((case.temporal, case.spatial, case.spatial),)
    assert spec.causal is (case.convention == "causal") and spec.window_frames is None
    assert spec.n_params == sum(p.numel() for p in case.build().parameters()) > 0
    assert spec.valid_num_frames(case.clip[0])


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_latent_is_the_raw_posterior_mean(case: Case, loaded):
    tok = loaded[case.name]
    t, h, w = case.clip
    video = clip(t, h, w)
    encoded = tok.encode(video)
    reference = case.build()  # same seed, built independently of the saved folder
    with torch.no_grad():
        if case.name == "svd":
            frames = video.permute(0, 2, 1, 3, 4).reshape(t, 3, h, w)
            mean = reference.encode(frames).latent_dist.mean  # (t, c, h', w')
            mean = mean.permute(1, 0, 2, 3).unsqueeze(0)
        else:  # mode(): the mean, and the latent of Cosmos' posterior-free IdentityDistribution
            front = video[:, :, :1].expand(-1, -1, case.front_frames, -1, -1)
            mean = reference.encode(torch.cat([front, video], dim=2)).latent_dist.mode()
    assert encoded.indices is None and encoded.bits is None and encoded.latent is None
    assert len(encoded.features) == 1
    assert torch.equal(encoded.features[0], mean)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_round_trip_pads_then_trims(case: Case, loaded):
    tok = loaded[case.name]
    t, h, w = case.ragged_clip
    video = clip(t, h, w, seed=1, batch=2)
    encoded = tok.encode(video)
    assert encoded.num_frames == t and encoded.frame_size == (h, w)
    assert encoded.features[0].shape == (2, case.latent_channels, *case.ragged_latent)
    assert encoded.features[0].dtype == torch.float32
    out = tok.decode(encoded)
    assert out.shape == video.shape and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert out.min() >= -1 and out.max() <= 1
    # clips in a batch do not mix: the second clip alone gives the same latent and video
    alone = tok.encode(video[1:])
    torch.testing.assert_close(alone.features[0], encoded.features[0][1:], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(tok.decode(alone), out[1:], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_awkward_clips_reach_the_model_only_at_lengths_it_takes(
    case: Case, loaded, monkeypatch: pytest.MonkeyPatch
):
    # HunyuanVideo 1.5 raises on other lengths, EasyAnimate then fails on every later call,
    # the others floor them (frames lost): the spy sees every clip the model is given
    tok = loaded[case.name]
    t, h, w = case.clip
    valid = clip(t, h, w, seed=8)
    before = tok.encode(valid).features[0]
    seen: list[int] = []
    encode = tok.vae.encode

    def spy(x: torch.Tensor, *args, **kwargs):
        if x.ndim == 5:  # (b, 3, t, h, w); SVD's per-frame encoder takes (b t, 3, h, w)
            seen.append(x.shape[2])
        return encode(x, *args, **kwargs)

    monkeypatch.setattr(tok.vae, "encode", spy)
    for n, (dh, dw) in zip((1, 2, t + 1), ((3, 5), (1, 0), (0, 7)), strict=True):
        video = clip(n, h + dh, w + dw, seed=n)
        out = tok.decode(tok.encode(video))
        assert out.shape == video.shape and torch.isfinite(out).all()
    assert len(seen) == (0 if case.name == "svd" else 3)
    for n in seen:
        assert (n - case.front_frames - 1) % case.frame_multiple == 0, (case.name, seen)
    # no state left behind: the first clip encodes as before
    assert torch.equal(tok.encode(valid).features[0], before)


@pytest.mark.parametrize("name", ["cosmos-cv", "kvae-video"])
def test_deterministic_encoders_refuse_sampling(name: str, folders):
    with pytest.raises(ValueError, match=f"{name}: sample=true has no posterior"):
        TOKENIZERS.get(name)(path=str(folders[name]), sample=True)


def test_kvae_config_asking_more_time_compression_than_its_levels(tmp_path: Path):
    folder = save_tiny_kvae_video(tmp_path / "kvae")
    config = json.loads((folder / "config.json").read_text())
    config["temporal_compress_times"] = 8  # three levels halve t at most twice
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="temporal_compress_times 8 must be a power of 2 of at"):
        TOKENIZERS.get("kvae-video")(path=str(folder))


def test_ltx_compression_is_the_configs_when_written(tmp_path: Path):
    # LTX-Video 0.9.5+ configs write the ratios; 0.9.1 ones (the tiny one) leave them null
    folder = save_tiny_ltx_video(tmp_path / "ltx")
    assert json.loads((folder / "config.json").read_text())["spatial_compression_ratio"] is None
    config = json.loads((folder / "config.json").read_text())
    config["spatial_compression_ratio"] = 16
    (folder / "config.json").write_text(json.dumps(config))
    tok = TOKENIZERS.get("ltx-video")(path=str(folder))
    assert tok.spec.spatial_compression == 16 and tok.spec.temporal_compression == 8
    # a ratio the layers do not give is caught at the first encode, naming both grids
    with pytest.raises(ValueError, match=r"ltx-video: the model encoded .* its config"):
        tok.encode(clip(9, 64, 64))


def test_padded_num_frames():
    assert padded_num_frames(7, convention="causal", multiple=4) == 9
    assert padded_num_frames(9, convention="causal", multiple=4) == 9
    assert padded_num_frames(13, convention="causal", multiple=8) == 17
    assert padded_num_frames(2, convention="causal", multiple=6) == 7
    assert padded_num_frames(5, convention="blocks", multiple=4) == 8
    assert padded_num_frames(3, convention="any", multiple=1) == 3


def test_cogvideox_length_off_its_8k_plus_1_grid_decodes_aligned(loaded):
    # 13 frames is 4k + 1 but not 8k + 1: CogVideoX's decoder would misalign its latent
    # pairs, so the adapter pads to 17 frames; the first 9 decoded frames then match a
    # 9-frame clip's (causal encoder and decoder).
    tok = loaded["cogvideox"]
    video = clip(13, 16, 16, seed=2)
    encoded = tok.encode(video)
    assert encoded.features[0].shape[2] == 5
    out = tok.decode(encoded)
    assert out.shape[2] == 13
    head = tok.decode(tok.encode(video[:, :, :9]))
    torch.testing.assert_close(out[:, :, :9], head, rtol=1e-4, atol=1e-4)


def test_encode_keeps_no_state_between_calls(loaded):
    tok = loaded["wan2.1"]
    a, b = clip(9, 16, 16, seed=3), clip(5, 24, 16, seed=4)
    first = tok.encode(a).features[0]
    tok.encode(b)
    tok.decode(tok.encode(b))
    assert torch.equal(tok.encode(a).features[0], first)


# options -------------------------------------------------------------------------------------


def test_tiling_option(folders, loaded):
    untiled = loaded["wan2.1"]
    tiled = TOKENIZERS.get("wan2.1")(path=str(folders["wan2.1"]), tile_size=16, tile_overlap=8)
    whole = TOKENIZERS.get("wan2.1")(path=str(folders["wan2.1"]), tile_size=64)
    assert tiled.tiling == (16, 8) and whole.tiling == (64, 16)
    video = clip(5, 24, 40, seed=5)
    reference = untiled.encode(video)
    encoded = tiled.encode(video)
    assert encoded.features[0].shape == reference.features[0].shape
    assert not torch.equal(encoded.features[0], reference.features[0])
    out = tiled.decode(encoded)
    assert out.shape == video.shape and torch.isfinite(out).all()
    # a tile covering the frame is the untiled computation
    assert torch.equal(whole.encode(video).features[0], reference.features[0])
    assert torch.equal(whole.decode(reference), untiled.decode(reference))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tile_size": 20}, "multiple of 8"),
        ({"tile_size": 16, "tile_overlap": 16}, "tile_overlap"),
        ({"tile_overlap": 8}, "tile_size is not"),
        ({"dtype": "float64"}, "dtype must be one of"),
        ({"sample": "yes"}, "sample must be"),
    ],
)
def test_bad_options_are_rejected(folders, kwargs: dict, match: str):
    with pytest.raises(ValueError, match=match):
        TOKENIZERS.get("wan2.1")(path=str(folders["wan2.1"]), **kwargs)


def test_sample_draws_from_the_posterior(folders, loaded):
    sampler = TOKENIZERS.get("wan2.1")(path=str(folders["wan2.1"]), sample=True)
    video = clip(5, 16, 16, seed=6)
    torch.manual_seed(0)
    first = sampler.encode(video).features[0]
    torch.manual_seed(0)
    again = sampler.encode(video).features[0]
    mean = loaded["wan2.1"].encode(video).features[0]
    assert torch.equal(first, again)
    assert not torch.allclose(first, mean)


def test_bfloat16(folders):
    tok = TOKENIZERS.get("wan2.1")(path=str(folders["wan2.1"]), dtype="bfloat16")
    assert tok.dtype == torch.bfloat16
    video = clip(5, 16, 16, seed=7)
    encoded = tok.encode(video)
    assert encoded.features[0].dtype == torch.float32
    out = tok.decode(encoded)
    assert out.dtype == torch.float32 and out.shape == video.shape


def test_home_is_expanded(folders, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", str(folders["svd"].parent))
    tok = TOKENIZERS.get("svd")(path="~/svd")
    assert tok.spec.weights == str(folders["svd"])


# folder errors ------------------------------------------------------------------------------


def test_missing_folder_names_the_expected_files(tmp_path: Path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as err:
        TOKENIZERS.get("mochi")(path=str(missing))
    message = str(err.value)
    assert str(missing) in message
    assert "config.json" in message and "diffusion_pytorch_model.safetensors" in message
    assert "AutoencoderKLMochi" in message


def test_pipeline_root_points_to_its_vae_folder(tmp_path: Path):
    save_tiny_svd(tmp_path / "vae")
    with pytest.raises(FileNotFoundError, match="did you mean .*vae"):
        TOKENIZERS.get("svd")(path=str(tmp_path))


def test_missing_weights_are_named(tmp_path: Path):
    folder = save_tiny_svd(tmp_path / "svd")
    (folder / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="diffusion_pytorch_model.safetensors"):
        TOKENIZERS.get("svd")(path=str(folder))
    (folder / "diffusion_pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(FileNotFoundError, match="pickled weights are not loaded"):
        TOKENIZERS.get("svd")(path=str(folder))


def test_wrong_class_name_is_named(folders):
    with pytest.raises(ValueError) as err:
        TOKENIZERS.get("wan2.1")(path=str(folders["cogvideox"]))
    message = str(err.value)
    assert "'AutoencoderKLCogVideoX'" in message and "'AutoencoderKLWan'" in message
    assert "config.json" in message


def test_unreadable_config_is_named(tmp_path: Path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        TOKENIZERS.get("svd")(path=str(tmp_path))


def test_config_without_class_name(tmp_path: Path):
    (tmp_path / "config.json").write_text(json.dumps({"latent_channels": 4}))
    with pytest.raises(ValueError, match="_class_name is None, expected 'AutoencoderKLWan'"):
        TOKENIZERS.get("wan2.2")(path=str(tmp_path))
