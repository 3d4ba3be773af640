"""``python -m benchmarks tables --paper N``: the paper's Table N beside this project's runs.

The layout is the paper's (its columns, its rows, from ``benchmarks/paper_claims/``); each
of its rows is marked "reported". This project's runs are rows marked "measured", with
their run name, data ("demo" or the data root), commit and date. Which CSV column is which
task metric is data: ``benchmarks/paper_tables.yaml``. A cell that cannot be filled says
why (no weights, no data, not implemented, no run). The paper's cells are kept as printed,
its inconsistencies noted under the table, never "fixed".
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchmarks.tables import CLAIMS_DIR

MAPPING = Path(__file__).resolve().parent / "paper_tables.yaml"
ABLATIONS_FILE = "ablations.json"  # written into --runs by python -m benchmarks.ablations
TABLES = range(1, 11)
_NOT_REPORTED = {"", "—", "–", "-"}


# spec (the mapping file)


@dataclass(frozen=True)
class Column:
    """One column of a paper table; see the key list at the top of paper_tables.yaml."""

    header: str
    claim: int | None = None
    part: int | None = None
    label: bool = False
    unit: str = ""
    higher_is_better: bool | None = None
    task: str | None = None
    metric: str | None = None
    metrics: tuple[str, ...] = ()
    spec: str | None = None
    value: str | None = None
    missing: str | None = None

    @property
    def title(self) -> str:
        arrow = {True: " ↑", False: " ↓", None: ""}[self.higher_is_better]
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.header}{unit}{arrow}"


@dataclass(frozen=True)
class TableSpec:
    number: int
    title: str
    claims: str
    header_rows: int
    columns: tuple[Column, ...]
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    note: str = ""
    missing: str = ""
    only_matched: bool = False

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(c.task for c in self.columns if c.task))


def load_specs(path: Path = MAPPING) -> dict[int, TableSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {}
    for key, entry in raw.items():
        entry = dict(entry)
        columns = []
        for col in entry.pop("columns"):
            col = dict(col)
            col["metrics"] = tuple(col.get("metrics", ()))
            columns.append(Column(**col))
        specs[int(key)] = TableSpec(number=int(key), columns=tuple(columns), **entry)
    return specs


# cells and rows


@dataclass
class Cell:
    """A cell: a number (``value``, ``ci95``), a text, or ``missing`` saying why it is empty."""

    value: float | None = None
    ci95: float | None = None
    text: str = ""
    missing: str | None = None


@dataclass
class Row:
    kind: str  # "reported" | "measured" | "section"
    cells: list[Cell]
    run: str = ""
    data: str = ""
    commit: str = ""
    date: str = ""


@dataclass
class BuiltTable:
    spec: TableSpec
    rows: list[Row]
    notes: list[str]


def _reported_cell(col: Column, row: list[str]) -> Cell:
    if col.claim is None:
        return Cell(missing="not in the paper")
    text = row[col.claim].strip() if col.claim < len(row) else ""
    if col.part is not None:
        parts = [p.strip() for p in text.split("/")]
        text = parts[col.part] if col.part < len(parts) else ""
    if col.label:
        return Cell(text=text)
    if text in _NOT_REPORTED:
        return Cell(missing="not reported in the paper")
    try:
        return Cell(value=float(text), text=text)
    except ValueError:
        return Cell(text=text)


@dataclass
class _Context:
    """What the measured cells need to explain themselves."""

    known_tasks: set[str]
    demo_tasks: set[str]
    units: dict[tuple[str, str], str]


def _percent_scale(col: Column, unit: str | None) -> float | None:
    """Factor from the measured unit to the paper's; None when they cannot be matched."""
    if col.unit != "%":
        return 1.0
    if unit == "%":
        return 1.0
    if unit == "":
        return 100.0  # a fraction in [0, 1] → percent
    return None


def _measured_cell(col: Column, group: dict[str, dict[str, Any]], ctx: _Context) -> Cell:
    if col.value is not None:
        return Cell(text=col.value)
    if col.spec is not None:
        for s in group.values():
            value = (s.get("tokenizer_spec") or {}).get(col.spec)
            if value is not None:
                return Cell(text=_spec_text(col.spec, value))
        return Cell(missing="not recorded")
    if col.task is None:
        return Cell(missing=col.missing or "not recorded")
    if col.missing and col.task not in ctx.known_tasks:
        return Cell(missing=col.missing)
    if col.task not in ctx.known_tasks:
        return Cell(missing=f"not implemented: no task {col.task!r} yet")
    s = group.get(col.task)
    if s is None:
        if col.task not in ctx.demo_tasks:
            return Cell(missing=f"no data: no run of {col.task} (needs --data-root)")
        return Cell(missing=f"no run of {col.task}")
    names = list(col.metrics) or [col.metric]
    unavailable = s.get("unavailable") or {}
    for name in names:
        if name in unavailable:
            reason = _first_sentence(str(unavailable[name]))
            if "weight" in reason.lower() and not reason.startswith("no weights"):
                reason = f"no weights: {reason}"
            return Cell(missing=reason)
        if s["metrics"].get(name) is None:
            return Cell(missing=f"{name} not in the run's summary")
    scale = _percent_scale(col, ctx.units.get((col.task, names[0])))
    if scale is None:
        unit = ctx.units.get((col.task, names[0]))
        return Cell(missing=f"unit mismatch: the run reports {unit!r}, the paper {col.unit!r}")
    value = sum(float(s["metrics"][n]) for n in names) * scale
    ci = (s.get("metrics_ci95") or {}).get(names[0]) if len(names) == 1 else None
    ci = None if ci is None or not math.isfinite(ci) else float(ci) * scale
    return Cell(value=value, ci95=ci)


def _spec_text(key: str, value: Any) -> str:
    if key == "n_params" and isinstance(value, int | float):
        return f"{value / 1e9:.2f}B" if value >= 1e9 else f"{value / 1e6:.2f}M"
    return str(value)


def _first_sentence(reason: str) -> str:
    first = reason.split(". ")[0].rstrip(".")
    return first if len(first) <= 160 else first[:157] + "..."


def _context(tasks: list[str], include_paths: list[str] | None) -> _Context:
    from benchmarks.config import discover_tasks, read_yaml
    from benchmarks.data.demo import DEMO_TASKS
    from benchmarks.families import TASK_FAMILIES

    found = discover_tasks(include_paths)
    demo, units = set(), {}
    for task in tasks:
        if task not in found:
            continue
        raw = read_yaml(found[task])
        if raw.get("dataset") in DEMO_TASKS:
            demo.add(task)
        try:
            family = TASK_FAMILIES.get(str(raw.get("family")))
            for m in family.metrics:
                units[(task, m.name)] = m.unit
        except Exception:  # a family that does not load: units unknown, cells say so
            continue
    return _Context(known_tasks=set(found) & set(tasks), demo_tasks=demo, units=units)


# grouping runs into rows


def _data_label(s: dict[str, Any]) -> str:
    return "demo" if s.get("demo_data") else str(s.get("data_root") or "unrecorded")


def _group_runs(summaries: list[dict[str, Any]], tasks: list[str]) -> dict[tuple, dict]:
    """(run name, data) → {task: summary}: one measured row per run name and data."""
    groups: dict[tuple, dict[str, dict[str, Any]]] = {}
    for s in summaries:
        if s.get("claim") or s.get("task") not in tasks:
            continue
        key = (str(s.get("run_name") or s["tokenizer"]), _data_label(s))
        groups.setdefault(key, {})[s["task"]] = s
    return dict(sorted(groups.items()))


def _joined(values: list[Any]) -> str:
    seen = [str(v) for v in dict.fromkeys(values) if v]
    return ", ".join(seen) if seen else "unrecorded"


def _measured_row(spec: TableSpec, key: tuple, group: dict, ctx: _Context,
                  ablations: dict[str, Any]) -> Row:
    run, data = key
    summaries = list(group.values())
    label = run
    if run.startswith("ablation-"):
        steps = (ablations.get(run.removeprefix("ablation-")) or {}).get("steps")
        label += f" (demo-scale{f', {steps} steps' if steps else ''})"
    cells = []
    for i, col in enumerate(spec.columns):
        if col.label and i == 0:
            cells.append(Cell(text=label))
        elif col.label and col.value is None and col.spec is None:
            cells.append(Cell(missing=col.missing or "not recorded"))
        else:
            cells.append(_measured_cell(col, group, ctx))
    commits = [str(s.get("git_commit") or "")[:10] for s in summaries]
    dates = [str(s.get("timestamp") or "")[:10] for s in summaries]
    return Row("measured", cells, run=run, data=data, commit=_joined(commits),
               date=_joined(dates))


def _placeholder(spec: TableSpec, label: str, reason: str | None, ctx: _Context) -> Row:
    """A measured row with no run behind it: every cell says why."""
    cells = []
    for i, col in enumerate(spec.columns):
        if col.label and i == 0:
            cells.append(Cell(text=label))
        elif reason:
            cells.append(Cell(missing=reason))
        else:
            cells.append(_measured_cell(col, {}, ctx))
    return Row("measured", cells, data="", commit="", date="")


def _matches(match: dict[str, str], key: tuple, group: dict) -> bool:
    if "run" in match:
        return key[0] == match["run"]
    if "tokenizer" in match:
        return any(s.get("tokenizer") == match["tokenizer"] for s in group.values())
    return False


def build_table(
    number: int,
    summaries: list[dict[str, Any]],
    *,
    include_paths: list[str] | None = None,
    ablations: dict[str, Any] | None = None,
) -> BuiltTable:
    """Table ``number`` of the paper: its rows ("reported") and the runs' ("measured")."""
    spec = load_specs()[number]
    ctx = _context(spec.tasks, include_paths)
    groups = _group_runs(summaries, spec.tasks)
    ablations = ablations or {}
    with (CLAIMS_DIR / spec.claims).open(newline="", encoding="utf-8") as f:
        data_rows = list(csv.reader(f))[spec.header_rows :]
    rows: list[Row] = []
    used: set[tuple] = set()
    seen: dict[str, int] = {}
    for raw in data_rows:
        if not any(c.strip() for c in raw):
            continue
        if not any(c.strip() for c in raw[1:]):  # "1. Component Ablation"
            rows.append(Row("section", [Cell(text=raw[0].strip())]))
            continue
        rows.append(Row("reported", [_reported_cell(c, raw) for c in spec.columns],
                        data="paper"))
        label = raw[0].strip()
        seen[label] = seen.get(label, 0) + 1
        match = spec.rows.get(label if seen[label] == 1 else f"{label}#{seen[label]}")
        if match is None:
            continue
        hits = [k for k, g in groups.items() if _matches(match, k, g)]
        for k in hits:
            rows.append(_measured_row(spec, k, groups[k], ctx, ablations))
            used.add(k)
        if not hits:
            what = match.get("run") or match.get("tokenizer")
            reason = match.get("missing") or (
                f"no run: {what!r} is not under --runs (python -m benchmarks.ablations "
                "trains and runs it)"
                if spec.only_matched else None)
            rows.append(_placeholder(spec, f"({what or 'no run'})", reason, ctx))
    if not spec.only_matched:
        rest = [k for k in groups if k not in used]
        for k in rest:
            rows.append(_measured_row(spec, k, groups[k], ctx, ablations))
        if not rest and not used:
            rows.append(_placeholder(spec, "(no measured run)", spec.missing or None, ctx))
    notes = [spec.note] if spec.note else []
    if ablations and spec.only_matched:
        budget = ablations.get("_budget") or {}
        if budget:
            notes.append("demo-scale ablation training: " + ", ".join(
                f"{k}={v}" for k, v in sorted(budget.items())))
    return BuiltTable(spec, rows, notes)


def read_ablations(runs: Path) -> dict[str, Any]:
    path = runs / ABLATIONS_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def paper_table_text(
    number: int,
    summaries: list[dict[str, Any]],
    *,
    runs: Path,
    fmt: str = "md",
    include_paths: list[str] | None = None,
) -> str:
    """Table ``number`` rendered as ``fmt`` (md, csv, latex): the ``tables --paper N`` output."""
    from benchmarks.paper_render import render_table

    table = build_table(number, summaries, include_paths=include_paths,
                        ablations=read_ablations(runs))
    return render_table(table, fmt)
