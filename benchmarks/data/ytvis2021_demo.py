"""The YouTube-VIS 2021 demo set: built by :func:`benchmarks.data.ytvis_demo.build` (shared
with the OVIS demo set; its docstring describes both)."""

from benchmarks.data.ytvis_demo import build

__all__ = ["build"]
