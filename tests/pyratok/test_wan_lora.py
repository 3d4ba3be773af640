"""Tests for pyratok.backbones.wan_lora on tiny random Wan VAEs (Wan 2.1 and 2.2 layouts)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from diffusers import AutoencoderKLWan
from peft.tuners.tuners_utils import BaseTunerLayer

from pyratok.backbones.wan_lora import LoraWanCausalConv3d, WanLoRABackbone

torch.set_num_threads(1)

WAN21 = dict(
    base_dim=3,
    z_dim=16,
    dim_mult=[1, 1, 1, 1],
    num_res_blocks=1,
    temperal_downsample=[False, True, True],
)
WAN22 = dict(  # residual down blocks and 2×2 patchify, like the Wan 2.2 VAE
    base_dim=4,
    decoder_base_dim=4,
    z_dim=8,
    dim_mult=[1, 1, 1, 1],
    num_res_blocks=1,
    temperal_downsample=[False, True, True],
    is_residual=True,
    patch_size=2,
    in_channels=12,
    out_channels=12,
)


def _vae(config: dict) -> AutoencoderKLWan:
    torch.manual_seed(0)
    return AutoencoderKLWan(**config).eval()


def _video(t: int = 9, size: int = 16, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((1, 3, t, size, size), generator=gen) * 2 - 1


@pytest.fixture(scope="module")
def saved_vae(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wan_vae")
    _vae(WAN21).save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_from_pretrained_levels_and_latent_match_vae_encode(saved_vae: Path) -> None:
    backbone = WanLoRABackbone.from_pretrained(saved_vae, lora_rank=4, lora_alpha=8)
    reference = AutoencoderKLWan.from_pretrained(str(saved_vae)).eval()
    video = _video()
    with torch.no_grad():
        expected = reference.encode(video).latent_dist.mean
    features = backbone.encode_features(video)
    torch.testing.assert_close(features.latent, expected, atol=1e-6, rtol=0)
    assert backbone.latent_channels == 16 and features.latent.shape == (1, 16, 3, 2, 2)
    assert backbone.level_channels == [3, 3, 3, 3]
    assert backbone.level_strides == [(1, 2), (2, 4), (4, 8), (4, 8)]
    for level, channels, (ts, ss) in zip(
        features.levels, backbone.level_channels, backbone.level_strides, strict=True
    ):
        assert level.shape == (1, channels, 1 + 8 // ts, 16 // ss, 16 // ss)


def test_fewer_levels_keep_the_deepest_taps(saved_vae: Path) -> None:
    backbone = WanLoRABackbone.from_pretrained(saved_vae, levels=2)
    assert backbone.level_strides == [(4, 8), (4, 8)]
    assert len(backbone.encode_features(_video()).levels) == 2
    with pytest.raises(ValueError, match="levels must be in 1..4"):
        WanLoRABackbone.from_pretrained(saved_vae, levels=5)


def test_only_lora_parameters_are_trainable(saved_vae: Path) -> None:
    backbone = WanLoRABackbone.from_pretrained(saved_vae)  # paper: rank 16, alpha 32
    trainable = {n for n, p in backbone.named_parameters() if p.requires_grad}
    assert trainable and all(".lora_A." in n or ".lora_B." in n for n in trainable)
    assert all(n.startswith("vae.encoder.") for n in trainable)
    assert {id(p) for p in backbone.lora_parameters()} == {
        id(p) for p in backbone.parameters() if p.requires_grad
    }
    # every conv of the encoder is adapted; the causal ones by the custom layer
    convs = [m for m in backbone.vae.encoder.modules() if isinstance(m, BaseTunerLayer)]
    assert any(isinstance(m, LoraWanCausalConv3d) for m in convs)
    assert isinstance(backbone.vae.encoder.conv_in, LoraWanCausalConv3d)
    layer = backbone.vae.encoder.conv_in
    assert layer.r["default"] == 16 and layer.scaling["default"] == pytest.approx(2.0)
    assert all(
        float(b.detach().abs().max()) == 0 for n, b in backbone.named_parameters() if "lora_B" in n
    )


@pytest.mark.slow
def test_gradients_reach_lora_only(saved_vae: Path) -> None:
    backbone = WanLoRABackbone.from_pretrained(saved_vae, lora_rank=4, lora_alpha=8)
    features = backbone.encode_features(_video())
    loss = features.latent.square().mean() + sum(level.square().mean() for level in features.levels)
    loss.backward()
    grads = {n: p.grad for n, p in backbone.named_parameters() if p.requires_grad}
    assert all(g is not None for n, g in grads.items() if "lora_B" in n)
    assert sum(float(g.abs().sum()) for n, g in grads.items() if "lora_B" in n) > 0
    # B = 0 at init, so A gets no gradient on the first step
    assert all(g is None or float(g.abs().sum()) == 0 for n, g in grads.items() if "lora_A" in n)
    assert all(p.grad is None for p in backbone.parameters() if not p.requires_grad)
    # once B is non-zero, A is trained too
    with torch.no_grad():
        for name, param in backbone.named_parameters():
            if "lora_B" in name:
                param.fill_(0.01)
    backbone.zero_grad()
    backbone.encode_features(_video()).latent.square().mean().backward()
    assert all(
        float(p.grad.abs().sum()) > 0 for n, p in backbone.named_parameters() if "lora_A" in n
    )


@pytest.mark.slow
@pytest.mark.parametrize("config", [WAN21, WAN22], ids=["wan2.1", "wan2.2"])
def test_lora_path_equals_folded_weights(config: dict) -> None:
    """With random B, the chunked LoRA encoder equals a plain VAE whose conv weights include
    the LoRA delta: the LoRA branch sees the same causal padding and chunk cache."""
    vae = _vae(config)
    plain = copy.deepcopy(vae)
    backbone = WanLoRABackbone(vae, lora_rank=4, lora_alpha=8)
    video = _video(size=32)
    with torch.no_grad():
        original = plain.encode(video).latent_dist.mean
        gen = torch.Generator().manual_seed(2)
        for name, param in backbone.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.3)
        modules = dict(plain.named_modules())
        for name, module in backbone.vae.named_modules():
            if isinstance(module, BaseTunerLayer):
                modules[name].weight += module.get_delta_weight("default")
        expected = plain.encode(video).latent_dist.mean
        adapted = backbone.encode_features(video).latent
        with backbone.lora_disabled():
            disabled = backbone.encode_features(video).latent
    assert float((adapted - original).abs().max()) > 1e-2, "LoRA had no effect"
    torch.testing.assert_close(adapted, expected, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(disabled, original, atol=1e-6, rtol=0)
    assert all(p.requires_grad for p in backbone.lora_parameters())


@pytest.mark.slow
@pytest.mark.parametrize("config", [WAN21, WAN22], ids=["wan2.1", "wan2.2"])
def test_decode_latent_matches_vae_decode_and_passes_gradients(config: dict) -> None:
    vae = _vae(config)
    reference = copy.deepcopy(vae)
    backbone = WanLoRABackbone(vae, lora_rank=4, lora_alpha=8)
    gen = torch.Generator().manual_seed(3)
    latent = torch.randn((1, backbone.latent_channels, 3, 2, 2), generator=gen)
    with torch.no_grad():
        expected = reference.decode(latent).sample
    latent.requires_grad_(True)
    video = backbone.decode_latent(latent)
    assert video.shape == expected.shape
    torch.testing.assert_close(video.detach(), expected, atol=1e-6, rtol=0)
    backbone.decode_latent(latent, clamp=False).sum().backward()
    assert latent.grad is not None and float(latent.grad.abs().sum()) > 0
    assert all(p.grad is None for p in backbone.parameters())


@pytest.mark.slow
def test_encode_is_reentrant(saved_vae: Path) -> None:
    backbone = WanLoRABackbone.from_pretrained(saved_vae)
    a, b = _video(seed=4), _video(t=5, seed=5)
    first = backbone.encode_features(a).latent
    backbone.encode_features(b)  # a call in between must not leak state
    torch.testing.assert_close(backbone.encode_features(a).latent, first, atol=0, rtol=0)


def test_errors_name_what_is_wrong(tmp_path: Path, saved_vae: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config.json"):
        WanLoRABackbone.from_pretrained(tmp_path / "absent")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"\*\.safetensors"):
        WanLoRABackbone.from_pretrained(tmp_path)
    backbone = WanLoRABackbone.from_pretrained(saved_vae)
    with pytest.raises(ValueError, match="t = 1 \\+ k·4"):
        backbone.encode_features(_video(t=8))


def test_pipeline_folder_with_vae_subfolder(tmp_path: Path) -> None:
    _vae(WAN21).save_pretrained(tmp_path / "vae")
    backbone = WanLoRABackbone.from_pretrained(tmp_path, levels=1)
    assert backbone.level_channels == [3]
