"""Task families: how one kind of benchmark scores a batch of samples.

Entries are classes implementing :class:`benchmarks.families.base.TaskFamily`; third-party
packages add their own through the ``benchmarks.families`` entry-point group.
"""

from __future__ import annotations

from benchmarks.registry import Registry

TASK_FAMILIES: Registry = Registry("task family", entry_point_group="benchmarks.families")

TASK_FAMILIES.add_lazy(
    "reconstruction", "benchmarks.families.reconstruction:ReconstructionFamily"
)
TASK_FAMILIES.add_lazy(
    "classification", "benchmarks.families.classification:ClassificationFamily"
)
TASK_FAMILIES.add_lazy("localization", "benchmarks.families.localization:LocalizationFamily")
TASK_FAMILIES.add_lazy("segmentation", "benchmarks.families.segmentation:SegmentationFamily")
TASK_FAMILIES.add_lazy("vqa", "benchmarks.families.vqa:VQAFamily")
TASK_FAMILIES.add_lazy("compression", "benchmarks.families.compression:CompressionFamily")
TASK_FAMILIES.add_lazy("generation", "benchmarks.families.generation:GenerationFamily")

__all__ = ["TASK_FAMILIES"]
