"""``tables`` (and the report's rows): one row per run folder, protocols apart, CSV cells."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from benchmarks.cli import main
from benchmarks.reporting.site import build_site
from benchmarks.reporting.tables import load_summaries, render
from benchmarks.reporting.task_args import task_defaults


def write_summary(runs: Path, task: str, folder: str, *, top1: float, ci: float = 2.0,
                  params: dict | None = None, run_name: str | None = None,
                  demo: bool = True) -> Path:
    path = runs / task / folder
    path.mkdir(parents=True)
    (path / "summary.json").write_text(json.dumps({
        "task": task, "tokenizer": "pyratok", "run_name": run_name or folder,
        "metrics": {"top1": top1}, "metrics_ci95": {"top1": ci},
        "higher_is_better": {"top1": True}, "demo_data": demo,
        "config": {"task": {"task": task, "family": "classification"},
                   "params": params if params is not None else
                   task_defaults(task, demo=demo)}}))
    return path


def test_a_copied_run_folder_is_a_row_of_its_own_whatever_the_folder_order(tmp_path):
    runs = tmp_path / "runs"
    original = write_summary(runs, "kinetics400", "pyratok", top1=10.0)
    # the copy keeps the recorded run_name; folders sort either side of the original
    for copy, top1 in (("a-copy", 20.0), ("z-copy", 30.0)):
        shutil.copytree(original, runs / "kinetics400" / copy)
        data = json.loads((runs / "kinetics400" / copy / "summary.json").read_text())
        data["metrics"]["top1"] = top1
        (runs / "kinetics400" / copy / "summary.json").write_text(json.dumps(data))
    table = render(load_summaries(runs))
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()[2:]}
    assert sorted(rows) == ["a-copy", "pyratok", "z-copy"]
    assert "10.00" in rows["pyratok"] and "20.00" in rows["a-copy"] \
        and "30.00" in rows["z-copy"]


def test_a_summary_outside_its_tasks_folder_is_left_out_with_a_reason(tmp_path, capsys):
    runs = tmp_path / "runs"
    write_summary(runs, "kinetics400", "pyratok", top1=10.0)
    write_summary(runs, "kinetics600", "pyratok", top1=99.0, params={})  # a kinetics600 folder
    misplaced = runs / "kinetics600" / "pyratok" / "summary.json"
    data = json.loads(misplaced.read_text())
    data["task"] = "kinetics400"
    misplaced.write_text(json.dumps(data))
    assert main(["tables", "--runs", str(runs)]) == 0
    out, err = capsys.readouterr()
    assert "99" not in out and "10.00" in out
    assert f"skipped {misplaced}: a run of task 'kinetics400' outside its task's folder" in err


def _probe_runs(runs: Path) -> None:
    defaults = task_defaults("kinetics400", demo=True)
    assert defaults is not None and defaults["probe"] == "none"
    write_summary(runs, "kinetics400", "pyratok", top1=10.0)
    write_summary(runs, "kinetics400", "pyratok-linear", top1=1.0, ci=1.9842,
                  params={**defaults, "probe": "linear"})


def test_a_linear_probe_run_is_never_in_the_zero_shot_column(tmp_path):
    runs = tmp_path / "runs"
    _probe_runs(runs)
    header, _, *rows = render(load_summaries(runs)).splitlines()
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert columns[3:] == ["kinetics400 top1 ↑", "kinetics400 [probe=linear] top1 ↑"]
    cells = {r.split("|")[1].strip(): [c.strip() for c in r.strip("|").split("|")][3:]
             for r in rows}
    assert cells == {"pyratok": ["10.00 ± 2.00 (demo)", ""],
                     "pyratok-linear": ["", "1.0000 ± 1.9842 (demo)"]}


def test_csv_puts_value_ci_and_note_in_columns_of_their_own(tmp_path):
    runs = tmp_path / "runs"
    _probe_runs(runs)
    table = list(csv.reader(io.StringIO(render(load_summaries(runs), fmt="csv"))))
    assert table[0][3:6] == ["kinetics400 top1 ↑", "kinetics400 top1 ↑ ci95",
                             "kinetics400 top1 ↑ note"]
    linear = next(r for r in table if r[0] == "pyratok-linear")
    assert linear[3:] == ["", "", "", "1.0", "1.9842", "demo"]
    assert not any("±" in cell for row in table for cell in row)


def test_the_report_gives_runs_under_other_task_arguments_a_column(tmp_path):
    runs = tmp_path / "runs"
    _probe_runs(runs)
    page = build_site(runs, tmp_path / "site", utilization=False).read_text()
    assert ">task arguments</th>" in page
    assert '<td class="t" data-sort="probe=linear">probe=linear</td>' in page
    assert page.index(">as the task</td>") < page.index(">probe=linear</td>")
