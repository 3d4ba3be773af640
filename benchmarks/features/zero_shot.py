"""Zero-shot evaluation with text-aligned embeddings: class prompts and ranking.

Prompt ensembling follows CLIP (Radford et al. 2021, "Learning Transferable Visual Models
From Natural Language Supervision", §3.1.4): each class name is put into every template
(``"a video of a {}."``), the prompts are embedded, each embedding is L2-normalised, the
class embedding is their mean, L2-normalised again. A clip is classified by the cosine
similarity between its embedding and each class embedding.

This is the evaluation protocol, so the harness owns it: families call it with their
tokenizer's ``embed_text`` (capability ``"text"``) or with the linear probe's text encoder
(:mod:`benchmarks.features.text`); any ``list[str] -> (n, d)`` callable works.

Letters: K classes, T templates, b clips, d embedding channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

EmbedText = Callable[[list[str]], Tensor]  # n prompts -> (n, d)


def checked_templates(templates: Sequence[str]) -> tuple[str, ...]:
    """``templates`` as a tuple (a task's ``templates`` key), each with exactly one ``{}``.

    Raises:
        ValueError: no template, or one without exactly one ``{}``.
    """
    templates = tuple(templates)
    if not templates or any(t.count("{}") != 1 for t in templates):
        raise ValueError("templates: each template needs exactly one '{}'")
    return templates


def class_text_embeddings(
    embed_text: EmbedText,
    classes: Sequence[str],
    templates: Sequence[str],
    *,
    batch_size: int = 512,
) -> Tensor:
    """``(K, d)`` L2-normalised class embeddings, ensembled over ``templates``.

    Args:
        embed_text: maps a list of n prompts to ``(n, d)`` embeddings.
        classes: K class names (or full prompts, with ``templates=["{}"]``).
        templates: T templates, each with one ``{}`` the class name goes into
            (``template.format(name)``).
        batch_size: prompts per ``embed_text`` call (all K·T prompts in as few calls).

    Returns:
        ``(K, d)`` float: ``normalize(mean_T normalize(embed_text(template.format(c))))``.
    """
    if not classes or not templates:
        raise ValueError(
            f"need at least one class and one template, got {len(classes)} "
            f"classes and {len(templates)} templates"
        )
    bad = [t for t in templates if "{}" not in t]
    if bad:
        raise ValueError(f"every template needs a '{{}}' for the class name; got {bad}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    prompts = [template.format(name) for name in classes for template in templates]  # K·T
    embedded = torch.cat(
        [
            embed_text(prompts[start : start + batch_size])
            for start in range(0, len(prompts), batch_size)
        ]
    )  # (K·T, d)
    if embedded.ndim != 2 or embedded.shape[0] != len(prompts):
        raise ValueError(
            f"embed_text gave {tuple(embedded.shape)} for {len(prompts)} prompts; expected (n, d)"
        )
    per_prompt = F.normalize(embedded, dim=-1).reshape(len(classes), len(templates), -1)
    return F.normalize(per_prompt.mean(1), dim=-1)  # (K, d)


def rank_classes(video_embeddings: Tensor, class_embeddings: Tensor, k: int) -> Tensor:
    """Top-``k`` class indices of every clip by cosine similarity, best first.

    Args:
        video_embeddings: ``(b, d)`` clip embeddings.
        class_embeddings: ``(K, d)`` class embeddings (``class_text_embeddings``).
        k: how many classes to return; more than K gives all K.

    Returns:
        ``(b, min(k, K))`` int64; equal similarities are ordered by the lower class index
        (a stable sort), so the ranking is deterministic.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if (
        video_embeddings.ndim != 2
        or class_embeddings.ndim != 2
        or (video_embeddings.shape[1] != class_embeddings.shape[1])
    ):
        raise ValueError(
            f"expected (b, d) and (K, d) embeddings, got "
            f"{tuple(video_embeddings.shape)} and {tuple(class_embeddings.shape)}"
        )
    similarity = F.normalize(video_embeddings, dim=-1) @ F.normalize(class_embeddings, dim=-1).T
    order = torch.sort(similarity, dim=1, descending=True, stable=True).indices  # (b, K)
    return order[:, :k].to(torch.int64)
