"""``python -m benchmarks tables --paper N``: the paper's Table N beside this project's runs.

The layout is the paper's (its columns, its rows, from ``benchmarks/paper_claims/``); each
of its rows is marked "reported". This project's runs are rows marked "measured", with
their run name, data ("demo" or the data root), commit and date, their provenance (text
encoder, VQA answerer, generator) and their protocol (clip, size, latency setting, rate,
split; :mod:`benchmarks.reporting.paper.protocol`). Which CSV column is which task metric is data:
``benchmarks/reporting/paper/tables.yaml``. A cell that cannot be filled says why (no weights, no
data, not implemented, no run, not comparable). The paper's cells are kept as printed,
its inconsistencies noted under the table, never "fixed".

Where runs go: under the paper row that names them (``rows``), else under the row of
their tokenizer's family (``families``: an ``hevc`` run under "HEVC [43]"), else in a
section of their own at the end. A run that differs from the paper's protocol in a way
that changes every number of the row (Table 7's rate) goes to a labelled section
(``off_protocol``); a paper row that fixes a fact (``requires``: Table 6's Qwen-2.5 VL
text encoder) takes only runs that share it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json
from benchmarks.reporting.distance_marks import protocol_name, small_n
from benchmarks.reporting.paper.cells import BuiltTable, Cell, Row
from benchmarks.reporting.paper.claims import CLAIMS_DIR
from benchmarks.reporting.paper.protocol import (
    check_latency,
    differences,
    lookup,
    rate_difference,
    requirement_unmet,
    row_facts,
    with_pyratok,
)
from benchmarks.reporting.paper.spec import Column, TableSpec, load_specs
from benchmarks.store import RunSummary

ABLATIONS_FILE = "ablations.json"  # written into --runs by python -m benchmarks.ablations
TABLES = range(1, 11)
FIGURES = ("fig29",)  # figures whose numbers the paper's text gives (see paper_claims/README)
_NOT_REPORTED = {"", "—", "–", "-"}


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
    latency: dict[str, Any] | None = None


def _percent_scale(col: Column, unit: str | None) -> float | None:
    """Factor from the measured unit to the paper's; None when they cannot be matched."""
    if col.unit != "%":
        return 1.0
    if unit == "%":
        return 1.0
    if unit == "":
        return 100.0  # a fraction in [0, 1] → percent
    return None


def _label_cell(col: Column, group: dict[str, RunSummary]) -> Cell:
    """A text column of a measured row, from the run's own record (spec, summary path)."""
    if col.value is not None:
        return Cell(text=col.value)
    summaries = [group[col.task]] if col.task in group else list(group.values())
    path = f"tokenizer_spec.{col.spec}" if col.spec is not None else col.lookup
    if path is None:
        return Cell(missing=col.missing or "not recorded in the run's summary")
    for s in summaries:
        value = lookup(s, path)
        if value is not None:
            return Cell(text=_spec_text(col.spec or "", value))
    return Cell(missing=f"not recorded in the run's summary ({path})")


def _measured_cell(col: Column, group: dict[str, RunSummary], ctx: _Context) -> Cell:
    if col.value is not None or col.spec is not None or col.lookup is not None:
        return _label_cell(col, group)
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
    if col.pyratok is not None and (used := with_pyratok(s)) != col.pyratok:
        if used is None:
            return Cell(missing="not recorded whether the generator used the tokenizer")
        return Cell(missing=f"this run is {'✓' if used else '✗'} PyraTok")
    unavailable = s.unavailable
    if col.first_of:  # the first the run reports (a codec's bpp, a tokenizer's bpp_tokens)
        names = [next((n for n in col.first_of if s.metrics.get(n) is not None),
                      col.first_of[0])]
    else:
        names = list(col.metrics) or [col.metric]
    for name in names:
        if name in unavailable and s.metrics.get(name) is None:
            reason = str(unavailable[name]).strip()  # in full: reasons are never cut
            if "weight" in reason.lower() and not reason.startswith("no weights"):
                reason = f"no weights: {reason}"
            return Cell(missing=reason)
        if s.metrics.get(name) is None:
            return Cell(missing=f"{name} not in the run's summary")
    scale = _percent_scale(col, ctx.units.get((col.task, names[0])))
    if scale is None:
        unit = ctx.units.get((col.task, names[0]))
        return Cell(missing=f"unit mismatch: the run reports {unit!r}, the paper {col.unit!r}")
    value = sum(float(s.metrics[n]) for n in names) * scale  # type: ignore[arg-type]
    ci = s.metrics_ci95.get(names[0]) if len(names) == 1 else None
    ci = None if ci is None or not math.isfinite(ci) else float(ci) * scale
    if col.latency and ctx.latency:
        check = check_latency(s, ctx.latency, value)
        if not check.comparable:
            return Cell(missing=check.note)
        return Cell(value=value, ci95=ci, note=check.note)
    # a distance names its protocol and, below the protocol's minimum n, says so
    marks = (names[0] if col.first_of else "", protocol_name(s, names[0]), small_n(s, names[0]))
    return Cell(value=value, ci95=ci, note=", ".join(m for m in marks if m))


def _spec_text(key: str, value: Any) -> str:
    if key == "n_params" and isinstance(value, int | float):
        return f"{value / 1e9:.2f}B" if value >= 1e9 else f"{value / 1e6:.2f}M"
    return str(value)


def _context(spec: TableSpec, include_paths: list[str] | None) -> _Context:
    from benchmarks.config import task_files
    from benchmarks.datasets.demo import DEMO_DATASETS
    from benchmarks.families import TASK_FAMILIES

    found = task_files(include_paths)
    demo, units = set(), {}
    for task in spec.tasks:
        if task not in found:
            continue
        raw = found[task].raw
        if raw.get("dataset") in DEMO_DATASETS:
            demo.add(task)
        try:
            family = TASK_FAMILIES.get(str(raw.get("family")))
            for m in family.metrics:
                units[(task, m.name)] = m.unit
        except Exception:  # a family that does not load: units unknown, cells say so
            continue
    return _Context(known_tasks=set(found) & set(spec.tasks), demo_tasks=demo, units=units,
                    latency=spec.latency)


# grouping runs into rows


def _data_label(s: RunSummary) -> str:
    return "demo" if s.demo_data else str(s.data_root or "unrecorded")


def _group_runs(summaries: list[RunSummary], tasks: list[str]) -> dict[tuple, dict]:
    """(run name, data) → {task: summary}: one measured row per run name and data."""
    groups: dict[tuple, dict[str, RunSummary]] = {}
    for s in summaries:
        if s.claim or s.task not in tasks:
            continue
        groups.setdefault((s.label, _data_label(s)), {})[s.task] = s
    return dict(sorted(groups.items()))


def _joined(values: list[Any]) -> str:
    seen = [str(v) for v in dict.fromkeys(values) if v]
    return ", ".join(seen) if seen else "unrecorded"


def _measured_row(spec: TableSpec, key: tuple, group: dict, ctx: _Context,
                  ablations: dict[str, Any], *, paper_row: list[Cell] | None = None,
                  label_note: str = "", note: str = "") -> Row:
    """A run's row; ``label_note`` is added to its label and notes, ``note`` to its notes."""
    run, data = key
    summaries = list(group.values())
    label = run
    if run.startswith("ablation-"):
        steps = (ablations.get(run.removeprefix("ablation-")) or {}).get("steps")
        label += f" (demo-scale{f', {steps} steps' if steps else ''})"
    if label_note:
        label += f" [{label_note}]"
    cells = []
    for i, col in enumerate(spec.columns):
        if col.label and i == 0:
            cells.append(Cell(text=label))
        elif col.label and col.value is None and col.spec is None and col.lookup is None:
            cells.append(Cell(missing=col.missing or "not recorded in the run's summary"))
        else:
            cells.append(_measured_cell(col, group, ctx))
    facts = row_facts(group)
    notes = differences(facts, spec.paper)
    notes[:0] = [n for n in (label_note, note) if n]
    if paper_row is not None:  # a label the run records that the paper row states otherwise
        for col, ours, theirs in zip(spec.columns, cells, paper_row, strict=True):
            if (col.label and (col.spec or col.lookup) and ours.text and theirs.text
                    and ours.text != theirs.text):
                notes.append(f"{col.header} {ours.text}, the paper's row {theirs.text}")
    commits = [str(s.git_commit or "")[:10] for s in summaries]
    dates = [str(s.timestamp or "")[:10] for s in summaries]
    return Row("measured", cells, run=run, data=data, commit=_joined(commits),
               date=_joined(dates), provenance="; ".join(facts.provenance),
               protocol="; ".join(facts.protocol), notes=notes)


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


def _matches(match: dict[str, Any], key: tuple, group: dict) -> bool:
    if "run" in match:
        return key[0] == match["run"]
    if "tokenizer" in match:
        return any(s.tokenizer == match["tokenizer"] for s in group.values())
    if "generator" in match:
        return any(lookup(s, "evaluation.generator") == match["generator"]
                   for s in group.values())
    return False


def _family_row(spec: TableSpec, group: dict) -> str | None:
    """The paper row a run of no row of its own goes under (its tokenizer's family)."""
    for s in group.values():
        row = spec.families.get(s.tokenizer)
        if row is not None:
            return row
    return None


def _off_protocol(spec: TableSpec, group: dict) -> str | None:
    """Why the whole row is measured otherwise than the paper's (Table 7: the rate)."""
    if spec.rate is None:
        return None
    for s in group.values():
        reason = rate_difference(s, spec.rate)
        if reason:
            return reason
    return None


def build_table(
    number: int | str,
    summaries: list[RunSummary],
    *,
    include_paths: list[str] | None = None,
    ablations: dict[str, Any] | None = None,
) -> BuiltTable:
    """Table ``number`` of the paper: its rows ("reported") and the runs' ("measured")."""
    spec = load_specs()[number]
    ctx = _context(spec, include_paths)
    groups = _group_runs(summaries, spec.tasks)
    ablations = ablations or {}
    with (CLAIMS_DIR / spec.claims).open(newline="", encoding="utf-8") as f:
        data_rows = list(csv.reader(f))[spec.header_rows :]
    off = {k: r for k, g in groups.items() if (r := _off_protocol(spec, g))}
    placed = {k: _family_row(spec, g) for k, g in groups.items()}
    claimed = {k for k, g in groups.items()
               for m in spec.rows.values() if _matches(m, k, g)}
    rows: list[Row] = []
    used: set[tuple] = set()
    seen: dict[str, int] = {}
    for raw in data_rows:
        if not any(c.strip() for c in raw):
            continue
        if not any(c.strip() for c in raw[1:]):  # "1. Component Ablation"
            rows.append(Row("section", [Cell(text=raw[0].strip())]))
            continue
        reported = [_reported_cell(c, raw) for c in spec.columns]
        rows.append(Row("reported", reported, data="paper", provenance=spec.provenance,
                        protocol=spec.protocol))
        label = raw[0].strip()
        seen[label] = seen.get(label, 0) + 1
        row_key = label if seen[label] == 1 else f"{label}#{seen[label]}"
        match = spec.rows.get(row_key)
        if match is not None:
            hits = [k for k, g in groups.items() if _matches(match, k, g) and k not in off]
            unmet = {k: r for k in hits
                     if (r := requirement_unmet(groups[k], match.get("requires") or {}))}
            for k in hits:
                if k in unmet:
                    continue
                rows.append(_measured_row(spec, k, groups[k], ctx, ablations,
                                          paper_row=reported))
                used.add(k)
            if not [k for k in hits if k not in unmet]:
                what = match.get("run") or match.get("tokenizer") or match.get("generator")
                reason = match.get("missing") or (
                    f"no run: {what!r} is not under --runs (python -m benchmarks.ablations "
                    "trains and runs it)" if spec.only_matched else None)
                if unmet:
                    reason = "protocol differs: " + "; ".join(
                        f"{k[0]}: {r}" for k, r in unmet.items())
                rows.append(_placeholder(spec, f"({what or 'no run'})", reason, ctx))
        if spec.only_matched:
            continue
        for k in groups:  # runs of no row of their own, under their family's row
            if k not in used and k not in claimed and k not in off and placed[k] == row_key:
                rows.append(_measured_row(spec, k, groups[k], ctx, ablations,
                                          paper_row=reported,
                                          note=f"placed under {row_key}: the row of its "
                                          "family, not the paper's model"))
                used.add(k)
    if not spec.only_matched:
        rest = [k for k in groups if k not in used and k not in off]
        if rest:
            rows.append(Row("section", [Cell(text="Runs of methods the paper's table does "
                                                  "not list")]))
            rows += [_measured_row(spec, k, groups[k], ctx, ablations) for k in rest]
        if off:
            rows.append(Row("section", [Cell(text=spec.off_protocol or "Measured under "
                                              "another protocol")]))
            rows += [_measured_row(spec, k, groups[k], ctx, ablations, label_note=r)
                     for k, r in off.items()]
        if not groups:
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
        data = read_json(path, max_bytes=SMALL_BYTES)
    except JsonFileError:
        return {}
    return data if isinstance(data, dict) else {}
