"""The files a run loads join its config hash: the tokenizer's, its path arguments', the
family's path parameters'."""

from __future__ import annotations

import pytest

from benchmarks.config import ConfigError
from benchmarks.families.vqa.family import VQAParams
from benchmarks.runner.weights import loaded_files, weights_fingerprint
from benchmarks.tokenizers.identity import create_identity


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def test_path_arguments_and_path_params_are_fingerprinted(tmp_path):
    (tmp_path / "qwen").mkdir()
    (tmp_path / "qwen" / "model.safetensors").write_bytes(b"q")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "projector.json").write_text("{}")
    (tmp_path / "ckpt.pt").write_bytes(b"c")
    params = VQAParams(qwen_path=str(tmp_path / "qwen"), projector="proj")
    files = loaded_files(create_identity(), {"checkpoint": "ckpt.pt", "factor": 2}, params)
    assert sorted(p.name for p in files) == ["ckpt.pt", "proj", "qwen"]
    assert len(weights_fingerprint(create_identity(), {"checkpoint": "ckpt.pt"}, params)) == 3


def test_prompts_names_and_missing_paths_are_not_files(tmp_path):
    (tmp_path / "similarity").write_text("a file named like the answerer")
    params = VQAParams(answerer="similarity", qwen_path=str(tmp_path / "absent"))
    assert loaded_files(create_identity(), {"mode": "similarity"}, params) == []
    assert weights_fingerprint(create_identity(), {}, None) == {}


def test_a_nested_generator_checkpoint_is_found(tmp_path):
    from benchmarks.families.generation.family import GenerationParams

    (tmp_path / "ar").mkdir()
    (tmp_path / "ar" / "model.pt").write_bytes(b"m")
    params = GenerationParams(generator="ar", generator_args={"checkpoint": str(tmp_path / "ar")})
    assert [p.name for p in loaded_files(create_identity(), {}, params)] == ["ar"]


def test_the_tokenizer_declares_its_checkpoint_folder(tmp_path):
    from benchmarks.tokenizers.pyratok import create_pyratok
    from tests.helpers.tiny_pyratok import save_tiny_pyratok

    folder = save_tiny_pyratok(tmp_path)
    tok = create_pyratok(path=str(folder))
    assert [p.name for p in tok.weight_files()] == ["config.json", "model.safetensors"]
    assert {p.rsplit("/", 1)[-1] for p in weights_fingerprint(tok, {}, None)} == {
        "config.json", "model.safetensors"}


def test_an_unfingerprintable_folder_is_a_usage_error(tmp_path, monkeypatch):
    from benchmarks.io import fingerprint

    monkeypatch.setattr(fingerprint, "MAX_FILES", 1)
    for name in "ab":
        (tmp_path / "big" / name).mkdir(parents=True)
        (tmp_path / "big" / name / "f").write_bytes(b"x")
    with pytest.raises(ConfigError, match="more than 1 files"):
        weights_fingerprint(create_identity(), {"path": str(tmp_path / "big")}, None)


def test_the_fvd_i3d_from_its_default_place_counts_when_the_run_loads_it(tmp_path,
                                                                        monkeypatch):
    from benchmarks.families.generation.family import GenerationFamily, GenerationParams
    from benchmarks.families.reconstruction.family import (
        ReconstructionFamily,
        ReconstructionParams,
    )

    i3d = tmp_path / "i3d_torchscript.pt"
    i3d.write_bytes(b"torchscript")
    monkeypatch.setenv("PYRATOK_I3D", str(i3d))
    tok = create_identity()
    assert loaded_files(tok, {}, ReconstructionParams(rfvd=True), ReconstructionFamily) == [i3d]
    assert loaded_files(tok, {}, ReconstructionParams(), ReconstructionFamily) == []
    assert loaded_files(tok, {}, GenerationParams(generator="real-copy"),
                        GenerationFamily) == [i3d]
    assert loaded_files(tok, {}, GenerationParams(generator="real-copy",
                                                  features="pixels8"), GenerationFamily) == []


def test_the_hash_covers_the_bytes_not_where_they_lie():
    from benchmarks.config import config_hash
    from benchmarks.runner.weights import hashed_form

    here = {"seed": 0, "weights": {"/a/model.safetensors": "3:abc"}}
    moved = {"seed": 0, "weights": {"/b/model.safetensors": "3:abc"}}
    changed = {"seed": 0, "weights": {"/a/model.safetensors": "3:abd"}}
    assert config_hash(hashed_form(here)) == config_hash(hashed_form(moved))
    assert config_hash(hashed_form(here)) != config_hash(hashed_form(changed))
    assert hashed_form({"seed": 0}) == {"seed": 0}  # no loaded files: the hash as before


def test_the_bundled_checkpoint_counts_but_not_the_notes_beside_it():
    from benchmarks.tokenizers.pyratok import create_pyratok

    names = sorted(p.rsplit("/", 1)[-1] for p in weights_fingerprint(create_pyratok(), {},
                                                                     None))
    assert names == ["config.json", "model.safetensors"]  # not TRAINING.md, demo_eval.json
