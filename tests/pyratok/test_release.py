"""Tests for the released PyraTok layout: residual sign quantizer, folder loading, adapter."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import pyratok.release as release
from benchmarks.tokenizers.pyratok_release import PyraTokReleaseTokenizer, create_pyratok_release
from pyratok.release import (
    frame_windows,
    indices_to_codes,
    indices_to_latent,
    latent_windows,
    load_release_vae,
    residual_sign_quantize,
    signs_to_indices,
)
from tests.helpers.tiny_vaes import RELEASE_EXTRA_KEYS, save_tiny_release, tiny_wan

WEIGHTS = "diffusion_pytorch_model.safetensors"


def clip(t: int, h: int, w: int, *, seed: int = 0, batch: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_release(tmp_path_factory.mktemp("release") / "pyratok")


@pytest.fixture(scope="module")
def tokenizer(folder: Path) -> PyraTokReleaseTokenizer:
    return create_pyratok_release(path=str(folder))


@pytest.fixture(scope="module")
def reference():
    """The same tiny Wan VAE, built from its seed, never saved or loaded."""
    return tiny_wan(z_dim=16, seed=0)


# quantizer ----------------------------------------------------------------------------------


def test_residual_levels_by_hand():
    # one channel, five cells; the other 15 channels are zero
    values = torch.tensor([0.3, 0.0, -2.0, 1.9, -0.3])
    latent = torch.zeros(1, 16, 1, 1, 5)
    latent[0, 0, 0, 0] = values
    out = residual_sign_quantize(latent)
    #   0.3: +1 (r -0.7), -1/2 (r -0.2), -1/4 (r 0.05), +1/8          -> 0.375
    #   0.0: +1 (sign(0) = +1), -1/2, -1/4, -1/8                       -> 0.125
    #  -2.0: -1, -1/2, -1/4, -1/8                                       -> -1.875
    #   1.9: +1, +1/2, +1/4, +1/8                                       -> 1.875
    #  -0.3: -1 (r 0.7), +1/2 (r 0.2), +1/4 (r -0.05), -1/8             -> -0.375
    expected_levels = torch.tensor(
        [
            [1.0, 1.0, -1.0, 1.0, -1.0],
            [-0.5, -0.5, -0.5, 0.5, 0.5],
            [-0.25, -0.25, -0.25, 0.25, 0.25],
            [0.125, -0.125, -0.125, 0.125, -0.125],
        ]
    )
    for level, code in enumerate(out.codes):
        assert torch.equal(code[0, 0, 0, 0], expected_levels[level])
    assert torch.equal(out.latent[0, 0, 0, 0], torch.tensor([0.375, 0.125, -1.875, 1.875, -0.375]))
    # zero channels: +1, -1/2, -1/4, -1/8 -> 0.125
    assert torch.equal(out.latent[0, 1:], torch.full((15, 1, 1, 5), 0.125))


def test_channel_0_is_the_most_significant_bit():
    latent = -torch.ones(1, 16, 1, 1, 4)
    latent[0, 0, 0, 0, 0] = 1.0  # only channel 0 non-negative
    latent[0, 15, 0, 0, 1] = 0.0  # only channel 15 non-negative (0 counts as +)
    latent[0, :, 0, 0, 2] = 0.5  # all non-negative
    indices = signs_to_indices(latent)  # (b, t, h, w)
    assert indices.dtype == torch.int64 and indices.shape == (1, 1, 1, 4)
    assert indices.flatten().tolist() == [2**15, 1, 2**16 - 1, 0]
    codes = indices_to_codes(torch.tensor([[[[2**15]]]]), level=0)
    assert codes.flatten().tolist() == [1.0] + [-1.0] * 15


def test_index_code_round_trip_at_every_level():
    torch.manual_seed(0)
    latent = torch.randn(2, 16, 3, 4, 5) * 1.5
    out = residual_sign_quantize(latent)
    for level, (code, idx) in enumerate(zip(out.codes, out.indices, strict=True)):
        assert idx.shape == (2, 3, 4, 5) and idx.min() >= 0 and idx.max() < 2**16
        assert torch.equal(indices_to_codes(idx, level=level), code)
        assert torch.equal(signs_to_indices(code), idx)
    assert torch.equal(indices_to_latent(out.indices), out.latent)
    # every index is reachable: random indices survive indices -> codes -> indices
    random_indices = torch.randint(0, 2**16, (3, 2, 2, 2))
    for level in range(4):
        assert torch.equal(
            signs_to_indices(indices_to_codes(random_indices, level=level)), random_indices
        )


def test_quantization_error_halves_per_level():
    torch.manual_seed(0)
    latent = torch.rand(1, 16, 2, 4, 4) * 3.8 - 1.9  # inside the reach of 4 levels (±1.875)
    out = residual_sign_quantize(latent)
    assert (out.latent - latent).abs().max() <= 0.125


def test_indices_out_of_range_are_rejected():
    with pytest.raises(ValueError, match="indices must lie in"):
        indices_to_codes(torch.tensor([[[[2**16]]]]), level=0)
    with pytest.raises(TypeError, match="integer"):
        indices_to_codes(torch.zeros(1, 1, 1, 1), level=0)


# windows ------------------------------------------------------------------------------------


def test_windows():
    assert frame_windows(17) == [(0, 17, 17)]
    assert frame_windows(34) == [(0, 17, 17), (17, 17, 17)]
    assert frame_windows(21) == [(0, 17, 17), (17, 4, 5)]
    assert frame_windows(8) == [(0, 8, 9)]
    assert frame_windows(1) == [(0, 1, 1)]
    assert latent_windows(5) == [(0, 5)]
    assert latent_windows(7) == [(0, 5), (5, 2)]


# loading ------------------------------------------------------------------------------------


def test_loaded_weights_equal_the_saved_model_without_lapq_keys(folder: Path, reference):
    assert json.loads((folder / "config.json").read_text())["_class_name"] == "AutoencoderKLPyraTok"
    assert set(RELEASE_EXTRA_KEYS) <= set(load_file(str(folder / WEIGHTS)))
    vae = load_release_vae(folder)
    expected = reference.state_dict()
    loaded = vae.state_dict()
    assert loaded.keys() == expected.keys()
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)


def test_unexpected_and_missing_keys_are_reported(folder: Path, tmp_path: Path):
    state = load_file(str(folder / WEIGHTS))
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    extra = dict(state, stray_weight=torch.zeros(1))
    save_file(extra, str(tmp_path / WEIGHTS))
    with pytest.raises(ValueError, match=r"unexpected keys \['stray_weight'\]"):
        load_release_vae(tmp_path)
    dropped = next(k for k in state if k.startswith("decoder."))
    save_file({k: v for k, v in state.items() if k != dropped}, str(tmp_path / WEIGHTS))
    with pytest.raises(ValueError, match=rf"missing keys \['{dropped}'\]"):
        load_release_vae(tmp_path)


def test_folder_errors(folder: Path, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="config.json and diffusion_pytorch_model"):
        create_pyratok_release(path=str(tmp_path / "nowhere"))
    config = json.loads((folder / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(FileNotFoundError, match="diffusion_pytorch_model.safetensors"):
        create_pyratok_release(path=str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps(dict(config, _class_name="AutoencoderKL")))
    with pytest.raises(ValueError, match="AutoencoderKLPyraTok"):
        create_pyratok_release(path=str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps(dict(config, z_dim=48)))
    with pytest.raises(ValueError, match="z_dim 48"):
        create_pyratok_release(path=str(tmp_path))


def test_plain_wan_class_name_is_accepted(folder: Path, tmp_path: Path):
    config = json.loads((folder / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(dict(config, _class_name="AutoencoderKLWan")))
    (tmp_path / WEIGHTS).write_bytes((folder / WEIGHTS).read_bytes())
    assert create_pyratok_release(path=str(tmp_path)).spec.latent_channels == 16


def test_model_side_does_not_import_benchmarks():
    tree = ast.parse(Path(release.__file__).read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not any(name.split(".")[0] == "benchmarks" for name in imported)


# adapter ------------------------------------------------------------------------------------


def test_spec(tokenizer: PyraTokReleaseTokenizer, folder: Path, reference):
    spec = tokenizer.spec
    assert spec.name == "pyratok-release"
    # one token index = one level's 16 sign bits; the 4 levels are 4 indices per cell
    assert spec.vocab_size == 2**16 and spec.bits_per_token == 16
    assert spec.latent_channels == 16 and spec.feature_dim == 16
    assert spec.capabilities == {"decode", "features", "bits"} and not spec.text_aligned
    assert spec.level_strides == ((4, 8, 8),) * 4 and spec.num_levels == 4
    assert spec.causal and spec.window_frames == 17
    assert (spec.spatial_compression, spec.temporal_compression) == (8, 4)
    assert spec.frame_convention == "causal" and spec.usable_num_frames(20) == 17
    assert spec.weights == str(folder)
    assert spec.n_params == sum(p.numel() for p in reference.parameters())


@pytest.mark.slow
def test_encode_is_the_quantized_raw_posterior_mean(tokenizer, reference):
    video = clip(17, 16, 24, seed=1)
    encoded = tokenizer.encode(video)
    with torch.no_grad():
        mean = reference.encode(video).latent_dist.mean  # raw: no latents_mean / latents_std
    expected = residual_sign_quantize(mean)
    assert encoded.num_levels == 4 and encoded.num_frames == 17 and encoded.frame_size == (16, 24)
    for level in range(4):
        assert encoded.features[level].shape == (1, 16, 5, 2, 3)
        assert torch.equal(encoded.features[level], expected.codes[level])
        assert torch.equal(encoded.indices[level], expected.indices[level])
    assert torch.equal(encoded.latent, expected.latent)
    assert encoded.bits.dtype == torch.float64
    assert encoded.bits.tolist() == [4 * 5 * 2 * 3 * 16]
    total_indices = sum(idx[0].numel() for idx in encoded.indices)
    assert encoded.bits.tolist() == [tokenizer.spec.bits_per_token * total_indices]


@pytest.mark.slow
def test_indices_give_back_the_latent_and_the_video(tokenizer, reference):
    video = clip(17, 16, 16, seed=2, batch=2)
    encoded = tokenizer.encode(video)
    assert torch.equal(indices_to_latent(encoded.indices), encoded.latent)
    decoded = tokenizer.decode(encoded)
    with torch.no_grad():
        expected = reference.decode(encoded.latent).sample.clamp(-1, 1)
    assert torch.equal(decoded, expected)
    assert torch.equal(tokenizer.decode(dataclasses.replace(encoded, latent=None)), decoded)
    assert torch.equal(tokenizer.model.decode_indices(encoded.indices), decoded)


@pytest.mark.slow
def test_long_and_ragged_clips_go_window_by_window(tokenizer, reference):
    video = clip(21, 12, 20, seed=3)  # 17 + 4 frames; 12 x 20 pads to 16 x 24
    encoded = tokenizer.encode(video)
    assert encoded.latent.shape == (1, 16, 5 + 2, 2, 3)
    padded = torch.nn.functional.pad(video, (0, 4, 0, 4, 0, 1), mode="replicate")
    with torch.no_grad():
        first = reference.encode(padded[:, :, :17]).latent_dist.mean
        second = reference.encode(padded[:, :, 17:]).latent_dist.mean  # 4 frames + 1 repeat
    assert torch.equal(encoded.latent, residual_sign_quantize(torch.cat([first, second], 2)).latent)
    assert encoded.bits.tolist() == [4 * 7 * 2 * 3 * 16]
    out = tokenizer.decode(encoded)
    assert out.shape == video.shape and torch.isfinite(out).all()
    assert out.min() >= -1 and out.max() <= 1


@pytest.mark.slow
def test_tiling_quantizes_the_blended_latent(folder: Path, tokenizer):
    tiled = create_pyratok_release(path=str(folder), tile_size=16, tile_overlap=8)
    whole = create_pyratok_release(path=str(folder), tile_size=64)
    video = clip(5, 24, 32, seed=4)
    encoded = tiled.encode(video)
    assert encoded.latent.shape == (1, 16, 2, 3, 4)
    assert torch.equal(indices_to_latent(encoded.indices), encoded.latent)
    assert tiled.decode(encoded).shape == video.shape
    reference = tokenizer.encode(video)
    assert torch.equal(whole.encode(video).latent, reference.latent)
    assert torch.equal(whole.decode(reference), tokenizer.decode(reference))
