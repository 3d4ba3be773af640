"""A careless user's mistakes: one line naming the thing and the fix, exit 2, no traceback.

Each case was reproduced against the code before the fix (issue 13): most ended in a
traceback with exit 1, or ran and reported a quietly wrong result.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.cli import main
from tests.helpers.datasets import WEBVID_COLUMNS, webvid_video_path, write_webvid
from tests.helpers.paths import REPO
from tests.helpers.tiny_pyratok import save_tiny_pyratok

SMALL = ["--task-arg", "resize_shorter=32", "--task-arg", "crop=32", "--num-workers", "0",
         "--no-progress"]


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=3)
    return root


def _run(capsys, *args) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def _one_line(err: str) -> str:
    lines = [x for x in err.strip().splitlines() if not x.startswith(("INFO", "WARNING"))]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_wrong_and_empty_data_roots(capsys, tmp_path):
    code, err = _run(capsys, "run", "--task", "webvid", "--tokenizer", "identity",
                     "--data-root", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in _one_line(err)
    code, err = _run(capsys, "run", "--task", "webvid", "--tokenizer", "identity",
                     "--data-root", str(tmp_path))
    assert code == 2 and "results_10M_val.csv" in _one_line(err)


def test_header_only_index_is_not_a_silent_zero(capsys, tmp_path):
    (tmp_path / "results_10M_val.csv").write_text(",".join(WEBVID_COLUMNS) + "\n")
    code, err = _run(capsys, "run", "--task", "webvid", "--tokenizer", "identity",
                     "--data-root", str(tmp_path), "--output", str(tmp_path / "out"))
    assert code == 2 and "lists no samples" in _one_line(err)


def test_every_sample_failing_is_exit_1_with_a_reason(capsys, tmp_path):
    ids = write_webvid(tmp_path, n=2)
    for vid in ids:
        webvid_video_path(tmp_path, vid).write_bytes(b"not a video")
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(tmp_path), "--output", str(tmp_path / "out"), *SMALL])
    assert code == 1
    assert "no sample was scored" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tokenizer", "wan2.1"], "needs path=...: pass --tokenizer-arg path=VALUE"),
        (["--tokenizer", "avgpool", "--tokenizer-arg", "fcator=2"], "did you mean 'factor'"),
        (["--tokenizer", "avgpool", "--tokenizer-arg", "factor=abc"], "should be int"),
        (["--tokenizer", "identity", "--device", "foo"], "--device 'foo': not a device"),
        (["--tokenizer", "identity", "--device", "cuda"], "sees no CUDA GPU"),
        (["--tokenizer", "identity", "--task-arg", "frames_per_clip=2.7"],
         "frames_per_clip: expected int, got float 2.7"),
        (["--tokenizer", "identity", "--task-arg", "frames_per_clip=true"],
         "frames_per_clip: expected int, got bool True"),
        (["--tokenizer", "identity", "--task-arg", "frames_per_clip=abc"],
         "frames_per_clip: expected int, got str 'abc'"),
        (["--tokenizer", "identity", "--task-arg", "frames_per_clip=0"], "at least 1"),
        (["--tokenizer", "identity", "--task-arg", "lpips=maybe"], "lpips: expected bool"),
        (["--tokenizer", "identity", "--task-arg", "lpisp=true"], "unknown key 'lpisp'"),
        (["--tokenizer", "identiy"], "did you mean 'identity'"),
    ],
)
def test_bad_names_values_and_devices(capsys, webvid_root, tmp_path, args, needle):
    if "cuda" in args:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a GPU")
    code, err = _run(capsys, "run", "--task", "webvid", *args, "--data-root", str(webvid_root),
                     "--output", str(tmp_path), *SMALL)
    assert code == 2
    line = _one_line(err)
    assert needle in line and line.startswith("error: ")
    if "frames_per_clip=" in " ".join(args) or "lpips" in " ".join(args):
        assert "webvid.yaml" in line  # the file is named


@pytest.mark.parametrize("flag", [["--limit", "0"], ["--limit", "-1"], ["--num-workers", "-3"],
                                  ["--batch-size", "0"]])
def test_nonsense_numbers_are_refused(capsys, webvid_root, flag):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
              str(webvid_root), *flag])
    assert stop.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_broken_checkpoints_name_the_folder(capsys, webvid_root, tmp_path):
    folder = save_tiny_pyratok(tmp_path / "ckpt")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated
    code, err = _run(capsys, "run", "--task", "webvid", "--tokenizer", "pyratok",
                     "--tokenizer-arg", f"path={folder}", "--data-root", str(webvid_root),
                     "--output", str(tmp_path / "out"), *SMALL)
    line = _one_line(err)
    assert code == 2 and str(folder) in line and "could not be loaded" in line
    other = save_tiny_pyratok(tmp_path / "ckpt2")
    (other / "config.json").write_text("{not json")
    code, err = _run(capsys, "run", "--task", "webvid", "--tokenizer", "pyratok",
                     "--tokenizer-arg", f"path={other}", "--data-root", str(webvid_root),
                     "--output", str(tmp_path / "out"), *SMALL)
    assert code == 2 and str(other) in _one_line(err)


def test_tables_skips_a_malformed_summary_and_shows_the_rest(capsys, webvid_root, tmp_path):
    assert main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(webvid_root), "--output", str(tmp_path), *SMALL]) == 0
    bad = tmp_path / "webvid" / "broken" / "summary.json"
    bad.parent.mkdir()
    bad.write_text('{"task": "webvid", "metr')
    capsys.readouterr()
    assert main(["tables", "--runs", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "| identity |" in out.out and "broken" not in out.out
    assert f"skipped {bad}" in out.err


def test_debug_shows_the_traceback(webvid_root):
    with pytest.raises(Exception, match="did you mean"):
        main(["run", "--task", "webvd", "--tokenizer", "identity", "--debug"])


def test_strict_prints_its_reason_and_counts_match_failures(capsys, tmp_path):
    ids = write_webvid(tmp_path, n=3)
    webvid_video_path(tmp_path, ids[0]).write_bytes(b"broken")
    out = tmp_path / "out"
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(tmp_path), "--output", str(out), "--strict", *SMALL])
    assert code == 3
    err = capsys.readouterr().err
    assert "stopped: --strict" in err and ids[0] in err
    run_dir = out / "webvid" / "identity"
    summary = json.loads((run_dir / "summary.json").read_text())
    failures = {json.loads(x)["sample_id"] for x in
                (run_dir / "failures.jsonl").read_text().splitlines()}
    assert summary["n_failed"] == len(failures) == 1


@pytest.mark.slow
def test_ctrl_c_says_what_is_saved_and_rerun_resumes(tmp_path):
    root = tmp_path / "data"
    write_webvid(root, n=8)
    args = [sys.executable, "-m", "tests.helpers.slow_run", "run", "--task", "webvid",
            "--tokenizer", "slow-avgpool", "--data-root", str(root), "--output",
            str(tmp_path / "out"), *SMALL]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    samples = tmp_path / "out" / "webvid" / "slow-avgpool" / "samples.jsonl"
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if samples.exists() and len(samples.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    lines = [x for x in err.splitlines() if x.startswith("interrupted")]
    assert len(lines) == 1 and "rerun the same command to resume" in lines[0]
    saved = len(samples.read_text().splitlines())
    assert f"{saved} of 8 samples are saved" in lines[0]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "8 scored" in done.stdout
