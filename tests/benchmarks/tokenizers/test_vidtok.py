"""Tests for ``vidtok``, VidTok's discrete FSQ tokenizer (``benchmarks.tokenizers.vidtok``).

Every model is a tiny random ``AutoencoderVidTok`` (8^4 = 4096 codes, 8× spatial, 4×
temporal) from ``tests.helpers.tiny_vaes``, saved with ``save_pretrained``. The continuous
``vidtok-kl`` runs in the table of ``test_diffusers.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded
from benchmarks.tokenizers.vidtok import VidTokFSQ, fsq_indices
from tests.helpers.tiny_vaes import save_tiny_vidtok, tiny_vidtok

CODES = 4096  # tiny_vidtok: z_channels 4, 8 levels each


def clip(t: int, h: int, w: int, *, seed: int = 0, batch: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, t, h, w, generator=generator) * 2 - 1


def front_padded(video: torch.Tensor, copies: int = 3) -> torch.Tensor:
    """What the adapter gives a causal VidTok: ``copies`` of frame 0, then the clip."""
    return torch.cat([video[:, :, :1].expand(-1, -1, copies, -1, -1), video], dim=2)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("vidtok")
    return {
        "causal": save_tiny_vidtok(root / "causal"),
        "noncausal": save_tiny_vidtok(root / "noncausal", is_causal=False),
        "kl": save_tiny_vidtok(root / "kl", regularizer="kl"),
    }


@pytest.fixture(scope="module")
def tok(folders) -> VidTokFSQ:
    return TOKENIZERS.get("vidtok")(path=str(folders["causal"]))


# spec and token ids ----------------------------------------------------------------------


def test_spec_is_discrete_and_read_from_the_config(tok: VidTokFSQ, folders):
    spec = tok.spec
    assert isinstance(tok, VidTokFSQ) and type(tok.vae).__name__ == "AutoencoderVidTok"
    assert spec.name == "vidtok"
    assert spec.vocab_size == CODES and spec.bits_per_token == math.log2(CODES) == 12
    assert spec.capabilities == {"decode", "features", "bits"}
    assert spec.latent_channels == spec.feature_dim == 4
    assert (spec.spatial_compression, spec.temporal_compression) == (8, 4)
    assert spec.frame_convention == "causal" and spec.causal is True
    assert spec.weights == str(folders["causal"]) and spec.license.startswith("MIT")
    assert spec.n_params == sum(p.numel() for p in tiny_vidtok().parameters())


def test_token_ids_are_the_models_own(tok: VidTokFSQ):
    video = clip(9, 16, 24, seed=1, batch=2)
    encoded = tok.encode(video)
    with torch.no_grad():  # the reference: same seed, the front pad written out here
        quant, indices = tiny_vidtok().encode(front_padded(video))
    (ids,) = encoded.indices
    assert ids.dtype == torch.int64 and ids.shape == (2, 3, 2, 3)  # 9 frames: 1 + 2 steps
    assert torch.equal(ids, indices.long())
    assert int(ids.min()) >= 0 and int(ids.max()) < CODES
    # the latent is the FSQ code of the ids: the model's quantized latent, to rounding
    assert encoded.features[0].shape == (2, 4, 3, 2, 3)
    torch.testing.assert_close(encoded.features[0], quant, rtol=0, atol=1e-6)
    # bits: 12 bits for each of the clip's 3 * 2 * 3 indices
    assert encoded.bits.dtype == torch.float64
    assert encoded.bits.tolist() == [12.0 * 18] * 2


def test_decode_from_ids_equals_decode_from_the_latent(tok: VidTokFSQ):
    video = clip(9, 16, 16, seed=2)
    encoded = tok.encode(video)
    from_latent = tok.decode(dataclass_without_ids(encoded))
    # as a generator hands ids over: no features at all
    ids_only = Encoded(features=[torch.zeros(0)], indices=encoded.indices, bits=None,
                       num_frames=9, frame_size=(16, 16))
    from_ids = tok.decode(ids_only)
    assert from_ids.shape == video.shape  # 4k + 1 frames in, 4k + 1 out
    assert torch.equal(from_ids, from_latent)
    # and both are the model's own decode from indices (which drops the 3 front frames)
    with torch.no_grad():
        reference = tiny_vidtok().decode(encoded.indices[0], decode_from_indices=True)
    assert torch.equal(from_ids, reference.clamp(-1, 1))


def dataclass_without_ids(encoded: Encoded) -> Encoded:
    return Encoded(features=encoded.features, indices=None, bits=None,
                   num_frames=encoded.num_frames, frame_size=encoded.frame_size)


def test_fsq_indices_match_diffusers_codes_to_indices():
    regularizer = tiny_vidtok().regularization
    generator = torch.Generator().manual_seed(3)
    codes = (torch.randint(0, 8, (2, 4, 3, 2, 5), generator=generator) - 4) / 4  # b z t h w
    reference = regularizer.codes_to_indices(codes.permute(0, 2, 3, 4, 1)).long()
    assert torch.equal(fsq_indices(codes), reference)
    # values off the grid (blended tiles) snap to the nearest code, inside the codebook
    assert torch.equal(fsq_indices(codes + 0.1), reference)
    assert torch.equal(fsq_indices(torch.full((1, 4, 1, 1, 1), 5.0)),
                       torch.tensor([[[[CODES - 1]]]]))


# clip lengths ------------------------------------------------------------------------------


def test_awkward_clips_reach_the_model_as_whole_steps(tok: VidTokFSQ, monkeypatch):
    # the causal encoder takes multiples of 4 frames (3 front copies + 4k + 1); others
    # raise (too short) or lose frames
    seen: list[int] = []
    encode = tok.vae.encode

    def spy(x: torch.Tensor):
        seen.append(x.shape[2])
        return encode(x)

    monkeypatch.setattr(tok.vae, "encode", spy)
    for n, (h, w) in ((1, (16, 16)), (2, (19, 11)), (6, (16, 23)), (10, (8, 8))):
        video = clip(n, h, w, seed=n)
        encoded = tok.encode(video)
        assert encoded.indices[0].shape[1] == (n + 2) // 4 + 1  # steps of 1 + 4k frames
        assert tok.decode(encoded).shape == video.shape
    assert seen == [4, 8, 12, 16]


def test_non_causal_model_takes_16_frame_blocks(folders, monkeypatch):
    tok = TOKENIZERS.get("vidtok")(path=str(folders["noncausal"]))
    assert tok.spec.frame_convention == "blocks" and tok.spec.causal is False
    seen: list[int] = []
    encode = tok.vae.encode
    monkeypatch.setattr(tok.vae, "encode", lambda x: seen.append(x.shape[2]) or encode(x))
    video = clip(8, 16, 16, seed=4)
    encoded = tok.encode(video)
    assert seen == [16]  # its decoder keeps only whole groups of 4 latent steps
    assert encoded.indices[0].shape == (1, 4, 2, 2)
    assert encoded.bits.tolist() == [12.0 * 16]
    assert tok.decode(encoded).shape == video.shape
    assert tok.features(video).features.shape == (1, 4, 2, 2, 2)  # the padded block cut


# options and refusals ----------------------------------------------------------------------


@pytest.mark.slow  # loads two more models
def test_tiles_blend_then_snap_to_codes(folders, tok: VidTokFSQ):
    tiled = TOKENIZERS.get("vidtok")(path=str(folders["causal"]), tile_size=16, tile_overlap=8)
    whole = TOKENIZERS.get("vidtok")(path=str(folders["causal"]), tile_size=64)
    video = clip(1, 16, 24, seed=5)  # two tiles, overlapping by one latent cell
    reference = tok.encode(video)
    encoded = tiled.encode(video)
    assert encoded.indices[0].shape == reference.indices[0].shape == (1, 1, 2, 3)
    assert not torch.equal(encoded.features[0], reference.features[0])
    assert int(encoded.indices[0].min()) >= 0 and int(encoded.indices[0].max()) < CODES
    assert tiled.decode(encoded).shape == video.shape
    # a tile covering the frame is the untiled computation
    assert torch.equal(whole.encode(video).indices[0], reference.indices[0])


def test_kl_checkpoint_is_refused_naming_vidtok_kl(folders):
    with pytest.raises(ValueError, match="regularizer 'kl'.*use --tokenizer vidtok-kl"):
        TOKENIZERS.get("vidtok")(path=str(folders["kl"]))
    with pytest.raises(ValueError, match="regularizer 'fsq'.*use --tokenizer vidtok$"):
        TOKENIZERS.get("vidtok-kl")(path=str(folders["causal"]))


def test_codebook_size_must_be_the_fsq_codebook(tmp_path: Path):
    folder = save_tiny_vidtok(tmp_path / "vidtok")
    config = json.loads((folder / "config.json").read_text())
    config["codebook_size"] = 5000  # diffusers accepts it (int(log8(5000)) = 4), FSQ has 4096
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="codebook_size 5000.*8\\^4 = 4096 codes"):
        TOKENIZERS.get("vidtok")(path=str(folder))


def test_sampling_is_refused(folders):
    with pytest.raises(ValueError, match="vidtok: sample=true has no posterior"):
        TOKENIZERS.get("vidtok")(path=str(folders["causal"]), sample=True)


# the compression task ------------------------------------------------------------------------


@pytest.mark.slow  # one mcl-jcv run through the CLI
def test_mcl_jcv_rate_is_bits_of_its_token_ids(folders, tmp_path: Path):
    from benchmarks.cli import main
    from tests.helpers.yuv import write_sequence

    root = tmp_path / "mcljcv"
    root.mkdir()
    write_sequence(root, 1, source="carphone_pristine", size=(176, 144), frames=8, fps="30")
    assert main(["run", "--task", "mcl-jcv", "--tokenizer", "vidtok",
                 "--tokenizer-arg", f"path={folders['causal']}", "--data-root", str(root),
                 "--output", str(tmp_path / "out"), "--task-arg", "frames_per_clip=8",
                 "--task-arg", "lpips=false", "--no-progress"]) == 0
    (run,) = (tmp_path / "out" / "mcl-jcv").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    (rec,) = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    assert summary["frames_per_clip"] == 5  # 8 frames: the longest 4k + 1 clip
    m = rec["metrics"]
    # 5 frames → 2 latent steps; 176 × 144 at 8× → 22 × 18 cells; 12 bits per id
    assert rec["prediction"]["tokens"] == 2 * 18 * 22
    assert m["bits"] == 12 * 2 * 18 * 22
    assert m["bpp_tokens"] == pytest.approx(m["bits"] / (176 * 144 * 5))
    assert 0 < m["bpp_entropy"] <= m["bpp_tokens"]
