"""A tiny random Qwen2.5-VL with a word-level tokenizer, saved like a real folder.

Random weights: its answers are noise. It exists so the ``qwen2.5-vl`` answerer and the
projector training run end to end offline (sizes from ``shared/notes/offline-facts.md``).
"""

from __future__ import annotations

from pathlib import Path

SPECIAL = ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
           "<|vision_end|>", "<|video_pad|>", "<|image_pad|>"]
WORDS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + list("()[].,:?\n") + [
    "Question", "Options", "Best", "option", "system", "user", "assistant", "a", "video",
    "of", "circle", "square", "moving", "left", "right", "up", "down", "the", "What", "is",
    "doing", "Which", "direction", "does", "move", "Only", "give"]


def build_tiny_qwen(folder: Path) -> Path:
    """Write a random tiny Qwen2.5-VL and its tokenizer into ``folder``."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        PreTrainedTokenizerFast,
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
    )

    vocab = {t: i for i, t in enumerate(SPECIAL + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    text_tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="<unk>", eos_token="<|im_end|>",
        pad_token="<|endoftext|>", additional_special_tokens=SPECIAL[2:])
    text_tokenizer.save_pretrained(folder)
    ids = {t: text_tokenizer.convert_tokens_to_ids(t) for t in SPECIAL}
    config = Qwen2_5_VLConfig(
        text_config=dict(vocab_size=128, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
                         eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"],
                         bos_token_id=ids["<|endoftext|>"]),
        vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2,
                           out_hidden_size=64, patch_size=14, spatial_merge_size=2,
                           temporal_patch_size=2, window_size=56, fullatt_block_indexes=[1]),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(0)
    Qwen2_5_VLForConditionalGeneration(config).save_pretrained(folder)
    # small frames stay small (a released model's video minimum is 128 * 28 * 28 pixels)
    (folder / "preprocessor_config.json").write_text(
        '{"patch_size": 14, "temporal_patch_size": 2, "merge_size": 2, '
        '"min_pixels": 3136, "max_pixels": 12544}\n', encoding="utf-8")
    return folder
