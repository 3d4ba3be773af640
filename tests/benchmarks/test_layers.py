"""The harness's layers (docs/architecture.md, "Layers"): imports only go down.

Each top-level unit of ``benchmarks`` (a subpackage or a module) sits in one layer; a unit
may import its own layer's units and those of the layers below, never one above, and the
units import one another without a circle. (That ``pyratok`` is reached only through the
tokenizer adapters is tests/benchmarks/features/test_zero_shot.py's check.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

PACKAGE = REPO / "benchmarks"

# Bottom first: the same table as docs/architecture.md's picture.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"typecheck", "safe_yaml", "registry", "io", "config", "records", "store",
                    "seeding", "provenance", "distributed", "metrics"}),
    ("plug-in kinds", {"tokenizers", "datasets", "features", "generators"}),
    ("families", {"families"}),
    ("runner", {"runner", "scoring"}),
    ("entry points", {"api", "reporting", "ablations", "train_generator", "train_vq",
                      "vqa_train_projector", "paper_claims"}),
    ("commands", {"cli", "__main__", "__init__", "perf"}),
]
LAYER_OF = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in SOURCES}
    assert units - set(LAYER_OF) == set(), "add the new unit to LAYERS and the doc's picture"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down(path: Path):
    unit = _unit(path)
    upward = [
        name for name in _imports(path)
        if name.startswith("benchmarks.")
        and LAYER_OF.get(name.split(".")[1], -1) > LAYER_OF[unit]
    ]
    assert upward == [], f"{unit} (layer {LAYERS[LAYER_OF[unit]][0]!r}) imports upward"


def test_no_import_circle_between_units():
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        unit = _unit(path)
        graph.setdefault(unit, set()).update(
            n.split(".")[1] for n in _imports(path)
            if n.startswith("benchmarks.") and n.split(".")[1] != unit
        )
    seen: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(unit: str, path: list[str]) -> None:
        seen[unit] = 1
        for nxt in sorted(graph.get(unit, ())):
            assert seen.get(nxt) != 1, f"import circle: {' -> '.join([*path, unit, nxt])}"
            if nxt not in seen:
                visit(nxt, [*path, unit])
        seen[unit] = 2

    for unit in sorted(graph):
        if unit not in seen:
            visit(unit, [])
