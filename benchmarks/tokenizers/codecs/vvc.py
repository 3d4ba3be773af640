"""``vvc``: H.266/VVC by Fraunhofer VVenC, through the FFmpeg binary of ``imageio-ffmpeg``.

PyAV's FFmpeg has no VVC encoder; the static FFmpeg shipped in the ``imageio-ffmpeg``
wheel has ``libvvenc``. VVenC takes only 10-bit input, so the 8-bit planes are widened
exactly (``x << 2``, done here, not by swscale) and piped to ``ffmpeg -f rawvideo
-pix_fmt yuv420p10le``; the raw elementary stream is written with ``-f vvc``. Decoding uses
PyAV's native VVC decoder and narrows the 10-bit output back to 8 bits by rounding
(``(x + 2) >> 2``) before scoring against the 8-bit source. The knob is VVenC's QP
(integers 0…63, so the rate search may end between two QPs); perceptual QP adaptation
(``qpa``) is off by default in the task file because the task scores PSNR.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from benchmarks.io.yuv import YuvFrame
from benchmarks.tokenizers.codecs.base import CodecSettings, CodecTokenizer, EncoderMissing
from benchmarks.tokenizers.codecs.rate_search import Knob

QP = Knob(name="qp", low=0.0, high=63.0, start=37.0, integer=True, slope=-0.1)


@functools.cache
def ffmpeg_with_vvenc() -> str:
    """Path of an FFmpeg binary with ``libvvenc``, or :class:`EncoderMissing`."""
    try:
        import imageio_ffmpeg
    except ImportError as err:
        raise EncoderMissing(
            "tokenizer 'vvc' needs the FFmpeg binary of imageio-ffmpeg: pip install imageio-ffmpeg"
        ) from err
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    try:
        listing = subprocess.run(
            [exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        raise EncoderMissing(f"tokenizer 'vvc': cannot run {exe}: {err}") from err
    if " libvvenc " not in listing:
        raise EncoderMissing(
            f"tokenizer 'vvc': {exe} has no libvvenc encoder; install an imageio-ffmpeg "
            "wheel whose FFmpeg is built with VVenC (FFmpeg >= 7.1, e.g. imageio-ffmpeg 0.6)"
        )
    return exe


class VvcCodec(CodecTokenizer):
    """H.266/VVC (ITU-T H.266) by VVenC."""

    registry_name, extension = "vvc", "266"
    knob = QP
    license = "VVenC: BSD-3-Clause-Clear; FFmpeg binary of imageio-ffmpeg: GPL (static build)"

    def check_available(self) -> None:
        ffmpeg_with_vvenc()

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
        exe = ffmpeg_with_vvenc()
        options = {"preset": settings.preset, "qp": str(int(knob)), **settings.options}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "stream.266"
            command = [
                exe,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "yuv420p10le",
                "-s",
                f"{width}x{height}",
                "-r",
                f"{fps:g}",
                "-i",
                "pipe:0",
                "-c:v",
                "libvvenc",
            ]
            for key, value in options.items():
                command += [f"-{key}", str(value)]
            command += ["-f", "vvc", str(out)]
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.stdin is not None
            try:
                for frame in frames:
                    for plane in (frame.y, frame.u, frame.v):
                        proc.stdin.write((plane.astype("<u2") << 2).tobytes())
                proc.stdin.close()
            except BrokenPipeError:
                pass
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.wait() != 0 or not out.is_file():
                last = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
                raise RuntimeError(f"vvc: ffmpeg/libvvenc failed: {last}")
            return out.read_bytes()

    def decode_file(self, path: str | Path) -> Iterator[YuvFrame]:
        import av

        with av.open(str(path), format="vvc") as container:
            for frame in container.decode(video=0):
                if frame.format.name != "yuv420p10le":
                    frame = frame.reformat(format="yuv420p10le")
                planes = [np.asarray(p, dtype=np.uint16) for p in _planes16(frame)]
                y, u, v = (
                    ((p.astype(np.uint32) + 2) >> 2).clip(0, 255).astype(np.uint8) for p in planes
                )
                yield YuvFrame(y, u, v)


def _planes16(frame) -> list[np.ndarray]:
    """The three 16-bit planes of a ``yuv420p10le`` frame, cropped to the picture."""
    out = []
    for index, plane in enumerate(frame.planes):
        w = frame.width if index == 0 else frame.width // 2
        h = frame.height if index == 0 else frame.height // 2
        rows = np.frombuffer(plane, dtype="<u2").reshape(-1, plane.line_size // 2)
        out.append(rows[:h, :w])
    return out


def create_vvc(*, quality: float | None = None, preset: str = "medium") -> VvcCodec:
    """VVC (libvvenc via imageio-ffmpeg's FFmpeg); ``quality`` = QP of the generic
    ``encode`` (default 37)."""
    return VvcCodec(quality=quality, preset=preset)
