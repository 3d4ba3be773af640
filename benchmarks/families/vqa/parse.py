"""The answer-letter rule of the ``vqa`` family (MVBench multiple choice).

MVBench (Li et al., CVPR 2024) assigns the option letters in candidate order, ``(A)``,
``(B)``, … and its prompt ends with ``Best option:(``, so a model answers with a letter.
Accepted forms, the letter in any case, surrounding white space ignored:

- ``X`` alone;
- ``(X)``, ``X)``, ``X.``, ``X:``, each alone or followed by one space and any text
  (``"(B) the red cube"``, ``"b) moving left"``, ``"C. because …"``).

Anything else is unparseable (``"A cat is …"``: a bare letter followed by text reads as a
word, not an answer; ``"[A]"``; ``""``). A parsed letter beyond the last candidate is
out of range. Unparseable, empty and out-of-range answers all count as wrong
(:mod:`benchmarks.families.vqa.counting`): never as right, as MVBench's own ``check_ans``
counts an empty answer (``"" in "(a)"`` is true in Python).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# "(X)" or "X)" / "X." / "X:" — each optionally followed by a space and text; or "X" alone
_ANSWER = re.compile(r"(?:\((?P<a>[A-Za-z])\)|(?P<b>[A-Za-z])[).:])(?: .*)?|(?P<c>[A-Za-z])",
                     re.DOTALL)

Status = Literal["ok", "empty", "unparseable", "out_of_range"]


@dataclass(frozen=True)
class ParsedAnswer:
    """A model's raw answer, read by the rule above.

    Attributes:
        letter: the upper-case option letter, ``None`` where none could be read.
        index: 0-based option index, ``None`` unless ``status == "ok"``.
        status: ``ok``; ``empty`` (nothing but white space); ``unparseable``;
            ``out_of_range`` (a letter past the last candidate; ``letter`` is kept).
    """

    letter: str | None
    index: int | None
    status: Status


def option_letter(index: int) -> str:
    """``0 → "A"``, ``1 → "B"`` … (MVBench's ``chr(ord('A') + idx)``)."""
    if not 0 <= index < 26:
        raise ValueError(f"option index {index} is outside A-Z")
    return chr(ord("A") + index)


def parse_answer(answer: str, n_candidates: int) -> ParsedAnswer:
    """Read the option letter of ``answer`` for a question with ``n_candidates`` options."""
    text = answer.strip()
    if not text:
        return ParsedAnswer(None, None, "empty")
    match = _ANSWER.fullmatch(text)
    if match is None:
        return ParsedAnswer(None, None, "unparseable")
    letter = (match["a"] or match["b"] or match["c"]).upper()
    index = ord(letter) - ord("A")
    if index >= n_candidates:
        return ParsedAnswer(letter, None, "out_of_range")
    return ParsedAnswer(letter, index, "ok")
