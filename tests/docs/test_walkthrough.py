"""docs/architecture.md's "add a task family" walkthrough, followed word for word.

Every marked block of the walkthrough is applied in order to a copy of the repository's
``benchmarks/``, ``tasks/`` and ``pyproject.toml``: ``create PATH`` writes the block to
PATH, ``append PATH`` adds it at the end, ``run`` runs each line with bash (``python`` is
this interpreter). A step that stops working fails here, not for a newcomer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.helpers.paths import REPO

DOC = REPO / "docs" / "architecture.md"
STEP = re.compile(
    r"<!-- walkthrough: (?P<verb>create|append|run)(?: (?P<path>\S+))? -->\n"
    r"```[a-z]*\n(?P<body>.*?)```",
    re.DOTALL,
)


def steps() -> list[tuple[str, str | None, str]]:
    return [(m["verb"], m["path"], m["body"]) for m in STEP.finditer(DOC.read_text())]


def test_the_walkthrough_has_its_steps():
    verbs = [verb for verb, _, _ in steps()]
    assert verbs.count("create") >= 3 and "append" in verbs and verbs.count("run") >= 3


@pytest.mark.slow
def test_a_newcomer_following_the_walkthrough_gets_a_working_family(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("benchmarks", "tasks"):
        shutil.copytree(REPO / name, repo / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", repo)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"  # a wrapper, not a link: a venv is found from its path
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)  # the copy's benchmarks/, not this checkout's
    outputs: dict[str, str] = {}
    for verb, path, body in steps():
        if verb == "create":
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(body)
        elif verb == "append":
            with (repo / path).open("a") as f:
                f.write(body)
        else:
            for line in body.splitlines():
                done = subprocess.run(["bash", "-c", line], cwd=repo, env=env,
                                      capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
                command = line.removeprefix("python -m benchmarks ").split()[0]
                outputs[command if line.startswith("python -m benchmarks ") else line] = \
                    done.stdout
    assert "| identity |" in outputs["tables"] and "| avgpool |" in outputs["tables"]
    assert "webvid-pixel-error mae" in outputs["tables"]
    assert any("2 passed" in out for line, out in outputs.items() if "pytest" in line)
