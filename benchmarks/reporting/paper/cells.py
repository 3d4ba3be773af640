"""What a paper table is made of: cells, rows, and the built table.

:mod:`~benchmarks.reporting.paper.build` fills them from the paper's CSV and the runs;
:mod:`~benchmarks.reporting.paper.render` writes them as md, CSV or LaTeX. Both import
these types, neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.reporting.paper.spec import TableSpec


@dataclass
class Cell:
    """A cell: a number (``value``, ``ci95``, and a ``note`` on how it was measured where
    that differs from the paper), a text, or ``missing`` saying why it is empty."""

    value: float | None = None
    ci95: float | None = None
    text: str = ""
    missing: str | None = None
    note: str = ""


@dataclass
class Row:
    """A paper row ("reported"), a run's row ("measured"), or a section title."""

    kind: str  # "reported" | "measured" | "section"
    cells: list[Cell]
    run: str = ""
    data: str = ""
    commit: str = ""
    date: str = ""
    provenance: str = ""
    protocol: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class BuiltTable:
    """A paper table or figure with its rows in order and the notes printed under it."""

    spec: TableSpec
    rows: list[Row]
    notes: list[str]
