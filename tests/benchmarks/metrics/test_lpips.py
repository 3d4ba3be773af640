"""LPIPS (v0.1, AlexNet and VGG-16 trunks) without torchvision.

* Missing or bad weight files raise ``LpipsUnavailable`` naming the file; a trunk file whose
  SHA-256 does not start with its name's digits is refused (``WeightsMismatch``).
* Golden values: the ``lpips`` package's numbers for fake (random, fixed-seed) trunks,
  stored in ``tests/fixtures/lpips_golden.json`` by ``make_lpips_golden.py``.
* Live comparison with the ``lpips`` package where it imports (it needs torchvision), and
  with the real ImageNet trunks where their checkpoints are in the hub cache.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import torch

from benchmarks.io.digests import WeightsMismatch
from benchmarks.metrics import (
    LPIPS,
    LpipsUnavailable,
    load_lpips,
    lpips_if_available,
    lpips_trunks,
    lpips_unavailable_reason,
)
from benchmarks.metrics import lpips as lpips_module
from benchmarks.metrics.lpips_trunks import TRUNKS
from tests.fixtures.make_lpips_golden import (
    FAKE_STATE_DICTS,
    GOLDEN,
    fingerprint,
    golden_cases,
    signed_frames,
    uint8_frames,
)
from tests.helpers.fake_lpips import accept_fake_trunk

NETS = ("alex", "vgg")


def _lpips_package_importable() -> bool:
    if importlib.util.find_spec("lpips") is None:
        return False
    try:
        import lpips  # noqa: F401  # needs torchvision
    except Exception:  # noqa: BLE001
        return False
    return True


HAS_LPIPS = _lpips_package_importable()


def _golden(net: str) -> dict:
    golden = json.loads(GOLDEN.read_text())
    return golden if net == "alex" else golden[net]


@pytest.fixture(scope="module")
def fake_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A torch hub dir whose checkpoints hold the fake trunks (torchvision's keys), NOT
    accepted: loading them is refused unless a test accepts them (``accept_fake_trunk``)."""
    hub = tmp_path_factory.mktemp("hub")
    (hub / "checkpoints").mkdir()
    for net in NETS:
        torch.save(FAKE_STATE_DICTS[net](), hub / "checkpoints" / TRUNKS[net].checkpoint)
    return hub


def _accepted_model(hub: Path, net: str) -> LPIPS:
    with pytest.MonkeyPatch.context() as mp:  # the fake is accepted while it loads, only
        accept_fake_trunk(mp, hub / "checkpoints" / TRUNKS[net].checkpoint, net)
        return load_lpips(device="cpu", hub_dir=hub, net=net)


@pytest.fixture(scope="module")
def fake_model(fake_hub: Path) -> LPIPS:
    return _accepted_model(fake_hub, "alex")


@pytest.fixture(scope="module")
def fake_vgg(fake_hub: Path) -> LPIPS:
    return _accepted_model(fake_hub, "vgg")


# unavailable


@pytest.mark.parametrize(("net", "file", "call"), [
    ("alex", "alexnet-owt-7be5be79.pth", "torchvision.models.alexnet(weights='DEFAULT')"),
    ("vgg", "vgg16-397923af.pth", "torchvision.models.vgg16(weights='DEFAULT')"),
])
def test_missing_checkpoint_names_the_path(tmp_path: Path, net: str, file: str, call: str):
    expected = tmp_path / "checkpoints" / file
    reason = lpips_unavailable_reason(hub_dir=tmp_path, net=net)
    assert reason is not None and str(expected) in reason
    assert f"https://download.pytorch.org/models/{file}" in reason and call in reason
    with pytest.raises(LpipsUnavailable, match=re.escape(file)) as err:
        load_lpips(hub_dir=tmp_path, net=net)
    assert str(expected) in str(err.value)
    with pytest.raises(LpipsUnavailable):
        LPIPS(net, hub_dir=tmp_path)  # constructing the module itself refuses too


def test_default_hub_dir_is_torch_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    reason = lpips_unavailable_reason()
    assert reason is not None
    assert str(tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth") in reason
    reason = lpips_unavailable_reason(net="vgg")
    assert reason is not None and str(tmp_path / "hub" / "checkpoints" / "vgg16-397923af.pth") \
        in reason
    model, why = lpips_if_available(True, net="vgg")
    assert model is None and why == reason


@pytest.mark.parametrize("net", NETS)
def test_missing_lpips_package(monkeypatch: pytest.MonkeyPatch, fake_hub: Path, net: str):
    monkeypatch.setattr(lpips_module, "linear_weights_path", lambda net="alex": None)
    reason = lpips_unavailable_reason(hub_dir=fake_hub, net=net)
    assert reason is not None and "pip install --no-deps lpips" in reason
    with pytest.raises(LpipsUnavailable, match=f"lpips/weights/v0.1/{net}.pth"):
        load_lpips(hub_dir=fake_hub, net=net)


def test_unknown_trunk_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"LPIPS trunk 'squeeze': expected one of \['alex', "):
        lpips_unavailable_reason(hub_dir=tmp_path, net="squeeze")


# the trunk file's SHA-256 (the published file's; it starts with its name's digits)


@pytest.mark.parametrize("net", NETS)
def test_a_trunk_file_not_matching_its_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, fake_hub: Path, net: str
):
    path = fake_hub / "checkpoints" / TRUNKS[net].checkpoint
    digest = lpips_module.file_digests(path)["sha256"]
    with pytest.raises(WeightsMismatch) as err:
        load_lpips(hub_dir=fake_hub, net=net)
    text = str(err.value)
    assert isinstance(err.value, ValueError) and "\n" not in text  # one line, exit 2
    assert str(path) in text and digest in text and TRUNKS[net].sha256 in text
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(fake_hub))
    with pytest.raises(WeightsMismatch):  # not "unavailable": a wrong file stops the run
        lpips_if_available(True, net=net)


def test_accepting_a_fake_is_scoped_to_its_file(fake_hub: Path, tmp_path: Path):
    fake = fake_hub / "checkpoints" / TRUNKS["alex"].checkpoint
    other = tmp_path / "checkpoints" / TRUNKS["alex"].checkpoint
    other.parent.mkdir()
    torch.save(FAKE_STATE_DICTS["alex"](seed=1), other)
    with pytest.MonkeyPatch.context() as mp:
        accept_fake_trunk(mp, fake, "alex")
        assert load_lpips(hub_dir=fake_hub).weights_loaded[0]["file"] == str(fake)
        with pytest.raises(WeightsMismatch):  # another file at the name: still checked
            load_lpips(hub_dir=tmp_path)
    assert TRUNKS["alex"].sha256.startswith("7be5be79")  # restored with the scope
    with pytest.raises(WeightsMismatch):
        load_lpips(hub_dir=fake_hub)


def test_checkpoint_names_carry_the_prefix_torch_hub_checks():
    for spec in TRUNKS.values():
        match = torch.hub.HASH_REGEX.search(spec.checkpoint)
        assert match is not None and spec.sha256.startswith(match.group(1))
        assert len(spec.sha256) == 64


def test_bad_checkpoint_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    path = tmp_path / "checkpoints" / "alexnet-owt-7be5be79.pth"
    path.parent.mkdir()
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsMismatch, match="not torchvision's AlexNet checkpoint"):
        load_lpips(hub_dir=tmp_path)
    with monkeypatch.context() as mp:  # past the digest check: the contents are read
        accept_fake_trunk(mp, path, "alex")
        with pytest.raises(LpipsUnavailable, match="cannot read LPIPS weights"):
            load_lpips(hub_dir=tmp_path)
    torch.save({"features.0.weight": torch.zeros(1)}, path)
    accept_fake_trunk(monkeypatch, path, "alex")
    with pytest.raises(LpipsUnavailable, match="does not hold torchvision AlexNet"):
        load_lpips(hub_dir=tmp_path)


@pytest.mark.parametrize("net", NETS)
def test_linear_weights_come_from_the_lpips_wheel(net: str):
    path = lpips_module.linear_weights_path(net)
    if path is None:
        pytest.skip("lpips package not installed")
    assert path.parts[-4:] == ("lpips", "weights", "v0.1", f"{net}.pth") and path.is_file()
    state = torch.load(path, map_location="cpu", weights_only=True)
    widths = tuple(state[f"lin{k}.model.1.weight"].shape[1] for k in range(5))
    assert widths == TRUNKS[net].channels  # the taps feed the wheel's linear layers


# the trunks' layout


@pytest.mark.parametrize("net", NETS)
def test_trunk_keys_match_torchvision_layout(net: str):
    keys = set(TRUNKS[net].build().state_dict())
    assert keys == {k.removeprefix("features.") for k in FAKE_STATE_DICTS[net]()}


def test_vgg_taps_are_lpips_slices():
    """lpips' vgg16 slices features [0:4] [4:9] [9:16] [16:23] [23:30]: relu1_2 ... relu5_3."""
    spec = lpips_trunks.VGG16
    features = spec.build()
    assert spec.taps == (3, 8, 15, 22, 29)
    assert all(isinstance(features[i], torch.nn.ReLU) for i in spec.taps)
    convs = [m for m in features if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 13 and isinstance(features[30], torch.nn.MaxPool2d)
    tap_channels = [features[i - 1].out_channels for i in spec.taps]
    assert tuple(tap_channels) == spec.channels == (64, 128, 256, 512, 512)
    assert lpips_trunks.ALEXNET.taps == (1, 4, 7, 9, 11)


# golden values


@pytest.mark.parametrize("net", NETS)
def test_fake_trunk_is_the_one_the_golden_file_used(net: str):
    assert fingerprint(FAKE_STATE_DICTS[net]()) == pytest.approx(
        _golden(net)["fake_trunk_fingerprint"], rel=1e-12
    )


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_matches_lpips_package_golden(fake_model: LPIPS, case: str):
    golden = _golden("alex")["values"][case]
    pred, target = golden_cases()[case]
    ours = fake_model(pred, target)
    assert ours.shape == pred.shape[:-3]
    assert ours.flatten().tolist() == pytest.approx(golden, abs=1e-5, rel=1e-4)


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_vgg_matches_lpips_package_golden(fake_vgg: LPIPS, case: str):
    golden = _golden("vgg")["values"][case]
    pred, target = golden_cases()[case]
    ours = fake_vgg(pred, target)
    assert ours.shape == pred.shape[:-3]
    assert ours.flatten().tolist() == pytest.approx(golden, abs=1e-5, rel=1e-4)


def test_vgg_on_tokenbench_inputs_matches_golden(fake_vgg: LPIPS):
    """8-bit frames mapped as TokenBench's metrics_cli maps them, lpips called with
    ``normalize=False``: ``forward_signed``."""
    golden = _golden("vgg")["signed_values"]["uint8_3x40x56"]
    recon, ref = (signed_frames(f) for f in uint8_frames())
    assert fake_vgg.forward_signed(recon, ref).tolist() == pytest.approx(
        golden, abs=1e-5, rel=1e-4)


def test_forward_is_forward_signed_of_mapped_inputs(fake_vgg: LPIPS):
    gen = torch.Generator().manual_seed(4)
    target = torch.rand(2, 3, 32, 40, generator=gen)
    pred = (target + 0.1 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    assert torch.equal(fake_vgg(pred, target), fake_vgg.forward_signed(pred * 2 - 1,
                                                                       target * 2 - 1))


def test_frozen_eval_and_shape_checks(fake_model: LPIPS, fake_vgg: LPIPS):
    for model in (fake_model, fake_vgg):
        assert not model.training
        assert not any(p.requires_grad for p in model.parameters())
        with pytest.raises(ValueError, match=r"\(\.\.\., 3, h, w\)"):
            model(torch.rand(1, 1, 64, 64), torch.rand(1, 1, 64, 64))
        with pytest.raises(ValueError, match=r"\(\.\.\., 3, h, w\)"):
            model.forward_signed(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 60))


def test_records_the_files_it_loaded(fake_vgg: LPIPS, fake_hub: Path):
    trunk, linear = fake_vgg.weights_loaded
    path = fake_hub / "checkpoints" / "vgg16-397923af.pth"
    assert trunk["file"] == str(path)
    assert trunk["sha256"] == lpips_module.file_digests(path)["sha256"]
    assert trunk["pinned"] == "sha256 checked" and linear["file"].endswith("vgg.pth")


@pytest.mark.parametrize("net", NETS)
def test_lower_for_milder_distortion(fake_model: LPIPS, fake_vgg: LPIPS, net: str):
    model = fake_model if net == "alex" else fake_vgg
    gen = torch.Generator().manual_seed(3)
    target = torch.rand(1, 3, 64, 64, generator=gen)
    noise = torch.randn(target.shape, generator=gen)
    mild = model((target + 0.02 * noise).clamp(0, 1), target)
    strong = model((target + 0.3 * noise).clamp(0, 1), target)
    assert 0 < float(mild) < float(strong)


# the real lpips package (needs torchvision: skipped in the project's environment)


@pytest.mark.skipif(not HAS_LPIPS, reason="`import lpips` fails (it needs torchvision)")
@pytest.mark.parametrize("net", NETS)
def test_matches_lpips_package_live(fake_model: LPIPS, fake_vgg: LPIPS, net: str):
    import lpips

    ours = fake_model if net == "alex" else fake_vgg
    ref = lpips.LPIPS(net=net, pretrained=True, pnet_rand=True, verbose=False)
    state = FAKE_STATE_DICTS[net]()
    with torch.no_grad():
        for name, param in ref.net.named_parameters():  # "slice2.3.weight" -> features.3.weight
            _, index, kind = name.split(".")
            param.copy_(state[f"features.{index}.{kind}"])
        gen = torch.Generator().manual_seed(11)
        target = torch.rand(3, 3, 80, 72, generator=gen)
        pred = (target + 0.15 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
        expected = ref(pred, target, normalize=True).flatten()
    assert torch.allclose(ours(pred, target), expected, atol=1e-6, rtol=1e-5)


@pytest.mark.skipif(not HAS_LPIPS, reason="`import lpips` fails (it needs torchvision)")
@pytest.mark.parametrize("net", NETS)
def test_matches_lpips_package_pretrained(net: str):
    if lpips_unavailable_reason(net=net) is not None:
        pytest.skip(f"{TRUNKS[net].checkpoint} not in the hub cache")
    import lpips

    ref = lpips.LPIPS(net=net, verbose=False)
    ours = load_lpips(net=net)
    gen = torch.Generator().manual_seed(12)
    target = torch.rand(2, 3, 64, 64, generator=gen)
    pred = (target + 0.1 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    with torch.no_grad():
        expected = ref(pred, target, normalize=True).flatten()
    assert torch.allclose(ours(pred, target), expected, atol=1e-6, rtol=1e-5)
