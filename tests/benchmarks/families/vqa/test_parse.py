"""The answer-letter rule (issue: `X`, `(X)`, `X)`, `X.`, `X:`, optionally + space + text)."""

from __future__ import annotations

import pytest

from benchmarks.families.vqa.parse import option_letter, parse_answer

TABLE = [  # (raw answer, candidates, letter, index, status)
    ("A", 4, "A", 0, "ok"),
    ("b", 4, "B", 1, "ok"),
    ("(C)", 4, "C", 2, "ok"),
    ("(c) a red cube", 4, "C", 2, "ok"),
    ("D)", 4, "D", 3, "ok"),
    ("d) moving left", 4, "D", 3, "ok"),
    ("A.", 4, "A", 0, "ok"),
    ("A. because it moves", 4, "A", 0, "ok"),
    ("B:", 4, "B", 1, "ok"),
    ("B: the cube", 4, "B", 1, "ok"),
    ("  B)\n", 4, "B", 1, "ok"),  # surrounding white space is ignored
    ("B) two\nlines", 4, "B", 1, "ok"),
    ("E", 4, "E", None, "out_of_range"),
    ("(e) five", 4, "E", None, "out_of_range"),
    ("D", 3, "D", None, "out_of_range"),
    ("", 4, None, None, "empty"),
    ("   ", 4, None, None, "empty"),
    ("A cat is on the mat", 4, None, None, "unparseable"),
    ("I think (A)", 4, None, None, "unparseable"),
    ("[A]", 4, None, None, "unparseable"),
    ("AB", 4, None, None, "unparseable"),
    ("(A", 4, None, None, "unparseable"),
    ("A)the cube", 4, None, None, "unparseable"),  # text must follow one space
    ("A,", 4, None, None, "unparseable"),
    ("1", 4, None, None, "unparseable"),
    ("Best option: (A)", 4, None, None, "unparseable"),
]


@pytest.mark.parametrize(("raw", "n", "letter", "index", "status"), TABLE)
def test_the_rule(raw, n, letter, index, status):
    parsed = parse_answer(raw, n)
    assert (parsed.letter, parsed.index, parsed.status) == (letter, index, status)


def test_letters_follow_candidate_order():
    assert [option_letter(i) for i in range(4)] == ["A", "B", "C", "D"]
    with pytest.raises(ValueError):
        option_letter(26)
