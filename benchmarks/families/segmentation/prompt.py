"""Semantic units of a free-text prompt (App. B.1: "the words/phrases of the prompt").

``"a red shape, the blue shape and a cat"`` → units ``red shape``, ``blue shape``, ``cat``:
the prompt is split at commas, semicolons and the word "and", and a leading article is
dropped, so each unit reads like a category name inside the task's templates. A unit that
equals a dataset category's name (case-insensitive) is scored as that category; the others
are predicted and kept (with their phrase) but have no ground truth to be scored against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PromptUnit", "prompt_units"]

_SEPARATORS = re.compile(r"\s*(?:[,;]|\band\b)\s*", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class PromptUnit:
    """One phrase of the prompt and the index of the category it names (None: no category)."""

    phrase: str
    category: int | None


def prompt_units(prompt: str, category_names: list[str]) -> list[PromptUnit]:
    """The prompt's phrases, in order, duplicates dropped, matched to ``category_names``.

    Raises:
        ValueError: the prompt holds no phrase.
    """
    lookup = {name.strip().lower(): i for i, name in enumerate(category_names)}
    units: list[PromptUnit] = []
    seen: set[str] = set()
    for part in _SEPARATORS.split(prompt):
        phrase = _ARTICLE.sub("", part.strip().rstrip(".!?")).strip()
        if phrase and phrase.lower() not in seen:
            seen.add(phrase.lower())
            units.append(PromptUnit(phrase, lookup.get(phrase.lower())))
    if not units:
        raise ValueError(f"prompt {prompt!r} holds no words or phrases to segment")
    return units
