"""The OVIS demo set (clips whose shapes occlude each other): built by
:func:`benchmarks.data.ytvis_demo.build_occluded` (its docstring describes it)."""

from pathlib import Path

from benchmarks.data.ytvis_demo import build_occluded


def build(root: Path) -> None:
    """The OVIS demo layout into the empty folder ``root``."""
    build_occluded(root)
