"""Task families: how one kind of benchmark scores a batch of samples.

Entries are classes implementing :class:`benchmarks.families.base.TaskFamily`; third-party
packages add their own through the ``benchmarks.families`` entry-point group.
"""

from __future__ import annotations

from benchmarks.registry import Registry

TASK_FAMILIES: Registry = Registry("task family", entry_point_group="benchmarks.families")

# One line a family, as in the other registries' __init__ (alike in shape, not copied logic).
TASK_FAMILIES.add_lazy(
    "reconstruction", "benchmarks.families.reconstruction.family:ReconstructionFamily"
)
TASK_FAMILIES.add_lazy(
    "classification", "benchmarks.families.classification.family:ClassificationFamily"
)
TASK_FAMILIES.add_lazy("localization", "benchmarks.families.localization.family:LocalizationFamily")
TASK_FAMILIES.add_lazy("segmentation", "benchmarks.families.segmentation.family:SegmentationFamily")
TASK_FAMILIES.add_lazy("vqa", "benchmarks.families.vqa.family:VQAFamily")
TASK_FAMILIES.add_lazy("compression", "benchmarks.families.compression.family:CompressionFamily")
TASK_FAMILIES.add_lazy("tokenbench", "benchmarks.families.tokenbench.family:TokenBenchFamily")
TASK_FAMILIES.add_lazy("generation", "benchmarks.families.generation.family:GenerationFamily")
TASK_FAMILIES.add_lazy("t2v", "benchmarks.families.t2v.family:T2VFamily")

__all__ = ["TASK_FAMILIES"]
