"""``magvit2`` (magvit2-pytorch ``VideoTokenizer``): token ids, its save format, import scoping.

Tiny random models written with the library's own ``VideoTokenizer.save``
(``tests.helpers.tiny_magvit``); the registry-wide tests cover the round trip too.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys

import pytest
import torch
import yaml

from benchmarks.tokenizers import TOKENIZERS
from benchmarks.tokenizers.base import Encoded
from benchmarks.tokenizers.magvit2_config import unpickle_config
from benchmarks.tokenizers.optional_imports import torchvision_stub
from tests.helpers.tiny_magvit import magvit2_kwargs, save_tiny_magvit2, tiny_magvit2

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("magvit2_pytorch") is None,
    reason="pip install 'pyratok[magvit]' && pip install --no-deps magvit2-pytorch==0.5.1",
)


def clip(t: int, h: int, w: int, *, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(1, 3, t, h, w, generator=generator) * 2 - 1


def indices_only(encoded: Encoded) -> Encoded:
    return Encoded(features=[], indices=encoded.indices, bits=None,
                   num_frames=encoded.num_frames, frame_size=encoded.frame_size)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_tiny_magvit2(tmp_path_factory.mktemp("magvit2"))


@pytest.fixture(scope="module")
def tok(saved):
    return TOKENIZERS.get("magvit2")(path=str(saved))


def test_round_trip_pads_to_4k_plus_1_and_decodes_from_ids(tok):
    spec = tok.spec
    assert (spec.spatial_compression, spec.temporal_compression) == (4, 4)  # from `layers`
    assert (spec.vocab_size, spec.bits_per_token, spec.latent_channels) == (64, 6.0, 16)
    video = clip(6, 14, 16)  # padded to 9 frames (3 steps) and 16 x 16
    enc = tok.encode(video)
    assert enc.indices[0].shape == (1, 3, 4, 4) and enc.features[0].shape == (1, 16, 3, 4, 4)
    assert enc.bits.tolist() == [6.0 * 3 * 4 * 4]
    out = tok.decode(enc)
    assert out.shape == video.shape
    assert torch.equal(tok.decode(indices_only(enc)), out)


def test_the_saved_weights_are_loaded(saved, tok):
    state = torch.load(saved, weights_only=True)["model_state_dict"]
    loaded = tok.model.state_dict()
    assert loaded and all(torch.equal(v, state[k]) for k, v in loaded.items())
    assert not any(k.startswith("discr.") for k in loaded)  # training only, not built


@pytest.mark.slow  # two builds and encodes
def test_a_bare_state_dict_with_a_yaml_config_loads_the_same_model(tmp_path, saved, tok):
    bare = tmp_path / "state.pt"
    torch.save(torch.load(saved, weights_only=True)["model_state_dict"], bare)
    config = tmp_path / "config.yaml"
    kwargs = magvit2_kwargs()
    kwargs["layers"] = [list(x) if isinstance(x, tuple) else x for x in kwargs["layers"]]
    config.write_text(yaml.safe_dump(kwargs), encoding="utf-8")
    other = TOKENIZERS.get("magvit2")(path=str(bare), config=str(config))
    video = clip(5, 16, 16)
    assert torch.equal(other.encode(video).indices[0], tok.encode(video).indices[0])


@pytest.mark.slow
def test_fsq_vocabulary_is_the_product_of_its_levels(tmp_path):
    path = save_tiny_magvit2(tmp_path, use_fsq=True, fsq_levels=[8, 5, 5], codebook_size=None)
    fsq = TOKENIZERS.get("magvit2")(path=str(path))
    assert fsq.spec.vocab_size == 200
    enc = fsq.encode(clip(5, 16, 16))
    assert int(enc.indices[0].max()) < 200
    assert torch.equal(fsq.decode(indices_only(enc)), fsq.decode(enc))


# the pickled config --------------------------------------------------------------------------


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_pickled_config_naming_other_code_is_refused_not_run(tmp_path, saved):
    marker = tmp_path / "ran"
    pkg = torch.load(saved, weights_only=True)
    pkg["config"] = pickle.dumps({"image_size": 16, "hook": _Exploit(str(marker))})
    evil = tmp_path / "evil.pt"
    torch.save(pkg, evil)
    with pytest.raises(ValueError, match=r"refers to (posix|os|nt)\.system"):
        TOKENIZERS.get("magvit2")(path=str(evil))
    assert not marker.exists()


def test_the_default_config_unpickles_with_its_torch_layers(saved):
    config = unpickle_config(torch.load(saved, weights_only=True)["config"])
    assert config["codebook_size"] == 64 and isinstance(config["lfq_activation"], torch.nn.Identity)


# errors ------------------------------------------------------------------------------------------


def test_wrong_files_and_configs_are_one_clear_error(tmp_path, saved):
    create = TOKENIZERS.get("magvit2")
    with pytest.raises(FileNotFoundError, match="magvit2 checkpoint .*: not found"):
        create(path=str(tmp_path / "missing.pt"))
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(saved.read_bytes()[:300])
    with pytest.raises(ValueError, match="not a readable PyTorch checkpoint"):
        create(path=str(corrupt))
    bare = tmp_path / "bare.pt"
    torch.save({"w": torch.zeros(1)}, bare)
    with pytest.raises(ValueError, match="holds no config .*pass config=YAML"):
        create(path=str(bare))
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"image_size": 16, "codebook_size": 64, "init_dim": 8,
                                      "layers": ["residual"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="does not match config .*missing keys"):
        create(path=str(saved), config=str(config))
    config.write_text(yaml.safe_dump({"image_size": 16, "codebook_size": 64, "nope": 1}),
                      encoding="utf-8")
    with pytest.raises(ValueError, match="does not build .*nope"):
        create(path=str(saved), config=str(config))
    config.write_text(yaml.safe_dump({"image_size": 16, "codebook_size": 64, "num_codebooks": 2}),
                      encoding="utf-8")
    with pytest.raises(ValueError, match="num_codebooks=2 is not supported"):
        create(path=str(saved), config=str(config))


# import scoping ----------------------------------------------------------------------------------


def test_the_torchvision_stub_is_gone_after_the_import():
    tiny_magvit2()  # imports magvit2_pytorch.magvit2_pytorch through the stub if needed
    with torchvision_stub() as stubbed:
        import torchvision

        if stubbed:
            assert torchvision.models.VGG16_Weights.DEFAULT is None
    if stubbed:  # the real torchvision does not load here: nothing else may see the stub
        assert "torchvision" not in sys.modules and "torchvision.models" not in sys.modules
    # the package __init__ (which imports the trainer's dependencies) was not run
    assert not hasattr(sys.modules["magvit2_pytorch"], "VideoTokenizerTrainer")
