"""Every task reads a dataset with a tiny official-layout copy in tests/fixtures/official/.

A task file's ``dataset`` key names its reader; the fixture module is that name with ``-``
as ``_`` (``mcl-jcv`` -> ``mcl_jcv.py``), with ``build(root, **options)``. A new task over
a new dataset fails here until its release layout has a fixture (and an end-to-end test
``tests/test_official_<dataset>.py``).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "official"
# The datasets of tasks/*.yaml today: a task added or renamed shows up as a diff here.
EXPECTED = {"activitynet", "coco", "kinetics", "mcl-jcv", "mvbench", "ovis", "thumos14",
            "ucf101", "webvid", "ytvis2021"}


def _task_datasets() -> dict[str, str]:
    """task file stem -> its ``dataset`` key (read as text: no task machinery needed)."""
    out = {}
    for path in sorted((REPO / "tasks").glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("dataset:"):
                out[path.stem] = line.split(":", 1)[1].split("#", 1)[0].strip()
                break
    return out


def test_the_task_files_name_the_expected_datasets():
    assert set(_task_datasets().values()) == EXPECTED


@pytest.mark.parametrize("dataset", sorted(EXPECTED))
def test_each_dataset_has_a_fixture_module_with_build(dataset):
    module_name = dataset.replace("-", "_")
    assert (FIXTURES / f"{module_name}.py").is_file(), (
        f"no tests/fixtures/official/{module_name}.py for dataset {dataset!r}")
    module = importlib.import_module(f"tests.fixtures.official.{module_name}")
    assert module.__doc__ and len(module.__doc__) > 200, (
        "the module docstring must describe the release layout and cite its documentation")
    parameters = list(inspect.signature(module.build).parameters.values())
    assert parameters[0].name == "root"
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[1:])  # options by keyword
    assert (REPO / "tests" / f"test_official_{module_name}.py").is_file()
