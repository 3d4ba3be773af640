"""Pretrained diffusers image autoencoders as per-frame video tokenizers, from a local folder.

Registry name → diffusers class (one table row each, ``IMAGE_FAMILIES``):

- ``sd-vae`` → ``AutoencoderKL`` (Rombach et al., High-Resolution Image Synthesis with
  Latent Diffusion Models, CVPR 2022): the Stable Diffusion 1.x/2.x and SDXL VAEs (4
  channels, 8×), the SD3 and FLUX.1 VAEs (16 channels, 8×). Continuous; ``encode`` gives
  the posterior mean (``sample=True``: one draw).
- ``dc-ae`` → ``AutoencoderDC`` (Chen et al., Deep Compression Autoencoder for Efficient
  High-Resolution Diffusion Models, ICLR 2025; SANA's autoencoder, 32 channels, 32×).
  Continuous and deterministic: ``encode().latent``.
- ``vqgan`` → ``VQModel`` (Esser et al., Taming Transformers, CVPR 2021; the VQGAN layout
  LDM's VQ-f4/f8 and Kandinsky's MoVQ use): discrete, in ``benchmarks.tokenizers.diffusers_vqgan``.

Each works on frames: the clip's frames are folded into the batch (``(b t) 3 h w``), so a
COCO image is a 1-frame clip and a video any number of frames (``frame_convention="any"``,
temporal compression 1). Channels and spatial compression are read from the loaded model's
config (the keys its class writes with ``save_pretrained``), by the rule of its diffusers
0.42.1 encoder: ``vae.Encoder`` halves ``h`` and ``w`` in every down block but the last;
``autoencoder_dc.Encoder`` after every block but the last that has layers, and in its input
convolution when the first block has none. No ``scaling_factor`` / ``shift_factor`` is
applied: the adapter hands out the raw latent the decoder takes back.

Frames are padded by edge replication to multiples of the spatial compression and cropped
back after decoding (``benchmarks.tokenizers.padding``). Large frames are tiled as the video
VAEs are (``benchmarks.tokenizers.tiling``: ``tile_size`` / ``tile_overlap`` in pixels, or
by themselves above ``max_untiled_pixels``), never by diffusers' own tiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.diffusers_folder import check_vae_folder, load_diffusers_vae, parse_dtype
from benchmarks.tokenizers.padding import crop_video, pad_video
from benchmarks.tokenizers.tiling import (
    DEFAULT_MAX_UNTILED_PIXELS,
    auto_tiling,
    automatic_tiling,
    check_max_untiled_pixels,
    decode_in_tiles,
    encode_in_tiles,
    resolve_tiling,
)

Config = Any  # a diffusers model's ``config`` (a FrozenDict with attribute access)

__all__ = [
    "AUTOENCODER_DC",
    "AUTOENCODER_KL",
    "IMAGE_FAMILIES",
    "VQ_MODEL",
    "DiffusersImageVAE",
    "ImageFamily",
    "create_dc_ae",
    "create_sd_vae",
    "load_image_model",
]


# the table ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ImageFamily:
    """One registry entry: which diffusers class, how its config gives the latent grid.

    Attributes:
        name: registry name.
        class_name: the diffusers class, and the ``_class_name`` its folder's config holds.
        license: licence of the weights (these families load whichever release you give).
        channels: config → channels of the latent the decoder reads.
        spatial: config → pixels per latent cell along ``h`` and ``w``.
        subfolders: where a pipeline repository keeps the model (named in errors).
    """

    name: str
    class_name: str
    license: str
    channels: Callable[[Config], int]
    spatial: Callable[[Config], int]
    subfolders: tuple[str, ...] = ("vae",)


def _down_blocks_spatial(cfg: Config) -> int:
    # diffusers vae.Encoder: add_downsample=not is_final_block, one 2x stage per block but one
    return 2 ** (len(cfg.block_out_channels) - 1)


def _dc_spatial(cfg: Config) -> int:
    # autoencoder_dc.Encoder: a down block after block i < n - 1 only when it has layers; a
    # first block without layers makes conv_in itself a down block
    layers = list(cfg.encoder_layers_per_block)
    stages = int(layers[0] == 0) + sum(1 for n in layers[:-1] if n > 0)
    return 2**stages


_WEIGHTS_LICENSE = "that of the loaded weights (see the release's model card)"

AUTOENCODER_KL = ImageFamily(
    name="sd-vae",
    class_name="AutoencoderKL",
    license=_WEIGHTS_LICENSE,
    channels=lambda cfg: int(cfg.latent_channels),
    spatial=_down_blocks_spatial,
)
AUTOENCODER_DC = ImageFamily(
    name="dc-ae",
    class_name="AutoencoderDC",
    license=_WEIGHTS_LICENSE,
    channels=lambda cfg: int(cfg.latent_channels),
    spatial=_dc_spatial,
)
VQ_MODEL = ImageFamily(
    name="vqgan",
    class_name="VQModel",
    license=_WEIGHTS_LICENSE,
    # the decoder reads the codebook vectors (vq_embed_dim, default latent_channels)
    channels=lambda cfg: int(cfg.vq_embed_dim or cfg.latent_channels),
    spatial=_down_blocks_spatial,
    subfolders=("vqvae", "movq"),  # LDM / aMUSEd pipelines, Kandinsky 2.2
)
IMAGE_FAMILIES: dict[str, ImageFamily] = {
    f.name: f for f in (AUTOENCODER_KL, AUTOENCODER_DC, VQ_MODEL)
}


# adapter ------------------------------------------------------------------------------------


def fold_frames(video: Tensor) -> Tensor:
    """``(b, c, t, h, w)`` → ``(b t, c, h, w)``, contiguous (a channels-last view, such as
    gathered codebook rows give, would send the convolutions down another kernel)."""
    b, c, t, h, w = video.shape
    return video.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w).contiguous()


def unfold_frames(frames: Tensor, batch: int) -> Tensor:
    """``(b t, c, h, w)`` → ``(b, c, t, h, w)``."""
    bt, c, h, w = frames.shape
    return frames.reshape(batch, bt // batch, c, h, w).permute(0, 2, 1, 3, 4)


class DiffusersImageVAE(VideoTokenizer):
    """A diffusers image autoencoder applied frame by frame, behind ``VideoTokenizer``.

    Continuous: ``encode`` gives the latent ``(b, c, t, h', w')``. Subclasses change what a
    frame encodes to (``_encode_frames``: what the tiles blend), how that becomes an
    ``Encoded`` (``_encoded``) and what ``decode`` reads (``_decoder_input``).

    Args:
        model: the loaded diffusers model.
        family: which family it is (class, geometry).
        weights: where the weights come from (the folder path).
        tile_size: largest spatial tile in pixels, or ``None``.
        tile_overlap: overlap between tiles in pixels (default: a quarter of the tile).
        max_untiled_pixels: without ``tile_size``, frames of more pixels are tiled by
            themselves; ``None``: never.
        sample: ``AutoencoderKL`` only: draw from the posterior instead of its mean.
        unit_range: the model takes and gives images in [0, 1], not [-1, 1].
        vocab_size: codebook size of a discrete subclass; ``None``: continuous.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        family: ImageFamily,
        weights: str,
        tile_size: int | None = None,
        tile_overlap: int | None = None,
        max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
        sample: bool = False,
        unit_range: bool = False,
        vocab_size: int | None = None,
    ) -> None:
        super().__init__()
        for key, value in (("sample", sample), ("unit_range", unit_range)):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false, got {value!r}")
        check_max_untiled_pixels(max_untiled_pixels)
        self.model = model
        self.family = family
        self.spatial_compression = family.spatial(model.config)
        self.tiling = resolve_tiling(tile_size, tile_overlap, self.spatial_compression)
        self.auto_tiling = automatic_tiling(self.spatial_compression)
        self.max_untiled_pixels = max_untiled_pixels
        self.sample = sample
        self.unit_range = unit_range
        channels = family.channels(model.config)
        discrete = vocab_size is not None
        self.spec = TokenizerSpec(
            name=family.name,
            n_params=sum(p.numel() for p in model.parameters()),
            vocab_size=vocab_size,
            bits_per_token=math.log2(vocab_size) if discrete else None,
            latent_channels=channels,
            feature_dim=channels,
            spatial_compression=self.spatial_compression,
            temporal_compression=1,
            frame_convention="any",
            weights=weights,
            license=family.license,
            capabilities=frozenset({"decode", "features"} | ({"bits"} if discrete else set())),
        )

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    def tiling_for(self, h: int, w: int) -> tuple[int, int] | None:
        """``(tile, overlap)`` in pixels for frames of ``h × w`` (padded), or ``None``."""
        return auto_tiling(
            self.tiling, self.auto_tiling, pixels=h * w,
            max_untiled_pixels=self.max_untiled_pixels,
        )

    # per kind ---------------------------------------------------------------------------------

    def _encode_frames(self, frames: Tensor) -> Tensor:
        """``(n, 3, h, w)`` → what the tiles blend, ``(n, k, h', w')``: here the posterior's
        mean and log-variance (``AutoencoderKL``)."""
        dist = self.model.encode(frames).latent_dist
        return torch.cat([dist.mean, dist.logvar], dim=1)

    def _encoded(self, raw: Tensor, *, num_frames: int, frame_size: tuple[int, int]) -> Encoded:
        """The blended ``_encode_frames`` output ``(b, k, t, h', w')`` (float32) as ``Encoded``."""
        mean, logvar = raw.chunk(2, dim=1)
        latent = mean
        if self.sample:
            latent = mean + torch.exp(0.5 * logvar.clamp(-30.0, 20.0)) * torch.randn_like(mean)
        return Encoded(features=[latent], indices=None, bits=None, num_frames=num_frames,
                       frame_size=frame_size)

    def _decoder_input(self, encoded: Encoded) -> Tensor:
        """``(b, c, t, h', w')``: the latent ``_decode_frames`` takes."""
        return encoded.latent if encoded.latent is not None else encoded.features[0]

    def _decode_frames(self, latent: Tensor) -> Tensor:
        """``(n, c, h', w')`` → ``(n, 3, h, w)``."""
        return self.model.decode(latent).sample

    # interface --------------------------------------------------------------------------------

    def _encode_clip(self, video: Tensor) -> Tensor:
        return unfold_frames(self._encode_frames(fold_frames(video)), video.shape[0])

    def _decode_clip(self, latent: Tensor) -> Tensor:
        return unfold_frames(self._decode_frames(fold_frames(latent)), latent.shape[0])

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1], frame by frame (``texts`` are ignored)."""
        check_video(video)
        _, _, t, h, w = video.shape
        s = self.spatial_compression
        x = pad_video(video, spatial_multiple=s, frames_to=t)
        x = x.to(device=self.device, dtype=self.dtype)
        if self.unit_range:
            x = (x + 1) / 2
        raw = encode_in_tiles(self._encode_clip, x, self.tiling_for(*x.shape[-2:]),
                              spatial_compression=s)
        return self._encoded(raw.float(), num_frames=t, frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode to ``(b, 3, num_frames, h, w)`` float32 in [-1, 1]."""
        z = self._decoder_input(encoded).to(device=self.device, dtype=self.dtype)
        s = self.spatial_compression
        tiling = self.tiling_for(z.shape[-2] * s, z.shape[-1] * s)
        video = decode_in_tiles(self._decode_clip, z, tiling, spatial_compression=s).float()
        if self.unit_range:
            video = video * 2 - 1
        return crop_video(video, num_frames=encoded.num_frames, frame_size=encoded.frame_size)


class DiffusersDCAE(DiffusersImageVAE):
    """``AutoencoderDC``: a deterministic encoder, ``encode().latent``."""

    def _encode_frames(self, frames: Tensor) -> Tensor:
        return self.model.encode(frames).latent

    def _encoded(self, raw: Tensor, *, num_frames: int, frame_size: tuple[int, int]) -> Encoded:
        return Encoded(features=[raw], indices=None, bits=None, num_frames=num_frames,
                       frame_size=frame_size)


# factories ----------------------------------------------------------------------------------


def load_image_model(path: str | Path, family: ImageFamily, dtype: str) -> tuple[nn.Module, str]:
    """The checked folder's model (safetensors only, eval mode) and the folder path."""
    folder = check_vae_folder(path, class_name=family.class_name, subfolders=family.subfolders)
    model = load_diffusers_vae(folder, class_name=family.class_name, dtype=parse_dtype(dtype))
    return model, str(folder)


def create_sd_vae(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersImageVAE:
    """An ``AutoencoderKL`` (SD 1.x/2.x, SDXL, SD3, FLUX.1 VAE) from a local diffusers folder.

    Args:
        path: folder with ``config.json`` and ``diffusion_pytorch_model.safetensors`` (for a
            pipeline repository its ``vae/`` sub-folder; ``~`` is expanded).
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"``.
        tile_size: largest spatial tile in pixels, a multiple of the spatial compression.
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
        sample: draw from the posterior instead of using its mean.
        max_untiled_pixels: without ``tile_size``, frames of more pixels are tiled by
            themselves; ``null``: never.
    """
    model, weights = load_image_model(path, AUTOENCODER_KL, dtype)
    return DiffusersImageVAE(model, family=AUTOENCODER_KL, weights=weights, tile_size=tile_size,
                             tile_overlap=tile_overlap, max_untiled_pixels=max_untiled_pixels,
                             sample=sample)


def create_dc_ae(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersImageVAE:
    """An ``AutoencoderDC`` (DC-AE, SANA) from a local diffusers folder.

    Args:
        path: folder with ``config.json`` and ``diffusion_pytorch_model.safetensors``
            (``~`` is expanded); the ``-diffusers`` releases are in this layout.
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"``.
        tile_size: largest spatial tile in pixels, a multiple of the spatial compression.
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
        max_untiled_pixels: without ``tile_size``, frames of more pixels are tiled by
            themselves; ``null``: never.
    """
    model, weights = load_image_model(path, AUTOENCODER_DC, dtype)
    return DiffusersDCAE(model, family=AUTOENCODER_DC, weights=weights, tile_size=tile_size,
                         tile_overlap=tile_overlap, max_untiled_pixels=max_untiled_pixels)
