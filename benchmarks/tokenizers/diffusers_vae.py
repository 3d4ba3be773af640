"""Adapters for pretrained diffusers video VAEs, loaded from a local folder.

Families (registry name → diffusers class):

- ``wan2.1`` / ``wan2.2`` → ``AutoencoderKLWan`` (Wan: Open and Advanced Large-Scale Video
  Generative Models, 2025). 2.1: 16 channels, 8× spatial; 2.2: 48 channels, 16× spatial
  through ``patch_size`` 2. Both 4× causal temporal.
- ``cogvideox`` → ``AutoencoderKLCogVideoX`` (CogVideoX, Yang et al. 2024): 8× / 4× causal.
- ``mochi`` → ``AutoencoderKLMochi`` (Mochi 1, Genmo 2024): 8× / 6× causal.
- ``svd`` → ``AutoencoderKLTemporalDecoder`` (Stable Video Diffusion, Blattmann et al.
  2023): a per-frame image encoder and a temporal decoder; no temporal compression.

The folder is what ``save_pretrained`` writes (for a Hugging Face pipeline repo, its ``vae/``
sub-folder): ``config.json`` with the expected ``_class_name`` and
``diffusion_pytorch_model.safetensors`` (or a sharded ``.safetensors.index.json``). Only
safetensors are loaded; pickled ``.bin`` weights are refused. Every spec number (channels,
compression) is read from the folder's config.

``encode`` returns the posterior mean (``sample=True``: one draw from the posterior) of the
raw latent; no ``scaling_factor`` / ``latents_mean`` normalisation is applied since the
decoder takes the raw latent back. Inputs are padded by edge replication to a frame size that
is a multiple of the spatial compression and to a clip length the model handles (``4k + 1``
for Wan, ``8k + 1`` for CogVideoX, whose decoder works in pairs of latent steps after the
first, ``6k + 1`` for Mochi); ``decode`` crops and trims back to the encoded size, and
``features()`` (the latent, ``feature_dim`` = latent channels) crops the padded cells away.

Large frames are tiled by ``benchmarks.tokenizers.tiling`` (``tile_size`` / ``tile_overlap``,
in pixels), never by diffusers' own tiling. Without ``tile_size``, tiling switches on by
itself for frames of more than ``max_untiled_pixels`` pixels (default
``DEFAULT_MAX_UNTILED_PIXELS``, 1024 × 1024), with ``AUTO_TILE_SIZE`` (512) pixel tiles: an
untiled 5-frame 2160 × 3840 clip peaks at ~12.5 GiB through even a tiny Wan VAE, a tiled one
at ~2 GiB. ``max_untiled_pixels=null`` keeps every frame in one pass.
Adapters keep no state between calls (diffusers'
Wan resets its internal feature cache inside each ``encode`` / ``decode`` call).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks.tokenizers.base import (
    Encoded,
    FrameConvention,
    TokenizerSpec,
    VideoTokenizer,
    check_video,
)
from benchmarks.tokenizers.diffusers_folder import check_vae_folder, load_diffusers_vae, parse_dtype
from benchmarks.tokenizers.tiling import (
    AUTO_TILE_SIZE,
    DEFAULT_MAX_UNTILED_PIXELS,
    auto_tiling,
    resolve_tiling,
    tiled_decode,
    tiled_encode,
)

# fitting clips to the latent grid (also used by the PyraTok release adapter) -------------


def pad_video(video: Tensor, *, spatial_multiple: int, frames_to: int) -> Tensor:
    """Pad ``(b, 3, t, h, w)`` by edge replication at the end of ``t``, ``h`` and ``w``.

    ``h`` and ``w`` grow to multiples of ``spatial_multiple``; ``t`` grows to ``frames_to``.
    """
    _, _, t, h, w = video.shape
    pad_t = frames_to - t
    pad_h = -h % spatial_multiple
    pad_w = -w % spatial_multiple
    if pad_t < 0:
        raise ValueError(f"cannot pad {t} frames down to {frames_to}")
    if pad_t == pad_h == pad_w == 0:
        return video
    # F.pad order: (w_left, w_right, h_top, h_bottom, t_front, t_back)
    return F.pad(video, (0, pad_w, 0, pad_h, 0, pad_t), mode="replicate")


def padded_num_frames(num_frames: int, *, convention: FrameConvention, multiple: int) -> int:
    """Smallest clip length ``>= num_frames`` the model takes (``k * multiple + 1`` if causal)."""
    if convention == "causal":
        return num_frames + (-(num_frames - 1)) % multiple
    if convention == "blocks":
        return max(multiple, math.ceil(num_frames / multiple) * multiple)
    return num_frames


# families ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    """Latent layout of a loaded VAE, read from its config.

    Attributes:
        latent_channels: channels of the latent.
        spatial_compression: pixels per latent cell along ``h`` and ``w``.
        temporal_compression: frames per latent step.
        frame_multiple: clips are padded to ``k * frame_multiple + 1`` frames (causal) before
            encoding; ``1`` for per-frame models.
    """

    latent_channels: int
    spatial_compression: int
    temporal_compression: int
    frame_multiple: int


def _wan_geometry(vae: nn.Module) -> Geometry:
    cfg = vae.config
    temporal = 2 ** sum(bool(d) for d in cfg.temperal_downsample)
    return Geometry(
        latent_channels=int(cfg.z_dim),
        spatial_compression=(cfg.patch_size or 1) * 2 ** (len(cfg.dim_mult) - 1),
        temporal_compression=temporal,
        frame_multiple=temporal,
    )


def _cogvideox_geometry(vae: nn.Module) -> Geometry:
    cfg = vae.config
    temporal = int(cfg.temporal_compression_ratio)
    return Geometry(
        latent_channels=int(cfg.latent_channels),
        spatial_compression=2 ** (len(cfg.block_out_channels) - 1),
        temporal_compression=temporal,
        # the decoder takes latent steps in pairs after the first: 1 + 2k steps, 8k + 1 frames
        frame_multiple=temporal * int(getattr(vae, "num_latent_frames_batch_size", 2)),
    )


def _mochi_geometry(vae: nn.Module) -> Geometry:
    cfg = vae.config
    temporal = math.prod(cfg.temporal_expansions)
    return Geometry(
        latent_channels=int(cfg.latent_channels),
        spatial_compression=math.prod(cfg.spatial_expansions),
        temporal_compression=temporal,
        frame_multiple=temporal,
    )


def _svd_geometry(vae: nn.Module) -> Geometry:
    cfg = vae.config
    return Geometry(
        latent_channels=int(cfg.latent_channels),
        spatial_compression=2 ** (len(cfg.block_out_channels) - 1),
        temporal_compression=1,
        frame_multiple=1,
    )


@dataclass(frozen=True)
class VAEFamily:
    """One registry entry: which diffusers class, how to read its geometry, its licence."""

    name: str
    class_name: str
    geometry: Callable[[nn.Module], Geometry]
    frame_convention: FrameConvention
    license: str
    per_frame: bool = False  # 2-D encoder, temporal decoder (SVD)


WAN21 = VAEFamily(
    name="wan2.1",
    class_name="AutoencoderKLWan",
    geometry=_wan_geometry,
    frame_convention="causal",
    license="Apache-2.0 (Wan2.1 VAE, Wan-AI)",
)
WAN22 = VAEFamily(
    name="wan2.2",
    class_name="AutoencoderKLWan",
    geometry=_wan_geometry,
    frame_convention="causal",
    license="Apache-2.0 (Wan2.2 VAE, Wan-AI)",
)
COGVIDEOX = VAEFamily(
    name="cogvideox",
    class_name="AutoencoderKLCogVideoX",
    geometry=_cogvideox_geometry,
    frame_convention="causal",
    license=(
        "Apache-2.0 (VAE of the CogVideoX-2B release; the CogVideoX-5B transformer is under "
        "the CogVideoX License)"
    ),
)
MOCHI = VAEFamily(
    name="mochi",
    class_name="AutoencoderKLMochi",
    geometry=_mochi_geometry,
    frame_convention="causal",
    license="Apache-2.0 (Mochi 1 preview, Genmo)",
)
SVD = VAEFamily(
    name="svd",
    class_name="AutoencoderKLTemporalDecoder",
    geometry=_svd_geometry,
    frame_convention="any",
    license=(
        "stable-video-diffusion-community (Stability AI Community License; first released "
        "under the non-commercial stable-video-diffusion-nc-community licence)"
    ),
    per_frame=True,
)


# adapter -------------------------------------------------------------------------------------


class DiffusersVideoVAE(VideoTokenizer):
    """A continuous diffusers video VAE behind the ``VideoTokenizer`` interface.

    Args:
        vae: the loaded diffusers model.
        family: which family it is (class, geometry, licence).
        weights: where the weights come from (the folder path).
        tile_size: spatial tile in pixels, or ``None`` for no tiling.
        tile_overlap: overlap between tiles in pixels (default: a quarter of the tile).
        sample: draw from the posterior instead of taking its mean.
        max_untiled_pixels: without ``tile_size``, frames with more pixels (``h * w``) than
            this are tiled with ``AUTO_TILE_SIZE`` tiles; ``None``: never tiled by itself.
    """

    def __init__(
        self,
        vae: nn.Module,
        *,
        family: VAEFamily,
        weights: str,
        tile_size: int | None = None,
        tile_overlap: int | None = None,
        sample: bool = False,
        max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
    ) -> None:
        super().__init__()
        self.vae = vae
        self.family = family
        self.geometry = family.geometry(vae)
        self.tiling = resolve_tiling(tile_size, tile_overlap, self.geometry.spatial_compression)
        # tiles for frames above max_untiled_pixels when tile_size is not given
        self.auto_tiling = resolve_tiling(
            max(AUTO_TILE_SIZE // self.geometry.spatial_compression, 1)
            * self.geometry.spatial_compression,
            None,
            self.geometry.spatial_compression,
        )
        if max_untiled_pixels is not None and (
            isinstance(max_untiled_pixels, bool)
            or not isinstance(max_untiled_pixels, int)
            or max_untiled_pixels < 1
        ):
            raise ValueError(
                f"max_untiled_pixels must be a positive number of pixels or null, "
                f"got {max_untiled_pixels!r}"
            )
        self.max_untiled_pixels = max_untiled_pixels
        self.sample = bool(sample)
        self.spec = TokenizerSpec(
            name=family.name,
            n_params=sum(p.numel() for p in vae.parameters()),
            vocab_size=None,
            bits_per_token=None,
            latent_channels=self.geometry.latent_channels,
            feature_dim=self.geometry.latent_channels,
            spatial_compression=self.geometry.spatial_compression,
            temporal_compression=self.geometry.temporal_compression,
            frame_convention=family.frame_convention,
            weights=weights,
            license=family.license,
            capabilities=frozenset({"decode", "features"}),
        )

    def tiling_for(self, h: int, w: int) -> tuple[int, int] | None:
        """``(tile, overlap)`` in pixels for frames of ``h × w`` (padded), or ``None``."""
        return auto_tiling(
            self.tiling, self.auto_tiling, pixels=h * w,
            max_untiled_pixels=self.max_untiled_pixels,
        )

    @property
    def dtype(self) -> torch.dtype:
        return next(self.vae.parameters()).dtype

    # one untiled pass -----------------------------------------------------------------------

    def _moments(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` → posterior mean and log-variance ``(b, 2c, t', h', w')``."""
        if self.family.per_frame:
            b, _, t, h, w = video.shape
            frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, 3, h, w)  # (b t) 3 h w
            dist = self.vae.encode(frames).latent_dist
            moments = torch.cat([dist.mean, dist.logvar], dim=1)  # (b t) 2c h' w'
            return moments.reshape(b, t, *moments.shape[1:]).permute(0, 2, 1, 3, 4)
        dist = self.vae.encode(video).latent_dist
        return torch.cat([dist.mean, dist.logvar], dim=1)

    def _decode_latent(self, latent: Tensor) -> Tensor:
        """``(b, c, t', h', w')`` → ``(b, 3, t, h, w)`` (untrimmed)."""
        if self.family.per_frame:
            b, c, t, h, w = latent.shape
            frames = latent.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)  # (b t) c h' w'
            out = self.vae.decode(frames, num_frames=t).sample  # (b t) 3 h w
            return out.reshape(b, t, *out.shape[1:]).permute(0, 2, 1, 3, 4)
        return self.vae.decode(latent).sample

    # interface ------------------------------------------------------------------------------

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1] to the latent ``(b, c, t', h', w')`` (float32)."""
        check_video(video)
        _, _, t, h, w = video.shape
        g = self.geometry
        frames_to = padded_num_frames(
            t, convention=self.family.frame_convention, multiple=g.frame_multiple
        )
        x = pad_video(video, spatial_multiple=g.spatial_compression, frames_to=frames_to)
        x = x.to(device=self.device, dtype=self.dtype)
        tiling = self.tiling_for(*x.shape[-2:])
        if tiling is None:
            moments = self._moments(x)
        else:
            tile, overlap = tiling
            moments = tiled_encode(
                self._moments,
                x,
                tile=tile,
                overlap=overlap,
                spatial_compression=g.spatial_compression,
            )
        mean, logvar = moments.float().chunk(2, dim=1)
        latent = mean
        if self.sample:
            latent = mean + torch.exp(0.5 * logvar.clamp(-30.0, 20.0)) * torch.randn_like(mean)
        return Encoded(features=[latent], indices=None, bits=None, num_frames=t, frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode to ``(b, 3, num_frames, h, w)`` float32 in [-1, 1]."""
        latent = encoded.latent if encoded.latent is not None else encoded.features[0]
        z = latent.to(device=self.device, dtype=self.dtype)
        s = self.geometry.spatial_compression
        tiling = self.tiling_for(z.shape[-2] * s, z.shape[-1] * s)
        if tiling is None:
            video = self._decode_latent(z)
        else:
            tile, overlap = tiling
            video = tiled_decode(
                self._decode_latent,
                z,
                tile=tile,
                overlap=overlap,
                spatial_compression=self.geometry.spatial_compression,
            )
        return crop_video(
            video.float(), num_frames=encoded.num_frames, frame_size=encoded.frame_size
        )


def crop_video(video: Tensor, *, num_frames: int, frame_size: tuple[int, int]) -> Tensor:
    """Trim ``(b, 3, t, h, w)`` to ``num_frames`` and ``frame_size``, clamp to [-1, 1]."""
    h, w = frame_size
    if video.shape[2] < num_frames or video.shape[3] < h or video.shape[4] < w:
        raise ValueError(
            f"decoded video {tuple(video.shape)} is smaller than the encoded clip "
            f"({num_frames} frames of {h}x{w})"
        )
    return video[:, :, :num_frames, :h, :w].clamp(-1.0, 1.0)


# factories -----------------------------------------------------------------------------------


def _create(
    family: VAEFamily,
    path: str | Path,
    *,
    dtype: str | torch.dtype = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    if not isinstance(sample, bool):
        raise ValueError(f"sample must be true or false, got {sample!r}")
    folder = check_vae_folder(path, class_name=family.class_name)
    vae = load_diffusers_vae(folder, class_name=family.class_name, dtype=parse_dtype(dtype))
    return DiffusersVideoVAE(
        vae,
        family=family,
        weights=str(folder),
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )


def create_wan21(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    """Wan 2.1 VAE from a local diffusers folder.

    Args:
        path: folder with ``config.json`` and ``diffusion_pytorch_model.safetensors``
            (``~`` is expanded).
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"``.
        tile_size: spatial tile in pixels, a multiple of the spatial compression
            (``None``: no tiling).
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
        sample: draw from the posterior instead of using its mean.
        max_untiled_pixels: without ``tile_size``, frames of more pixels than this are
            tiled by themselves (``AUTO_TILE_SIZE`` tiles); ``null``: never.
    """
    return _create(
        WAN21,
        path,
        dtype=dtype,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )


def create_wan22(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    """Wan 2.2 VAE (officially 48 channels, 16× spatial); arguments as ``create_wan21``."""
    return _create(
        WAN22,
        path,
        dtype=dtype,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )


def create_cogvideox(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    """CogVideoX VAE; arguments as ``create_wan21``."""
    return _create(
        COGVIDEOX,
        path,
        dtype=dtype,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )


def create_mochi(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    """Mochi 1 VAE; arguments as ``create_wan21``."""
    return _create(
        MOCHI,
        path,
        dtype=dtype,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )


def create_svd(
    path: str | Path,
    *,
    dtype: str = "float32",
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    sample: bool = False,
    max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
) -> DiffusersVideoVAE:
    """Stable Video Diffusion VAE (per-frame encoder, temporal decoder); as ``create_wan21``."""
    return _create(
        SVD,
        path,
        dtype=dtype,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        sample=sample,
        max_untiled_pixels=max_untiled_pixels,
    )
