"""Many command lines against hostile files, each checked for the documented refusal.

One subprocess runs every case: it imports the harness once (what the commands load),
then forks a child per case (the CLI's ``main`` on that argv, stderr and stdout to files,
its address space capped and an alarm past :data:`SECONDS`); ``os.wait4`` gives each
child's exit status and peak RSS, less the driver's own peak at fork. A case expects exit
2 with exactly one stderr line naming the file (the README's exit-code table) unless it
says otherwise: an input the official evaluator accepts expects exit 0 and a value on
stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.io.jsonfile import MAX_BYTES
from tests.helpers.paths import REPO

SECONDS = 20  # per case, on a loaded two-core machine (a case takes well under one)
GROWTH_MB = 300  # peak RSS a case may add to the harness already imported
ADDRESS_SPACE_GROWTH = 3 << 30  # a child's address space past the driver's, bytes


@dataclass(frozen=True)
class Case:
    """One command line and what it must end in.

    Attributes:
        expect: in the one stderr line (exit 2) beside the file's name, or on stdout
            (exit 0).
        file: the hostile file, named in the stderr line (exit 2).
        code: the expected exit status: 2 (a refusal) or 0 (an accepted input).
        lines: stderr lines of a refusal; one of them says ``expect`` beside the file
            (2: a warning about the file, then the refusal it leads to).
    """

    id: str
    argv: list[str]
    expect: str
    file: str
    code: int = 2
    lines: int = 1


# inputs ----------------------------------------------------------------------------------


def write(path: Path, data: bytes | str | object) -> Path:
    """``path`` holding ``data``: bytes and text as given, anything else as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data)
    else:
        path.write_text(json.dumps(data))
    return path


def huge(path: Path) -> Path:
    """A sparse file one byte over the bound: nothing is written, nothing may be read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    return path


def tree(root: Path) -> set[str]:
    """Every path under ``root``, relative: to assert that nothing was written."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# the driver -------------------------------------------------------------------------------

DRIVER = r"""
import importlib, json, os, resource, signal, sys, time
from benchmarks.cli.app import main

for name in ("scoring", "reporting.check", "reporting.compare", "reporting.site",
             "runner.shards", "families.classification.family", "families.vqa.family",
             "families.localization.family", "families.segmentation.family"):
    importlib.import_module("benchmarks." + name)  # once here, not in every child

cases, out, seconds, growth = (json.loads(open(sys.argv[1]).read()), sys.argv[2],
                               int(sys.argv[3]), int(sys.argv[4]))
base_kb = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
results = []
for case in cases:
    err, std = (os.path.join(out, case["id"] + suffix) for suffix in (".err", ".out"))
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        size = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size + growth, size + growth))
        signal.alarm(seconds)  # SIGALRM's default action ends a hang
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        os.dup2(os.open(std, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        code = 99
        try:
            code = main(case["argv"])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 98
        except BaseException:
            import traceback
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    results.append({"id": case["id"], "code": os.waitstatus_to_exitcode(status),
                    "seconds": time.monotonic() - start, "growth_kb": usage.ru_maxrss - base_kb,
                    "stderr": open(err, errors="replace").read(),
                    "stdout": open(std, errors="replace").read()[-4000:]})
print(json.dumps(results))
"""


def run_cases(tmp_path: Path, cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Each case's ``code``, ``seconds``, ``growth_kb``, ``stderr`` and ``stdout``, by id."""
    work = tmp_path / "driver"
    work.mkdir()
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps([asdict(c) for c in cases]))
    env = {**os.environ, "PYTHONPATH": str(REPO), "CUDA_VISIBLE_DEVICES": "",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", DRIVER, str(spec), str(work), str(SECONDS),
                           str(ADDRESS_SPACE_GROWTH)], env=env, capture_output=True,
                          text=True, timeout=60 + SECONDS * len(cases), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return {r["id"]: r for r in json.loads(done.stdout.strip().splitlines()[-1])}


def problems(case: Case, result: dict[str, Any]) -> list[str]:
    """What is wrong with one case's result (empty: nothing)."""
    lines = result["stderr"].strip().splitlines()
    found = []
    if result["code"] != case.code:
        found.append(f"exit {result['code']}, expected {case.code}")
    if "Traceback" in result["stderr"]:
        found.append("a traceback")
    if case.code == 2:
        if len(lines) != case.lines:
            found.append(f"{len(lines)} stderr lines, expected {case.lines}")
        if not any(case.expect.lower() in line.lower() and case.file in line for line in lines):
            found.append(f"no line says {case.expect!r} beside the file")
    elif case.expect not in result["stdout"]:
        found.append(f"stdout lacks {case.expect!r}")
    if result["seconds"] > SECONDS:
        found.append(f"took {result['seconds']:.1f} s")
    if result["growth_kb"] > GROWTH_MB * 1024:
        found.append(f"peak RSS grew {result['growth_kb'] // 1024} MB")
    shown = (result["stderr"] if case.code == 2 else result["stdout"]).strip()[-300:]
    return [f"{case.id}: {p}: {shown!r}" for p in found]


def all_problems(tmp_path: Path, cases: list[Case]) -> list[str]:
    """Every problem of every case (empty: all held)."""
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    results = run_cases(tmp_path, cases)
    return [p for case in cases for p in problems(case, results[case.id])]
