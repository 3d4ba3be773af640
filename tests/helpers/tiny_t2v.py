"""Tiny random stand-ins for the text-to-video tests, saved like real folders.

- :func:`build_tiny_text_encoder`: a 1-layer BERT with a word-level tokenizer built in code
  (as ``tiny_qwen``): what ``ar-text``'s ``text_encoder=PATH`` loads.
- :func:`build_tiny_clip`: a random ``CLIPModel`` (``save_pretrained``) for ``tc_clip``.
- :func:`build_tiny_wan_t2v`: a random ``WanPipeline`` (the config of
  ``shared/notes/baselines-offline.md``, "T2V"), for ``diffusers-t2v``.
- :class:`BinPoolTokenizer`: a discrete tokenizer with no weights — 8×8 average pooling,
  one sign bit per channel (vocab 8) — the "another discrete tokenizer" of the
  with / without PyraTok comparison.

Random weights: nothing here is ever a table number.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video

WORDS = ["a", "the", "of", "in", "on", "and", "rabbit", "grey", "animated", "big", "man",
         "car", "bike", "road", "sunny", "morning", "standing", "walking", "riding", "."]


def _word_tokenizer(specials: list[str]):
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {t: i for i, t in enumerate(specials + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=specials[0]))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    return core, vocab


def build_tiny_text_encoder(folder: Path) -> Path:
    """A random 16-d BERT and its word-level tokenizer in ``folder``."""
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    core, vocab = _word_tokenizer(["[UNK]", "[PAD]"])
    PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]",
                            pad_token="[PAD]").save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                        pad_token_id=1)
    BertModel(config).save_pretrained(folder)
    return folder


def build_tiny_clip(folder: Path, *, image_size: int = 32) -> Path:
    """A random CLIP (8-d projection, ``image_size`` input) in ``folder``."""
    from transformers import CLIPConfig, CLIPModel

    config = CLIPConfig(
        text_config=dict(vocab_size=99, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=16,
                         bos_token_id=0, eos_token_id=1, pad_token_id=1),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, image_size=image_size, patch_size=8),
        projection_dim=8)
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    return folder


def build_tiny_wan_t2v(folder: Path) -> Path:
    """A random tiny ``WanPipeline`` (57k parameters) with a built-in tokenizer."""
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

    core, _ = _word_tokenizer(["<unk>", "<pad>", "</s>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>",
                                        pad_token="<pad>", eos_token="</s>")
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(T5Config(vocab_size=64, d_model=32, d_ff=37, d_kv=8,
                                           num_heads=4, num_layers=2))
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
        out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                       transformer=transformer,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.save_pretrained(folder)
    return folder


class BinPoolTokenizer(VideoTokenizer):
    """Discrete, weight-free: 8×8 average pooling, index = the 3 channels' sign bits."""

    factor = 8

    def __init__(self) -> None:
        super().__init__()
        self.spec = TokenizerSpec(
            name="binpool", n_params=0, vocab_size=8, bits_per_token=3.0, latent_channels=3,
            feature_dim=3, spatial_compression=self.factor, temporal_compression=1,
            frame_convention="any", weights="none", license="n/a",
            capabilities=frozenset({"decode", "bits"}))

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        check_video(video)
        _, _, t, h, w = video.shape
        pooled = F.avg_pool3d(video, kernel_size=(1, self.factor, self.factor))  # (b, 3, t, h', w')
        signs = (pooled > 0).long()
        index = signs[:, 0] * 4 + signs[:, 1] * 2 + signs[:, 2]  # (b, t, h', w')
        bits = torch.full((video.shape[0],), 3.0 * index[0].numel(), dtype=torch.float64)
        return Encoded(features=[pooled], indices=[index], bits=bits, num_frames=t,
                       frame_size=(h, w))

    def decode(self, encoded: Encoded) -> Tensor:
        index = encoded.indices[0]  # (b, t, h', w')
        signs = torch.stack([(index >> 2) & 1, (index >> 1) & 1, index & 1], dim=1)
        latent = signs.float() - 0.5  # (b, 3, t, h', w') in ±0.5
        h, w = encoded.frame_size
        return F.interpolate(latent, size=(encoded.num_frames, h, w), mode="nearest")


def create_binpool() -> BinPoolTokenizer:
    return BinPoolTokenizer()
