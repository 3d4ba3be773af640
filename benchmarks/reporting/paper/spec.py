"""The mapping of ``tables --paper``: which paper table cell is which measurement.

``tables.yaml`` beside this file (its header lists every key) parsed into
:class:`TableSpec` per table or figure, with its :class:`Column` s in the paper's order.
Unknown keys fail loudly (dataclass constructors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAPPING = Path(__file__).resolve().parent / "tables.yaml"


@dataclass(frozen=True)
class Column:
    """One column of a paper table; see the key list at the top of tables.yaml."""

    header: str
    claim: int | None = None
    part: int | None = None
    label: bool = False
    unit: str = ""
    higher_is_better: bool | None = None
    task: str | None = None
    metric: str | None = None
    metrics: tuple[str, ...] = ()
    first_of: tuple[str, ...] = ()
    latency: bool = False
    spec: str | None = None
    lookup: str | None = None
    value: str | None = None
    missing: str | None = None
    pyratok: bool | None = None  # measured only from runs with (True) / without PyraTok

    @property
    def title(self) -> str:
        arrow = {True: " ↑", False: " ↓", None: ""}[self.higher_is_better]
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.header}{unit}{arrow}"


@dataclass(frozen=True)
class TableSpec:
    number: int | str
    title: str
    claims: str
    header_rows: int
    columns: tuple[Column, ...]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str = ""
    missing: str = ""
    only_matched: bool = False
    protocol: str = ""
    provenance: str = ""
    paper: dict[str, str] = field(default_factory=dict)
    latency: dict[str, Any] | None = None
    rate: dict[str, Any] | None = None
    families: dict[str, str] = field(default_factory=dict)
    off_protocol: str = ""

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(c.task for c in self.columns if c.task))


def table_key(key: Any) -> int | str:
    """A mapping key: table numbers as ints (``"4"`` → 4), figures as text (``"fig29"``)."""
    text = str(key)
    return int(text) if text.isdigit() else text


def load_specs(path: Path = MAPPING) -> dict[int | str, TableSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs: dict[int | str, TableSpec] = {}
    for key, entry in raw.items():
        entry = dict(entry)
        columns = []
        for col in entry.pop("columns"):
            col = dict(col)
            for name in ("metrics", "first_of"):
                col[name] = tuple(col.get(name, ()))
            columns.append(Column(**col))
        number = table_key(key)
        specs[number] = TableSpec(number=number, columns=tuple(columns), **entry)
    return specs
