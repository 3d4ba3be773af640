"""Tables and the report site name each distance's protocol and mark a small-n number."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.features.protocols import FVD_STYLEGANV, FVD_VIDEOGPT
from benchmarks.reporting.site.collect import RunEntry
from benchmarks.reporting.site.page import task_table
from benchmarks.reporting.tables import load_summaries, render


def _write(runs: Path, folder: str, value: float, record: dict | None) -> None:
    path = runs / "webvid" / folder
    path.mkdir(parents=True)
    evaluation = {"protocols": {"rfvd": record}} if record else {}
    (path / "summary.json").write_text(json.dumps({
        "task": "webvid", "tokenizer": "avgpool", "run_name": folder,
        "metrics": {"rfvd": value}, "higher_is_better": {"rfvd": False},
        "evaluation": evaluation, "config": {"task": {"task": "webvid",
                                                      "family": "reconstruction"}}}))


def test_each_protocol_has_its_column_and_a_small_run_is_marked(tmp_path) -> None:
    runs = tmp_path / "runs"
    _write(runs, "small", 123.4, FVD_STYLEGANV.record(30))
    _write(runs, "full", 99.5, FVD_STYLEGANV.record(2048))
    _write(runs, "videogpt", 77.25, dict(FVD_VIDEOGPT.record(256), protocol="fvd-videogpt"))
    _write(runs, "old", 55.5, None)  # an older summary: no protocol recorded
    table = render(load_summaries(runs))
    header = table.splitlines()[0]
    assert "rfvd (fvd-styleganv) ↓" in header and "rfvd (fvd-videogpt) ↓" in header
    assert "rfvd ↓" in header  # the unrecorded run keeps a plain column of its own
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    assert "123.40 (n=30<2048)" in rows["small"] and "99.50" in rows["full"]
    assert not any("(n=" in cell for cell in rows["full"])
    assert "77.25" in rows["videogpt"] and "77.25" not in rows["small"]
    assert rows["old"][-1] == "" or "55.50" in rows["old"]
    csv_text = render(load_summaries(runs), fmt="csv")
    assert "n=30<2048" in csv_text


def test_the_site_names_the_protocol_and_marks_the_cell(tmp_path) -> None:
    runs = tmp_path / "runs"
    _write(runs, "small", 123.4, FVD_STYLEGANV.record(30))
    entries = [RunEntry(summary=s, folder=f"runs/webvid/{s.run_name}")
               for s in load_summaries(runs)]
    page = task_table("webvid", entries)
    assert "rfvd (fvd-styleganv)" in page and "(n=30&lt;2048)" in page
    assert "JEDi" in page  # the flag's reason, in the mark's title
