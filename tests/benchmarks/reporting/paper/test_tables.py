"""``tables --paper N``: the paper's rows ("reported") beside the runs' ("measured")."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.reporting.paper.build import FIGURES, TABLES, _percent_scale
from benchmarks.reporting.paper.claims import CLAIMS_DIR
from benchmarks.reporting.paper.spec import load_specs

# The project's own transcription of the paper's tables, where a machine has it (the copies
# in benchmarks/paper_claims/ must equal it byte for byte).
TRANSCRIPTIONS_ENV = "PYRATOK_PAPER_TABLES"


@pytest.fixture(scope="module")
def tal_runs(tmp_path_factory):
    """A real THUMOS14 demo run (3 videos) and an ActivityNet summary in its exact format."""
    out = tmp_path_factory.mktemp("runs")
    real = benchmarks.evaluate("thumos14", "pyratok", output=out, limit=3, progress=False)
    fake = copy.deepcopy(real)
    fake.update(task="activitynet", metrics={"average_mAP": 12.5},
                metrics_ci95={"average_mAP": 1.25})
    folder = out / "activitynet" / real["run_name"]
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(fake))
    return out, real


def _csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.slow
def test_table4_shows_reported_and_measured_rows_side_by_side(tal_runs, capsys):
    out, real = tal_runs
    assert main(["tables", "--runs", str(out), "--paper", "4"]) == 0
    md = capsys.readouterr().out
    assert "| reported | PyraTok (Ours) | zero-shot | yes | 33.17 | 29.11 |  | paper |" in md
    measured = [line for line in md.splitlines() if line.startswith("| measured |")]
    assert len(measured) == 1
    cells = [c.strip() for c in measured[0].strip("|").split("|")]
    assert cells[:3] == ["measured", "pyratok", "zero-shot"]
    assert cells[4] == f"{real['metrics']['average_mAP']:.2f}"
    assert cells[5] == "12.50 ± 1.250"
    assert cells[6:10] == ["pyratok", "demo", real["git_commit"][:10], real["timestamp"][:10]]
    assert cells[10] == "text encoder minilm"  # provenance: the demo model's text encoder
    assert cells[11].startswith("activitynet: ") and "thumos14: " in cells[11]
    assert "differs from the paper: text encoder minilm, the paper's qwen2.5-vl" in cells[11]

    assert main(["tables", "--runs", str(out), "--paper", "4", "--format", "csv"]) == 0
    header, rows = _csv_rows(capsys.readouterr().out)
    assert "±" not in "".join(header) + "".join(v for r in rows for v in r.values())
    metric_cols = [h for h in header if h.endswith("↑")]
    assert metric_cols == ["THUMOS14 Avg. mAP (%) ↑", "ActivityNet v1.3 Avg. mAP (%) ↑"]
    assert [r["kind"] for r in rows] == ["reported"] * 9 + ["measured"]
    for row in rows:  # every number cell parses as a number
        for col in metric_cols:
            float(row[col])
            assert row[f"{col} ci95"] == "" or float(row[f"{col} ci95"]) >= 0
    assert float(rows[-1][metric_cols[0]]) == pytest.approx(real["metrics"]["average_mAP"])
    assert float(rows[-1][f"{metric_cols[1]} ci95"]) == 1.25
    assert rows[-1]["data"] == "demo" and rows[-1]["commit"] == real["git_commit"][:10]

    target = out / "table4.tex"
    assert main(["tables", "--runs", str(out), "--paper", "4", "--format", "latex",
                 "--out", str(target)]) == 0
    tex = target.read_text()
    assert "\\toprule" in tex and "PyraTok (Ours) & zero-shot & yes & 33.17 & 29.11" in tex
    assert "12.50 $\\pm$ 1.250" in tex


@pytest.mark.slow
@pytest.mark.parametrize("number", [*TABLES, *FIGURES])
def test_every_table_keeps_every_paper_row_and_number(number, tmp_path, capsys):
    spec = load_specs()[number]
    with (CLAIMS_DIR / spec.claims).open(newline="", encoding="utf-8") as f:
        data = [r for r in list(csv.reader(f))[spec.header_rows:] if any(c.strip() for c in r)]
    assert main(["tables", "--runs", str(tmp_path), "--paper", str(number),
                 "--format", "csv"]) == 0
    header, rows = _csv_rows(capsys.readouterr().out)
    reported = [r for r in rows if r["kind"] in ("reported", "section")]
    assert len(reported) == len(data)
    for row, raw in zip(reported, data, strict=True):
        first = header[1]
        assert row[first] == raw[0].strip()
        for col in spec.columns:
            if col.claim is None or col.label or row["kind"] == "section":
                continue
            text = raw[col.claim].strip()
            text = text.split("/")[col.part].strip() if col.part is not None else text
            value = row[col.title]
            if text in ("—", "–", ""):
                assert value == "" and row[f"{col.title} note"] == "not reported in the paper"
            elif not text.replace(".", "", 1).isdigit():  # a bound such as ">79", as printed
                assert value == "" and row[f"{col.title} note"] == text
            else:
                assert float(value) == float(text)  # cell text as printed
    for fmt in ("md", "latex"):
        assert main(["tables", "--runs", str(tmp_path), "--paper", str(number),
                     "--format", fmt]) == 0
        assert spec.title.split(":")[0].replace("_", "\\_") in capsys.readouterr().out


def test_every_claims_csv_is_a_paper_table_or_figure():
    """Each CSV is the paper's (a table or figure spec) or another source's that a task
    names as its ``paper_table`` (TokenBench's leaderboard, the rFVD tasks' claims)."""
    from benchmarks.config import task_files

    named = {spec.claims for spec in load_specs().values()}
    by_tasks = {t.raw["paper_table"] for t in task_files().values() if t.raw.get("paper_table")}
    on_disk = {p.name for p in CLAIMS_DIR.glob("*.csv")}
    assert named | by_tasks == on_disk
    assert len([n for n in on_disk if n.startswith("table")]) == len(TABLES) == 10


def test_transcriptions_are_the_projects_copies():
    folder = os.environ.get(TRANSCRIPTIONS_ENV)
    if not folder:
        pytest.skip(f"set {TRANSCRIPTIONS_ENV} to the folder of the paper's transcribed tables")
    copies = sorted(Path(folder).glob("*.csv"))
    assert len(copies) == len(TABLES), f"{folder}: expected the paper's 10 table CSVs"
    for path in copies:
        assert (CLAIMS_DIR / path.name).read_bytes() == path.read_bytes(), path.name


def test_missing_cells_say_why(tmp_path, capsys):
    main(["tables", "--runs", str(tmp_path), "--paper", "2"])
    out = capsys.readouterr().out
    assert "| measured | (motionaura) | — (not available offline) |" in out
    assert "| measured | (no measured run) |" in out and "— (no run of t2v-webvid)" in out
    assert "— (not comparable)" in out  # the paper's TC columns
    main(["tables", "--runs", str(tmp_path), "--paper", "3"])
    out = capsys.readouterr().out
    assert "| measured | (no measured run) | zero-shot | — (no run of ytvis2021) |" in out
    main(["tables", "--runs", str(tmp_path), "--paper", "1"])
    out = capsys.readouterr().out
    assert "| measured | (wan2.2) | — (no weights) |" in out
    assert "- no weights: run --tokenizer wan2.2 --tokenizer-arg path=DIR" in out


def _summary(task: str, run: str, metrics: dict, **extra) -> dict:
    return {"task": task, "tokenizer": "pyratok", "run_name": run, "tokenizer_args": {},
            "metrics": metrics, "metrics_ci95": {}, "unavailable": {},
            "higher_is_better": {}, "demo_data": True, "data_root": "/demo", **extra}


def _write(runs: Path, summary: dict) -> None:
    folder = runs / summary["task"] / summary["run_name"]
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))


def test_ablation_rows_sit_under_their_paper_row(tmp_path, capsys):
    _write(tmp_path, _summary("coco", "ablation-no_drift", {"psnr": 20.0, "ssim": 0.5},
                              unavailable={"lpips": "LPIPS needs AlexNet weights. Put them."}))
    _write(tmp_path, _summary("coco", "pyratok", {"psnr": 30.0, "ssim": 0.9}))
    (tmp_path / "ablations.json").write_text(json.dumps({"no_drift": {"steps": 7}}))
    assert main(["tables", "--runs", str(tmp_path), "--paper", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if "| reported | w/o L_drift |" in line)
    row = lines[at + 1]
    assert row.startswith("| measured | ablation-no_drift (demo-scale, 7 steps) | 20.00 |")
    assert "— (no weights) | — (no run of webvid)" in row
    assert "unrecorded" in row  # an old summary without commit or date says so
    assert not any("| pyratok |" in line for line in lines)  # ablation tables: matched only


def test_units_convert_only_between_fraction_and_percent():
    from benchmarks.reporting.paper.spec import Column

    percent = Column(header="mAP", unit="%")
    assert _percent_scale(percent, "%") == 1.0
    assert _percent_scale(percent, "") == 100.0
    assert _percent_scale(percent, "dB") is None
    assert _percent_scale(Column(header="PSNR"), "dB") == 1.0


def test_a_bad_table_number_is_one_line(capsys):
    with pytest.raises(SystemExit) as err:
        main(["tables", "--paper", "11"])
    assert err.value.code == 2
    assert "expected a table number 1-10 or fig29, got '11'" in capsys.readouterr().err
