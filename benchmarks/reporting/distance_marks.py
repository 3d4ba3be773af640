"""What a report shows beside a distance number: its protocol's name and a small-n mark.

Families record, for every FVD-like number, ``evaluation.protocols[<metric>]`` (see
:mod:`benchmarks.features.protocols`): the protocol's name, fields, the clips per set and,
when that is below the protocol's minimum, a ``flag``. Tables and the report site name
the protocol in the column (two protocols never share a column) and mark a flagged cell.
Read from the summary alone: a summary of an older harness (no record) shows neither.
"""

from __future__ import annotations

from typing import Any

from benchmarks.store import RunSummary


def _record(summary: RunSummary, metric: str) -> dict[str, Any] | None:
    records = (summary.evaluation or {}).get("protocols")
    found = records.get(metric) if isinstance(records, dict) else None
    return found if isinstance(found, dict) else None


def protocol_name(summary: RunSummary, metric: str) -> str:
    """The named protocol of ``metric`` in ``summary`` (``""``: none recorded)."""
    found = _record(summary, metric)
    return str(found.get("protocol") or "") if found else ""


def small_n(summary: RunSummary, metric: str) -> str:
    """A short mark (``"n=30<2048"``) when the number is flagged for too few clips, else ``""``."""
    found = _record(summary, metric)
    if not found or not found.get("below_min_n"):
        return ""
    minimum = (found.get("fields") or {}).get("min_n")
    return f"n={found.get('n_per_set')}<{minimum}"


def flag_text(summary: RunSummary, metric: str) -> str:
    """The full reason of the small-n mark (``""`` when none)."""
    found = _record(summary, metric)
    return str(found.get("flag") or "") if found else ""


def with_protocol(metric: str, protocol: str) -> str:
    """A column's metric name: ``rfvd (fvd-styleganv)``."""
    return f"{metric} ({protocol})" if protocol else metric
