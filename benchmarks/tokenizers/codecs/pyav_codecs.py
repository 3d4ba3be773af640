"""``h264`` (libx264) and ``hevc`` (libx265) through PyAV's bundled FFmpeg.

The yuv420p planes go to the encoder as ``av.VideoFrame``s built from the I420 bytes (no
colour conversion); the encoder's packets are concatenated into the raw Annex-B
elementary stream (parameter sets in band, no container), so ``8 × file size`` is every
bit the decoder needs. The quality knob is CRF (fractional values are valid in x264 and
x265, which lets the rate search hit a target closely); ``preset`` and further options
come from the task file. Decoding reads the stream file back with PyAV's raw ``h264`` /
``hevc`` demuxer and FFmpeg's native decoders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

from benchmarks.io.yuv import YuvFrame
from benchmarks.tokenizers.codecs.base import (
    CodecSettings,
    CodecTokenizer,
    EncoderMissing,
    read_i420,
)
from benchmarks.tokenizers.codecs.rate_search import Knob

# x264/x265 CRF range 0…51 (8-bit); the start values are near 0.034 bpp on small CIF-like
# content and only seed the search.
CRF = Knob(name="crf", low=0.0, high=51.0, start=35.0, integer=False, slope=-0.1)


def frame_rate(fps: float) -> Fraction:
    """29.97 → 30000/1001 (the NTSC rates), else the rate as a fraction."""
    for base in (24, 30, 60):
        if abs(fps - base * 1000 / 1001) < 0.01:
            return Fraction(base * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


class PyAVCodec(CodecTokenizer):
    encoder: str  # PyAV encoder name
    demuxer: str  # raw elementary-stream format for decoding

    def check_available(self) -> None:
        try:
            import av
        except ImportError as err:  # pragma: no cover - av is a dependency
            raise EncoderMissing(
                f"tokenizer {self.registry_name!r} needs PyAV: pip install av"
            ) from err
        if self.encoder not in av.codecs_available:
            raise EncoderMissing(
                f"tokenizer {self.registry_name!r}: encoder {self.encoder} is not in this PyAV "
                f"build (av {av.__version__}); install the PyPI wheel of av, which bundles it"
            )

    def encoder_options(self, knob: float, settings: CodecSettings) -> dict[str, str]:
        return {"preset": settings.preset, self.knob.name: f"{knob:g}", **settings.options}

    # the hook's signature restated, as an override does (`duplicates` pairs it with the base's)
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
        import av

        rate = frame_rate(fps)
        ctx = av.CodecContext.create(self.encoder, "w")
        ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
        ctx.time_base, ctx.framerate = 1 / rate, rate
        ctx.options = self.encoder_options(knob, settings)
        out = bytearray()
        for index, frame in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(frame.to_i420(), format="yuv420p")
            vf.pts = index
            for packet in ctx.encode(vf):
                out += bytes(packet)
        for packet in ctx.encode(None):
            out += bytes(packet)
        return bytes(out)

    def decode_file(self, path: str | Path) -> Iterator[YuvFrame]:
        import av

        with av.open(str(path), format=self.demuxer) as container:
            for frame in container.decode(video=0):
                if frame.format.name != "yuv420p":
                    frame = frame.reformat(format="yuv420p")
                yield read_i420(frame.to_ndarray(), frame.width, frame.height)


class H264Codec(PyAVCodec):
    """H.264/AVC (ITU-T H.264) by x264."""

    registry_name, extension, encoder, demuxer = "h264", "264", "libx264", "h264"
    knob = CRF
    license = "x264: GPL-2.0-or-later (bundled in the PyAV wheel)"


class HevcCodec(PyAVCodec):
    """H.265/HEVC (ITU-T H.265) by x265."""

    registry_name, extension, encoder, demuxer = "hevc", "265", "libx265", "hevc"
    knob = CRF
    license = "x265: GPL-2.0-or-later (bundled in the PyAV wheel)"

    def encoder_options(self, knob: float, settings: CodecSettings) -> dict[str, str]:
        options = super().encoder_options(knob, settings)
        # x265 prints its banner and per-encode statistics on stderr unless told not to
        params = options.pop("x265-params", "")
        options["x265-params"] = ":".join(p for p in ("log-level=error", params) if p)
        return options


def create_h264(*, quality: float | None = None, preset: str = "medium") -> H264Codec:
    """H.264 (libx264); ``quality`` = CRF of the generic ``encode`` (default 35)."""
    return H264Codec(quality=quality, preset=preset)


def create_hevc(*, quality: float | None = None, preset: str = "medium") -> HevcCodec:
    """HEVC (libx265); ``quality`` = CRF of the generic ``encode`` (default 35)."""
    return HevcCodec(quality=quality, preset=preset)
