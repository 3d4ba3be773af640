"""``python -m benchmarks.ablations``: train an ablation variant at demo scale, fill its table."""

from __future__ import annotations

import json

import pytest

from benchmarks.ablations import main, schedule, table_variants
from benchmarks.reporting.numbers import PAPER, format_number
from pyratok.config import ABLATIONS


def test_every_variant_a_table_names_is_a_training_switch():
    variants = table_variants([6, 9, 10])
    assert set(variants) <= set(ABLATIONS)
    assert {"no_lapq", "no_drift", "q_vq", "q_rvq_16", "full"} <= set(variants)
    assert variants["no_drift"] == [6, 10] and variants["q_vq"] == [9]


def test_the_schedule_scales_with_the_step_budget():
    assert schedule(8000)["ae_warmup_steps"] == 1200  # configs/pyratok_demo.yaml as is
    short = schedule(80)
    assert short["ae_warmup_steps"] == 12 and short["quant_ramp_steps"] == 4
    assert min(schedule(1).values()) >= 1


def test_bad_arguments_are_one_line(capsys):
    assert main(["--tables", "7"]) == 2
    assert "expected some of 6,9,10" in capsys.readouterr().err
    assert main(["--variants", "no_such"]) == 2
    assert "not in Tables" in capsys.readouterr().err


@pytest.mark.slow
def test_a_one_step_variant_fills_its_row_labelled_demo_scale(tmp_path):
    out = tmp_path / "abl"
    assert main(["--tables", "6", "--variants", "no_drift", "--steps", "1", "--minutes", "1",
                 "--tasks", "coco", "--limit", "1", "--set", "size=32", "--out", str(out),
                 "--no-progress"]) == 0
    record = json.loads((out / "runs" / "ablations.json").read_text())
    assert record["no_drift"]["steps"] == 1 and record["_budget"]["steps"] == 1
    summary = json.loads((out / "runs" / "coco" / "ablation-no_drift" / "summary.json")
                         .read_text())
    assert summary["demo_data"] and summary["n_samples"] == 1
    assert summary["tokenizer_args"]["path"].endswith("no_drift/final")
    lines = (out / "table6.md").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| reported | w/o L_drift |"))
    row = lines[at + 1]
    assert row.startswith("| measured | ablation-no_drift (demo-scale, 1 steps) | ")
    assert f"| {format_number(summary['metrics']['psnr'], PAPER)} |" in row and "| demo |" in row
    assert any("demo-scale ablation training" in line for line in lines)
