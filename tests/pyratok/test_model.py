"""The PyraTok model API: encode/decode shapes, index round trips, save/load, gradients."""

from __future__ import annotations

import pytest
import torch

from pyratok.config import TrainConfig
from pyratok.losses import PyraTokObjective
from pyratok.model import PyraTok
from tests.helpers.pyratok_tiny import FakeTextEncoder, random_video, tiny_model

torch.set_num_threads(1)
TEXTS = ["a red circle moving left on a beige background", "a blue star rotating"]


@pytest.fixture(scope="module")
def model() -> PyraTok:
    return tiny_model().eval()


@pytest.mark.slow
def test_encoding_levels_shapes_and_ranges(model):
    video = random_video()
    enc = model.encode(video)
    assert enc.num_frames == 9 and enc.frame_size == (32, 32)
    grids = [tuple(lv.indices.shape[1:]) for lv in enc.levels]
    assert grids == [(5, 8, 8), (3, 4, 4), (3, 2, 2), (2, 2, 2)]  # fine -> coarse
    for level in enc.levels:
        assert level.codes.shape[1] == model.code_dim
        assert set(level.codes.unique().tolist()) <= {-1.0, 1.0}
        assert level.indices.dtype == torch.int64
        assert level.features.shape[1] == model.config.sem_dim
        assert torch.allclose(level.features.norm(dim=1), torch.ones(1), atol=1e-5)
    assert model.vocab_size == 2**model.code_dim
    assert model.spatial_compression == 4 and model.temporal_compression == 2
    assert model.level_strides == [(2, 4), (4, 8), (4, 16), (8, 16)]
    assert "1 + 8k" in model.frame_convention and model.n_params > 0


def test_index_round_trip_at_every_level_and_decode(model):
    video = random_video()
    enc = model.encode(video, TEXTS)
    for i, level in enumerate(enc.levels):
        codes = model.quantizer.indices_to_codes(level.indices).movedim(-1, 1)
        assert torch.equal(codes, level.codes)
        assert torch.equal(model.quantizer.codes_to_indices(codes.movedim(1, -1)), level.indices)
        assert torch.allclose(model.lapq.features_from_codes(codes, i), level.features)
    out = model.decode([lv.codes for lv in enc.levels], num_frames=9)
    assert out.shape == video.shape and out.min() >= -1 and out.max() <= 1
    assert torch.equal(out, model.decode_indices([lv.indices for lv in enc.levels], num_frames=9))


def test_non_multiple_frame_counts_are_padded_and_cropped(model):
    video = random_video(t=6)
    enc = model.encode(video)
    assert enc.num_frames == 6
    assert model.decode([lv.codes for lv in enc.levels], num_frames=6).shape == video.shape


def test_texts_none_uses_the_null_token_and_texts_change_codes(model):
    video = random_video()
    a = model.encode(video)
    b = model.encode(video, TEXTS)
    pairs = zip(a.levels, b.levels, strict=True)
    assert any(not torch.equal(x.indices, y.indices) for x, y in pairs)
    emb = model.embed_text(TEXTS)
    assert emb.shape == (2, model.config.sem_dim)
    assert torch.allclose(emb.norm(dim=-1), torch.ones(2), atol=1e-5)


def test_same_seed_same_output():
    video = random_video()
    a, b = tiny_model(seed=3).eval(), tiny_model(seed=3).eval()
    ea, eb = a.encode(video, TEXTS), b.encode(video, TEXTS)
    for x, y in zip(ea.levels, eb.levels, strict=True):
        assert torch.equal(x.indices, y.indices) and torch.equal(x.features, y.features)
    c = tiny_model(seed=4).eval()
    assert not torch.equal(c.encode(video).levels[0].indices, ea.levels[0].indices)


def test_text_encoder_is_not_part_of_the_model_state(model):
    n_params = model.n_params
    model.embed_text(TEXTS)
    assert model.text_encoder is not None and model.n_params == n_params
    assert not any("text_encoder" in k for k in model.state_dict())
    assert "_text_encoder" not in dict(model.named_children())


def test_save_and_load_round_trip(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    loaded = PyraTok.from_pretrained(tmp_path)
    loaded.set_text_encoder(FakeTextEncoder())
    assert loaded.config == model.config
    video = random_video()
    for x, y in zip(model.encode(video).levels, loaded.encode(video).levels, strict=True):
        assert torch.equal(x.indices, y.indices)


def test_from_pretrained_names_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json, model.safetensors"):
        PyraTok.from_pretrained(tmp_path)


@pytest.mark.slow
def test_gradients_reach_every_trainable_parameter_and_no_frozen_one(tmp_path):
    model = tiny_model().train()
    objective = PyraTokObjective(model, TrainConfig(run_dir=str(tmp_path), ar_width=32,
                                                    ar_depth=1, text_bank=4))
    video = random_video()
    drop = torch.tensor([True, False])  # one clip without text: the null token learns too
    fwd = model.forward_train(video, TEXTS, text_drop=drop, quantize_fraction=1.0)
    objective(model, fwd, video, video, TEXTS).total.backward()
    named = list(model.named_parameters()) + list(objective.named_parameters())
    missing = [n for n, p in named
               if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)]
    assert missing == []
    frozen = list(objective.reference.parameters())
    assert frozen and all(not p.requires_grad and p.grad is None for p in frozen)
    assert "reference" not in dict(objective.named_children())
    assert not any(k.startswith("reference") for k in objective.state_dict())


def test_video_layout_errors_name_the_shape(model):
    with pytest.raises(ValueError, match="expected video"):
        model.encode(torch.zeros(1, 9, 3, 32, 32))
    with pytest.raises(ValueError, match="multiple of 16"):
        model.forward_train(torch.zeros(1, 3, 9, 24, 24), None)


def test_odd_frame_sizes_are_padded_on_encode(model):
    enc = model.encode(random_video(size=24))
    assert enc.frame_size == (24, 24) and enc.levels[0].indices.shape[-2:] == (8, 8)
    out = model.decode([lv.codes for lv in enc.levels], num_frames=enc.num_frames)
    assert out.shape[-2:] == (32, 32)


@pytest.mark.slow
@pytest.mark.parametrize("changes", [dict(lapq=False), dict(pyramid=False), dict(levels=2),
                                     dict(text_guidance=False), dict(quantizer="vq",
                                     codebook_size=32), dict(quantizer="rvq", codebook_size=16)])
def test_ablated_models_encode_and_decode(changes):
    model = tiny_model(**changes).eval()
    video = random_video()
    enc = model.encode(video)
    assert len(enc.levels) == model.lapq.num_levels
    out = model.decode_indices([lv.indices for lv in enc.levels], num_frames=9)
    assert out.shape == video.shape


@pytest.fixture(scope="module")
def tiny_wan_folder(tmp_path_factory):
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    folder = tmp_path_factory.mktemp("wan")
    vae.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_wan_backbone_option_encodes_decodes_and_trains_only_lora_and_heads(tiny_wan_folder):
    torch.manual_seed(0)
    model = PyraTok(tiny_model_config_wan(tiny_wan_folder))
    model.set_text_encoder(FakeTextEncoder())
    video = random_video(t=9, size=32)
    enc = model.eval().encode(video)
    assert len(enc.levels) == 4
    assert model.level_strides == [tuple(s) for s in model.backbone.level_strides]
    out = model.decode_indices([lv.indices for lv in enc.levels], num_frames=9)
    assert out.shape == video.shape
    model.train()
    fwd = model.forward_train(video, TEXTS, quantize_fraction=1.0)
    fwd.recon.abs().mean().backward()
    vae_params = dict(model.backbone.vae.named_parameters())
    assert all(p.grad is None for n, p in vae_params.items() if "lora_" not in n)
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for n, p in vae_params.items() if "lora_B" in n)  # LoRA B learns first
    assert all(p.grad is not None for p in model.merger.parameters())


def tiny_model_config_wan(folder):
    from tests.helpers.pyratok_tiny import tiny_model_config

    return tiny_model_config(backbone="wan", wan_path=str(folder))


def test_demo_eval_reports_every_metric(model):
    import numpy as np

    from pyratok.demo import CLASSES
    from pyratok.demo_eval import evaluate, psnr

    a = np.zeros((2, 4, 4, 3))
    assert psnr(a + 0.1, a) == pytest.approx(20.0)
    result = evaluate(model, seed_start=10_000_000, count=2, frames=9, size=32, batch=2)
    assert result["codebook"]["tokens"] == 2 * (5 * 64 + 3 * 16 + 3 * 4 + 2 * 4)
    assert [lv["level"] for lv in result["codebook"]["per_level"]] == [1, 2, 3, 4]
    assert 0 < result["codebook"]["utilization"] <= 1
    assert result["zero_shot"]["chance"] == pytest.approx(1 / len(CLASSES))
    assert np.isfinite(result["psnr"]) and -1 <= result["ssim"] <= 1
    z = result["zero_shot"]
    assert (z["shape_chance"], z["motion_chance"]) == (pytest.approx(1 / 5), pytest.approx(0.1))
    # a right class has the right shape and motion
    for name in ("all_levels", "deepest"):
        assert z[f"shape_accuracy_{name}"] >= z[f"top1_{name}"]
        assert z[f"motion_accuracy_{name}"] >= z[f"top1_{name}"]


def test_class_attributes_split_every_class_name():
    from pyratok.demo import CLASSES
    from pyratok.demo_eval import _attributes
    from pyratok.demo_motion import MOTIONS
    from pyratok.demo_raster import SHAPES

    shape, motion = _attributes()
    for i, name in enumerate(CLASSES):
        assert name == f"{SHAPES[int(shape[i])]} {MOTIONS[int(motion[i])]}"


def test_bundled_checkpoint_loads_and_reconstructs_a_held_out_clip():
    """The shipped weights load with the current code (strict) and still work."""
    import numpy as np

    from pyratok.demo import frames_to_tensor, make_video
    from pyratok.demo_eval import psnr
    from pyratok.model import DEMO_CHECKPOINT

    size = (DEMO_CHECKPOINT / "model.safetensors").stat().st_size
    assert size <= 25 * 2**20  # the limit for the bundled safetensors
    model = PyraTok.from_pretrained(DEMO_CHECKPOINT)
    clip = make_video(10_000_000, frames=9, size=64)
    video = frames_to_tensor(clip.frames)[None]
    enc = model.encode(video)
    recon = model.decode_indices([lv.indices for lv in enc.levels], num_frames=9)
    pred = ((recon[0] + 1) / 2).permute(1, 2, 3, 0).numpy()
    # 20 dB is far below what the checkpoint reaches (TRAINING.md): a floor that only
    # broken loading (wrong weights, renamed modules, changed layouts) falls through
    assert psnr(pred, clip.frames.astype(np.float32) / 255) > 20
    assert model.clip_embedding(enc).shape == (1, model.config.sem_dim)
