"""``tables`` beside a summary it cannot read: that run is skipped in one line, the others
shown, and no column of the bad summary's metrics appears (issue 25, item 12)."""

from __future__ import annotations

import json

from benchmarks.cli import main


def _summary(path, **change) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"task": "webvid", "tokenizer": "identity", "metrics": {
        "psnr": "inf", "ssim": 1.0}, "higher_is_better": {"psnr": True}, **change}))


def test_a_string_metric_is_skipped_naming_file_and_key(tmp_path, capsys):
    _summary(tmp_path / "webvid" / "identity" / "summary.json")
    bad = tmp_path / "webvid" / "bad" / "summary.json"
    _summary(bad, tokenizer="bad", metrics={"psnr": "20.1", "bogus_metric": 3.0})
    assert main(["tables", "--runs", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err.strip().splitlines() == [f"skipped {bad}: metrics.psnr: expected a number or "
                                        "null, got str '20.1'"]
    assert "bogus_metric" not in out and "| identity |" in out and "inf" in out


def test_only_unreadable_summaries_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "webvid" / "bad" / "summary.json"
    _summary(bad, task=7)
    assert main(["tables", "--runs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"no readable summary.json under {tmp_path}: "
                                               f"{bad}: not a run summary")
