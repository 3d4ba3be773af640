"""The ``vq`` registry tokenizer: round trips, bits, decode from indices, loading checks."""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded
from benchmarks.tokenizers.vq.adapter import VQTokenizer
from benchmarks.tokenizers.vq.folder import CONFIG
from tests.helpers.tiny_vq import TINY, random_clips, save_tiny_vq


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("vq")
    return {kind: save_tiny_vq(root, kind) for kind in TINY}


@pytest.mark.parametrize("kind", sorted(TINY))
def test_round_trip_indices_bits_and_vocab_agree(kind, folders):
    tok = TOKENIZERS.get("vq")(quantizer=str(folders[kind]), base="avgpool")
    assert isinstance(tok, VQTokenizer)
    spec, config = tok.spec, tok.quantizer.config
    assert spec.vocab_size == config.vocab_size == {"fsq": 1000, "lfq": 64, "rvq": 16}[kind]
    assert spec.bits_per_token == pytest.approx({"fsq": 9.9658, "lfq": 6, "rvq": 4}[kind],
                                                abs=1e-4)
    assert spec.num_levels == config.num_levels == (2 if kind == "rvq" else 1)
    # the geometry is avgpool's: 4x spatial, 1x temporal, any length
    assert (spec.spatial_compression, spec.temporal_compression) == (4, 1)
    assert spec.frame_convention == "any" and spec.latent_channels == 3
    video = random_clips(1, (3, 16, 24))[0].repeat(2, 1, 1, 1, 1)
    enc = tok.encode(video)
    assert [tuple(i.shape) for i in enc.indices] == [(2, 3, 4, 6)] * spec.num_levels
    tokens = 3 * 4 * 6 * spec.num_levels
    assert enc.bits.tolist() == [spec.bits_per_token * tokens] * 2
    out = tok.decode(enc)
    assert out.shape == video.shape and out.abs().max() <= 1
    # the deepest level is what the decoder reads: avgpool's decode of that latent
    assert enc.features[-1] is enc.latent and enc.latent.shape == (2, 3, 3, 4, 6)
    expected = TOKENIZERS.get("avgpool")().decode(
        Encoded(features=[enc.latent], indices=None, bits=None, num_frames=3,
                frame_size=(16, 24)))
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_decode_from_indices_equals_decode_from_quantized(kind, folders):
    tok = TOKENIZERS.get("vq")(quantizer=str(folders[kind]))  # base: the one it was trained on
    video = random_clips(1, (5, 16, 16))[0]
    enc = tok.encode(video)
    from_latent = tok.decode(enc)
    only_indices = Encoded(features=[torch.zeros(0)] * len(enc.indices), indices=enc.indices,
                           bits=None, num_frames=enc.num_frames, frame_size=enc.frame_size)
    torch.testing.assert_close(tok.decode(only_indices), from_latent, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="decodes from Encoded.latent or Encoded.indices"):
        tok.decode(Encoded(features=[], indices=None, bits=None, num_frames=5,
                           frame_size=(16, 16)))


def test_weight_files_are_the_quantizer_folder(folders):
    tok = TOKENIZERS.get("vq")(quantizer=str(folders["fsq"]))
    assert sorted(p.name for p in tok.weight_files()) == ["config.json", "model.safetensors"]


def _edit_config(folder, tmp_path, **base_changes):
    import shutil

    copy = tmp_path / "edited"
    shutil.copytree(folder, copy)
    raw = json.loads((copy / CONFIG).read_text())
    raw["base"].update(base_changes)
    (copy / CONFIG).write_text(json.dumps(raw))
    return copy


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"base": "identity"}, "was trained on base 'avgpool', not 'identity'; train one for "
                           "this base"),
    ({"base_args": {"factor": 2}}, "spatial_compression 2, but the quantizer was trained with 4"),
    ({"base_args": {"factr": 2}}, "has no argument 'factr'; did you mean 'factor'"),
])
def test_a_base_that_does_not_fit_is_one_clear_error(folders, kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        TOKENIZERS.get("vq")(quantizer=str(folders["fsq"]), **kwargs)
    assert "\n" not in str(info.value)


def test_latent_channels_and_weights_are_checked(folders, tmp_path):
    wide = _edit_config(folders["fsq"], tmp_path, latent_channels=16)
    with pytest.raises(ValueError, match="latent_channels 3, but the quantizer was trained "
                                         "with 16; train one for this base"):
        TOKENIZERS.get("vq")(quantizer=str(wide))
    other = _edit_config(folders["fsq"], tmp_path / "w", latent_channels=3,
                         weights=["12:abc"])
    with pytest.raises(ValueError, match="weights that differ from those the quantizer"):
        TOKENIZERS.get("vq")(quantizer=str(other))


def test_a_missing_or_foreign_folder_is_one_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder; train one with python -m "
                                                "benchmarks.train_vq"):
        TOKENIZERS.get("vq")(quantizer=str(tmp_path / "none"))
    (tmp_path / CONFIG).write_text('{"_class_name": "AutoencoderKLWan"}')
    with pytest.raises(ValueError, match="not a vq quantizer"):
        TOKENIZERS.get("vq")(quantizer=str(tmp_path))


def test_the_cli_says_what_is_wrong_in_one_line(tmp_path, capsys):
    from benchmarks.cli import main

    code = main(["run", "--task", "webvid", "--tokenizer", "vq", "--tokenizer-arg",
                 f"quantizer={tmp_path / 'none'}", "--output", str(tmp_path / "out"),
                 "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no such folder" in err[0], err
