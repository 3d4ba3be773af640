"""``python -m benchmarks tables --paper N``: the paper's Table N beside this project's runs.

- :mod:`.spec` — ``tables.yaml``: which paper cell is which measurement;
- :mod:`.claims` — the paper's numbers (``benchmarks/paper_claims/``) as pseudo-summaries;
- :mod:`.protocol` — a measured row's provenance and protocol, and how it differs;
- :mod:`.cells` — cells, rows, the built table;
- :mod:`.build` — the paper's rows and the runs' rows, placed;
- :mod:`.render` — md, CSV, LaTeX.

:func:`paper_table_text` is the one entry: build, then render.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.reporting.paper.build import build_table, read_ablations
from benchmarks.reporting.paper.render import render_table
from benchmarks.store import RunSummary


def paper_table_text(
    number: int | str,
    summaries: list[RunSummary],
    *,
    runs: Path,
    fmt: str = "md",
    include_paths: list[str] | None = None,
) -> str:
    """Table ``number`` rendered as ``fmt`` (md, csv, latex): the ``tables --paper N`` output."""
    table = build_table(number, summaries, include_paths=include_paths,
                        ablations=read_ablations(runs))
    return render_table(table, fmt)


__all__ = ["paper_table_text"]
