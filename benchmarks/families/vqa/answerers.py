"""Answerers of the ``vqa`` family: who picks an option, given a clip and a question.

Registered by snake_case name in :data:`ANSWERERS` (third-party packages add theirs through
the ``benchmarks.answerers`` entry-point group); the task's ``answerer`` key chooses one:

- ``similarity`` (default, offline): :mod:`benchmarks.families.vqa.similarity`;
- ``qwen2.5-vl``: :mod:`benchmarks.families.vqa.qwen` (a local Qwen2.5-VL folder).

An answerer is built as ``factory(tokenizer=..., params=..., device=...)`` and answers a
batch with ``answer(video, items) -> list[str]``: the raw text of each answer, which the
family reads with the letter rule (:mod:`benchmarks.families.vqa.parse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from torch import Tensor

from benchmarks.registry import Registry


@dataclass(frozen=True)
class VQAItem:
    """One question as an answerer sees it.

    Attributes:
        question: the question text.
        candidates: the option texts, lettered A, B, … in this order.
    """

    question: str
    candidates: tuple[str, ...]


class Answerer(Protocol):
    def answer(self, video: Tensor, items: list[VQAItem]) -> list[str]:
        """Raw answers, one per item.

        Args:
            video: ``(b, 3, t, h, w)`` float in [-1, 1], item ``i``'s clip at ``video[i]``.
            items: ``b`` questions.
        """
        ...


ANSWERERS: Registry = Registry("answerer", entry_point_group="benchmarks.answerers")
ANSWERERS.add_lazy("similarity", "benchmarks.families.vqa.similarity:SimilarityAnswerer")
ANSWERERS.add_lazy("qwen2.5-vl", "benchmarks.families.vqa.qwen:QwenAnswerer")

__all__ = ["ANSWERERS", "Answerer", "VQAItem"]
