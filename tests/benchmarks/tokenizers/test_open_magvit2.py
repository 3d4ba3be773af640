"""``open-magvit2`` / ``open-magvit2-video``: token ids, geometry from configs, loading.

Tiny random models saved as the library saves them (``tests.helpers.tiny_magvit``); the
registry-wide round trip and feature tests cover them too.
"""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import pytest
import torch
import yaml

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded
from benchmarks.tokenizers.open_magvit2_model import IMAGE, VIDEO, geometry, read_init_args
from benchmarks.tokenizers.optional_imports import MissingPackage, import_model_module
from tests.helpers.tiny_magvit import (
    open_magvit2_init_args,
    save_lightning_ckpt,
    save_open_magvit2_config,
    save_tiny_open_magvit2,
    tiny_open_magvit2,
)

# installed by scripts/bootstrap.sh test (CI); found, not imported (their __init__s are heavy)
pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(p) is None for p in ("open_magvit2", "OpenImageTokenizer")),
    reason="pip install 'pyratok[magvit]' && pip install --no-deps open-magvit2==1.1 "
    "OpenImageTokenizer==0.1.5",
)


def clip(t: int, h: int, w: int, *, batch: int = 1, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


def indices_only(encoded: Encoded) -> Encoded:
    return Encoded(features=[], indices=encoded.indices, bits=None,
                   num_frames=encoded.num_frames, frame_size=encoded.frame_size)


@pytest.fixture(scope="module")
def image_files(tmp_path_factory) -> dict[str, str]:
    return save_tiny_open_magvit2(tmp_path_factory.mktemp("omv2"))


@pytest.fixture(scope="module")
def image_tok(image_files):
    return TOKENIZERS.get("open-magvit2")(**image_files)


# token ids -----------------------------------------------------------------------------------


def test_image_indices_decode_exactly_like_the_quantized_latent(image_tok):
    video = clip(3, 12, 10, batch=2)
    enc = image_tok.encode(video)
    quant, idx = enc.features[0], enc.indices[0]
    assert quant.shape == (2, 6, 3, 6, 5) and idx.shape == (2, 3, 6, 5)
    assert set(quant.unique().tolist()) <= {-1.0, 1.0}
    # bit i of an index is the sign of channel i (the library's own bit order)
    weights = 2 ** torch.arange(6).view(1, 6, 1, 1, 1)
    assert torch.equal(((quant > 0).long() * weights).sum(1), idx)
    assert torch.equal(image_tok.codes_from_indices(idx), quant)
    assert torch.equal(image_tok.decode(indices_only(enc)), image_tok.decode(enc))
    assert enc.bits.tolist() == [6.0 * 3 * 6 * 5] * 2
    assert image_tok.spec.bits_per_token == 6.0 and image_tok.spec.vocab_size == 64


def test_image_model_is_applied_to_every_frame_alone(image_tok):
    video = clip(4, 8, 8)
    whole = image_tok.encode(video)
    frame = image_tok.encode(video[:, :, 2:3])
    assert torch.equal(whole.indices[0][:, 2:3], frame.indices[0])


def test_odd_frame_sizes_are_padded_and_cropped_back(image_tok):
    video = clip(2, 9, 7)
    enc = image_tok.encode(video)
    assert enc.indices[0].shape == (1, 2, 5, 4)
    assert image_tok.decode(enc).shape == video.shape


@pytest.mark.slow  # ~5 s: builds and saves the 2.9M-parameter video model
def test_video_round_trip_pads_to_2k_plus_1_frames_and_decodes_from_ids(tmp_path):
    tok = TOKENIZERS.get("open-magvit2-video")(**save_tiny_open_magvit2(tmp_path, video=True))
    assert (tok.spec.temporal_compression, tok.spec.spatial_compression) == (2, 4)
    assert tok.spec.frame_convention == "causal"
    video = clip(6, 16, 16)  # padded to 7 = 2 * 3 + 1 frames → 4 latent steps
    enc = tok.encode(video)
    assert enc.indices[0].shape == (1, 4, 4, 4) and enc.features[0].shape == (1, 6, 4, 4, 4)
    out = tok.decode(enc)
    assert out.shape == video.shape
    assert torch.equal(tok.decode(indices_only(enc)), out)


# geometry from the library's own configs ----------------------------------------------------


def test_geometry_of_the_released_image_config_shipped_in_the_package():
    spec = importlib.util.find_spec("open_magvit2")
    config = Path(spec.submodule_search_locations[0]) / "configs/gpu/imagenet_lfqgan_256_L.yaml"
    _, init_args = read_init_args(config, variant=IMAGE)
    g = geometry(init_args, variant=IMAGE, where=str(config))
    assert (g.bits, g.spatial, g.temporal) == (18, 16, 1)  # ch_mult [1, 1, 2, 2, 4], 2^18


def test_geometry_of_the_released_video_config():
    configs = import_model_module("OpenImageTokenizer.configs", root="OpenImageTokenizer")
    init_args = configs.CONFIGS_OPEN_MAGVIT2_VIDEO["video_262144"]["model"]["init_args"]
    g = geometry(init_args, variant=VIDEO, where="video_262144")
    assert (g.bits, g.spatial, g.temporal) == (18, 8, 4)  # ch_mult [1, 2, 2, 4]: 4k + 1


# loading ---------------------------------------------------------------------------------------


def test_ema_weights_are_used_when_the_checkpoint_has_them(tmp_path):
    model = tiny_open_magvit2(video=False, use_ema=True)
    for buffer in model.model_ema.buffers():
        if buffer.is_floating_point() and buffer.ndim:
            buffer.add_(0.5)  # EMA weights unlike the raw ones
    args = open_magvit2_init_args(video=False, use_ema=True)
    config = save_open_magvit2_config(tmp_path / "c.yaml", args, video=False)
    ckpt = save_lightning_ckpt(tmp_path / "m.ckpt", model.state_dict())
    tok = TOKENIZERS.get("open-magvit2")(path=str(ckpt), config=str(config))
    raw = model.encoder.conv_in.weight
    assert torch.equal(tok.model.encoder.conv_in.weight, raw + 0.5)


def test_loss_weights_in_the_checkpoint_are_skipped_and_all_others_loaded(image_files, image_tok):
    state = torch.load(image_files["path"], weights_only=True)["state_dict"]
    assert any(k.startswith("loss.") for k in state)
    for key, value in image_tok.model.state_dict().items():
        assert torch.equal(value, state[key]), key


def _broken(tmp_path: Path, image_files, **changes) -> dict[str, str]:
    args = {**open_magvit2_init_args(video=False), **changes}
    config = save_open_magvit2_config(tmp_path / "bad.yaml", args, video=False)
    return {"path": image_files["path"], "config": str(config)}


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"ddconfig": {**open_magvit2_init_args(video=False)["ddconfig"], "ch_mult": [1, 1]}},
         "does not match its config"),
        ({"embed_dim": 5}, r"must both be log2\(n_embed\) = 6"),
        ({"n_embed": 100}, "power of 2"),
        ({"no_such_argument": 1}, "does not build .*no_such_argument"),
    ],
)
def test_a_wrong_config_is_one_clear_error(tmp_path, image_files, changes, match):
    with pytest.raises(ValueError, match=match):
        TOKENIZERS.get("open-magvit2")(**_broken(tmp_path, image_files, **changes))


def test_a_video_config_given_to_the_image_tokenizer_says_which_to_use(tmp_path, image_files):
    config = save_open_magvit2_config(tmp_path / "v.yaml", open_magvit2_init_args(video=True),
                                      video=True)
    with pytest.raises(ValueError, match="use --tokenizer open-magvit2-video"):
        TOKENIZERS.get("open-magvit2")(path=image_files["path"], config=str(config))


def test_missing_corrupt_or_pickled_checkpoints_are_one_clear_error(tmp_path, image_files):
    create = TOKENIZERS.get("open-magvit2")
    with pytest.raises(FileNotFoundError, match="checkpoint .*nope.ckpt: not found"):
        create(path=str(tmp_path / "nope.ckpt"), config=image_files["config"])
    with pytest.raises(FileNotFoundError, match="config .*nope.yaml: not found"):
        create(path=image_files["path"], config=str(tmp_path / "nope.yaml"))
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(Path(image_files["path"]).read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable PyTorch checkpoint"):
        create(path=str(corrupt), config=image_files["config"])
    pickled = tmp_path / "pickled.ckpt"
    torch.save({"state_dict": {}, "hyper_parameters": pickle.PickleError("x")}, pickled)
    with pytest.raises(ValueError, match="pickled objects other than tensors"):
        create(path=str(pickled), config=image_files["config"])
    not_yaml = tmp_path / "bad.yaml"
    not_yaml.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        create(path=image_files["path"], config=str(not_yaml))
    no_model = tmp_path / "list.yaml"
    no_model.write_text(yaml.safe_dump([1, 2]), encoding="utf-8")
    with pytest.raises(ValueError, match="model.init_args"):
        create(path=image_files["path"], config=str(no_model))


def test_a_missing_package_names_the_pip_command(monkeypatch, image_files):
    from benchmarks.tokenizers import optional_imports

    real = optional_imports._find
    monkeypatch.setattr(optional_imports, "_find",
                        lambda name: None if name == "open_magvit2" else real(name))
    with pytest.raises(MissingPackage, match=r"pip install --no-deps open-magvit2==1\.1"):
        TOKENIZERS.get("open-magvit2")(**image_files)
