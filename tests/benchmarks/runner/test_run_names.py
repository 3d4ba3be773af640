"""Run folders: one per tokenizer and argument set; ``tables`` shows each as its own row."""

from __future__ import annotations

import json

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.runner import default_run_name
from tests.helpers.datasets import write_webvid

SMALL = {"resize_shorter": 32, "crop": 32, "num_workers": 0}


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=2)
    return root


def test_runs_with_different_tokenizer_args_both_stay(webvid_root, tmp_path, capsys):
    for factor in (2, 4):
        benchmarks.evaluate("webvid", "avgpool", data_root=webvid_root, output=tmp_path,
                            tokenizer_args={"factor": factor}, progress=False, **SMALL)
    runs = sorted(p.name for p in (tmp_path / "webvid").iterdir())
    assert runs == sorted(default_run_name("avgpool", {"factor": f}) for f in (2, 4))
    assert len(set(runs)) == 2 and all(r.startswith("avgpool-") for r in runs)
    psnrs = {
        json.loads((tmp_path / "webvid" / r / "summary.json").read_text())["metrics"]["psnr"]
        for r in runs
    }
    assert len(psnrs) == 2  # two different results, neither overwritten

    assert main(["tables", "--runs", str(tmp_path), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("run,tokenizer,args,")
    rows = lines[1:]
    assert len(rows) == 2
    assert {r.split(",")[2] for r in rows} == {"factor=2", "factor=4"}


def test_run_name_option_and_its_validation(webvid_root, tmp_path):
    s = benchmarks.evaluate("webvid", "identity", data_root=webvid_root, output=tmp_path,
                            run_name="my-ckpt_v2", progress=False, **SMALL)
    assert s["run_name"] == "my-ckpt_v2"
    assert (tmp_path / "webvid" / "my-ckpt_v2" / "summary.json").is_file()
    assert main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(webvid_root), "--output", str(tmp_path), "--run-name", "../escape"]) == 2


def test_no_arguments_keeps_the_plain_name():
    assert default_run_name("identity", {}) == "identity"
    assert default_run_name("avgpool", {"factor": 2}) != default_run_name("avgpool",
                                                                          {"factor": 3})
