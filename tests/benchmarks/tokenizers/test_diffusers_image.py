"""Tests for the per-frame diffusers image tokenizers (``sd-vae``, ``dc-ae``, ``vqgan``).

Every model is a tiny random one from ``tests.helpers.tiny_image_vaes``, saved with
``save_pretrained`` and loaded through the tokenizer registry; the reference for each
number is the diffusers model itself, called frame by frame.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from benchmarks.cli import main
from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.diffusers_vqgan import nearest_codes
from tests.helpers import tiny_image_vaes as tiny

SAVERS = {"sd-vae": tiny.save_tiny_sd_vae, "dc-ae": tiny.save_tiny_dc_ae,
          "vqgan": tiny.save_tiny_vqgan}
CLASS_NAMES = {"sd-vae": "AutoencoderKL", "dc-ae": "AutoencoderDC", "vqgan": "VQModel"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("image_vaes")
    return {name: save(root / name) for name, save in SAVERS.items()}


@pytest.fixture(scope="module")
def loaded(folders):
    return {name: TOKENIZERS.get(name)(path=str(folder)) for name, folder in folders.items()}


def clip(t: int, h: int = 16, w: int = 16, *, batch: int = 2, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


def frames_of(video: torch.Tensor, i: int) -> torch.Tensor:
    """Frame ``i`` of every clip, ``(b, 3, h, w)``."""
    return video[:, :, i]


def reference_latent(name: str, model, frames: torch.Tensor) -> torch.Tensor:
    """What diffusers itself encodes ``frames`` to (before any quantization)."""
    if name == "sd-vae":
        return model.encode(frames).latent_dist.mean
    if name == "dc-ae":
        return model.encode(frames).latent
    return model.encode(frames).latents


# spec ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAVERS))
def test_spec_is_read_from_the_config(name, folders, loaded):
    tok = loaded[name]
    spec = tok.spec
    assert tok.model.__class__.__name__ == CLASS_NAMES[name]
    assert spec.name == name and spec.weights == str(folders[name])
    assert spec.latent_channels == spec.feature_dim == 4
    assert spec.spatial_compression == 2 and spec.temporal_compression == 1
    assert spec.frame_convention == "any" and not spec.causal
    assert spec.n_params == sum(p.numel() for p in tok.model.parameters())
    discrete = name == "vqgan"
    assert ("bits" in spec.capabilities) == discrete
    assert spec.vocab_size == (64 if discrete else None)
    assert spec.bits_per_token == (6.0 if discrete else None)
    assert spec.capabilities >= {"decode", "features"}


@pytest.mark.parametrize(
    ("name", "save", "channels", "spatial"),
    [
        # three blocks: 4x; a codebook of 3-channel vectors behind 4 latent channels
        ("vqgan", lambda p: tiny.save_tiny_vqgan(
            p, block_out_channels=(8, 8, 16), down_block_types=("DownEncoderBlock2D",) * 3,
            up_block_types=("UpDecoderBlock2D",) * 3, vq_embed_dim=3), 3, 4),
        # a first DC block without layers: conv_in is the down block (4x from 3 blocks)
        ("dc-ae", lambda p: tiny._save(tiny.tiny_dc_ae(layers_per_block=(0, 1, 1)), p), 4, 4),
    ],
)
def test_geometry_of_other_configs_matches_the_latent(name, save, channels, spatial, tmp_path):
    tok = TOKENIZERS.get(name)(path=str(save(tmp_path / name)))
    assert tok.spec.latent_channels == channels and tok.spec.spatial_compression == spatial
    encoded = tok.encode(clip(3, 16, 16))
    assert encoded.features[0].shape == (2, channels, 3, 16 // spatial, 16 // spatial)
    assert tok.decode(encoded).shape == (2, 3, 3, 16, 16)


# round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SAVERS))
@pytest.mark.parametrize("t", [1, 5])
def test_each_frame_is_what_diffusers_gives_it(name, t, loaded):
    tok = loaded[name]
    video = clip(t)
    encoded = tok.encode(video)
    assert encoded.num_frames == t and encoded.frame_size == (16, 16)
    latent = encoded.features[0]
    assert latent.shape == (2, tok.spec.latent_channels, t, 8, 8)
    out = tok.decode(encoded)
    assert out.shape == video.shape and out.min() >= -1 and out.max() <= 1
    model = tok.model
    with torch.no_grad():
        for i in range(t):
            raw = reference_latent(name, model, frames_of(video, i))
            if name == "vqgan":
                quant, _, (_, _, flat) = model.quantize(raw)
                assert torch.equal(encoded.indices[0][:, i], flat.view(2, 8, 8))
                torch.testing.assert_close(latent[:, :, i], quant, rtol=0, atol=1e-6)
                expected = model.decode(raw).sample  # diffusers quantizes inside decode
            else:
                torch.testing.assert_close(latent[:, :, i], raw, rtol=0, atol=1e-6)
                expected = model.decode(raw).sample
            torch.testing.assert_close(out[:, :, i], expected.clamp(-1, 1), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", list(SAVERS))
def test_ragged_frames_are_padded_then_cropped(name, loaded):
    tok = loaded[name]
    video = clip(3, 13, 15, batch=1)
    encoded = tok.encode(video)
    assert encoded.features[0].shape[2:] == (3, 7, 8)  # ceil(13 / 2), ceil(15 / 2)
    assert tok.decode(encoded).shape == video.shape
    assert tok.features(video).features.shape == (1, 4, 3, 7, 8)


def test_sd_vae_sample_draws_from_the_posterior(folders, loaded):
    video = clip(1)
    mean = loaded["sd-vae"].encode(video).features[0]
    sampling = TOKENIZERS.get("sd-vae")(path=str(folders["sd-vae"]), sample=True)
    torch.manual_seed(0)
    drawn = sampling.encode(video).features[0]
    assert drawn.shape == mean.shape and not torch.allclose(drawn, mean)
    with pytest.raises(ValueError, match="sample must be true or false, got 'yes'"):
        TOKENIZERS.get("sd-vae")(path=str(folders["sd-vae"]), sample="yes")


@pytest.mark.parametrize("name", ["dc-ae", "vqgan"])
def test_tiles_cover_the_frame(name, folders):
    video = clip(2, 16, 32, batch=1)
    tiled = TOKENIZERS.get(name)(path=str(folders[name]), tile_size=16, tile_overlap=4)
    assert tiled.tiling == (16, 4)
    encoded = tiled.encode(video)  # vqgan: the blended latent is quantized as a whole
    assert encoded.features[0].shape == (1, 4, 2, 8, 16)
    if encoded.indices is not None:
        assert encoded.indices[0].shape == (1, 2, 8, 16)
    assert tiled.decode(encoded).shape == video.shape
    with pytest.raises(ValueError, match="tile_size must be a positive multiple of 2 pixels"):
        TOKENIZERS.get("vqgan")(path=str(folders["vqgan"]), tile_size=15)


# vqgan: token indices --------------------------------------------------------------------------


def test_vqgan_decodes_the_same_from_indices_and_from_the_quantized_latent(loaded):
    tok = loaded["vqgan"]
    video = clip(5)
    encoded = tok.encode(video)
    indices = encoded.indices[0]
    assert indices.shape == (2, 5, 8, 8) and indices.dtype == torch.int64
    assert indices.unique().numel() > 8  # a random model still uses many codes
    # the features are exactly the codebook rows the indices name
    codebook = tok.model.quantize.embedding.weight
    assert torch.equal(encoded.features[0], codebook[indices].permute(0, 4, 1, 2, 3))
    assert encoded.bits.tolist() == [6.0 * 5 * 8 * 8] * 2  # log2(64) bits a token
    from_indices = tok.decode(type(encoded)(
        features=[torch.zeros(0)], indices=encoded.indices, bits=None,
        num_frames=5, frame_size=(16, 16)))  # as a generator hands back its tokens
    from_latent = tok.decode(type(encoded)(
        features=encoded.features, indices=None, bits=None, num_frames=5, frame_size=(16, 16)))
    assert torch.equal(from_indices, from_latent)
    # and what diffusers' own decode of the codebook vectors gives
    quant = encoded.features[0][:, :, 2]
    expected = tok.model.decode(quant, force_not_quantize=True).sample.clamp(-1, 1)
    torch.testing.assert_close(from_latent[:, :, 2], expected, rtol=0, atol=1e-6)


MOVQ = {"norm_type": "spatial", "block_out_channels": (32, 32)}  # SpatialNorm: 32 groups


@pytest.mark.parametrize("changes", [MOVQ, {"lookup_from_codebook": True}],
                         ids=["movq-spatial-norm", "lookup-from-codebook"])
def test_vqgan_decode_matches_diffusers_in_every_branch(changes, tmp_path):
    tok = TOKENIZERS.get("vqgan")(path=str(tiny.save_tiny_vqgan(tmp_path / "vq", **changes)))
    video = clip(1)
    encoded = tok.encode(video)
    flat = encoded.indices[0][:, 0].reshape(-1)
    model = tok.model
    if changes.get("lookup_from_codebook"):  # decode reads indices and a shape
        expected = model.decode(flat, force_not_quantize=True, shape=(2, 8, 8, 4)).sample
    else:
        expected = model.decode(encoded.features[0][:, :, 0], force_not_quantize=True).sample
    torch.testing.assert_close(tok.decode(encoded)[:, :, 0], expected.clamp(-1, 1),
                               rtol=0, atol=1e-6)


def test_nearest_codes_in_chunks_is_the_argmin_of_all_distances():
    generator = torch.Generator().manual_seed(3)
    latent = torch.randn(3, 4, 5, 7, generator=generator)
    codebook = torch.randn(50, 4, generator=generator)
    whole = torch.cdist(latent.permute(0, 2, 3, 1).reshape(-1, 4), codebook).argmin(1)
    for chunk in (1, 7, 1000):
        assert torch.equal(nearest_codes(latent, codebook, chunk=chunk), whole.view(3, 5, 7))


def test_vqgan_unit_range_feeds_the_model_zero_to_one(folders, loaded):
    unit = TOKENIZERS.get("vqgan")(path=str(folders["vqgan"]), unit_range=True)
    video = clip(1)
    encoded = unit.encode(video)
    expected = loaded["vqgan"].encode((video + 1) / 2)  # what the model is given
    assert torch.equal(encoded.indices[0], expected.indices[0])
    raw = unit.model.decode(encoded.features[0][:, :, 0], force_not_quantize=True).sample
    torch.testing.assert_close(unit.decode(encoded)[:, :, 0], (raw * 2 - 1).clamp(-1, 1),
                               rtol=0, atol=1e-6)


# a user's mistakes -----------------------------------------------------------------------------


def test_missing_folder_names_it_and_the_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope does not exist; expected a diffusers "
                       r"VQModel folder .* its vqvae/ or movq/ sub-folder"):
        TOKENIZERS.get("vqgan")(path=str(tmp_path / "nope"))


def test_pipeline_root_points_to_its_model_folder(folders, tmp_path):
    (tmp_path / "movq").symlink_to(folders["vqgan"], target_is_directory=True)
    with pytest.raises(FileNotFoundError, match=f"did you mean {tmp_path / 'movq'}"):
        TOKENIZERS.get("vqgan")(path=str(tmp_path))


@pytest.mark.parametrize(("name", "other"), [("vqgan", "sd-vae"), ("dc-ae", "vqgan"),
                                             ("sd-vae", "dc-ae")])
def test_wrong_class_is_one_line_exit_2(name, other, folders, capsys, tmp_path):
    code = main(["run", "--task", "coco", "--tokenizer", name, "--tokenizer-arg",
                 f"path={folders[other]}", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    lines = [x for x in err.strip().splitlines() if not x.startswith(("INFO", "WARNING"))]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert (f"_class_name is '{CLASS_NAMES[other]}', expected '{CLASS_NAMES[name]}'"
            in lines[0])


@pytest.mark.slow  # a whole (tiny) COCO demo run, ~10 s
def test_coco_demo_run_scores_every_image(folders, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    code = main(["run", "--task", "coco", "--tokenizer", "vqgan", "--tokenizer-arg",
                 f"path={folders['vqgan']}", "--output", str(tmp_path / "out"),
                 "--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
                 "--task-arg", "lpips=false", "--no-progress", "--num-workers", "0"])
    assert code == 0, capsys.readouterr().err
    import json

    summary = json.loads(next((tmp_path / "out" / "coco").glob("*/summary.json")).read_text())
    assert summary["demo_data"] and summary["n_failed"] == 0 and summary["n_samples"] > 0
    assert summary["tokenizer_spec"]["vocab_size"] == 64
    assert math.isfinite(summary["metrics"]["psnr"])
