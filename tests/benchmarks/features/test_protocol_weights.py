"""The weights pin (a wrong file is one line, exit 2), the reference networks' glue on
tiny stand-ins, and a reconstruction run's record of its protocol."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import types
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from benchmarks.families.reconstruction.rfvd import RfvdStage
from benchmarks.features.protocols import (
    I3D_PRETRAINED_400,
    I3D_TORCHSCRIPT,
    JEDI,
    VIDEOMAE_V2_G,
)
from benchmarks.features.weights import WeightsFile, WeightsMismatch, file_digests
from benchmarks.metrics.mmd import polynomial_mmd
from tests.helpers.paths import REPO


def test_digests_are_sha256_and_gits_blob_id(tmp_path) -> None:
    path = tmp_path / "w.pt"
    path.write_bytes(b"hello\n")
    digests = file_digests(path)
    assert digests["git_blob_sha1"] == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object
    assert digests["sha256"] == (
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")


def test_a_wrong_file_is_refused_in_one_line_naming_both_digests(tmp_path) -> None:
    path = tmp_path / "net.pt"
    path.write_bytes(b"other weights")
    pinned = WeightsFile("net.pt", "PYRATOK_TEST_NET", sha256="0" * 64, source="a test pin")
    with pytest.raises(WeightsMismatch) as err:
        pinned.verify(path)
    text = str(err.value)
    assert "\n" not in text and str(path) in text and "0" * 64 in text
    assert file_digests(path)["sha256"] in text
    right = WeightsFile("net.pt", "X", sha256=file_digests(path)["sha256"])
    assert right.verify(path)["pinned"] == "sha256 checked"
    assert WeightsFile("net.pt", "X").verify(path)["pinned"] == "not pinned"


def test_the_videogpt_i3d_pin_refuses_another_file(tmp_path) -> None:
    from benchmarks.features.i3d_videogpt import create_i3d_videogpt

    fake = tmp_path / I3D_PRETRAINED_400.file_name
    torch.save({"w": torch.zeros(1)}, fake)
    with pytest.raises(WeightsMismatch, match="expected a867b87ac3a9097d200598b1d48a1b890d8ec744"):
        create_i3d_videogpt(weights_path=str(fake))


def test_missing_weights_name_the_file_and_the_places(tmp_path, monkeypatch) -> None:
    from benchmarks.features import stage

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "hub"))
    monkeypatch.delenv("PYRATOK_VJEPA", raising=False)
    extractor, reason = stage.open_extractor("vjepa", device=torch.device("cpu"))
    assert extractor is None and "vith16.pth.tar" in reason and str(tmp_path / "hub") in reason


# the networks' glue, on tiny stand-ins of the reference packages' classes -----------------


class _TinyViT(nn.Module):
    """Stands in for VideoMAE-v2's ViT-g: ``forward_features`` → (b, 1408)."""

    def __init__(self, **_: object) -> None:
        super().__init__()
        self.head = nn.Linear(3, 1408)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x.mean(dim=(2, 3, 4)))


def test_cd_fvd_loads_videomae_from_the_package_and_its_model_entry(tmp_path, monkeypatch):
    from benchmarks.features.videomae import create_videomae_v2

    module = types.ModuleType("cdfvd.third_party.VideoMAEv2.videomaev2_finetune")
    module.vit_giant_patch14_224 = _TinyViT
    monkeypatch.setitem(sys.modules, module.__name__, module)
    weights = tmp_path / VIDEOMAE_V2_G.file_name
    # the stand-in is not the pinned file: without the pin here, and refused with it below
    monkeypatch.setattr("benchmarks.features.videomae.VIDEOMAE_V2_G",
                        dataclasses.replace(VIDEOMAE_V2_G, sha256=None))
    torch.manual_seed(0)
    net = _TinyViT()
    torch.save({"model": net.state_dict()}, weights)
    extractor = create_videomae_v2(weights_path=str(weights))
    video = torch.rand(2, 3, 18, 224, 224) * 2 - 1
    features = extractor(video)
    assert features.shape == (2, 1408)
    uint8 = torch.floor((video[:, :, :16] + 1) / 2 * 255)  # cd-fvd: (x * 255).byte()
    expected = net.forward_features(uint8 / 255).double().detach().numpy()  # [0, 1]
    assert np.allclose(features, expected, rtol=1e-5, atol=1e-6)
    assert extractor.weights_loaded[0]["pinned"] == "not pinned"
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(WeightsMismatch, match=f"expected {VIDEOMAE_V2_G.sha256}"):
        create_videomae_v2(weights_path=str(weights))


# a reconstruction run under a stand-in protocol ------------------------------------------


def test_rfvd_stage_reports_the_protocol_with_its_flag(monkeypatch) -> None:
    standin = dataclasses.replace(JEDI, extractor="pixels8", weights=())  # tiny, offline
    monkeypatch.setitem(sys.modules["benchmarks.features.protocols"].PROTOCOLS,
                        "jedi-standin", dataclasses.replace(standin, name="jedi-standin"))
    stage_ = RfvdStage(enabled=True, features="i3d", i3d_path=None,
                       device=torch.device("cpu"), protocol="jedi-standin")
    assert stage_.metric == "rjedi" and stage_.extractor.protocol.value_range == (0.0, 1.0)
    gen = torch.Generator().manual_seed(0)
    video = torch.rand(5, 3, 16, 32, 32, generator=gen) * 2 - 1
    recon = (video + 0.1 * torch.randn(video.shape, generator=gen)).clamp(-1, 1)
    stage_.cache = SimpleNamespace(features=lambda ids, compute: compute())
    stage_.key = {"k": 1}
    arrays = stage_.arrays([f"c{i}" for i in range(5)], video, recon)
    records = [SimpleNamespace(arrays=lambda a=a: a) for a in arrays]
    metrics, extra = stage_.finalize(records)
    real = np.stack([a["rfvd_real"] for a in arrays])
    fake = np.stack([a["rfvd_recon"] for a in arrays])
    assert metrics["rjedi"] == pytest.approx(100 * polynomial_mmd(real, fake), rel=1e-6)
    record = extra["protocols"]["rjedi"]
    assert record["protocol"] == "jedi-standin" and record["n_per_set"] == 5
    assert record["below_min_n"] and "n=5" in record["flag"]
    assert record["fields"]["distance"] == "mmd_poly2_x100"


@pytest.mark.slow
def test_a_wrong_i3d_file_stops_the_run_in_one_line(tmp_path) -> None:
    from tests.helpers.datasets import write_webvid

    write_webvid(tmp_path / "data", n=2)
    wrong = tmp_path / "i3d_torchscript.pt"
    wrong.write_bytes(b"not the StyleGAN-V I3D")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--task", "webvid", "--tokenizer",
         "avgpool", "--data-root", str(tmp_path / "data"), "--no-progress", "--num-workers",
         "0", "--device", "cpu", "--task-arg", "rfvd=true", "--task-arg", f"i3d_path={wrong}",
         "--task-arg", "lpips=false", "--output", str(tmp_path / "out")],
        env={**os.environ, "PYTHONPATH": str(REPO), "PYRATOK_CACHE": str(tmp_path / "c")},
        cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert str(wrong) in lines[0] and I3D_TORCHSCRIPT.sha256 in lines[0]
    assert I3D_TORCHSCRIPT.sha256 == (  # the published file's SHA-256 (see its source)
        "bec6519f66ea534e953026b4ae2c65553c17bf105611c746d904657e5860a5e2")


class _TinyEncoder(nn.Module):
    """Stands in for vjepa's ``vit_huge``: (b, 3, t, h, w) → (b, tokens, D)."""

    embed_dim, num_heads = 8, 2

    def __init__(self, **_: object) -> None:
        super().__init__()
        self.proj = nn.Linear(3, self.embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x.flatten(2).transpose(1, 2)[:, ::997])  # a few tokens


class _TinyProbe(nn.Module):
    """Stands in for vjepa's ``AttentiveClassifier``: ``.pooler`` → (b, 1, D)."""

    def __init__(self, embed_dim: int, **_: object) -> None:
        super().__init__()
        self.pooler = _Pool(embed_dim)


class _Pool(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.query = nn.Parameter(torch.randn(dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(tokens @ self.query, dim=1).unsqueeze(-1)  # (b, n, 1)
        return (weights * tokens).sum(1, keepdim=True)  # (b, 1, D)


def test_jedi_builds_v_jepa_strictly_from_both_files(tmp_path, monkeypatch) -> None:
    from benchmarks.features.vjepa import create_vjepa

    models = types.ModuleType("vjepa.models")
    models.vit_huge = _TinyEncoder
    pooler = types.ModuleType("vjepa.models.attentive_pooler")
    pooler.AttentiveClassifier = _TinyProbe
    for name, module in (("vjepa", types.ModuleType("vjepa")), ("vjepa.models", models),
                         ("vjepa.models.attentive_pooler", pooler)):
        monkeypatch.setitem(sys.modules, name, module)
    torch.manual_seed(0)
    encoder, probe = _TinyEncoder(), _TinyProbe(8)
    torch.save({"target_encoder": {f"module.backbone.{k}": v
                                   for k, v in encoder.state_dict().items()}},
               tmp_path / "vith16.pth.tar")
    torch.save({"classifier": {f"module.{k}": v for k, v in probe.state_dict().items()}},
               tmp_path / "ssv2-probe.pth.tar")
    extractor = create_vjepa(weights_path=str(tmp_path))
    video = torch.rand(2, 3, 16, 224, 224) * 2 - 1
    mean = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1, 1)
    std = torch.tensor((0.229, 0.224, 0.225)).view(1, 3, 1, 1, 1)
    expected = probe.pooler(encoder(((video + 1) / 2 - mean) / std)).squeeze(1)
    assert np.allclose(extractor(video), expected.double().detach().numpy(), atol=1e-5)
    assert [w["file"] for w in extractor.weights_loaded] == [
        str(tmp_path / "vith16.pth.tar"), str(tmp_path / "ssv2-probe.pth.tar")]
    torch.save({"classifier": {"module.pooler.other": torch.zeros(1)}},
               tmp_path / "ssv2-probe.pth.tar")
    with pytest.raises(WeightsMismatch, match="ssv2-probe.pth.tar: not the V-JEPA SSv2"):
        # strict: a file of other keys is refused, never a random probe
        create_vjepa(weights_path=str(tmp_path))
