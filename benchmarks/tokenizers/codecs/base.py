"""Standard video codecs behind the tokenizer interface (H.264, HEVC, VVC).

A codec is a tokenizer with capability ``"decode"`` only: it has no latent features, no
text space and no token vocabulary (so no ``bits_per_token``); its "tokens" are the bytes
of an elementary stream. Two ways in:

- :meth:`CodecTokenizer.compress` — what the compression family uses: the sequence's
  8-bit yuv420p planes go to the encoder as they are (no RGB round trip), the quality
  knob is searched until the stream lands on the target rate
  (:mod:`~benchmarks.tokenizers.codecs.rate_search`), and the caller writes the stream
  and decodes *that file* with :meth:`CodecTokenizer.decode_file` for scoring.
- ``encode`` / ``decode`` (the generic interface, e.g. the reconstruction family): RGB in
  [-1, 1] → BT.709 limited-range yuv420p → one encode at the fixed ``quality`` → decoded
  back to RGB. ``Encoded.streams`` holds each clip's stream; ``Encoded.bits`` stays
  ``None`` (it means token bits), the stream bits are ``Encoded.stream_bits``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor

from benchmarks.io.yuv import YuvFrame, read_yuv_frames, rgb_to_yuv, yuv_to_rgb
from benchmarks.tokenizers.base import (
    Encoded,
    TokenizerSpec,
    VideoTokenizer,
    check_video,
    from_tokenizer_range,
    to_tokenizer_range,
)
from benchmarks.tokenizers.codecs.rate_search import Knob, RateSearch, search_rate


class EncoderMissing(RuntimeError):
    """The installed build lacks the encoder; the message is one line naming it and the fix."""


@dataclass(frozen=True)
class CodecSettings:
    """Encoder settings from the task file (recorded with every run).

    Attributes:
        preset: the encoder's speed/efficiency preset (``medium`` …).
        options: further encoder options, name → value (strings, as the encoder takes them).
    """

    preset: str = "medium"
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class YuvSequence:
    """A raw yuv420p sequence on disk: the first ``frames`` frames are coded."""

    path: Path
    width: int
    height: int
    fps: float
    frames: int

    @property
    def pixels(self) -> int:
        return self.width * self.height * self.frames

    def read(self) -> Iterator[YuvFrame]:
        return read_yuv_frames(self.path, self.width, self.height, count=self.frames)


@dataclass
class CodecEncoded(Encoded):
    """``Encoded`` of a codec: ``features`` is empty; the streams are the code.

    Attributes:
        streams: each clip's elementary stream.
        stream_bits: ``(b,)`` float64, ``8 · len(stream)`` per clip.
    """

    streams: list[bytes] = field(default_factory=list)
    stream_bits: Tensor | None = None


class CodecTokenizer(VideoTokenizer):
    """A standard codec. Subclasses set the class attributes and the two byte-level hooks.

    Args:
        quality: the knob value of the generic ``encode`` (CRF / QP); ``None``: the knob's
            start value.
        preset: the preset of the generic ``encode``.
    """

    registry_name: ClassVar[str]
    extension: ClassVar[str]  # elementary-stream file extension: "264", "265", "266"
    knob: ClassVar[Knob]
    license: ClassVar[str]

    def __init__(self, *, quality: float | None = None, preset: str = "medium") -> None:
        super().__init__()
        self.check_available()
        self.quality = self.knob.start if quality is None else float(quality)
        if not self.knob.low <= self.quality <= self.knob.high:
            raise ValueError(
                f"tokenizer {self.registry_name!r}: quality ({self.knob.name}) must be in "
                f"[{self.knob.low}, {self.knob.high}], got {quality}"
            )
        self.preset = preset
        self.spec = TokenizerSpec(
            name=self.registry_name,
            n_params=0,
            vocab_size=None,
            bits_per_token=None,
            latent_channels=0,
            feature_dim=0,
            spatial_compression=1,
            temporal_compression=1,
            frame_convention="any",
            weights="none (a standard codec)",
            license=self.license,
            capabilities=frozenset({"decode"}),
        )

    # hooks ------------------------------------------------------------------------------

    def check_available(self) -> None:
        """Raise :class:`EncoderMissing` when the encoder is not in the installed build."""
        raise NotImplementedError

    def encode_frames(
        self,
        frames: Iterable[YuvFrame],
        *,
        width: int,
        height: int,
        fps: float,
        knob: float,
        settings: CodecSettings,
    ) -> bytes:
        """The raw elementary stream (Annex B) of ``frames`` at ``knob``."""
        raise NotImplementedError

    def decode_file(self, path: str | Path) -> Iterator[YuvFrame]:
        """Decode an elementary stream file into 8-bit yuv420p frames, in display order."""
        raise NotImplementedError

    # rate control -----------------------------------------------------------------------

    def compress(
        self,
        sequence: YuvSequence,
        *,
        target_bpp: float,
        tolerance: float,
        max_trials: int,
        settings: CodecSettings,
        start: float | None = None,
    ) -> RateSearch:
        """Search the knob until the stream of ``sequence`` is within ``tolerance`` of
        ``target_bpp`` (each trial reads the planes from disk again: bounded memory)."""

        def encode(value: float) -> bytes:
            return self.encode_at(sequence, knob=value, settings=settings)

        knob = self.knob if start is None else _with_start(self.knob, start)
        return search_rate(
            encode,
            pixels=sequence.pixels,
            target_bpp=target_bpp,
            tolerance=tolerance,
            knob=knob,
            max_trials=max_trials,
        )

    def encode_at(self, sequence: YuvSequence, *, knob: float, settings: CodecSettings) -> bytes:
        """One encode of ``sequence`` at a fixed knob (a QP/CRF sweep point)."""
        return self.encode_frames(
            sequence.read(),
            width=sequence.width,
            height=sequence.height,
            fps=sequence.fps,
            knob=knob,
            settings=settings,
        )

    # generic tokenizer interface --------------------------------------------------------

    def encode(self, video: Tensor, texts: list[str] | None = None) -> CodecEncoded:
        check_video(video)
        b, _, t, h, w = video.shape
        if h % 2 or w % 2:
            raise ValueError(
                f"tokenizer {self.registry_name!r}: yuv420p needs an even size, got {h}x{w}"
            )
        rgb = from_tokenizer_range(video.detach().float().cpu())  # (b, 3, t, h, w) in [0, 1]
        settings = CodecSettings(preset=self.preset)
        streams = [
            self.encode_frames(
                (rgb_to_yuv(rgb[i, :, k]) for k in range(t)),
                width=w,
                height=h,
                fps=25.0,
                knob=self.quality,
                settings=settings,
            )
            for i in range(b)
        ]
        bits = torch.tensor([8.0 * len(s) for s in streams], dtype=torch.float64)
        return CodecEncoded(
            features=[],
            indices=None,
            bits=None,
            num_frames=t,
            frame_size=(h, w),
            streams=streams,
            stream_bits=bits,
        )

    def decode(self, encoded: Encoded) -> Tensor:
        if not isinstance(encoded, CodecEncoded):
            raise TypeError(f"tokenizer {self.registry_name!r} decodes its own CodecEncoded")
        import tempfile

        clips = []
        with tempfile.TemporaryDirectory() as tmp:
            for i, stream in enumerate(encoded.streams):
                path = Path(tmp) / f"{i}.{self.extension}"
                path.write_bytes(stream)
                frames = [yuv_to_rgb(f) for f in self.decode_file(path)]
                if len(frames) != encoded.num_frames:
                    raise RuntimeError(
                        f"{self.registry_name}: decoded {len(frames)} frames, encoded "
                        f"{encoded.num_frames}"
                    )
                clips.append(torch.stack(frames, dim=1))  # (3, t, h, w)
        return to_tokenizer_range(torch.stack(clips)).clamp_(-1, 1)


def _with_start(knob: Knob, start: float) -> Knob:
    from dataclasses import replace

    return replace(knob, start=start)


def read_i420(data: Any, width: int, height: int) -> YuvFrame:
    """A decoded frame's ``to_ndarray()`` I420 array as planes (copied out of the frame)."""
    import numpy as np

    return YuvFrame.from_i420(np.ascontiguousarray(data).copy(), width, height)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise EncoderMissing(message)
