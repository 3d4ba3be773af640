"""Every task reads a dataset with a tiny official-layout copy in tests/fixtures/official/.

A task file's ``dataset`` key names its reader; the fixture module is that name with ``-``
as ``_`` (``mcl-jcv`` -> ``mcl_jcv.py``), with ``build(root, **options)``. A new task over
a new dataset fails here until its release layout has a fixture and an end-to-end test
(a ``tests/benchmarks/datasets/<dataset>/test_official.py`` that imports it).
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

FIXTURES = REPO / "tests" / "fixtures" / "official"
_IMPORT = re.compile(r"^from tests\.fixtures\.official(?:\.(?P<module>\w+))? import (?P<names>.+)$",
                     re.MULTILINE)
# The datasets of tasks/*.yaml today: a task added or renamed shows up as a diff here.
EXPECTED = {"activitynet", "coco", "kinetics", "mcl-jcv", "mvbench", "ovis", "thumos14",
            "tokenbench", "ucf101", "webvid", "ytvis2021"}


def _task_datasets() -> dict[str, str]:
    """task file stem -> its ``dataset`` key (read as text: no task machinery needed)."""
    out = {}
    for path in sorted((REPO / "tasks").glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("dataset:"):
                out[path.stem] = line.split(":", 1)[1].split("#", 1)[0].strip()
                break
    return out


def _imported_fixtures(test_file: Path) -> set[str]:
    """Fixture modules a test file imports (``from tests.fixtures.official import a, b`` or
    ``from tests.fixtures.official.a import build``)."""
    names = set()
    for match in _IMPORT.finditer(test_file.read_text(encoding="utf-8")):
        if match["module"]:
            names.add(match["module"])
        else:
            names |= {n.split(" as ")[0].strip() for n in match["names"].split(",")}
    return names


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
    # options by keyword only
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters[1:])
    # an end-to-end test file uses it (one file may serve sibling releases: YouTube-VIS, OVIS)
    users = [t.name for t in sorted((REPO / "tests/benchmarks/datasets").glob("*/test_official.py"))
             if module_name in _imported_fixtures(t)]
    assert users, (f"no tests/benchmarks/datasets/<dataset>/test_official.py imports "
                   f"tests.fixtures.official.{module_name}")
