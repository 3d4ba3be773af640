"""``python -m benchmarks.perf``: the user's mistakes in one line, the JSON it writes."""

from __future__ import annotations

import json

import pytest

from benchmarks.perf.__main__ import main


def test_an_unknown_case_is_one_line_with_a_suggestion(capsys):
    assert main(["--case", "metric"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did you mean 'metrics'" in err[0]


def test_list_names_every_case(capsys):
    assert main(["--list"]) == 0
    assert "metrics" in capsys.readouterr().out.split()


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "not a perf record"), ("{", "not valid JSON")])
def test_readme_from_a_bad_json_is_one_line(tmp_path, capsys, content, message):
    bad = tmp_path / "perf.json"
    bad.write_text(content)
    assert main(["--readme", str(bad), "--readme-file", str(tmp_path / "README.md")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]


def test_a_run_writes_its_rows_and_the_machine(tmp_path, capsys):
    out = tmp_path / "perf.json"
    assert main(["--case", "metrics", "--quick", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["quick"] and record["machine"]["cpus"] >= 1
    assert [row["id"] for row in record["rows"]] == ["psnr", "ssim", "ssim-1thread"]
    assert "| PSNR of a 3×3×64×64 clip |" in capsys.readouterr().out


def test_out_that_cannot_be_a_file_is_one_line(tmp_path, capsys):
    assert main(["--case", "metrics", "--quick", "--out", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_out_in_a_missing_folder_is_one_line(tmp_path, capsys):
    assert main(["--case", "metrics", "--quick", "--out", str(tmp_path / "no" / "p.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no folder" in err[0]


def test_ctrl_c_keeps_the_rows_of_the_finished_cases(tmp_path, capsys, monkeypatch):
    from benchmarks.perf import __main__ as perf_main
    from benchmarks.perf.case import Case, Row

    def done(ctx):
        return [Row("a", "done", "ours", "", None, None, 1.0, "s")]

    def interrupted(ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(perf_main, "discover", lambda: {
        "first": Case("first", 1, done), "second": Case("second", 2, interrupted)})
    out = tmp_path / "perf.json"
    assert main(["--out", str(out)]) == 130
    assert [row["id"] for row in json.loads(out.read_text())["rows"]] == ["a"]
    err = capsys.readouterr().err
    assert "interrupted: the 1 rows" in err and "Traceback" not in err
