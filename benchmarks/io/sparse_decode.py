"""Decode a few frames of an H.264 stream without decoding the pictures nobody needs.

A picture that no other picture references (a non-reference B-frame: about half the
frames of an x264 stream) can be dropped before it is decoded without changing any other
picture. FFmpeg does so under ``skip_frame = AVDISCARD_NONREF``; set before each packet
is sent (frame threads copy it per packet), it drops exactly the unreferenced pictures
that were not asked for, while the frames asked for and every reference picture decode
as in a full decode, bit for bit.

Dropped frames leave no output to count, so frames are told apart by their presentation
timestamp on the stream's constant-rate grid. The read is trusted only when the
timestamps demuxed from the first picture to the last frame asked for are exactly that
grid, each once, and the first picture decoded is the first packet: then a frame's grid
position is the index a sequential decode counts. Anything else (no timestamps, a
variable rate, a gap, a decoder error, a frame missing) raises :class:`Unskippable`,
and the caller decodes every frame instead.

Across keyframes, :func:`read_sparse` seeks past the frames that no one asked for when a
keyframe lies between two frames asked for (from an mp4's sample index, as decord's
``get_batch`` does), so a few frames spread over a long video cost a few GOPs.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

import av
import numpy as np

# Decoders whose AVDISCARD_NONREF drops only pictures that no other picture references
# (H.264: nal_ref_idc == 0). Not HEVC: its "_N" NAL types are non-reference only within
# their temporal sub-layer, and a higher sub-layer may still predict from them.
SKIPPING_CODECS = frozenset({"h264"})

# Packets demuxed past the last frame asked for while looking for the earlier-presented
# packets that follow it in decode order (H.264 reorders at most 16 pictures).
REORDER_LOOKAHEAD = 32


class Unskippable(Exception):
    """Frames cannot be read by timestamp here (the message says why): decode them all."""


class Overshot(Exception):
    """The seek landed on a keyframe after the first frame asked for."""


class SparseRead(NamedTuple):
    """What :func:`decode_wanted` returns.

    Attributes:
        frames: ``(len(wanted), h, w, 3)`` uint8 RGB, frame ``k`` being ``wanted[k]``.
        decoded: pictures the decoder returned (the others were dropped undecoded).
        sent: packets sent to the decoder.
    """

    frames: np.ndarray
    decoded: int
    sent: int


def frame_index(pts: int, start: int, time_base: Fraction, rate: Fraction) -> int:
    """Frame index of a presentation timestamp (constant frame rate)."""
    return round(float((pts - start) * time_base * rate))


def can_skip(stream: av.video.stream.VideoStream) -> bool:
    """Whether the stream's codec drops unreferenced pictures exactly and it has a rate."""
    rate = stream.average_rate or stream.guessed_rate
    return (stream.codec_context.name in SKIPPING_CODECS and bool(rate)
            and stream.time_base is not None)


def decode_wanted(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: list[int],
    *,
    first_index: Callable[[int], int],
    to_rgb: Callable[[av.VideoFrame], np.ndarray],
) -> SparseRead:
    """Decode the frames ``wanted`` (sorted, unique) from where the container stands.

    Args:
        container: open, positioned on a keyframe (after a seek, or at the start).
        stream: its video stream; ``can_skip(stream)`` holds.
        wanted: frame indices, sorted and unique.
        first_index: the frame index of the first packet, from its timestamp.
        to_rgb: one decoded picture to ``(h, w, 3)`` uint8.

    Raises:
        Unskippable: see the module docstring; nothing about the file is decided.
        Overshot: the first packet comes after ``wanted[0]``.
    """
    codec = stream.codec_context
    ticks = stream.time_base * (stream.average_rate or stream.guessed_rate)  # frames per tick
    slot = {index: k for k, index in enumerate(wanted)}
    frames: np.ndarray | None = None
    kept: set[int] = set()
    grid: set[int] = set()  # grid positions of the packets demuxed, from the first one
    anchor: int | None = None
    base = 0
    decoded = sent = 0

    def position(pts: int | None) -> int:
        """Grid position of ``pts`` from the first packet; a repeat or one before it
        breaks the grid."""
        if pts is None:
            raise Unskippable("a packet or picture without timestamp")
        assert anchor is not None
        return round(float((pts - anchor) * ticks))

    def add_to_grid(pts: int | None) -> int:
        step = position(pts)
        if step < 0 or step in grid:
            raise Unskippable("timestamps before the keyframe or repeated")
        grid.add(step)
        return step

    def keep(frame: av.VideoFrame) -> None:
        nonlocal frames, decoded
        if decoded == 0 and frame.pts != anchor:
            raise Unskippable("the first picture decoded is not the first packet")
        decoded += 1
        index = base + position(frame.pts)
        if index in slot and index not in kept:
            rgb = to_rgb(frame)
            if frames is None:
                frames = np.empty((len(wanted), *rgb.shape), np.uint8)
            frames[slot[index]] = rgb
            kept.add(index)

    packets = container.demux(stream)
    to_send = len(wanted)
    try:
        for packet in packets:
            if packet.size == 0:  # end of stream before every frame asked for was sent
                raise Unskippable("end of stream")
            if anchor is None:
                if packet.pts is None:
                    raise Unskippable("a packet without timestamp")
                anchor, base = packet.pts, first_index(packet.pts)
                if base > wanted[0]:
                    raise Overshot
            asked = base + add_to_grid(packet.pts) in slot
            codec.skip_frame = "DEFAULT" if asked else "NONREF"
            sent += 1
            for frame in codec.decode(packet):
                keep(frame)
            to_send -= asked
            if to_send == 0:  # later packets in decode order serve no frame asked for
                break
        for frame in codec.decode(None):  # drain the pictures still in the decoder
            keep(frame)
        # Packets after the last frame asked for in decode order can be presented before
        # it (B-frames): demux, without decoding, until the grid up to it is full.
        last = wanted[-1] - base
        filled = sum(1 for step in grid if step <= last)
        for extra, packet in enumerate(packets):
            if filled == last + 1 or packet.size == 0 or extra == REORDER_LOOKAHEAD:
                break
            filled += add_to_grid(packet.pts) <= last
    except av.error.FFmpegError as error:
        raise Unskippable(f"decoder error: {error}") from error
    if frames is None or len(kept) < len(wanted):
        raise Unskippable("a frame asked for was not decoded")
    if filled != last + 1:
        raise Unskippable("timestamps are not a constant-rate grid")
    return SparseRead(frames, decoded, sent)


# runs between keyframes


def read_sparse(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: list[int],
    *,
    seek: bool,
    to_rgb: Callable[[av.VideoFrame], np.ndarray],
) -> np.ndarray:
    """:func:`decode_wanted` from the keyframe before ``wanted[0]`` (where
    ``seek``), and again from each later keyframe that skips frames no one asked for.

    Raises:
        Unskippable, Overshot: as :func:`decode_wanted`.
    """
    rate = stream.average_rate or stream.guessed_rate
    start = stream.start_time or 0
    parts = []
    for run in keyframe_runs(container, stream, wanted) if seek else [wanted]:
        seeked = seek and run[0] > 0
        if seeked:  # lands on the last keyframe presented at or before run[0]
            target = start + int(run[0] / rate / stream.time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)

        def first_index(pts: int, seeked: bool = seeked) -> int:
            return frame_index(pts, start, stream.time_base, rate) if seeked else 0

        parts.append(decode_wanted(
            container, stream, run, first_index=first_index, to_rgb=to_rgb).frames)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def keyframe_runs(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: list[int],
) -> list[list[int]]:
    """``wanted`` cut into runs, each decoded after a seek to its first frame: a new run
    where a keyframe lies past the frame after the previous one asked for, so the frames
    between are not decoded, as decord's ``get_batch`` seeks (a seek costs far less CPU
    than the frames it skips, measured on bikes.mp4). Keyframes come from an mp4's sample
    index (an entry per frame in decode order; a keyframe's entry number is its frame
    index in a closed GOP); any other container gives one run."""
    entries = stream.index_entries
    if "mp4" not in container.format.name or len(entries) != stream.frames:
        return [wanted]
    runs: list[list[int]] = []
    for index in wanted:
        if index >= len(entries):
            return [wanted]  # too short: the sequential decode says so
        # The last keyframe entry at or before entry ``index`` (timestamps are dts).
        keyframe = entries.search_timestamp(entries[index].timestamp, backward=True)
        if runs and keyframe <= runs[-1][-1] + 1:  # no frame to skip before it
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs
