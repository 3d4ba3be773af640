"""The temporal scorer: which VBench scores a run computes, from which local networks, and
why the others are unavailable. Networks are tiny random stand-ins saved in the formats the
task arguments take (a transformers folder, a TorchScript file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.features.base import FeatureUnavailable
from benchmarks.features.frame_encoders import center_crop, load_encoder, shorter_side
from benchmarks.features.temporal import (
    METRICS,
    TemporalOptions,
    TemporalScorer,
    paired,
    paired_unavailable,
)
from benchmarks.metrics.temporal import frame_consistency


@pytest.fixture(scope="module")
def dino_dir(tmp_path_factory) -> Path:
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("dino")
    config = ViTConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=32, image_size=224, patch_size=32)
    ViTModel(config, add_pooling_layer=False).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory) -> Path:
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("clip")
    config = CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                              num_attention_heads=2, image_size=224, patch_size=32,
                              projection_dim=8)
    CLIPVisionModelWithProjection(config).save_pretrained(folder)
    return folder


class Midpoint(torch.nn.Module):
    """A frame interpolator that averages its two inputs; like AMT, it takes only frames
    whose sides are multiples of 16 (the harness pads as VBench does)."""

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        assert first.shape[-2] % 16 == 0 and first.shape[-1] % 16 == 0
        return (first + second) / 2


class Shrinking(torch.nn.Module):
    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return first[..., 1:, :]


@pytest.fixture(scope="module")
def vfi_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vfi") / "midpoint.pt"
    torch.jit.script(Midpoint()).save(str(path))
    return path


def _clip(seed: int, t: int = 5) -> torch.Tensor:
    """``(2, 3, t, 10, 12)`` in [-1, 1]."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(2, 3, t, 10, 12, generator=g) * 2 - 1


def test_offline_only_flickering_is_computed_and_the_rest_say_what_to_pass():
    scorer = TemporalScorer(TemporalOptions())
    assert scorer.computed == ("temporal_flickering",)
    why = scorer.unavailable()
    assert set(why) == set(METRICS) - {"temporal_flickering"}
    assert "--task-arg dino_path=DIR" in why["subject_consistency"]
    assert "facebook/dino-vitb16" in why["subject_consistency"]
    assert "--task-arg clip_path=DIR" in why["background_consistency"]
    assert "--task-arg vfi_path=FILE" in why["motion_smoothness"]
    assert "temporal_effnet=true" in why["subject_consistency_effnet_lite0"]
    scores = scorer.scores(_clip(0))
    assert set(scores) == {"temporal_flickering"} and scores["temporal_flickering"].shape == (2,)


def test_disabled_temporal_lists_every_score_as_disabled():
    why = TemporalScorer(TemporalOptions(temporal=False)).unavailable()
    assert set(why) == set(METRICS) and all("temporal: false" in w for w in why.values())


def test_short_clips_make_scores_unavailable_with_the_frame_count(vfi_file):
    scorer = TemporalScorer(TemporalOptions(vfi_path=str(vfi_file)))
    assert scorer.scores(_clip(0, t=2)).keys() == {"temporal_flickering"}
    assert scorer.unavailable()["motion_smoothness"] == (
        "clips have 2 frame(s); motion_smoothness needs at least 3")
    one = TemporalScorer(TemporalOptions())
    one.note_frames(1)  # a still image (COCO): nothing temporal
    assert one.scores(_clip(0, t=1)) == {}
    assert one.unavailable()["temporal_flickering"] == (
        "clips have 1 frame(s); temporal_flickering needs at least 2")


def test_motion_smoothness_with_a_midpoint_interpolator(vfi_file):
    scorer = TemporalScorer(TemporalOptions(vfi_path=str(vfi_file)))
    video = _clip(1, t=7)
    got = scorer.scores(video)["motion_smoothness"]
    frames = ((video + 1) / 2).double().numpy()  # (b, 3, t, h, w) in [0, 1]
    for b in range(2):
        mads = [np.mean(np.abs((frames[b, :, i - 1] + frames[b, :, i + 1]) / 2 - frames[b, :, i]))
                for i in (1, 3, 5)]
        assert float(got[b]) == pytest.approx(1 - np.mean(mads), abs=1e-6)
    ramp = torch.linspace(-1, 1, 7).view(1, 1, 7, 1, 1).expand(2, 3, 7, 4, 4)
    np.testing.assert_allclose(scorer.scores(ramp)["motion_smoothness"].numpy(), 1.0, atol=1e-6)
    assert scorer.describe()["motion_smoothness"]["weights"] == str(vfi_file)


def test_vbench_padding_and_an_interpolator_breaking_the_contract(tmp_path):
    from benchmarks.features.interpolator import pad_amount

    assert pad_amount(10, 12) == (2, 2, 3, 3)  # to 16 x 16
    assert pad_amount(17, 32) == (0, 0, 7, 8)  # the odd pixel at the bottom
    path = tmp_path / "shrinking.pt"
    torch.jit.script(Shrinking()).save(str(path))
    scorer = TemporalScorer(TemporalOptions(vfi_path=str(path)))
    with pytest.raises(ValueError, match=r"returned \(6, 3, 15, 16\) for frames of "
                                         r"\(6, 3, 16, 16\)"):
        scorer.scores(_clip(0, t=7))


@pytest.mark.slow  # transformers' import and two tiny models
def test_dino_and_clip_from_local_folders(dino_dir, clip_dir):
    scorer = TemporalScorer(TemporalOptions(dino_path=str(dino_dir), clip_path=str(clip_dir)))
    assert {"subject_consistency", "background_consistency"} <= set(scorer.computed)
    video = _clip(2)
    scores = scorer.scores(video)
    for name in ("subject_consistency", "background_consistency"):
        assert scores[name].shape == (2,) and ((scores[name] >= 0) & (scores[name] <= 1)).all()
    still = video[:, :, :1].expand(-1, -1, 5, -1, -1)  # one frame repeated: same features
    still_scores = scorer.scores(still)
    for name in ("temporal_flickering", "subject_consistency", "background_consistency"):
        np.testing.assert_allclose(still_scores[name].numpy(), 1.0, atol=1e-6)
    described = scorer.describe()
    assert described["subject_consistency"]["weights"] == str(dino_dir)
    assert "bicubic" in described["background_consistency"]["preprocessing"]


@pytest.mark.slow
def test_dino_features_are_the_class_token_of_vbench_resized_frames(dino_dir):
    from transformers import ViTModel

    encoder = load_encoder("dino_vitb16", path=str(dino_dir))
    video = _clip(3)
    features = encoder(video)  # (b, t, d)
    assert features.shape == (2, 5, 16)
    net = ViTModel.from_pretrained(str(dino_dir), add_pooling_layer=False).eval()
    frames = ((video[1, :, 2] + 1) / 2).unsqueeze(0)  # clip 1, frame 2: (1, 3, 10, 12)
    resized = torch.nn.functional.interpolate(frames, size=(224, 268), mode="bilinear",
                                              align_corners=False)  # int(224 * 12 / 10)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        cls = net(pixel_values=(resized - mean) / std,
                  interpolate_pos_encoding=True).last_hidden_state[0, 0]
    torch.testing.assert_close(features[1, 2], cls, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(frame_consistency(features), TemporalScorer(
        TemporalOptions(dino_path=str(dino_dir))).scores(video)["subject_consistency"])


def test_vbench_resize_and_crop_geometry():
    tall = torch.rand(1, 3, 30, 20)
    assert shorter_side(tall, 224, "bilinear").shape[-2:] == (336, 224)
    edge = torch.zeros(1, 3, 8, 8)
    edge[..., 4:] = 1
    out = shorter_side(edge, 224, "bicubic")  # VBench resizes float frames: overshoot kept
    assert out.shape[-2:] == (224, 224) and out.min() < 0 and out.max() > 1
    wide = torch.arange(5 * 9, dtype=torch.float32).view(1, 1, 5, 9)
    assert center_crop(wide, 3)[0, 0, 0].tolist() == [12.0, 13.0, 14.0]  # row 1, columns 3-5


def test_a_wrong_path_is_the_users_mistake_not_unavailable(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"dino_path=/nowhere: no such folder"):
        TemporalScorer(TemporalOptions(dino_path="/nowhere"))
    with pytest.raises(ValueError, match=r"clip_path=.*: no config.json there"):
        TemporalScorer(TemporalOptions(clip_path=str(tmp_path)))
    (tmp_path / "config.json").write_text('{"model_type": "vit"}')
    with pytest.raises(ValueError, match=r"clip_path=.*: cannot be loaded as"):
        TemporalScorer(TemporalOptions(clip_path=str(tmp_path)))
    (tmp_path / "vfi.pt").write_bytes(b"not torchscript")
    with pytest.raises(ValueError, match=r"vfi_path=.*: not a TorchScript file"):
        TemporalScorer(TemporalOptions(vfi_path=str(tmp_path / "vfi.pt")))
    with pytest.raises(FeatureUnavailable, match="none ships offline"):
        load_encoder("clip_vitb32", path=None)


def test_reconstruction_pairs_are_ref_recon_and_recon_minus_ref():
    ref = {"temporal_flickering": torch.tensor([0.99, 0.98], dtype=torch.float64)}
    recon = {"temporal_flickering": torch.tensor([0.95, 0.99], dtype=torch.float64)}
    row = paired(ref, recon, 0)
    assert row == pytest.approx({"temporal_flickering_ref": 0.99,
                                 "temporal_flickering_recon": 0.95,
                                 "temporal_flickering_delta": -0.04})
    assert paired(ref, recon, 1)["temporal_flickering_delta"] == pytest.approx(0.01)
    assert paired_unavailable({"motion_smoothness": "why"}) == {
        "motion_smoothness_ref": "why", "motion_smoothness_recon": "why",
        "motion_smoothness_delta": "why"}


def test_noise_added_to_a_clip_lowers_its_flickering_score():
    scorer = TemporalScorer(TemporalOptions())
    clean = torch.linspace(-0.5, 0.5, 9).view(1, 1, 9, 1, 1).expand(1, 3, 9, 8, 8)
    noisy = (clean + 0.1 * torch.randn(1, 3, 9, 8, 8, generator=torch.Generator().manual_seed(0)))
    row = paired(scorer.scores(clean), scorer.scores(noisy.clamp(-1, 1)), 0)
    assert row["temporal_flickering_delta"] < 0  # the "reconstruction" flickers more


@pytest.mark.slow
def test_effnet_lite0_consistency_is_offline_under_its_own_name():
    pytest.importorskip("efficientnet_lite_pytorch")
    scorer = TemporalScorer(TemporalOptions(temporal_effnet=True))
    assert "subject_consistency_effnet_lite0" in scorer.computed
    assert "subject_consistency" in scorer.unavailable()  # never under DINO's name
    video = _clip(4, t=3)[:1]
    score = scorer.scores(video)["subject_consistency_effnet_lite0"]
    assert score.shape == (1,) and 0 <= float(score[0]) <= 1
    described = scorer.describe()["subject_consistency_effnet_lite0"]
    assert described["network"] == "effnet_lite0"
