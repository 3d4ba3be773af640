"""examples/slurm/array.sh: the commands it runs are ones the CLI accepts.

The script runs under bash with stand-ins for ``sbatch`` (prints a job id) and ``python``
(records its arguments), in its three roles: submitting, an array task, the merge job.
The recorded ``python -m benchmarks ...`` arguments go through the CLI's own parser."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from benchmarks.cli.app import build_parser
from benchmarks.runner.shards import parse_shard

SCRIPT = Path(__file__).resolve().parents[3] / "examples" / "slurm" / "array.sh"
RECORDER = '#!/bin/sh\nprintf "%s\\0" "$@" >> "$RECORD.$(basename "$0")"\nprintf "\\n" >> ' \
    '"$RECORD.$(basename "$0")"\n'

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run(tmp_path: Path, *args: str, **env: str) -> dict[str, list[list[str]]]:
    """Run the script; the argument lists each stand-in was called with, by name."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("python", "sbatch"):
        stub = bin_dir / name
        body = RECORDER + ('echo 4242\n' if name == "sbatch" else "")
        stub.write_text(body)
        stub.chmod(0o755)
    record = tmp_path / "calls"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
        env={**clean, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
             "RECORD": str(record), **env})
    assert done.returncode == 0, done.stderr
    calls = {}
    for name in ("python", "sbatch"):
        path = Path(f"{record}.{name}")
        lines = path.read_text().split("\n")[:-1] if path.exists() else []
        calls[name] = [line.split("\0")[:-1] for line in lines]
        path.unlink(missing_ok=True)
    return calls


def _cli(argv: list[str]):
    assert argv[:2] == ["-m", "benchmarks"]
    return build_parser().parse_args(argv[2:])


def test_an_array_task_runs_its_shard(tmp_path: Path):
    calls = _run(tmp_path, SLURM_ARRAY_TASK_ID="2", SLURM_JOB_ID="7", SHARDS="4",
                 TASK="webvid", TOKENIZER="wan2.1", TOKENIZER_ARG="path=/ckpt/wan",
                 DATA_ROOT="/data/webvid", OUTPUT="/out")
    (argv,) = calls["python"]
    args = _cli(argv)
    assert args.command == "run" and parse_shard(args.shard) == (2, 4)
    assert (args.task, args.tokenizer, args.output, args.run_name) == (
        "webvid", "wan2.1", "/out", "wan2.1")
    assert args.tokenizer_arg == ["path=/ckpt/wan"] and args.data_root == "/data/webvid"
    assert not calls["sbatch"]


def test_defaults_run_on_the_demo_set(tmp_path: Path):
    calls = _run(tmp_path, SLURM_ARRAY_TASK_ID="0", SLURM_JOB_ID="7")
    args = _cli(calls["python"][0])
    assert args.data_root is None and args.tokenizer_arg == []
    assert parse_shard(args.shard) == (0, 4)


def test_the_merge_job_merges_the_run_folder_the_tasks_write(tmp_path: Path):
    env = {"SLURM_JOB_ID": "8", "OUTPUT": "/out", "TASK": "webvid", "RUN_NAME": "mine"}
    task = _cli(_run(tmp_path, SLURM_ARRAY_TASK_ID="1", **env)["python"][0])
    merge = _cli(_run(tmp_path, "merge", **env)["python"][0])
    assert merge.command == "merge"
    assert Path(merge.run_dir) == Path(task.output) / task.task / task.run_name


def test_submitting_queues_the_array_then_a_dependent_merge(tmp_path: Path):
    calls = _run(tmp_path, SHARDS="8")
    array, merge = calls["sbatch"]
    assert "--array=0-7" in array and array[-1] == str(SCRIPT)
    assert "--dependency=afterok:4242" in merge and merge[-2:] == [str(SCRIPT), "merge"]
    assert not calls["python"]
