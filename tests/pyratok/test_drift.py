"""Tests for pyratok.drift: pretrained reference loads, frozen shapes, DINOv3 folder, KL."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from pyratok.drift import (
    DinoV3Reference,
    EfficientNetLite0Reference,
    create_drift_reference,
    drift_kl,
)

torch.set_num_threads(1)
IMAGENET_CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


@pytest.fixture(scope="module")
def effnet() -> EfficientNetLite0Reference:
    return EfficientNetLite0Reference()


@pytest.mark.slow
def test_pretrained_weights_classify_a_cat(effnet: EfficientNetLite0Reference) -> None:
    from skimage import data

    image = torch.tensor(data.chelsea()).permute(2, 0, 1).float()[None] / 255.0
    image = F.interpolate(image, size=(224, 224), mode="bilinear", antialias=True)
    probs = effnet.classify(image).softmax(dim=-1)[0]
    assert int(probs.argmax()) in IMAGENET_CATS
    assert float(probs[list(IMAGENET_CATS)].sum()) > 0.9


@pytest.mark.slow
@pytest.mark.parametrize(
    ("tap", "dim", "stride"), [("stride8", 40, 8), ("stride16", 112, 16), ("stride32", 1280, 32)]
)
def test_efficientnet_taps_shapes_and_frozen(tap: str, dim: int, stride: int) -> None:
    reference = create_drift_reference("efficientnet-lite0", tap=tap)
    assert reference.dim == dim and reference.stride == stride
    torch.manual_seed(0)
    video = torch.rand(2, 3, 3, 64, 64) * 2 - 1
    feats = reference.features(video)
    assert feats.shape == (2, 3, dim, 64 // stride, 64 // stride)
    assert torch.isfinite(feats).all() and not feats.requires_grad
    assert all(not p.requires_grad for p in reference.parameters())
    torch.nn.Sequential(reference).train()
    assert not reference.training and not reference.net._bn0.training
    # frames are encoded independently: frame 1 alone gives the same map
    alone = reference.features(video[:, :, 1:2])
    torch.testing.assert_close(alone[:, 0], feats[:, 1], atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_stride32_tap_equals_extract_features(effnet: EfficientNetLite0Reference) -> None:
    reference = EfficientNetLite0Reference(tap="stride32")
    torch.manual_seed(1)
    video = torch.rand(1, 3, 2, 64, 64) * 2 - 1
    images = (video[0].permute(1, 0, 2, 3) + 1) / 2  # (t, 3, h, w) in [0, 1]
    with torch.no_grad():
        expected = reference.net.extract_features((images - reference.mean) / reference.std)
    torch.testing.assert_close(reference.features(video)[0], expected)


@pytest.mark.slow
def test_resize_to_changes_the_grid() -> None:
    reference = EfficientNetLite0Reference(resize_to=128)
    feats = reference.features(torch.zeros(1, 3, 1, 64, 64))
    assert feats.shape == (1, 1, 112, 8, 8)


def _save_tiny_dinov3(folder: Path) -> None:
    from transformers import DINOv3ViTConfig, DINOv3ViTModel

    config = DINOv3ViTConfig(
        patch_size=16,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_register_tokens=4,
        image_size=64,
    )
    torch.manual_seed(0)
    DINOv3ViTModel(config).save_pretrained(folder)


def test_dinov3_folder_loads_as_a_grid(tmp_path: Path) -> None:
    _save_tiny_dinov3(tmp_path)
    reference = create_drift_reference("dinov3", str(tmp_path))
    assert isinstance(reference, DinoV3Reference)
    assert reference.dim == 32 and reference.stride == 16 and reference.n_prefix == 5
    from safetensors.torch import load_file

    stored = load_file(tmp_path / "model.safetensors")
    key = next(k for k in stored if k.endswith("patch_embeddings.weight"))
    torch.testing.assert_close(
        reference.net.get_input_embeddings().weight, stored[key], atol=0, rtol=0
    )
    torch.manual_seed(0)
    video = torch.rand(2, 3, 2, 64, 48) * 2 - 1
    feats = reference.features(video)
    assert feats.shape == (2, 2, 32, 4, 3)
    assert all(not p.requires_grad for p in reference.parameters())
    # grid order: the map equals the model's patch tokens read row by row
    images = (video[1, :, 0][None] + 1) / 2
    with torch.no_grad():
        tokens = reference.net(pixel_values=(images - reference.mean) / reference.std)
    patch = tokens.last_hidden_state[0, 5:]  # (12, 32)
    torch.testing.assert_close(feats[1, 0, :, 2, 1], patch[2 * 3 + 1])
    with pytest.raises(ValueError, match="multiple of the DINOv3 patch size"):
        reference.features(torch.zeros(1, 3, 1, 40, 40))


def test_missing_dinov3_folder_names_expected_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config.json"):
        DinoV3Reference(tmp_path / "absent")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"\*\.safetensors"):
        DinoV3Reference(tmp_path)
    with pytest.raises(ValueError, match="needs path"):
        create_drift_reference("dinov3")
    with pytest.raises(ValueError, match="unknown drift reference"):
        create_drift_reference("dino")


def test_drift_kl_zero_for_identical_positive_otherwise() -> None:
    torch.manual_seed(0)
    reference = torch.randn(2, 3, 8, 4, 4)
    assert float(drift_kl(reference.clone(), reference)) == pytest.approx(0.0, abs=1e-6)
    # shifting every channel by the same constant leaves the softmax unchanged
    assert float(drift_kl(reference + 3.0, reference)) == pytest.approx(0.0, abs=1e-5)
    adapted = torch.randn(2, 3, 8, 4, 4, requires_grad=True)
    loss = drift_kl(adapted, reference)
    assert loss.ndim == 0 and torch.isfinite(loss) and float(loss.detach()) > 0.1
    loss.backward()
    assert adapted.grad is not None and adapted.grad.abs().sum() > 0
    # large magnitudes stay finite
    assert torch.isfinite(drift_kl(adapted.detach() * 1e4, reference * 1e4))


def test_drift_kl_matches_torch_kl_div() -> None:
    torch.manual_seed(1)
    adapted, reference = torch.randn(1, 2, 5, 3, 3), torch.randn(1, 2, 5, 3, 3)
    temperature = 0.5
    log_p = F.log_softmax(adapted / temperature, dim=2)
    log_q = F.log_softmax(reference / temperature, dim=2)
    # F.kl_div(input=log q, target=log p, log_target) = Σ p (log p − log q) = KL(p || q)
    expected = F.kl_div(log_q, log_p, reduction="none", log_target=True).sum(2).mean()
    torch.testing.assert_close(drift_kl(adapted, reference, temperature=temperature), expected)


def test_drift_kl_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="matched shapes"):
        drift_kl(torch.zeros(1, 1, 4, 2, 2), torch.zeros(1, 1, 8, 2, 2))
