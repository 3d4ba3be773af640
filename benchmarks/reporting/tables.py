"""``python -m benchmarks tables``: one row per run, one column per task metric.

A row is a run folder's name (``<tokenizer>`` or ``<tokenizer>-<hash of its arguments>``,
or the ``--run-name`` given) with its tokenizer and arguments, so two checkpoints or two
sweep points of one tokenizer are two rows, and so is a copied run folder.

Cells read ``mean ± 95% CI half-width``; headers carry ↑ (higher is better) or ↓.
A distance (FVD and its successors) names its protocol in its column, ``rfvd
(fvd-styleganv)``, so two protocols never share one, and a number over fewer clips than
its protocol's minimum is marked ``(n=30<2048)`` (:mod:`benchmarks.reporting.distance_marks`).
Runs on demo data are marked, so they are never mistaken for benchmark numbers. With
``--paper``, the paper's reported numbers (``benchmarks/paper_claims/``) are added as rows
marked "(paper)", cells "(reported)": claims shown beside measurements, never as ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.reporting.distance_marks import protocol_name, small_n, with_protocol
from benchmarks.reporting.numbers import format_mean_ci
from benchmarks.reporting.task_args import protocol_labels
from benchmarks.store import RunSummary, SummaryError


def load_summaries(
    runs: Path, *, tasks: list[str] | None = None, skipped: bool = False
) -> Any:
    """Every ``<runs>/<task>/<run>/summary.json`` (of ``tasks`` if given), as
    :class:`~benchmarks.store.RunSummary` objects.

    A run is its folder: each summary's ``run_name`` is set to its folder's name, so a
    copied run folder (same recorded run name) is a row of its own, whatever the folder
    order. A summary outside its task's folder (``<runs>/<other task>/...``) could collide
    with a run of that name; it is left out, as is a file that is not a readable summary.
    With ``skipped=True`` the return is ``(summaries, [(path, reason), ...])`` so the
    caller can say which were left out.
    """
    out, bad = [], []
    for path in sorted(runs.glob("*/*/summary.json")):
        try:
            summary = RunSummary.read(path)
        except SummaryError as err:
            bad.append((path, str(err).removeprefix(f"{path}: ")))
            continue
        if summary.task != path.parent.parent.name:
            bad.append((path, f"a run of task {summary.task!r} outside its task's folder "
                              f"(move it to {runs / summary.task}/)"))
            continue
        if tasks and summary.task not in tasks:
            continue
        summary.run_name = path.parent.name
        out.append(summary)
    return (out, bad) if skipped else out


def none_readable(runs: Path, unreadable: list[tuple[Path, str]]) -> str:
    """One line for a runs folder whose every summary was unreadable (``unreadable``:
    ``load_summaries(..., skipped=True)``'s second list, not empty)."""
    path, reason = unreadable[0]
    more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
    return f"no readable summary.json under {runs}: {path}: {reason}{more}"


def args_text(summary: RunSummary) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(summary.tokenizer_args.items()))


@dataclass(frozen=True)
class Cell:
    """One metric of one run: ``value``, ``ci95`` half-width and a ``note`` (``demo``,
    ``reported``, ``unavailable``, a small-n mark ``n=30<2048``, comma-joined); ``text``
    as md/LaTeX show it."""

    value: float | None = None
    ci95: float | None = None
    note: str = ""
    text: str = ""


def _column_name(task: str, protocol: str, metric: str, hib: bool | None) -> str:
    arrow = "" if hib is None else (" ↑" if hib else " ↓")
    return f"{task}{f' [{protocol}]' if protocol else ''} {metric}{arrow}"


def build_cells(summaries: list[RunSummary], *, include_paths: list[str] | None = None,
                ) -> tuple[list[str], list[str], list[list[str]], list[list[Cell]]]:
    """The table as data: leading headers (run, tokenizer, args), one metric column name
    per (task, protocol, metric), and per row its leading texts and metric cells.

    Runs measured under other task arguments than their task's (``--task-arg
    probe=linear``, :mod:`benchmarks.reporting.task_args`) get columns of their own,
    named with those arguments, never a cell beside the task's own protocol.
    """
    protocols = protocol_labels(summaries, include_paths=include_paths)
    columns: list[tuple[str, str, str, str, bool | None]] = []
    seen = set()
    for s, protocol in zip(summaries, protocols, strict=True):
        for name in list(s.metrics) + list(s.unavailable):
            key = (s.task, protocol, name, protocol_name(s, name))
            if key not in seen:
                seen.add(key)
                columns.append((*key, s.higher_is_better.get(name)))
    measured = sorted({s.label for s in summaries if not s.claim})
    claimed = [s.label for s in summaries if s.claim]
    labels = measured + list(dict.fromkeys(claimed))
    by_key = {(s.label, s.task, p): s for s, p in zip(summaries, protocols, strict=True)}
    names = [_column_name(t, p, with_protocol(m, d), hib) for t, p, m, d, hib in columns]
    leading, cells = [], []
    for label in labels:
        first = next(s for s in summaries if s.label == label)
        leading.append([label, "" if first.claim else first.tokenizer, args_text(first)])
        row = []
        for task, protocol, name, distance, _ in columns:
            s = by_key.get((label, task, protocol))
            if s is None or (s.claim and name not in s.metrics) or (
                    protocol_name(s, name) != distance):
                row.append(Cell())
            elif name in s.unavailable:
                row.append(Cell(note="unavailable", text="unavailable"))
            else:
                value, ci = s.metrics.get(name), s.metrics_ci95.get(name)
                note = "reported" if s.claim else ("demo" if s.demo_data else "")
                note = ", ".join(n for n in (note, small_n(s, name)) if n)
                text = format_mean_ci(value, ci) + (f" ({note})" if note else "")
                row.append(Cell(value, ci, note, text))
        cells.append(row)
    return ["run", "tokenizer", "args"], names, leading, cells


def build_rows(summaries: list[RunSummary], *, include_paths: list[str] | None = None,
               ) -> tuple[list[str], list[list[str]]]:
    """Header and rows (strings) for the given summaries (cells ``mean ± ci (note)``)."""
    head, names, leading, cells = build_cells(summaries, include_paths=include_paths)
    return head + names, [lead + [c.text for c in row]
                          for lead, row in zip(leading, cells, strict=True)]


def _number(value: float | None) -> str:
    return "" if value is None else repr(round(float(value), 6))


def to_csv(summaries: list[RunSummary], *, include_paths: list[str] | None = None) -> str:
    """Value, ci95 and note of each metric in columns of their own (as ``--paper``)."""
    import csv
    import io

    head, names, leading, cells = build_cells(summaries, include_paths=include_paths)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(head + [f"{n}{suffix}" for n in names for suffix in ("", " ci95", " note")])
    for lead, row in zip(leading, cells, strict=True):
        writer.writerow(lead + [x for c in row for x in (_number(c.value), _number(c.ci95),
                                                           c.note)])
    return buf.getvalue().rstrip("\n")


def render(summaries: list[RunSummary], *, fmt: str = "md",
           include_paths: list[str] | None = None) -> str:
    if fmt == "csv":
        return to_csv(summaries, include_paths=include_paths)
    header, rows = build_rows(summaries, include_paths=include_paths)
    if fmt == "latex":
        def esc(text: str) -> str:
            text = text.replace("±", "$\\pm$").replace("↑", "$\\uparrow$")
            return text.replace("↓", "$\\downarrow$").replace("_", "\\_")

        lines = [
            "\\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
            "\\toprule",
            " & ".join(esc(h) for h in header) + " \\\\",
            "\\midrule",
        ]
        lines += [" & ".join(esc(c) for c in row) + " \\\\" for row in rows]
        lines += ["\\bottomrule", "\\end{tabular}"]
        return "\n".join(lines)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
