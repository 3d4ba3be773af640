"""Named distance protocols: fields, fingerprints, the reference packages' maths, clip
preparation, the weights pin, and a run's record of its protocol."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F

from benchmarks.features import stage
from benchmarks.features.base import ClipFeatureExtractor, ClipProtocol
from benchmarks.features.protocols import (
    CD_FVD,
    FVD_STYLEGANV,
    FVD_VIDEOGPT,
    JEDI,
    PROTOCOLS,
    get_protocol,
    resolve,
)
from benchmarks.metrics.frechet import FeatureStats

# the reference packages' maths, re-derived from their source ------------------------------


def _cdfvd_feature_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cdfvd/utils/metric_utils.py FeatureStats (songweige/content-debiased-fvd @a1e037a):
    ``append`` casts to float32, sums in float64; ``get_mean_cov``: Σxxᵀ/n − μμᵀ."""
    x64 = np.asarray(x, dtype=np.float32).astype(np.float64)
    mean = x64.sum(axis=0) / len(x64)
    return mean, x64.T @ x64 / len(x64) - np.outer(mean, mean)


def _cdfvd_compute_fvd_from_stats(real: np.ndarray, fake: np.ndarray) -> float:
    """cdfvd/fvd.py ``compute_fvd_from_stats``: scipy ``sqrtm`` of Σ_real Σ_fake."""
    mu_fake, sigma_fake = _cdfvd_feature_stats(fake)
    mu_real, sigma_real = _cdfvd_feature_stats(real)
    m = np.square(mu_real - mu_fake).sum()
    s = scipy.linalg.sqrtm(np.dot(sigma_real, sigma_fake))  # the package passes disp=False
    return float(np.real(m + np.trace(sigma_fake + sigma_real - s * 2)))


def _videojedi(real: np.ndarray, fake: np.ndarray) -> float:
    """videojedi JEDi.compute_metric: mmd_poly(degree=2, coef0=0) × 100, sklearn kernel."""
    def k(a, b):
        return ((a @ b.T) / a.shape[1]) ** 2
    return 100 * float(k(real, real).mean() + k(fake, fake).mean() - 2 * k(real, fake).mean())


def _synthetic(seed: int, n: int, d: int, shift: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mix = np.eye(d) + rng.normal(size=(d, d)) / np.sqrt(d)
    return (rng.normal(size=(n, d)) @ mix + shift).astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cd_fvd_equals_the_cd_fvd_package_on_synthetic_features(seed: int) -> None:
    real, fake = _synthetic(seed, 300, 24, 0.0), _synthetic(seed + 10, 200, 24, 0.4)
    ours = CD_FVD.value(FeatureStats.from_features(real), FeatureStats.from_features(fake))
    assert ours == pytest.approx(_cdfvd_compute_fvd_from_stats(real, fake), rel=1e-6)
    # the unbiased covariance of fvd-styleganv gives another number on the same features
    unbiased = FVD_STYLEGANV.value(FeatureStats.from_features(real),
                                   FeatureStats.from_features(fake))
    assert abs(unbiased / ours - 1) > 1e-4


@pytest.mark.parametrize("seed", [0, 1])
def test_jedi_equals_the_videojedi_package_on_synthetic_features(seed: int) -> None:
    real, fake = _synthetic(seed, 120, 48, 0.0), _synthetic(seed + 5, 90, 48, 0.2)
    ours = JEDI.value(FeatureStats.from_features(real), FeatureStats.from_features(fake))
    assert ours == pytest.approx(_videojedi(real, fake), rel=1e-6)
    assert ours > 0


# the registry ---------------------------------------------------------------------------


def test_every_protocol_fixes_every_field() -> None:
    assert {"fvd-styleganv", "fvd-videogpt", "cd-fvd", "jedi"} <= set(PROTOCOLS)
    for protocol in PROTOCOLS.values():
        fields = protocol.fields()
        for key in ("extractor", "features", "distance", "split", "seed", "source"):
            assert fields[key], f"{protocol.name}: {key} empty"
        assert fields["min_n"] >= 2 and set(fields["clip"]) >= {
            "frames", "stride", "resolution", "resize", "crop", "value_range"}
    assert len({p.fingerprint() for p in PROTOCOLS.values()}) == len(PROTOCOLS)
    changed = dataclasses.replace(FVD_STYLEGANV, min_n=16)
    assert changed.fingerprint() != FVD_STYLEGANV.fingerprint()
    assert JEDI.min_n < FVD_STYLEGANV.min_n  # JEDi needs far fewer samples


def test_names_and_defaults() -> None:
    assert resolve(None, "i3d") is FVD_STYLEGANV and FVD_STYLEGANV.metric == "fvd"
    assert resolve(None, "effnet_lite0").metric == "fd_effnet_lite0"
    assert resolve("jedi", "i3d") is JEDI
    assert stage.metric_name("i3d") == "fvd" and stage.metric_name("pixels8") == "fd_pixels8"
    with pytest.raises(ValueError, match="did you mean 'fvd-videogpt'"):
        get_protocol("fvd-videogtp")
    with pytest.raises(ValueError, match="uses the vjepa features, but features=pixels8"):
        resolve("jedi", "pixels8")


def test_a_small_run_is_flagged_and_fvd_points_at_jedi() -> None:
    record = FVD_STYLEGANV.record(30)
    assert record["below_min_n"] and record["protocol"] == "fvd-styleganv"
    assert "n=30" in record["flag"] and "2048" in record["flag"] and "JEDi" in record["flag"]
    assert record["fields"]["clip"]["frames"] == 16
    assert JEDI.flag(JEDI.min_n) is None and "n=30" in JEDI.flag(30)
    assert FVD_STYLEGANV.flag(2048) is None


def test_the_reference_cache_key_holds_the_protocol_fingerprint() -> None:
    info = SimpleNamespace(name="d", version="1", split="test", root="/r", annotation_file=None)
    extractor = ClipFeatureExtractor(name="pixels8", metric_name="fd_pixels8", dim=3,
                                     weights="none")
    keys = [stage.reference_key(info, extractor, distance=p) for p in (CD_FVD, JEDI)]
    assert keys[0]["distance_protocol_fingerprint"] == CD_FVD.fingerprint()
    assert stage.key_hash(keys[0]) != stage.key_hash(keys[1])


def test_list_protocols_shows_every_field(capsys) -> None:
    from benchmarks.cli import main

    assert main(["list", "--protocols"]) == 0
    out = capsys.readouterr().out
    for protocol in PROTOCOLS.values():
        assert f"  {protocol.name}  ->  {protocol.metric}" in out
        assert protocol.fingerprint() in out
    for key in ("clip.resize: shorter side to r", "clip.crop: center", "min_n: 328",
                "git_blob_sha1 a867b87ac3a9097d200598b1d48a1b890d8ec744", "differences:"):
        assert key in out


# clip preparation -----------------------------------------------------------------------


def _old_prepare(video: torch.Tensor, frames: int = 16, size: int = 224) -> torch.Tensor:
    """The harness's preparation before protocols existed (commit 7a29a2b), verbatim."""
    b = video.shape[0]
    clip = video[:, :, :frames].float().transpose(1, 2).flatten(0, 1)
    if clip.shape[-2:] != (size, size):
        clip = F.interpolate(clip, size=(size, size), mode="bilinear", align_corners=False)
    return clip.clamp(-1, 1).view(b, frames, 3, size, size).transpose(1, 2)


def _extractor(protocol: ClipProtocol) -> ClipFeatureExtractor:
    return ClipFeatureExtractor(name="x", metric_name="x", dim=1, weights="none",
                                protocol=protocol)


def test_fvd_styleganv_prepares_clips_exactly_as_before() -> None:
    video = torch.rand(2, 3, 17, 40, 56, generator=torch.Generator().manual_seed(0)) * 2.2 - 1.1
    assert FVD_STYLEGANV.clip == ClipProtocol()
    assert torch.equal(_extractor(FVD_STYLEGANV.clip).prepare(video), _old_prepare(video))


def test_videogpt_preparation_is_videogpts() -> None:
    """videogpt/fvd/fvd.py + videogpt/data.py ``preprocess`` on uint8 frames."""
    gen = torch.Generator().manual_seed(1)
    video = torch.rand(2, 3, 16, 30, 50, generator=gen) * 2 - 1  # (b, c, t, h, w) in [-1, 1]
    uint8 = ((video + 1) / 2 * 255).to(torch.uint8)  # VideoGPT: (x * 255).astype('uint8')
    expected = []
    for clip in uint8.permute(0, 2, 3, 4, 1):  # THWC
        frames = clip.permute(0, 3, 1, 2).float() / 255.0  # TCHW
        scale = 224 / min(30, 50)
        frames = F.interpolate(frames, size=(224, math.ceil(50 * scale)), mode="bilinear",
                               align_corners=False)
        left = (frames.shape[-1] - 224) // 2
        frames = frames[:, :, :, left : left + 224].permute(1, 0, 2, 3)
        expected.append((frames - 0.5) * 2)
    ours = _extractor(FVD_VIDEOGPT.clip).prepare(video)
    assert ours.shape == (2, 3, 16, 224, 224)
    assert torch.allclose(ours, torch.stack(expected), atol=1e-5)


def test_cd_fvd_and_jedi_take_zero_one_frames() -> None:
    video = torch.rand(1, 3, 20, 24, 24) * 2 - 1
    for protocol in (CD_FVD, JEDI):
        clip = _extractor(protocol.clip).prepare(video)
        assert clip.shape == (1, 3, 16, 224, 224) and clip.min() >= 0 and clip.max() <= 1
    long = torch.rand(1, 3, 31, 24, 24) * 2 - 1
    strided = _extractor(dataclasses.replace(ClipProtocol(), stride=2, resolution=24))
    assert torch.equal(strided.prepare(long)[0, :, 1], long[0, :, 2])
    with pytest.raises(ValueError, match="needs 31 frames"):
        strided.prepare(long[:, :, :30])
