"""Integers of a user's text files: a check and a conversion in one, never a traceback."""

from __future__ import annotations

import pytest

from benchmarks.io.fields import index_number


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("7", 7), ("097", 97), ("123456789", 123456789),
    ("1234567890", None),  # past 9 digits
    ("9" * 5000, None),  # int() raises past Python's 4300-digit limit
    ("\u00b2", None),  # "²".isdigit() is true, int("²") raises
    ("\u0663", None),  # an Arabic-Indic three: a digit, not ASCII
    ("-1", None), ("+1", None), ("1.0", None), ("", None), (" 1", None),
])
def test_index_number(text, value):
    assert index_number(text) == value
