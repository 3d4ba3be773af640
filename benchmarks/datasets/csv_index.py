"""Index files in CSV (Kinetics, WebVid): opening, the header check and numbered rows, with
one wording for what is wrong in them."""

from __future__ import annotations

import _csv
import csv
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from benchmarks.datasets.base import DatasetError
from benchmarks.io.regular import open_regular

T = TypeVar("T")


def read_csv(path: Path, parse: Callable[[_csv.Reader], T], *, not_found: str) -> T:
    """``parse(csv.reader(<path>))``, the file read as UTF-8 (a BOM is dropped).

    Raises:
        DatasetError: ``not_found`` for a missing file, not UTF-8, or unreadable CSV.
    """
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as handle:
            return parse(csv.reader(handle))
    except FileNotFoundError as error:
        raise DatasetError(path, not_found) from error
    except UnicodeDecodeError as error:
        raise DatasetError(path, f"not UTF-8 text: {error}") from error
    except csv.Error as error:
        raise DatasetError(path, f"unreadable CSV: {error}") from error


def read_header(
    path: Path, reader: _csv.Reader, *, columns: Sequence[str], required: Sequence[str]
) -> tuple[list[str], dict[str, int]]:
    """The header (names stripped) and the position of each of ``columns`` it has.

    Raises:
        DatasetError: an empty file, a column of ``required`` missing, or one of
            ``columns`` named twice.
    """
    header = next(reader, None)
    if header is None:
        raise DatasetError(path, "empty CSV; expected a header " + ",".join(columns))
    header = [name.strip() for name in header]
    twice = sorted({name for name in header if name in columns and header.count(name) > 1})
    if twice:  # which of the two is the column? (JSON's duplicate keys are refused alike)
        raise DatasetError(path, f"column(s) {', '.join(twice)} named twice in the header "
                           f"{','.join(header)}; expected {','.join(columns)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise DatasetError(
            path,
            f"missing column(s) {', '.join(missing)}; found {', '.join(header)}; "
            f"expected {','.join(columns)}",
        )
    return header, {name: header.index(name) for name in columns if name in header}


def numbered_rows(reader: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` of each non-blank row after the header, ``line`` 1-based (header =
    line 1). A quoted field may span lines: a row starts on the line after the previous one."""
    previous_end = reader.line_num
    for fields in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if fields:
            yield line, fields


def bad_component(value: str) -> bool:
    """Whether ``value`` cannot be one path component (empty, a separator, ``..``, a NUL
    byte: ``open`` raises on it)."""
    return (not value or value in (".", "..") or "/" in value or os.sep in value
            or "\x00" in value)
