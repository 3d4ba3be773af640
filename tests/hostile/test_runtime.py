"""Issue 25's runtime traps: weights overwritten in place, orphan workers, bad output
folders, a plug-in whose spec.name is not its registered name."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.runner import MIN_SAMPLES_FOR_WORKERS
from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO
from tests.helpers.tiny_pyratok import save_tiny_pyratok

SMALL = ["--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
         "--num-workers", "0", "--no-progress"]


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=2)
    return root


def _run(root, out, ckpt, *extra: str) -> int:
    return main(["run", "--task", "webvid", "--tokenizer", "pyratok", "--tokenizer-arg",
                 f"path={ckpt}", "--data-root", str(root), "--output", str(out),
                 *SMALL, *extra])


def _psnr(out) -> float:
    (summary,) = out.glob("webvid/*/summary.json")
    return json.loads(summary.read_text())["metrics"]["psnr"]


def test_new_weights_in_the_same_folder_never_resume_the_old_run(
    webvid_root, tmp_path, capsys, monkeypatch
):
    """Item 0: two checkpoints saved one after the other into one folder, the same command
    twice: the second must not report the first's numbers."""
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "runs"
    ckpt = save_tiny_pyratok(tmp_path / "ckpt", seed=0)
    assert _run(webvid_root, out, ckpt) == 0
    first = _psnr(out)
    capsys.readouterr()

    assert save_tiny_pyratok(tmp_path / "ckpt", seed=1) == ckpt  # overwritten in place
    assert _run(webvid_root, out, ckpt) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "other weights" in err and "model.safetensors" in err and "--no-resume" in err
    assert _psnr(out) == first  # refused: the old run is left as it was

    assert _run(webvid_root, out, ckpt, "--no-resume") == 0
    assert _psnr(out) != first  # the new weights' numbers


# item 5: no orphan processes ------------------------------------------------------------------


def _session_pids(sid: int) -> dict[int, str]:
    """``{pid: command line}`` of every live process in session ``sid`` (Linux /proc)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
        except OSError:
            continue
        if fields[0] not in ("Z", "X") and int(fields[3]) == sid:
            out[int(entry.name)] = cmd
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_a_run_with_workers_leaves_no_process_of_its_session(tmp_path):
    root = tmp_path / "data"
    write_webvid(root, n=MIN_SAMPLES_FOR_WORKERS + 8)
    cmd = [sys.executable, "-m", "tests.helpers.slow_run", "run", "--task", "webvid",
           "--tokenizer", "slow-avgpool", "--data-root", str(root), "--output",
           str(tmp_path / "out"), "--num-workers", "2", *SMALL[:4], "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        # main, the forkserver and its two workers
        while len(_session_pids(proc.pid)) < 4 and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before its workers started"
            time.sleep(0.1)
        assert len(_session_pids(proc.pid)) >= 4, _session_pids(proc.pid)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while _session_pids(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _session_pids(proc.pid) == {}
    finally:
        for pid in _session_pids(proc.pid):  # only what this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# item 11: output paths ------------------------------------------------------------------------


def _one_line_exit_2(argv: list[str], capsys, *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture(scope="module")
def two_runs(webvid_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for tokenizer in ("identity", "avgpool"):
        assert main(["run", "--task", "webvid", "--tokenizer", tokenizer, "--data-root",
                     str(webvid_root), "--output", str(out), *SMALL]) == 0
    return out


def _bad_outputs(tmp_path) -> dict[str, tuple[str, str]]:
    """``{path: (what the line says is wrong, the fix it gives)}``."""
    (tmp_path / "a-file").write_text("x")
    return {
        str(tmp_path / "a-file"): ("is a file, not a folder", "pass a folder path"),
        str(tmp_path / "a-file" / "sub"): ("is a file, so no folder can be made under it",
                                           "pass a path outside it"),
        "/proc/benchmarks-out": ("cannot write there", "pass a folder on a writable disk"),
    }


def test_run_output_that_cannot_be_a_folder(webvid_root, tmp_path, capsys):
    for path, (what, fix) in _bad_outputs(tmp_path).items():
        _one_line_exit_2(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                          str(webvid_root), "--output", path, *SMALL], capsys,
                         f"--output {path}", what, fix)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing written


def test_compare_report_score_out_that_cannot_be_a_folder(two_runs, tmp_path, capsys):
    a, b = (str(two_runs / "webvid" / name) for name in ("identity", "avgpool"))
    for path, (what, fix) in _bad_outputs(tmp_path).items():
        _one_line_exit_2(["compare", a, b, "--resamples", "10", "--out", path], capsys,
                         f"--out {path}", what, fix)
        _one_line_exit_2(["report", "--runs", str(two_runs), "--out", path,
                          "--no-utilization"], capsys, f"--out {path}", what, fix)
        _one_line_exit_2(["score", "--task", "kinetics400", "--annotations", str(tmp_path),
                          "--predictions", str(tmp_path), "--output", path], capsys,
                         f"--output {path}", what, fix)


def test_tables_out_that_cannot_be_a_file(two_runs, tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    _one_line_exit_2(["tables", "--runs", str(two_runs), "--out", str(tmp_path)], capsys,
                     "is a folder; pass a file name")
    _one_line_exit_2(["tables", "--runs", str(two_runs), "--out",
                      str(tmp_path / "a-file" / "t.md")], capsys, "no folder")
    _one_line_exit_2(["tables", "--runs", str(two_runs), "--out", "/proc/t.md"], capsys,
                     "cannot write there")


# item 15: a plug-in whose spec.name is not its registered name --------------------------------


@pytest.fixture
def renamed_tokenizer():
    """``renamed-avgpool`` registered, its spec calling itself ``avgpool-v2``."""
    from benchmarks.tokenizers import TOKENIZERS
    from benchmarks.tokenizers.avgpool import create_avgpool

    def create(**kwargs):
        tok = create_avgpool(**kwargs)
        tok.spec = dataclasses.replace(tok.spec, name="avgpool-v2")
        return tok

    TOKENIZERS.register("renamed-avgpool")(create)
    yield "renamed-avgpool"
    del TOKENIZERS._entries["renamed-avgpool"]


def test_a_run_records_the_registered_name_so_compare_finds_it(
    renamed_tokenizer, webvid_root, two_runs, tmp_path
):
    from benchmarks.reporting.compare import run_compare
    from benchmarks.runner.plan import create_checked_tokenizer
    from benchmarks.store import RunSummary

    out = tmp_path / "runs"
    assert main(["run", "--task", "webvid", "--tokenizer", renamed_tokenizer, "--data-root",
                 str(webvid_root),
                 "--output", str(out), "--tokenizer-arg", "factor=2", *SMALL]) == 0
    (run_dir,) = (out / "webvid").iterdir()
    assert run_dir.name.startswith("renamed-avgpool-")
    summary = RunSummary.read(run_dir / "summary.json")
    assert summary.tokenizer == "renamed-avgpool"
    assert summary.tokenizer_spec["name"] == "avgpool-v2"  # kept for the record
    assert create_checked_tokenizer(summary.tokenizer, summary.tokenizer_args) is not None
    text, _ = run_compare(run_dir, two_runs / "webvid" / "identity", metrics=None,
                          out=tmp_path / "cmp", resamples=10, seed=0)
    assert "psnr" in text


def test_a_run_recorded_before_weights_were_fingerprinted_is_not_resumed(
    webvid_root, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "runs"
    ckpt = save_tiny_pyratok(tmp_path / "ckpt")
    assert _run(webvid_root, out, ckpt, "--limit", "1") == 0
    (config_file,) = out.glob("webvid/*/config.json")
    recorded = json.loads(config_file.read_text())
    del recorded["config"]["weights"]
    recorded["config_hash"] = "0123456789abcdef"  # as an older harness wrote it
    config_file.write_text(json.dumps(recorded))
    capsys.readouterr()
    assert _run(webvid_root, out, ckpt, "--limit", "1") == 2
    err = capsys.readouterr().err
    assert "before runs fingerprinted their weights" in err and "--run-name" in err
