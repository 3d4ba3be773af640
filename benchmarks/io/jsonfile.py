"""The one JSON reader and writer of the harness, for every file a user or a run gives it.

Reading (:func:`read_json`, :func:`parse_json`) refuses, with one :class:`JsonFileError`
naming the file and what is wrong, instead of a traceback, a hang or a silent value:

- a file over a size bound (checked on ``stat`` before a byte is read);
- bytes that are not UTF-8 (a byte-order mark is allowed);
- nesting deeper than :data:`MAX_DEPTH` — counted on the bytes before parsing, so
  ``'[' * 100000`` never reaches the recursive decoder (a ``RecursionError`` is caught too);
- an object with the same key twice (the last would silently win);
- anything else the decoder rejects (truncated, garbage), with its line and column.

Writing (:func:`dumps`): strict JSON, never the bare ``NaN`` / ``Infinity`` that strict
parsers reject. A non-finite float is written as the string ``"nan"``, ``"inf"`` or
``"-inf"``; :func:`number` maps those strings back to floats where a reader expects a
number (metrics), and the reader still takes old files' bare ``NaN`` / ``Infinity``.

Values (:func:`as_float`, :func:`finite_float`): the one test of "a JSON number" for every
reader, so a bool, a numeric string or an integer past the float range (``10**400``) is
refused by each alike, never an ``OverflowError`` traceback or a silent ``True == 1``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.io.regular import read_bytes

MAX_BYTES = 2 << 30  # a prediction or ground-truth file (YouTube-VIS results are large)
SMALL_BYTES = 64 << 20  # what a run writes for itself: summary.json, shard.json, config.json
MAX_DEPTH = 64  # real files nest a handful of levels

NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone, a string has no '"' inside
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 22


class JsonFileError(ValueError):
    """A JSON file this harness cannot read: ``path: reason`` (one line)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


# reading -------------------------------------------------------------------------------------


def read_json(path: str | Path, *, max_bytes: int = MAX_BYTES) -> Any:
    """The value of the JSON file ``path``.

    Raises:
        JsonFileError: unreadable, over ``max_bytes``, not UTF-8, nested deeper than
            :data:`MAX_DEPTH`, a duplicate key or not JSON; the message names ``path``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise JsonFileError(path, f"{size} bytes, over the {max_bytes}-byte bound "
                                "of a JSON file")
        data = read_bytes(path)
    except OSError as err:
        raise JsonFileError(path, f"cannot be read: {err.strerror or err}") from None
    return parse_json(data, source=path, max_bytes=max_bytes)


def parse_json(data: bytes | str, *, source: str | Path, max_bytes: int = MAX_BYTES) -> Any:
    """``data`` decoded as :func:`read_json` decodes a file; ``source`` names it in errors."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise JsonFileError(source, f"{len(raw)} bytes, over the {max_bytes}-byte bound "
                            "of a JSON file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise JsonFileError(source, f"not UTF-8 text (byte {err.start}: "
                            f"{raw[err.start:err.start + 1]!r})") from None
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        raise JsonFileError(source, f"not valid JSON: nested {depth} levels deep, over the "
                            f"bound of {MAX_DEPTH}")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as err:
        raise JsonFileError(source, f"duplicate key {err.key!r} in one object (refused: "
                            "the last one would silently win)") from None
    except RecursionError:
        raise JsonFileError(source, "not valid JSON: nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, or an integer of over 4300 digits
        raise JsonFileError(source, f"not valid JSON: {err}") from None


def nesting_depth(data: bytes) -> int:
    """The deepest bracket nesting of JSON ``data``, brackets inside strings not counted.

    Escaped backslashes, then escaped quotes, are dropped (``bytes.replace``, left to
    right as a decoder reads them), then every byte but quotes and brackets
    (``bytes.translate``), then the strings (one regular expression over what is left);
    the running depth is a cumulative sum over chunks (numpy), so a file of brackets costs
    memory in proportion to one chunk, not to the file. Every step is a C loop.
    """
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = data.translate(None, _NOT_STRUCTURE)
    brackets = _STRING.sub(b"", structure).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    deepest = level = 0
    for start in range(0, len(brackets), _CHUNK):
        chunk = np.frombuffer(brackets, np.uint8, count=min(_CHUNK, len(brackets) - start),
                              offset=start)
        steps = np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1).astype(np.int64)
        running = np.cumsum(steps) + level
        deepest = max(deepest, int(running.max()))
        level = int(running[-1])
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def as_float(value: Any) -> float | None:
    """``value`` as a float where it is a JSON number a float can hold: an int or a float,
    not a bool; ``None`` for anything else, an integer past the float range (``10**400``,
    valid JSON, where ``float()`` raises ``OverflowError``) included. A non-finite float
    stays itself."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def finite_float(value: Any) -> float | None:
    """:func:`as_float` of ``value`` where it is finite, else ``None``: the one check of a
    number read from a user's file (a score, a segment bound, a duration, a tolerance)."""
    if type(value) is float:  # the common case first: a reader calls this per number
        return value if math.isfinite(value) else None
    out = as_float(value)
    return out if out is not None and math.isfinite(out) else None


def number(value: Any) -> Any:
    """``value`` with the strings ``"nan"``, ``"inf"``, ``"-inf"`` (how :func:`dumps` writes
    a non-finite float) turned back into floats; anything else unchanged."""
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    return value


def numbers(mapping: Any) -> Any:
    """A mapping's values through :func:`number` (a non-mapping unchanged)."""
    if not isinstance(mapping, dict):
        return mapping
    return {key: number(value) for key, value in mapping.items()}


# writing -------------------------------------------------------------------------------------


def dumps(value: Any, **kwargs: Any) -> str:
    """Strict JSON text of ``value``: non-finite floats written as ``"nan"``, ``"inf"``,
    ``"-inf"`` (``kwargs`` go to :func:`json.dumps`)."""
    try:
        return json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:  # a non-finite float somewhere: rewrite the value, then dump
        return json.dumps(finite(value), allow_nan=False, **kwargs)


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its string form."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value
