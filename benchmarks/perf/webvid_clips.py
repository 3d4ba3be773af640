"""Any number of demo-style clips in the WebVid-10M validation layout, for scaling runs.

The bundled WebVid demo set has 8 clips; measuring how a run's cost grows with its size
needs hundreds. These are drawn by :func:`pyratok.demo.make_video` (the generator of every
synthetic demo set) from held-out seeds ``10_000_000 + i`` (the bundled checkpoint was
trained on lower ones) and written as the WebVid demo builder writes its clips
(:mod:`benchmarks.datasets.webvid.demo`: H.264 crf 12, ``videos/<page_dir>/<videoid>.mp4``
and ``results_10M_val.csv``, the clip's caption as ``name``).
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

SEED_START = 10_000_000  # held out: the bundled checkpoint was trained on lower seeds
COLUMNS = ("videoid", "contentUrl", "duration", "page_dir", "name")
PAGE = 50  # clips per page_dir, as WebVid's "000001_000050" folders
FPS = 24


def _page_dir(index: int) -> str:
    first = index // PAGE * PAGE + 1
    return f"{first:06d}_{first + PAGE - 1:06d}"


def write_clips(root: Path, count: int, *, size: int = 64, frames: int = 17) -> list[list[str]]:
    """Write ``count`` clips of ``frames`` × ``size`` × ``size`` into ``root`` (WebVid
    layout); returns the CSV rows (without the header), in order."""
    from benchmarks.io.video import write_video
    from pyratok.demo import make_video

    rows = []
    for index in range(count):
        seed = SEED_START + index
        clip = make_video(seed, frames=frames, size=size)
        page = _page_dir(index)
        write_video(root / "videos" / page / f"{seed}.mp4", clip.frames, fps=FPS, crf=12)
        rows.append([str(seed), f"file://demo/pyratok.demo/{seed}.mp4", "PT00H00M01S", page,
                     clip.caption])
    _write_csv(root, rows)
    return rows


def subset(source: Path, rows: list[list[str]], root: Path) -> None:
    """A WebVid folder ``root`` holding the clips of ``rows`` from ``source``, hard-linked
    (copied where the file system refuses links)."""
    for row in rows:
        relative = Path("videos") / row[3] / f"{row[0]}.mp4"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / relative, root / relative)
        except OSError:
            shutil.copyfile(source / relative, root / relative)
    _write_csv(root, rows)


def _write_csv(root: Path, rows: list[list[str]]) -> None:
    with (root / "results_10M_val.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
