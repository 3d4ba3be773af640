"""``pyratok-release``: the officially released PyraTok checkpoint behind ``VideoTokenizer``.

The model side (folder layout, residual sign quantizer, 17-frame windows) lives in
``pyratok.release``; this adapter adds padding to whole latent cells, optional spatial tiling
and the ``Encoded`` bookkeeping:

- ``features``: one tensor per level, the scaled codes ``±2^-i``, ``(b, 16, t', h', w')``;
- ``indices``: one int64 tensor per level, ``(b, t', h', w')`` in ``[0, 2^16)``;
- ``bits``: ``16 × (sum over levels of t' * h' * w')`` per clip; ``bits_per_token`` is 16,
  the bits of one token index (one level's 16 sign bits), like every other tokenizer's;
- ``latent``: the decoder input, the sum of the levels.

All 4 levels share the latent grid (stride 4 × 8 × 8). The encoder restarts its causal
state every 17 frames (``window_frames``), so latent step 5k codes frame 17k alone;
``features()`` follows that layout and crops the padded cells away.

With tiling on, tiles of the continuous posterior mean are blended first and the blended
latent is quantized once, so tiling never changes the token grid.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.diffusers_folder import parse_dtype
from benchmarks.tokenizers.padding import crop_video, pad_video
from benchmarks.tokenizers.tiling import decode_in_tiles, encode_in_tiles, resolve_tiling
from pyratok.release import (
    LATENT_CHANNELS,
    SPATIAL_COMPRESSION,
    TEMPORAL_COMPRESSION,
    WINDOW_FRAMES,
    PyraTokRelease,
    indices_to_latent,
)

LICENSE = "unspecified (the public PyraTok repository ships no licence file)"


class PyraTokReleaseTokenizer(VideoTokenizer):
    """The released PyraTok tokenizer: 4 residual sign levels on a Wan 2.1 VAE latent.

    Args:
        model: the loaded release model.
        weights: where the weights come from (the folder path).
        tile_size: largest spatial tile in pixels (a multiple of 8), or ``None`` for no tiling.
        tile_overlap: tile overlap in pixels (default: a quarter of the tile).
    """

    def __init__(
        self,
        model: PyraTokRelease,
        *,
        weights: str,
        tile_size: int | None = None,
        tile_overlap: int | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.tiling = resolve_tiling(tile_size, tile_overlap, SPATIAL_COMPRESSION)
        self.spec = TokenizerSpec(
            name="pyratok-release",
            n_params=sum(p.numel() for p in model.parameters()),
            vocab_size=2**LATENT_CHANNELS,
            bits_per_token=float(LATENT_CHANNELS),  # one index = one level's sign bits
            latent_channels=LATENT_CHANNELS,
            feature_dim=LATENT_CHANNELS,
            spatial_compression=SPATIAL_COMPRESSION,
            temporal_compression=TEMPORAL_COMPRESSION,
            frame_convention="causal",
            weights=weights,
            license=LICENSE,
            capabilities=frozenset({"decode", "features", "bits"}),
            level_strides=((TEMPORAL_COMPRESSION, SPATIAL_COMPRESSION, SPATIAL_COMPRESSION),)
            * model.num_levels,
            window_frames=WINDOW_FRAMES,
        )

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1]; ``texts`` are ignored (conditioning is off)."""
        check_video(video)
        b, _, t, h, w = video.shape
        x = pad_video(video, spatial_multiple=SPATIAL_COMPRESSION, frames_to=t)
        x = x.to(device=self.device, dtype=torch.float32)
        latent = encode_in_tiles(
            self.model.encode_latent, x, self.tiling, spatial_compression=SPATIAL_COMPRESSION
        )
        codes = self.model.quantize(latent)
        cells_per_clip = sum(idx[0].numel() for idx in codes.indices)
        bits = torch.full((b,), cells_per_clip * self.spec.bits_per_token, dtype=torch.float64)
        return Encoded(
            features=codes.codes,
            indices=codes.indices,
            bits=bits,
            num_frames=t,
            frame_size=(h, w),
            latent=codes.latent,
        )

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode the summed levels (or, without ``latent``, the indices) to ``(b, 3, t, h, w)``."""
        if encoded.latent is not None:
            latent = encoded.latent
        elif encoded.indices is not None:
            latent = indices_to_latent(encoded.indices, num_channels=LATENT_CHANNELS)
        else:
            raise ValueError("pyratok-release decodes from Encoded.latent or Encoded.indices")
        latent = latent.to(self.device)
        video = decode_in_tiles(
            self.model.decode_latent, latent, self.tiling, spatial_compression=SPATIAL_COMPRESSION
        )
        return crop_video(video, num_frames=encoded.num_frames, frame_size=encoded.frame_size)


def create_pyratok_release(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
) -> PyraTokReleaseTokenizer:
    """The released PyraTok checkpoint from a local folder.

    Args:
        path: folder with ``config.json`` (``_class_name`` ``AutoencoderKLPyraTok`` or
            ``AutoencoderKLWan``) and ``diffusion_pytorch_model.safetensors`` (``~`` expanded).
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"`` for the VAE; the
            latent is quantized in float32.
        tile_size: largest spatial tile in pixels, a multiple of 8 (``None``: no tiling).
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
    """
    folder = Path(path).expanduser()
    model = PyraTokRelease.from_folder(folder, dtype=parse_dtype(dtype))
    return PyraTokReleaseTokenizer(
        model, weights=str(folder), tile_size=tile_size, tile_overlap=tile_overlap
    )
