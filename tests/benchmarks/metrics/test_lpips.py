"""LPIPS (AlexNet, v0.1) without torchvision.

* Missing or bad weight files raise ``LpipsUnavailable`` naming the file.
* Golden values: the ``lpips`` package's numbers for a fake (random, fixed-seed) AlexNet
  trunk, stored in ``tests/fixtures/lpips_golden.json`` by ``make_lpips_golden.py``.
* Live comparison with the ``lpips`` package where it imports (it needs torchvision), and
  with the real ImageNet trunk where its checkpoint is in the hub cache.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from benchmarks.metrics import LPIPS, LpipsUnavailable, load_lpips, lpips_unavailable_reason
from benchmarks.metrics import lpips as lpips_module
from tests.fixtures.make_lpips_golden import (
    GOLDEN,
    fake_alexnet_state_dict,
    fingerprint,
    golden_cases,
)


def _lpips_package_importable() -> bool:
    if importlib.util.find_spec("lpips") is None:
        return False
    try:
        import lpips  # noqa: F401  # needs torchvision
    except Exception:  # noqa: BLE001
        return False
    return True


HAS_LPIPS = _lpips_package_importable()


@pytest.fixture(scope="module")
def fake_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A torch hub dir whose AlexNet checkpoint holds the fake trunk (torchvision's keys)."""
    hub = tmp_path_factory.mktemp("hub")
    (hub / "checkpoints").mkdir()
    torch.save(fake_alexnet_state_dict(), hub / "checkpoints" / "alexnet-owt-7be5be79.pth")
    return hub


@pytest.fixture(scope="module")
def fake_model(fake_hub: Path) -> LPIPS:
    return load_lpips(device="cpu", hub_dir=fake_hub)


# unavailable


def test_missing_checkpoint_names_the_path(tmp_path: Path):
    expected = tmp_path / "checkpoints" / "alexnet-owt-7be5be79.pth"
    reason = lpips_unavailable_reason(hub_dir=tmp_path)
    assert reason is not None and str(expected) in reason
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in reason
    with pytest.raises(LpipsUnavailable, match="alexnet-owt-7be5be79.pth") as err:
        load_lpips(hub_dir=tmp_path)
    assert str(expected) in str(err.value)
    with pytest.raises(LpipsUnavailable):
        LPIPS(hub_dir=tmp_path)  # constructing the module itself refuses too


def test_default_hub_dir_is_torch_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    reason = lpips_unavailable_reason()
    assert reason is not None
    assert str(tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth") in reason


def test_missing_lpips_package(monkeypatch: pytest.MonkeyPatch, fake_hub: Path):
    monkeypatch.setattr(lpips_module, "linear_weights_path", lambda: None)
    reason = lpips_unavailable_reason(hub_dir=fake_hub)
    assert reason is not None and "pip install --no-deps lpips" in reason
    with pytest.raises(LpipsUnavailable, match="lpips/weights/v0.1/alex.pth"):
        load_lpips(hub_dir=fake_hub)


def test_bad_checkpoint_files(tmp_path: Path):
    path = tmp_path / "checkpoints" / "alexnet-owt-7be5be79.pth"
    path.parent.mkdir()
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(LpipsUnavailable, match="cannot read LPIPS weights"):
        load_lpips(hub_dir=tmp_path)
    torch.save({"features.0.weight": torch.zeros(1)}, path)
    with pytest.raises(LpipsUnavailable, match="does not hold torchvision AlexNet"):
        load_lpips(hub_dir=tmp_path)


def test_linear_weights_come_from_the_lpips_wheel():
    path = lpips_module.linear_weights_path()
    if path is None:
        pytest.skip("lpips package not installed")
    assert path.parts[-4:] == ("lpips", "weights", "v0.1", "alex.pth") and path.is_file()


# golden values


def test_fake_trunk_is_the_one_the_golden_file_used():
    golden = json.loads(GOLDEN.read_text())
    assert fingerprint(fake_alexnet_state_dict()) == pytest.approx(
        golden["fake_trunk_fingerprint"], rel=1e-12
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_matches_lpips_package_golden(fake_model: LPIPS, case: str):
    golden = json.loads(GOLDEN.read_text())["values"][case]
    pred, target = golden_cases()[case]
    ours = fake_model(pred, target)
    assert ours.shape == pred.shape[:-3]
    assert ours.flatten().tolist() == pytest.approx(golden, abs=1e-5, rel=1e-4)


def test_trunk_keys_match_torchvision_layout():
    keys = set(lpips_module.alexnet_features().state_dict())
    assert keys == {k.removeprefix("features.") for k in fake_alexnet_state_dict()}


def test_frozen_eval_and_shape_checks(fake_model: LPIPS):
    assert not fake_model.training
    assert not any(p.requires_grad for p in fake_model.parameters())
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, h, w\)"):
        fake_model(torch.rand(1, 1, 64, 64), torch.rand(1, 1, 64, 64))


def test_lower_for_milder_distortion(fake_model: LPIPS):
    gen = torch.Generator().manual_seed(3)
    target = torch.rand(1, 3, 64, 64, generator=gen)
    noise = torch.randn(target.shape, generator=gen)
    mild = fake_model((target + 0.02 * noise).clamp(0, 1), target)
    strong = fake_model((target + 0.3 * noise).clamp(0, 1), target)
    assert 0 < float(mild) < float(strong)


# the real lpips package (needs torchvision: skipped in the project's environment)


@pytest.mark.skipif(not HAS_LPIPS, reason="`import lpips` fails (it needs torchvision)")
def test_matches_lpips_package_live(fake_model: LPIPS):
    import lpips

    ref = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False)
    state = fake_alexnet_state_dict()
    with torch.no_grad():
        for name, param in ref.net.named_parameters():  # "slice2.3.weight" -> features.3.weight
            _, index, kind = name.split(".")
            param.copy_(state[f"features.{index}.{kind}"])
        gen = torch.Generator().manual_seed(11)
        target = torch.rand(3, 3, 80, 72, generator=gen)
        pred = (target + 0.15 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
        expected = ref(pred, target, normalize=True).flatten()
    assert torch.allclose(fake_model(pred, target), expected, atol=1e-6, rtol=1e-5)


@pytest.mark.skipif(not HAS_LPIPS, reason="`import lpips` fails (it needs torchvision)")
@pytest.mark.skipif(
    lpips_unavailable_reason() is not None, reason="AlexNet checkpoint not in the hub cache"
)
def test_matches_lpips_package_pretrained():
    import lpips

    ref = lpips.LPIPS(net="alex", verbose=False)
    ours = load_lpips()
    gen = torch.Generator().manual_seed(12)
    target = torch.rand(2, 3, 64, 64, generator=gen)
    pred = (target + 0.1 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    with torch.no_grad():
        expected = ref(pred, target, normalize=True).flatten()
    assert torch.allclose(ours(pred, target), expected, atol=1e-6, rtol=1e-5)
