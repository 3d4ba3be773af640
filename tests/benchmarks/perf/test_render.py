"""The perf table and the README section regenerated from a perf JSON record."""

from __future__ import annotations

from benchmarks.perf.case import Goal, Row
from benchmarks.perf.measure import Timing
from benchmarks.perf.render import BEGIN, END, markdown, update_readme


def _record(*rows: Row) -> dict:
    return {"created": "2026-12-07T10:00:00+00:00", "repeats": 5,
            "machine": {"cpus": 2, "platform": "Linux", "torch": "2.13.0",
                        "load_average": 1.5},
            "rows": [{"case": "x", **row.to_dict()} for row in rows]}


FAST = Row("psnr", "PSNR", "ours", "skimage", Timing((0.01, 0.02)), Timing((0.05, 0.06)),
           3.67, "× faster", Goal(">=", 3), gap=1e-8, tolerance=1e-6)
SLOW = Row("ssim", "SSIM", "ours", "skimage", Timing((0.1,)), Timing((0.2,)), 2.0, "× faster",
           Goal(">=", 10), gap=1e-3, tolerance=1e-4)
ABSOLUTE = Row("peak", "4K peak", "tiled", "", Timing((9.0,)), None, 2.1, "GiB",
               Goal("<=", 4))


def test_markdown_says_which_goals_hold_and_which_sides_differ():
    lines = markdown(_record(FAST, SLOW, ABSOLUTE)).splitlines()
    assert len(lines) == 5
    assert "15.0 ms (min 10.0 ms)" in lines[2] and "| ≥ 3 | yes |" in lines[2]
    assert "| **no** |" in lines[3] and "**differs**" in lines[3]
    assert "**differs**" not in lines[2]
    assert "| 2.1 GiB | ≤ 4 | yes | — |" in lines[4]


def test_update_readme_replaces_only_the_marked_section(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{BEGIN} old -->\nold table\n{END}\nafter\n")
    assert update_readme(readme, _record(FAST), "perf.json")
    text = readme.read_text()
    assert text.startswith("before\n") and text.endswith(f"{END}\nafter\n")
    assert "old table" not in text and "| PSNR |" in text
    once = text
    assert update_readme(readme, _record(FAST), "perf.json")
    assert readme.read_text() == once  # regenerating is idempotent


def test_update_readme_without_markers_changes_nothing(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    assert not update_readme(readme, _record(FAST), "perf.json")
    assert readme.read_text() == "no markers\n"


def test_a_bar_in_a_note_does_not_end_the_cell():
    row = Row("gap", "tiled", "ours", "ref", None, None, 0.1, "×",
              note="largest |tiled - untiled|")
    line = markdown(_record(row)).splitlines()[2]
    assert "\\|tiled - untiled\\|" in line and line.count(" | ") == 6
