"""Integers in the text files a user gives (class lists, result lines): one parser.

``str.isdigit`` is true of ``"²"`` and of a 5000-digit string, on which ``int`` raises
(not a decimal digit; past Python's 4300-digit limit): a check-then-``int`` pair turned
such a field into a traceback. :func:`index_number` is the check and the conversion in one.
"""

from __future__ import annotations

import re

_INDEX = re.compile(r"[0-9]{1,9}")  # ASCII digits only; an index has a handful of them


def index_number(text: str) -> int | None:
    """``text`` as a non-negative integer of at most 9 ASCII digits, else ``None``."""
    return int(text) if _INDEX.fullmatch(text) else None
