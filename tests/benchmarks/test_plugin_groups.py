"""Every entry-point group the harness declares is read by a registry (or by task
discovery), the README's plug-in section documents exactly those groups, and the example
plug-in package registers through declared groups only."""

from __future__ import annotations

import re
import tomllib

from benchmarks.datasets import DATASETS
from benchmarks.families import TASK_FAMILIES
from benchmarks.families.vqa.answerers import ANSWERERS
from benchmarks.features import FEATURE_EXTRACTORS
from benchmarks.generators import GENERATORS
from benchmarks.registry import PLUGIN_GROUPS
from benchmarks.tokenizers import TOKENIZERS
from tests.helpers.paths import REPO

README = REPO / "README.md"
EXAMPLE = REPO / "examples" / "benchmarks-plugin-example"
REGISTRIES = (TOKENIZERS, TASK_FAMILIES, DATASETS, GENERATORS, FEATURE_EXTRACTORS, ANSWERERS)


def test_every_declared_group_is_read():
    read = {r.entry_point_group for r in REGISTRIES} | {"benchmarks.tasks"}  # config.py
    assert read == set(PLUGIN_GROUPS)
    assert all(group.startswith("benchmarks.") for group in PLUGIN_GROUPS)


def test_readme_plugin_section_lists_every_group():
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Plug-ins\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(benchmarks\.[a-z_]+)` \|", section, flags=re.M))
    assert documented == set(PLUGIN_GROUPS)


def test_example_plugin_uses_declared_groups_and_documents_them():
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    used = set(project["entry-points"])
    assert used <= set(PLUGIN_GROUPS)
    # item 6 of the redesign: a tokenizer, a task, a family and a dataset with its demo set
    assert used >= {"benchmarks.tokenizers", "benchmarks.tasks", "benchmarks.families",
                    "benchmarks.datasets"}
    example_readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{group}` |" in example_readme for group in used)
