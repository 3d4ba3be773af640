"""The paper's reported numbers as pseudo-summaries, for ``tables --paper`` (no N).

A task YAML names its table (``paper_table``, a CSV in ``benchmarks/paper_claims/``, the
paper's tables transcribed as printed) and which CSV column is which of its metrics
(``paper_columns``). Each paper row becomes a summary marked ``claim=True`` so the run
table shows it beside measured runs, never as one of them.

A table that mixes distance protocols (Open-MAGVIT2's rFVD under VideoGPT's I3D beside
LARP's under StyleGAN-V's) names each row's protocol in a column
(``paper_protocol_column``): the row's FVD-like number then goes to that protocol's metric
(``rfvd`` → ``rfvd_videogpt`` for ``fvd-videogpt``) with the protocol recorded as a measured
run records it (``evaluation.protocols``), so it shares a column only with numbers of the
same protocol. A cell naming no registered protocol must say "not stated": the number
stays under its own name, in a column marked ``protocol not stated``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.features.protocols import PROTOCOLS
from benchmarks.store import RunSummary

# the transcribed tables stay beside the task YAMLs that name them (data, not code)
CLAIMS_DIR = Path(__file__).resolve().parents[2] / "paper_claims"
NOT_STATED = "protocol not stated"


def paper_claims(tasks: list[str], *, include_paths: list[str] | None = None,
                 ) -> list[RunSummary]:
    """The paper's numbers for ``tasks`` as pseudo-summaries (``claim=True``)."""
    from benchmarks.config import task_files
    from benchmarks.runner.plan import parse_task

    found = task_files(include_paths)
    out: list[RunSummary] = []
    for task in tasks:
        if task not in found:
            continue
        config, _, _ = parse_task(found[task])
        if not config.paper_table or not config.paper_columns:
            continue
        with (CLAIMS_DIR / config.paper_table).open(newline="") as f:
            rows = list(csv.reader(f))[config.paper_header_rows :]
        names = _claim_names(rows)
        for row, label in zip(rows, names, strict=True):
            metrics: dict[str, float | None] = {}
            for name, col in config.paper_columns.items():
                try:
                    metrics[name] = float(row[col])
                except (IndexError, ValueError):
                    continue
            if not metrics:
                continue
            evaluation = {}
            if config.paper_protocol_column is not None:
                column = config.paper_protocol_column
                cell = row[column] if column < len(row) else ""
                metrics, records = with_row_protocol(metrics, cell)
                evaluation = {"protocols": records}
            name = f"{label} ({config.claims_source})"
            out.append(RunSummary(task=task, tokenizer=name, run_name=name, metrics=metrics,
                                  evaluation=evaluation, claim=True))
    return out


def with_row_protocol(metrics: dict[str, float | None], cell: str,
                      ) -> tuple[dict[str, float | None], dict[str, dict[str, str]]]:
    """``metrics`` with each distance renamed for the protocol ``cell`` names, and the
    ``evaluation.protocols`` records of those distances.

    Raises:
        ValueError: ``cell`` names no registered protocol and does not say "not stated".
    """
    protocol = PROTOCOLS.get(cell.strip())
    if protocol is None and "not stated" not in cell:
        raise ValueError(f"FVD protocol cell {cell!r}: name a registered protocol "
                         f"({', '.join(PROTOCOLS)}) or say 'not stated'")
    out: dict[str, float | None] = {}
    records: dict[str, dict[str, str]] = {}
    for name, value in metrics.items():
        prefix = distance_prefix(name)
        if prefix is None:
            out[name] = value
            continue
        renamed = prefix + protocol.metric if protocol else name
        out[renamed] = value
        records[renamed] = {"protocol": protocol.name if protocol else NOT_STATED}
    return out, records


def distance_prefix(metric: str) -> str | None:
    """The family's prefix of a distance metric (``"r"`` in ``rfvd_videogpt``, ``""`` in
    ``fvd``), or ``None`` when ``metric`` is no protocol's number."""
    for protocol in sorted(PROTOCOLS.values(), key=lambda p: -len(p.metric)):
        head = metric.removesuffix(protocol.metric)
        if head != metric and head in ("", "r"):
            return head
    return None


def _claim_names(rows: list[list[str]]) -> list[str]:
    """A distinct name per paper row: a label the table repeats (Table 4's two STOV-TAL
    rows, supervised and zero-shot) gets the text cells that tell its rows apart, or its
    rank ("LARP-L [55] #2", whose rows differ only in numbers), so rows never merge."""
    labels = [r[0].strip() if r else "" for r in rows]
    out = []
    for i, row in enumerate(rows):
        twins = [rows[j] for j, other in enumerate(labels) if other == labels[i] and j != i]
        if not twins:
            out.append(labels[i])
            continue
        distinct = [c.strip() for k, c in enumerate(row[1:], start=1)
                    if not _is_number(c) and all(k >= len(t) or t[k].strip() != c.strip()
                                                 for t in twins)]
        rank = labels[: i + 1].count(labels[i])
        out.append(f"{labels[i]} ({', '.join(distinct)})" if distinct
                   else f"{labels[i]} #{rank}")
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
