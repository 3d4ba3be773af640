"""The Kinetics annotation CSV (Kay et al., 2017): one row per clip, no videos needed.

Header ``label,youtube_id,time_start,time_end,split`` as in the DeepMind and CVDF files;
extra columns (K600's ``is_cc``) are allowed, ``label`` and ``split`` may be absent
(unlabelled test CSVs). Used by :class:`benchmarks.datasets.kinetics.reader.KineticsDataset` and by
anything that needs the ground truth alone (scoring saved predictions).
"""

from __future__ import annotations

import _csv
import os
from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets.base import SampleError
from benchmarks.datasets.csv_index import bad_component, numbered_rows, read_csv, read_header

COLUMNS = ("label", "youtube_id", "time_start", "time_end", "split")
REQUIRED_COLUMNS = ("youtube_id", "time_start", "time_end")  # label/split may be absent
# The DeepMind CSVs and folders say "validate", the CVDF mirror and the K400 split column
# "val": both name the one split called "val" here.
_SPLIT_ALIASES = {"validate": "val", "validation": "val"}


# rows


@dataclass(frozen=True)
class KineticsRow:
    """One row of an annotation CSV.

    Attributes:
        label: the class name as written (``"abseiling"``); ``None`` if the file has no
            ``label`` column (unlabelled test CSVs).
        youtube_id: the YouTube video id (11 characters in the official files).
        time_start: start of the clip in the video, seconds.
        time_end: end of the clip, seconds (``time_start + 10`` for most clips).
        split: the ``split`` column as written (``"val"``, ``"validate"``...), ``None`` if
            absent or empty.
        line: 1-based line of the row in the CSV (header = line 1).
    """

    label: str | None
    youtube_id: str
    time_start: int
    time_end: int
    split: str | None
    line: int

    @property
    def file_stem(self) -> str:
        """``<youtube_id>_<time_start:06d>_<time_end:06d>``, the clip's file name."""
        return clip_stem(self.youtube_id, self.time_start, self.time_end)


def clip_stem(youtube_id: str, time_start: int, time_end: int) -> str:
    """The official file name of a clip, without extension (``abc_000010_000020``)."""
    return f"{youtube_id}_{time_start:06d}_{time_end:06d}"


def canonical_split(split: str) -> str:
    """``"validate"``/``"validation"`` -> ``"val"``; other names unchanged (lower case)."""
    name = split.strip().lower()
    return _SPLIT_ALIASES.get(name, name)


def read_kinetics_csv(
    path: str | os.PathLike[str],
) -> tuple[list[KineticsRow], list[SampleError]]:
    """Parse a Kinetics annotation CSV (no videos are looked at).

    Args:
        path: the CSV.

    Returns:
        ``(rows, errors)``: the usable rows in file order, and one :class:`SampleError`
        per unusable row, id ``row-<line>``, path = ``path``, reason starting with
        ``"line <n>: "`` (wrong field count, empty ``youtube_id``/``label``, non-integer,
        negative or reversed times, a repeated ``youtube_id`` naming its first line).

    Raises:
        DatasetError: the file is missing, not UTF-8, not CSV, empty or lacks a required
            column (``youtube_id``, ``time_start``, ``time_end``).
    """
    path = Path(path)
    return read_csv(path, lambda reader: _parse_rows(path, reader),
                    not_found="Kinetics annotation CSV not found")


def _parse_rows(path: Path, reader: _csv.Reader) -> tuple[list[KineticsRow], list[SampleError]]:
    header, column = read_header(path, reader, columns=COLUMNS, required=REQUIRED_COLUMNS)
    rows: list[KineticsRow] = []
    errors: list[SampleError] = []
    first_line: dict[str, int] = {}  # youtube_id -> line of its first row
    for line, fields in numbered_rows(reader):
        row_or_reason = _parse_row(fields, header, column, line)
        if isinstance(row_or_reason, str):
            errors.append(SampleError(f"row-{line}", path, f"line {line}: {row_or_reason}"))
            continue
        row = row_or_reason
        if row.youtube_id in first_line:
            reason = (
                f"line {line}: duplicate youtube_id {row.youtube_id}, "
                f"first at line {first_line[row.youtube_id]}"
            )
            errors.append(SampleError(f"row-{line}", path, reason))
            continue
        first_line[row.youtube_id] = line
        rows.append(row)
    return rows, errors


def _parse_row(
    fields: list[str], header: list[str], column: dict[str, int], line: int
) -> KineticsRow | str:
    """The row, or why it cannot be used."""
    if len(fields) != len(header):
        return f"{len(fields)} fields, header has {len(header)}"
    youtube_id = fields[column["youtube_id"]].strip()
    if bad_component(youtube_id):
        return f"bad youtube_id {youtube_id!r}"
    label = fields[column["label"]].strip() if "label" in column else None
    if label == "":
        return "empty label"
    times = []
    for name in ("time_start", "time_end"):
        text = fields[column[name]].strip()
        try:
            times.append(int(text))
        except ValueError:
            return f"{name} {text!r} is not an integer"
    time_start, time_end = times
    if time_start < 0 or time_end <= time_start:
        return f"bad segment: time_start {time_start}, time_end {time_end}"
    split = fields[column["split"]].strip() if "split" in column else ""
    return KineticsRow(label, youtube_id, time_start, time_end, split or None, line)
