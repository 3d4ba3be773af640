"""Dataset readers in the official layouts, registered by the name task YAMLs use."""

from __future__ import annotations

from benchmarks.registry import Registry

DATASETS: Registry = Registry("dataset", entry_point_group="benchmarks.datasets")

DATASETS.add_lazy("webvid", "benchmarks.data.webvid:WebVidDataset")
DATASETS.add_lazy("coco", "benchmarks.data.coco:CocoCaptionsDataset")
DATASETS.add_lazy("kinetics", "benchmarks.data.kinetics:KineticsDataset")
DATASETS.add_lazy("thumos14", "benchmarks.data.thumos14:Thumos14Dataset")
DATASETS.add_lazy("activitynet", "benchmarks.data.activitynet:ActivityNetDataset")
DATASETS.add_lazy("ytvis2021", "benchmarks.data.ytvis:YouTubeVISDataset")
DATASETS.add_lazy("ovis", "benchmarks.data.ytvis:OVISDataset")
DATASETS.add_lazy("mvbench", "benchmarks.data.mvbench:MVBenchDataset")
DATASETS.add_lazy("mcl-jcv", "benchmarks.data.mcljcv:MclJcvDataset")
DATASETS.add_lazy("ucf101", "benchmarks.data.ucf101:UCF101Dataset")

__all__ = ["DATASETS"]
