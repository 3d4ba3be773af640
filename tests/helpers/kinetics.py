"""Tiny Kinetics copies in the layouts the reader accepts, written by tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames

COLUMNS = ["label", "youtube_id", "time_start", "time_end", "split"]
Layout = Literal["flat", "per_label", "per_label_underscores"]
CODECS = {".webm": "libvpx", ".avi": "mpeg4"}  # what those containers take; else H.264


@dataclass(frozen=True)
class Clip:
    """One annotated clip; ``extension`` of its video, ``None`` = no video on disk."""

    label: str
    youtube_id: str
    time_start: int = 10
    time_end: int = 20
    extension: str | None = ".mp4"

    @property
    def stem(self) -> str:
        return f"{self.youtube_id}_{self.time_start:06d}_{self.time_end:06d}"


# Labels with spaces, an apostrophe and parentheses, as in the real vocabulary.
VAL_CLIPS = (
    Clip("abseiling", "0wR5jVB-WPk", 417, 427),
    Clip("air drumming", "--nQbRBEz2s", 104, 114),
    Clip("passing American football (in game)", "_5-9hJ9Sj0c", 0, 10),
    Clip("tasting food", "a1b2c3d4e5f", 30, 40),
)
TRAIN_CLIPS = (
    Clip("abseiling", "trainclip01"),
    Clip("zumba", "trainclip02"),  # a class with no val clip
)


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = COLUMNS
) -> Path:
    """``header`` then ``rows``, as the official files are written (``\\n`` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def clip_rows(clips: Sequence[Clip], split: str) -> list[list[object]]:
    return [[c.label, c.youtube_id, c.time_start, c.time_end, split] for c in clips]


def clip_folder(clip: Clip, layout: Layout) -> str:
    """The subfolder of the split folder a downloader writes ``clip`` into."""
    if layout == "flat":
        return ""
    return clip.label if layout == "per_label" else clip.label.replace(" ", "_")


def write_videos(
    video_dir: Path, clips: Sequence[Clip], *, layout: Layout = "flat", frames: int = 12
) -> dict[str, Path]:
    """A short moving pattern (32x32, 8 fps) per clip with a video; youtube_id -> path."""
    paths = {}
    for k, clip in enumerate(clips):
        if clip.extension is None:
            continue
        path = video_dir / clip_folder(clip, layout) / f"{clip.stem}{clip.extension}"
        codec = CODECS.get(clip.extension, "libx264")
        write_video(path, moving_frames(k, frames=frames, height=32, width=32), fps=8, codec=codec)
        paths[clip.youtube_id] = path
    return paths


def write_kinetics(
    root: Path,
    clips: Sequence[Clip] = VAL_CLIPS,
    *,
    split: str = "val",
    csv_name: str = "annotations/val.csv",
    video_dir: str = "val",
    layout: Layout = "flat",
    split_value: str | None = None,
) -> dict[str, Path]:
    """One split of a Kinetics copy: the CSV (``split`` column = ``split_value`` or
    ``split``) and the videos; returns youtube_id -> video path."""
    write_csv(root / csv_name, clip_rows(clips, split_value or split))
    return write_videos(root / video_dir, clips, layout=layout)
