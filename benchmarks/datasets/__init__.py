"""Datasets in their official layouts, registered by the name task YAMLs use.

One package per dataset (``benchmarks/datasets/<dataset>/``): ``reader.py`` is the reader
(:class:`~benchmarks.datasets.base.Dataset`), ``demo.py`` builds its demo set, which the
reader declares (``demo``) for the demo cache (:mod:`benchmarks.datasets.demo`). Shared
here: the reader contract (``base.py``), the typed ground truth a ref carries
(``annotation.py``), the pieces readers build on (``index.py``: refs from a parsed index;
``media.py``: finding and opening media; ``csv_index.py``: CSV index files;
``untrimmed.py``: untrimmed videos) and the DataLoader wrapper (``loader.py``).
Third-party readers register through the entry-point group of :data:`DATASETS`.
"""

from __future__ import annotations

from benchmarks.registry import Registry

DATASETS: Registry = Registry("dataset", entry_point_group="benchmarks.datasets")

# One line a reader, as in the other registries' __init__ (alike in shape, not copied logic).
DATASETS.add_lazy("webvid", "benchmarks.datasets.webvid.reader:WebVidDataset")
DATASETS.add_lazy("coco", "benchmarks.datasets.coco.reader:CocoCaptionsDataset")
DATASETS.add_lazy("kinetics", "benchmarks.datasets.kinetics.reader:KineticsDataset")
DATASETS.add_lazy("thumos14", "benchmarks.datasets.thumos14.reader:Thumos14Dataset")
DATASETS.add_lazy("activitynet", "benchmarks.datasets.activitynet.reader:ActivityNetDataset")
DATASETS.add_lazy("ytvis2021", "benchmarks.datasets.ytvis.reader:YouTubeVISDataset")
DATASETS.add_lazy("ovis", "benchmarks.datasets.ytvis.reader:OVISDataset")
DATASETS.add_lazy("mvbench", "benchmarks.datasets.mvbench.reader:MVBenchDataset")
DATASETS.add_lazy("mcl-jcv", "benchmarks.datasets.mcljcv.reader:MclJcvDataset")
DATASETS.add_lazy("ucf101", "benchmarks.datasets.ucf101.reader:UCF101Dataset")
DATASETS.add_lazy("tokenbench", "benchmarks.datasets.tokenbench.reader:TokenBenchDataset")
DATASETS.add_lazy("video-folder", "benchmarks.datasets.video_folder.reader:VideoFolderDataset")

__all__ = ["DATASETS"]
