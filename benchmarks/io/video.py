"""Video decoding (PyAV or decord) and H.264 writing (PyAV).

(Over 400 lines: the two decoders' fallback, probing and the one-line failure reasons
must agree with each other; split, they would drift. Decoding only the frames asked for
is :mod:`benchmarks.io.sparse_decode`.)

Frames are indexed in presentation order from 0, as decord and a sequential PyAV decode
both count them. Every failure to produce the requested frames is a :class:`DecodeError`
whose ``reason`` says what went wrong in one line:

- ``"file not found"`` / ``"not a file"``
- ``"cannot open: <decoder message>"`` (no video stream, broken container, missing moov atom)
- ``"truncated: decoded 9 of 17 frames"`` (the container declares more frames than its data
  holds, or the data is corrupt part-way)
- ``"too short: 9 frames, index 16 requested"`` (a complete but short video)

``backend="auto"`` reads an 8-bit H.264 stream with PyAV, decoding only the frames
asked for and the pictures they reference (:mod:`benchmarks.io.sparse_decode`; faster
than decord's ``get_batch``, which decodes every frame between, and the same RGB bytes),
and any other stream with decord when it is importable (decord and PyAV round 10-bit
pictures differently, so those keep decord's values). decord sometimes refuses a
truncated file that PyAV decodes in part, and sometimes reports more frames than it can
decode, so ``"auto"`` retries a failed decord read with PyAV, which then either returns
the frames or gives the precise reason.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, NamedTuple

import av
import numpy as np

from benchmarks.io import sparse_decode
from benchmarks.io.paths import PathError

Backend = Literal["auto", "decord", "pyav"]
# ``choose(count)`` picks the indices once the video is open; ``count()`` gives its frames.
Chooser = Callable[[Callable[[], int]], Sequence[int]]
# Pixel formats PyAV and decord convert to the same RGB bytes (both swscale's unscaled
# 8-bit converters; checked on every demo video and on bt709-tagged and full-range clips).
_SAME_RGB_AS_DECORD = frozenset({"yuv420p", "yuvj420p", "yuv444p", "yuvj444p"})


class DecodeError(PathError):
    """A video or image could not be decoded into the requested frames.

    Attributes:
        path: the file.
        reason: one line, e.g. ``"truncated: decoded 9 of 17 frames"``.
    """


# helpers


@functools.cache
def _decord() -> ModuleType | None:
    try:
        import decord
    except ImportError:
        return None
    return decord


def decord_available() -> bool:
    """Whether decord is importable (``backend="auto"`` then uses it for the streams
    PyAV does not read sparsely)."""
    return _decord() is not None


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise DecodeError(path, "file not found")
    if not os.path.isfile(path):
        raise DecodeError(path, "not a file")


# decord prefixes messages with "[07:07:46] /github/workspace/src/video/video_reader.cc:486: ".
_DECORD_PREFIX = re.compile(r"\[\d\d:\d\d:\d\d\] \S+?\.(?:cc|h):\d+: ")


def _first_line(error: BaseException) -> str:
    """The useful line of a decoder message (decord's source-location prefixes removed)."""
    lines = str(error).strip().splitlines()
    text = _DECORD_PREFIX.sub("", lines[0]).strip() if lines else ""
    return text or type(error).__name__


def _validate_indices(path: str, indices: Sequence[int]) -> list[int]:
    """Sorted unique indices; negative ones are an error (no Python-style wrap-around)."""
    if len(indices) == 0:
        raise ValueError(f"{path}: no frame indices requested")
    wanted = sorted({int(i) for i in indices})
    if wanted[0] < 0:
        raise ValueError(f"{path}: negative frame index {wanted[0]}")
    return wanted


def _in_requested_order(
    decoded: np.ndarray, wanted: list[int], indices: Sequence[int]
) -> np.ndarray:
    """``decoded[k]`` is frame ``wanted[k]``; return the frames in the order of ``indices``."""
    if list(indices) == wanted:
        return decoded
    position = {frame: k for k, frame in enumerate(wanted)}
    return decoded[[position[int(i)] for i in indices]]


# decord


def _open_decord(path: str) -> Any:
    decord = _decord()
    assert decord is not None
    try:
        return decord.VideoReader(path, ctx=decord.cpu(0))
    except Exception as error:  # decord raises DECORDError, sometimes RuntimeError
        raise DecodeError(path, f"cannot open: {_first_line(error)}") from error


def _decord_decode(path: str, choose: Chooser) -> np.ndarray:
    reader = _open_decord(path)
    available = len(reader)
    indices = choose(lambda: available)
    wanted = _validate_indices(path, indices)
    if wanted[-1] >= available:
        raise DecodeError(path, f"too short: {available} frames, index {wanted[-1]} requested")
    try:
        # Sorted: decord walks forward through each GOP once (unsorted is 2-5x slower).
        decoded = reader.get_batch(wanted).asnumpy()
    except Exception as error:
        raise DecodeError(path, f"decode failed: {_first_line(error)}") from error
    return _in_requested_order(decoded, wanted, indices)


# PyAV


def _pyav_open(path: str) -> av.container.InputContainer:
    try:
        container = av.open(path)
    except av.error.FFmpegError as error:
        raise DecodeError(path, f"cannot open: {_first_line(error)}") from error
    if not container.streams.video:
        container.close()
        raise DecodeError(path, "cannot open: no video stream")
    return container


def _pyav_count(path: str) -> int:
    with _pyav_open(path) as container:
        stream = container.streams.video[0]
        if stream.frames > 0:
            return int(stream.frames)
        # Containers without a frame count (mkv, webm): count packets, no decoding.
        try:
            return sum(1 for p in container.demux(stream) if p.size > 0)
        except av.error.FFmpegError as error:
            raise DecodeError(path, f"cannot open: {_first_line(error)}") from error


def _rgb_converter() -> Callable[[av.VideoFrame], np.ndarray]:
    """``frame -> (h, w, 3)`` uint8 RGB through one reused swscale context: the conversion
    of ``frame.to_ndarray(format="rgb24")``, which builds a new context for every frame."""
    reformatter = av.video.reformatter.VideoReformatter()
    return lambda frame: reformatter.reformat(frame, format="rgb24").to_ndarray()


def _pyav_read(
    path: str,
    wanted: list[int],
    *,
    seek: bool = True,
    skip: bool = True,
    container: av.container.InputContainer | None = None,
) -> np.ndarray:
    """``(len(wanted), h, w, 3)`` uint8 for sorted unique ``wanted``.

    Seeks to the keyframe before ``wanted[0]`` (frame index from pts, constant frame rate),
    then decodes forward up to ``wanted[-1]``; if the seek lands after the target (or the
    stream has no timestamps) it decodes from the start instead. H.264 pictures that
    nothing references and nobody asked for are dropped undecoded
    (:mod:`benchmarks.io.sparse_decode`); where timestamps cannot name the frames, every
    frame is decoded and counted.
    """
    if container is None:
        with _pyav_open(path) as opened:
            return _pyav_read(path, wanted, seek=seek, skip=skip, container=opened)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    rate = stream.average_rate or stream.guessed_rate
    start = stream.start_time or 0
    seek = seek and rate is not None and stream.time_base is not None
    if not (skip and sparse_decode.can_skip(stream)):
        if seek and wanted[0] > 0:
            target = start + int(wanted[0] / rate / stream.time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
        frames = _decode_sequentially(path, container, stream, wanted, seek=seek and wanted[0] > 0)
        if frames is not None:
            return frames
        retry = {"seek": False, "skip": False}  # the seek overshot, or no timestamps
    else:
        try:
            return sparse_decode.read_sparse(container, stream, wanted, seek=seek,
                                             to_rgb=_rgb_converter())
        except sparse_decode.Overshot:
            retry = {"seek": False, "skip": True}
        except sparse_decode.Unskippable:
            retry = {"seek": seek, "skip": False}
    return _pyav_read(path, wanted, **retry)


def _decode_sequentially(
    path: str,
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: list[int],
    *,
    seek: bool,
) -> np.ndarray | None:
    """Decode every frame from where the container stands, counting them; ``None`` if
    the seek overshot ``wanted[0]`` or the stream has no timestamps to tell."""
    declared = int(stream.frames)
    rate = stream.average_rate or stream.guessed_rate
    start = stream.start_time or 0
    to_rgb = _rgb_converter()
    out: np.ndarray | None = None
    kept = 0
    index = -1  # index of the last decoded frame
    failure: av.error.FFmpegError | None = None
    try:
        for frame in container.decode(stream):
            if index < 0 and seek:
                if frame.pts is None:
                    return None
                index = sparse_decode.frame_index(frame.pts, start, stream.time_base, rate)
                if index > wanted[0]:  # overshot the target: decode from frame 0
                    return None
            else:
                index += 1
            if index == wanted[kept]:
                rgb = to_rgb(frame)
                if out is None:
                    out = np.empty((len(wanted), *rgb.shape), np.uint8)
                out[kept] = rgb
                kept += 1
                if kept == len(wanted):
                    break
    except av.error.FFmpegError as error:
        failure = error  # truncated or corrupt data: reported below if frames are missing
    if out is None or kept < len(wanted):
        decoded = index + 1
        if failure is not None or declared > decoded:
            total = f" of {declared}" if declared > decoded else ""
            raise DecodeError(path, f"truncated: decoded {decoded}{total} frames")
        raise DecodeError(path, f"too short: {decoded} frames, index {wanted[-1]} requested")
    return out


def _same_rgb_as_decord(stream: av.video.stream.VideoStream) -> bool:
    """Whether PyAV reads this stream faster than decord with the same RGB bytes: an
    H.264 stream whose unreferenced pictures it drops, in a pixel format both convert
    alike (checked on every demo video; 10-bit formats differ by a rounding)."""
    return (sparse_decode.can_skip(stream)
            and stream.codec_context.pix_fmt in _SAME_RGB_AS_DECORD)


def _pyav_decode(path: str, choose: Chooser,
                 container: av.container.InputContainer | None = None) -> np.ndarray:
    """Choose the indices from the frame count, decode them (``container``: ``path``
    already open)."""
    if container is None:
        with _pyav_open(path) as opened:
            return _pyav_decode(path, choose, opened)
    declared = int(container.streams.video[0].frames)
    indices = choose(lambda: declared if declared > 0 else _pyav_count(path))
    wanted = _validate_indices(path, indices)
    return _in_requested_order(_pyav_read(path, wanted, container=container), wanted, indices)


# public API


def _resolve(backend: Backend) -> Literal["decord", "pyav"]:
    if backend == "auto":
        return "decord" if decord_available() else "pyav"
    if backend not in ("decord", "pyav"):
        raise ValueError(f"unknown video backend {backend!r}; expected auto, decord or pyav")
    if backend == "decord" and not decord_available():
        raise ImportError("backend='decord' needs decord: pip install 'pyratok[decord]'")
    return backend


def _decode(path: str, choose: Chooser, backend: Backend) -> np.ndarray:
    _check_file(path)
    if _resolve(backend) == "pyav":
        return _pyav_decode(path, choose)
    if backend == "auto":
        try:
            with _pyav_open(path) as container:
                if _same_rgb_as_decord(container.streams.video[0]):
                    return _pyav_decode(path, choose, container)
        except DecodeError:
            pass  # decord, then PyAV again: the reason as before
    try:
        return _decord_decode(path, choose)
    except DecodeError as error:
        if backend == "decord" or error.reason.startswith("too short"):
            raise
        # decord refuses some files PyAV decodes in part; PyAV gives the precise reason.
        return _pyav_decode(path, choose)


def count_frames(path: str | os.PathLike[str], *, backend: Backend = "auto") -> int:
    """Number of frames the container declares (decord: its packet index).

    On a truncated file this can exceed the frames that decode; :func:`read_frames` then
    raises ``DecodeError("truncated: ...")``. :func:`read_clip` avoids opening twice.
    """
    path = str(path)
    _check_file(path)
    if _resolve(backend) == "decord":
        try:
            return len(_open_decord(path))
        except DecodeError:
            if backend == "decord":
                raise
    return _pyav_count(path)


def frame_rate(path: str | os.PathLike[str]) -> Fraction:
    """Average frame rate the container declares (frames per second).

    Raises:
        DecodeError: missing or unopenable file, or no frame rate recorded.
    """
    path = str(path)
    _check_file(path)
    with _pyav_open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
    if not rate:
        raise DecodeError(path, "no frame rate in the container")
    return Fraction(rate)


class VideoProbe(NamedTuple):
    """What :func:`probe_video` reads from a container's header, without decoding.

    Attributes:
        num_frames: frames the stream declares (packets counted where it declares none).
        fps: average frame rate, frames per second.
        height: frame height in pixels.
        width: frame width in pixels.
    """

    num_frames: int
    fps: float
    height: int
    width: int


def probe_video(path: str | os.PathLike[str]) -> VideoProbe:
    """Frame count, frame rate and size of the video at ``path``, read with PyAV from the
    container (nothing decoded; a container without a frame count has its packets counted).

    Raises:
        DecodeError: missing or unopenable file, no video stream, no frame rate or no frames.
    """
    path = str(path)
    _check_file(path)
    with _pyav_open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        height, width = int(stream.codec_context.height), int(stream.codec_context.width)
        num_frames = int(stream.frames)
        if num_frames <= 0:  # mkv, webm: count packets, as _pyav_count does
            try:
                num_frames = sum(1 for packet in container.demux(stream) if packet.size > 0)
            except av.error.FFmpegError as error:
                raise DecodeError(path, f"cannot open: {_first_line(error)}") from error
    if not rate:
        raise DecodeError(path, "no frame rate in the container")
    if num_frames < 1:
        raise DecodeError(path, "cannot open: no frames in the video stream")
    return VideoProbe(num_frames=num_frames, fps=float(rate), height=height, width=width)


def read_frames(
    path: str | os.PathLike[str], indices: Sequence[int], *, backend: Backend = "auto"
) -> np.ndarray:
    """Decode the frames at ``indices`` (0-based, presentation order).

    Args:
        path: a video file FFmpeg reads (mp4/H.264 for WebVid).
        indices: frame indices in any order, repeats allowed.
        backend: ``"decord"``, ``"pyav"`` or ``"auto"`` (PyAV for 8-bit H.264, else
            decord if importable; PyAV when decord fails on the file).

    Returns:
        ``(len(indices), h, w, 3)`` uint8 RGB, frame ``k`` being ``indices[k]``.

    Raises:
        DecodeError: missing, unopenable, truncated or too short file.
        ValueError: empty or negative indices.
    """
    return _decode(str(path), lambda _count: indices, backend)


def read_clip(
    path: str | os.PathLike[str],
    select: Callable[[int], Sequence[int]],
    *,
    backend: Backend = "auto",
) -> np.ndarray:
    """Open the video once, pick indices from its frame count, decode them.

    Args:
        path: a video file.
        select: ``select(num_frames) -> indices``, e.g. ``FrameSampling.indices``; a
            ``ValueError`` it raises (video too short) propagates.
        backend: as in :func:`read_frames`.

    Returns:
        ``(len(indices), h, w, 3)`` uint8 RGB in the order ``select`` gave.
    """
    return _decode(str(path), lambda count: select(count()), backend)


def write_video(
    path: str | os.PathLike[str],
    frames: np.ndarray,
    *,
    fps: float | Fraction = 24,
    codec: str = "libx264",
    crf: int = 18,
    preset: str = "medium",
    faststart: bool = True,
    keyframe_interval: int | None = None,
) -> None:
    """Encode ``frames`` to ``path`` (mp4 for H.264) with PyAV, yuv420p.

    Args:
        frames: ``(t, h, w, 3)`` uint8 RGB; ``h`` and ``w`` even (yuv420p chroma).
        fps: frame rate (a ``Fraction`` such as ``30000/1001`` keeps NTSC rates exact).
        codec: FFmpeg encoder name.
        crf: constant rate factor for x264/x265 (0 lossless luma, 18 visually lossless).
        preset: x264 speed preset.
        faststart: put the index (moov atom) first, as web-served mp4s (WebVid) do.
        keyframe_interval: maximum frames between keyframes (GOP size); encoder default
            if ``None``.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"{path}: frames must be (t, h, w, 3) uint8, got {frames.shape} {frames.dtype}"
        )
    t, h, w, _ = frames.shape
    if t == 0 or h % 2 or w % 2:
        raise ValueError(f"{path}: need t >= 1 and even h, w for yuv420p, got {t}x{h}x{w}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as container:
        rate = Fraction(fps).limit_denominator(1001)
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if keyframe_interval is not None:
            stream.codec_context.gop_size = keyframe_interval
        if codec in ("libx264", "libx265"):
            stream.options = {"crf": str(crf), "preset": preset}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())  # flush delayed (B-)frames
