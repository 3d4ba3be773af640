"""``python -m benchmarks tables``: one row per run, one column per task metric.

A row is a run name (``<tokenizer>`` or ``<tokenizer>-<hash of its arguments>``, or the
``--run-name`` given) with its tokenizer and arguments, so two checkpoints or two sweep
points of one tokenizer are two rows.

Cells read ``mean ± 95% CI half-width``; headers carry ↑ (higher is better) or ↓.
Runs on demo data are marked, so they are never mistaken for benchmark numbers. With
``--paper``, the paper's reported numbers (``benchmarks/paper_claims/``) are added as rows
marked "(paper)", cells "(reported)": claims shown beside measurements, never as ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.reporting.numbers import format_mean_ci
from benchmarks.store import RunSummary, SummaryError


def load_summaries(
    runs: Path, *, tasks: list[str] | None = None, skipped: bool = False
) -> Any:
    """Every ``<runs>/<task>/<run>/summary.json`` (of ``tasks`` if given), as
    :class:`~benchmarks.store.RunSummary` objects.

    A file that is not a readable summary is left out; with ``skipped=True`` the return is
    ``(summaries, [(path, reason), ...])`` so the caller can say which were left out.
    """
    out, bad = [], []
    for path in sorted(runs.glob("*/*/summary.json")):
        try:
            summary = RunSummary.read(path)
        except SummaryError as err:
            bad.append((path, str(err).removeprefix(f"{path}: ")))
            continue
        if tasks and summary.task not in tasks:
            continue
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


def build_rows(summaries: list[RunSummary]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (strings) for the given summaries."""
    columns: list[tuple[str, str, bool | None]] = []
    seen = set()
    for s in summaries:
        for name in list(s.metrics) + list(s.unavailable):
            key = (s.task, name)
            if key not in seen:
                seen.add(key)
                columns.append((s.task, name, s.higher_is_better.get(name)))
    measured = sorted({s.label for s in summaries if not s.claim})
    claimed = [s.label for s in summaries if s.claim]
    labels = measured + list(dict.fromkeys(claimed))
    by_key = {(s.label, s.task): s for s in summaries}
    header = ["run", "tokenizer", "args"]
    for task, name, hib in columns:
        arrow = "" if hib is None else (" ↑" if hib else " ↓")
        header.append(f"{task} {name}{arrow}")
    rows = []
    for label in labels:
        first = next(s for s in summaries if s.label == label)
        tokenizer = "" if first.claim else first.tokenizer
        row = [label, tokenizer, args_text(first)]
        for task, name, _ in columns:
            s = by_key.get((label, task))
            if s is None:
                row.append("")
            elif name in s.unavailable:
                row.append("unavailable")
            else:
                cell = format_mean_ci(s.metrics.get(name), s.metrics_ci95.get(name))
                if s.claim:
                    cell = "" if name not in s.metrics else cell + " (reported)"
                row.append(cell + (" (demo)" if s.demo_data else ""))
        rows.append(row)
    return header, rows


def render(summaries: list[RunSummary], *, fmt: str = "md") -> str:
    header, rows = build_rows(summaries)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
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
