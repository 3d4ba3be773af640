"""Zero-shot VIS end to end on the YouTube-VIS 2021 demo set, and score on its results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.families.segmentation.crf3d import crf_available

needs_crf = pytest.mark.skipif(not crf_available(), reason="pydensecrf2 not installed")


@needs_crf
@pytest.mark.slow
def test_demo_run_writes_official_results_that_score_reads_back(tmp_path, capsys):
    summary = benchmarks.evaluate("ytvis2021", "pyratok", output=tmp_path, progress=False,
                                  plot=True, limit=4)
    assert summary["demo_data"] and summary["n_samples"] == 4 and summary["n_failed"] == 0
    assert set(summary["metrics"]) >= {"AP", "AP50", "AP75", "AR1", "AR10", "J"}
    run = tmp_path / "ytvis2021" / "pyratok"
    results = json.loads((run / "results.json").read_text())
    assert all(len(r["segmentations"]) == 17 for r in results)
    assert len(list((run / "plots").glob("*.png"))) == 4
    # the ground truth of the 4 scored videos only (the others would count as misses)
    full = json.loads(Path(summary["dataset"]["annotation_file"]).read_text())
    scored_ids = {int(line) for line in (run / "evaluated_ids.txt").read_text().split()}
    assert len(scored_ids) == 4
    full["videos"] = [v for v in full["videos"] if v["id"] in scored_ids]
    full["annotations"] = [a for a in full["annotations"] if a["video_id"] in scored_ids]
    ann = tmp_path / "gt4.json"
    ann.write_text(json.dumps(full))
    assert main(["score", "--task", "ytvis2021", "--annotations", str(ann),
                 "--predictions", str(run / "results.json"), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    for key in ("AP", "AP50", "AR10", "J"):
        if summary["metrics"][key] is None:
            assert scored[key] is None
        else:
            assert scored[key] == pytest.approx(summary["metrics"][key], abs=1e-9)


@needs_crf
@pytest.mark.slow
def test_demo_ap_is_well_above_the_shuffled_names_control(tmp_path):
    """The class names carry the signal: permuting them (ids fixed) collapses AP."""
    runs = {}
    for name, extra in (("named", {}), ("shuffled", {"shuffle_class_names": 0})):
        runs[name] = benchmarks.evaluate("ytvis2021", "pyratok", output=tmp_path,
                                         run_name=name, progress=False, limit=4, **extra)
    assert runs["shuffled"]["evaluation"]["shuffled_class_names"] is True
    named, shuffled = runs["named"]["metrics"]["AP"], runs["shuffled"]["metrics"]["AP"]
    assert named > shuffled + 20, (named, shuffled)


@needs_crf
@pytest.mark.slow
def test_free_text_prompt_units_are_segmented_and_matched_names_scored(tmp_path):
    """App. B.1's free-text mode: a prompt's phrases are the units; a phrase naming a category
    is scored as it, one naming none is predicted (kept with its phrase) but never scored."""
    summary = benchmarks.evaluate("ytvis2021", "pyratok", output=tmp_path, progress=False,
                                  limit=2, prompt="a red shape, the blue shape and a banana")
    units = summary["evaluation"]["prompt_units"]
    assert units == {"red shape": True, "blue shape": True, "banana": False}
    run = tmp_path / "ytvis2021" / "pyratok"
    records = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    phrases = {i["phrase"] for r in records for i in r["prediction"]["instances"]}
    assert phrases <= set(units)
    results = json.loads((run / "results.json").read_text())
    assert all(r["category_id"] is not None and "phrase" not in r for r in results)


@pytest.mark.parametrize(("value", "needle"), [
    ("0", "crf_scale must be in (0, 1], got 0"),
    ("1.5", "crf_scale must be in (0, 1], got 1.5"),
    ("-0.25", "crf_scale must be in (0, 1], got -0.25"),
    ("abc", "crf_scale: expected float"),
])
@needs_crf
def test_a_bad_crf_scale_is_one_line_exit_2(capsys, tmp_path, value, needle):
    code = main(["run", "--task", "ytvis2021", "--tokenizer", "pyratok", "--task-arg",
                 f"crf_scale={value}", "--output", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    lines = [x for x in err.strip().splitlines() if not x.startswith(("INFO", "WARNING"))]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: ") and "ytvis2021.yaml" in lines[0] and needle in lines[0]


@needs_crf
@pytest.mark.slow
def test_crf_scale_runs_the_crf_on_a_coarser_grid(tmp_path):
    """``crf_scale=0.5``: the CRF on 32×32 for the demo's 64×64 grid, masks at full size."""
    summary = benchmarks.evaluate("ytvis2021", "pyratok", output=tmp_path, progress=False,
                                  limit=2, crf_scale=0.5)
    assert summary["n_failed"] == 0 and summary["evaluation"]["crf_scale"] == 0.5
    run = tmp_path / "ytvis2021" / "pyratok"
    records = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert [r["prediction"]["grid"] for r in records] == [[64, 64]] * 2
    assert [r["prediction"]["crf_grid"] for r in records] == [[32, 32]] * 2
