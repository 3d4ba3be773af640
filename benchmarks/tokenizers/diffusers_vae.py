"""Pretrained diffusers video VAEs behind ``VideoTokenizer``, loaded from a local folder.

One adapter and one factory serve every model in the table of
``benchmarks.tokenizers.diffusers_families`` (``wan2.1``, ``wan2.2``, ``cogvideox``,
``mochi``, ``svd``, ``hunyuanvideo``, ``hunyuanvideo1.5``, ``ltx-video``, ``cosmos-cv``,
``easyanimate``, ``kvae-video``, ``qwen-image``); a row there says which diffusers class it
is and how its config gives the latent grid. ``benchmarks.tokenizers.vidtok`` builds the
discrete VidTok on the same adapter.

The folder is what ``save_pretrained`` writes (for a Hugging Face pipeline repo, its ``vae/``
sub-folder): ``config.json`` with the expected ``_class_name`` and
``diffusion_pytorch_model.safetensors`` (or a sharded ``.safetensors.index.json``). Only
safetensors are loaded; pickled ``.bin`` weights are refused. Every spec number (channels,
compression) is read from the folder's config.

``encode`` returns the posterior mean (``sample=True``: one draw from the posterior; refused
for the deterministic Cosmos and KVAE encoders) of the raw latent; no ``scaling_factor`` /
``latents_mean`` normalisation is applied since the decoder takes the raw latent back.
Inputs are padded by edge replication to a frame size that is a multiple of the spatial
compression and to a clip length the model handles (``4k + 1`` for Wan, ``8k + 1`` for
CogVideoX, whose decoder works in pairs of latent steps after the first, ``6k + 1`` for
Mochi): a length a model would floor, or raise on, never reaches it. The latent grid the
model gives is checked against the one its config promises (a mismatch is an error naming
both, never a silently misaligned latent). ``decode`` crops and trims back to the encoded
size, and ``features()`` (the latent, ``feature_dim`` = latent channels) crops the padded
cells away.

Large frames are tiled by ``benchmarks.tokenizers.tiling`` (``tile_size`` / ``tile_overlap``,
in pixels), never by diffusers' own tiling. Without ``tile_size``, tiling switches on by
itself for frames of more than ``max_untiled_pixels`` pixels (default
``DEFAULT_MAX_UNTILED_PIXELS``, 1024 × 1024), in tiles of at most ``AUTO_TILE_SIZE`` (1024)
pixels overlapping by ``AUTO_TILE_OVERLAP`` (64): an untiled 5-frame 2160 × 3840 clip peaks
at ~12.5 GiB through even a tiny Wan VAE, a tiled one at ~2.9 GiB.
``max_untiled_pixels=null`` keeps every frame in one pass.
Adapters keep no state between calls (diffusers'
Wan resets its internal feature cache inside each ``encode`` / ``decode`` call).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn

from benchmarks.tokenizers.base import Encoded, TokenizerSpec, VideoTokenizer, check_video
from benchmarks.tokenizers.diffusers_families import (
    COGVIDEOX,
    COSMOS_CV,
    EASYANIMATE,
    HUNYUANVIDEO,
    HUNYUANVIDEO15,
    KVAE_VIDEO,
    LTX_VIDEO,
    MOCHI,
    QWEN_IMAGE,
    SVD,
    WAN21,
    WAN22,
    VAEFamily,
)
from benchmarks.tokenizers.diffusers_folder import check_vae_folder, load_diffusers_vae, parse_dtype
from benchmarks.tokenizers.padding import crop_video, pad_video, padded_num_frames
from benchmarks.tokenizers.tiling import (
    DEFAULT_MAX_UNTILED_PIXELS,
    auto_tiling,
    automatic_tiling,
    check_max_untiled_pixels,
    decode_in_tiles,
    encode_in_tiles,
    resolve_tiling,
)

__all__ = [
    "WAN21",
    "DiffusersVideoVAE",
    "create_cogvideox",
    "create_cosmos_cv",
    "create_easyanimate",
    "create_hunyuanvideo",
    "create_hunyuanvideo15",
    "create_kvae_video",
    "create_ltx_video",
    "create_mochi",
    "create_qwen_image",
    "create_svd",
    "create_wan21",
    "create_wan22",
    "padded_num_frames",
    "vae_factory",
]

# adapter -------------------------------------------------------------------------------------


class DiffusersVideoVAE(VideoTokenizer):
    """A continuous diffusers video VAE behind the ``VideoTokenizer`` interface.

    Args:
        vae: the loaded diffusers model.
        family: which family it is (class, geometry, licence).
        weights: where the weights come from (the folder path).
        tile_size: largest spatial tile in pixels (``tiling.tile_spans``), or ``None``
            for no tiling.
        tile_overlap: overlap between tiles in pixels (default: a quarter of the tile).
        sample: draw from the posterior instead of taking its mean.
        max_untiled_pixels: without ``tile_size``, frames with more pixels (``h * w``) than
            this are tiled automatically (``tiling.automatic_tiling``); ``None``: never
            tiled by itself.
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
        if family.one_clip_at_a_time:
            vae.enable_slicing()
        self.vae = vae
        self.family = family
        self.geometry = family.geometry(vae)
        self.tiling = resolve_tiling(tile_size, tile_overlap, self.geometry.spatial_compression)
        # tiles for frames above max_untiled_pixels when tile_size is not given
        self.auto_tiling = automatic_tiling(self.geometry.spatial_compression)
        self.max_untiled_pixels = check_max_untiled_pixels(max_untiled_pixels)
        if sample and family.deterministic:
            raise ValueError(
                f"{family.name}: sample=true has no posterior to draw from (its encoder is "
                "deterministic); leave sample out"
            )
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
            frame_convention=self.geometry.frame_convention,
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

    def _posterior(self, video: Tensor) -> Tensor:
        """``(b, 3, t, h, w)`` → the mean ``(b, c, t', h', w')``, with the log-variance
        after it on the channels (``2c``) when sampling."""
        dist = self.vae.encode(video).latent_dist
        mean = dist.mode()  # the mean; Cosmos' IdentityDistribution has only this
        return torch.cat([mean, dist.logvar], dim=1) if self.sample else mean

    def _moments(self, video: Tensor) -> Tensor:
        """``_posterior`` of ``(b, 3, t, h, w)``, frame by frame for a per-frame encoder."""
        if self.family.per_frame:
            b, _, t, h, w = video.shape
            frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, 3, h, w)  # (b t) 3 h w
            moments = self._posterior(frames)  # (b t) c h' w'
            return moments.reshape(b, t, *moments.shape[1:]).permute(0, 2, 1, 3, 4)
        return self._posterior(video)

    def _decode_latent(self, latent: Tensor) -> Tensor:
        """``(b, c, t', h', w')`` → ``(b, 3, t, h, w)`` (untrimmed)."""
        if self.family.per_frame:
            b, c, t, h, w = latent.shape
            frames = latent.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)  # (b t) c h' w'
            out = self.vae.decode(frames, num_frames=t).sample  # (b t) 3 h w
            return out.reshape(b, t, *out.shape[1:]).permute(0, 2, 1, 3, 4)
        out = self.vae.decode(latent)
        return out if isinstance(out, Tensor) else out.sample  # VidTok returns the tensor

    def _encode_padded(self, video: Tensor) -> tuple[Tensor, tuple[int, int, int]]:
        """Pad ``(b, 3, t, h, w)`` to a size the model takes and run the encoder (tiled when
        the frames are large).

        Returns:
            The encoder's output ``(b, c or 2c, t', h', w')`` in float32, checked against
            the grid the config promises, and the padded clip's ``(t, h, w)``.
        """
        g = self.geometry
        frames_to = padded_num_frames(
            video.shape[2], convention=g.frame_convention, multiple=g.frame_multiple
        )
        x = pad_video(video, spatial_multiple=g.spatial_compression, frames_to=frames_to,
                      front_frames=g.front_frames)
        x = x.to(device=self.device, dtype=self.dtype)
        out = encode_in_tiles(
            self._moments, x, self.tiling_for(*x.shape[-2:]),
            spatial_compression=g.spatial_compression,
        )
        padded = (frames_to, *x.shape[-2:])
        expected = g.latent_grid(*padded)
        if tuple(out.shape[2:]) != expected:
            raise ValueError(
                f"{self.family.name}: the model encoded a {padded[0]}-frame {padded[1]}x"
                f"{padded[2]} clip to a {tuple(out.shape[2:])} latent grid, but its config "
                f"({self.family.class_name}) gives {expected}: this config's layout is not "
                f"one the {self.family.name} adapter reads"
            )
        return out.float(), padded

    # interface ------------------------------------------------------------------------------

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        """Encode ``(b, 3, t, h, w)`` in [-1, 1] to the latent ``(b, c, t', h', w')`` (float32)."""
        check_video(video)
        _, _, t, h, w = video.shape
        latent, _ = self._encode_padded(video)
        if self.sample:
            mean, logvar = latent.chunk(2, dim=1)
            latent = mean + torch.exp(0.5 * logvar.clamp(-30.0, 20.0)) * torch.randn_like(mean)
        return Encoded(features=[latent], indices=None, bits=None, num_frames=t, frame_size=(h, w))

    @torch.no_grad()
    def decode(self, encoded: Encoded) -> Tensor:
        """Decode to ``(b, 3, num_frames, h, w)`` float32 in [-1, 1]."""
        latent = encoded.latent if encoded.latent is not None else encoded.features[0]
        return self._decode_to_clip(latent, encoded)

    def _decode_to_clip(self, latent: Tensor, encoded: Encoded) -> Tensor:
        """Decode ``latent`` ``(b, c, t', h', w')`` (tiled when large) and trim it to the
        clip ``encoded`` was made from."""
        z = latent.to(device=self.device, dtype=self.dtype)
        s = self.geometry.spatial_compression
        tiling = self.tiling_for(z.shape[-2] * s, z.shape[-1] * s)
        video = decode_in_tiles(self._decode_latent, z, tiling, spatial_compression=s)
        return crop_video(
            video.float(), num_frames=encoded.num_frames, frame_size=encoded.frame_size
        )


# factories -----------------------------------------------------------------------------------


_FACTORY_ARGS = """

    Args:
        path: folder with ``config.json`` and ``diffusion_pytorch_model.safetensors``
            (``~`` is expanded).
        dtype: ``"float32"`` (default), ``"bfloat16"`` or ``"float16"``.
        tile_size: largest spatial tile in pixels, a multiple of the spatial compression
            (``None``: no tiling).
        tile_overlap: tile overlap in pixels (default: a quarter of ``tile_size``).
        sample: draw from the posterior instead of using its mean.
        max_untiled_pixels: without ``tile_size``, frames of more pixels than this are
            tiled by themselves (``AUTO_TILE_SIZE`` tiles overlapping by
            ``AUTO_TILE_OVERLAP``); ``null``: never.
    """


def vae_factory(
    family: VAEFamily, adapter: type[DiffusersVideoVAE] = DiffusersVideoVAE
) -> Callable[..., DiffusersVideoVAE]:
    """The registry factory of ``family``: ``create(path, *, dtype, tile_size, ...)``.

    Every family's factory has the same signature (``--tokenizer-arg`` values are checked
    against it) and differs only in the row it loads (and ``adapter``, the class serving
    it: VidTok's discrete one).
    """

    def create(
        path: str | Path,
        *,
        dtype: str = "float32",
        tile_size: int | None = None,
        tile_overlap: int | None = None,
        sample: bool = False,
        max_untiled_pixels: int | None = DEFAULT_MAX_UNTILED_PIXELS,
    ) -> DiffusersVideoVAE:
        if not isinstance(sample, bool):
            raise ValueError(f"sample must be true or false, got {sample!r}")
        folder = check_vae_folder(path, class_name=family.class_name)
        vae = load_diffusers_vae(folder, class_name=family.class_name, dtype=parse_dtype(dtype))
        return adapter(
            vae,
            family=family,
            weights=str(folder),
            tile_size=tile_size,
            tile_overlap=tile_overlap,
            sample=sample,
            max_untiled_pixels=max_untiled_pixels,
        )

    create.__name__ = create.__qualname__ = "create_" + (
        family.name.replace(".", "").replace("-", "_"))
    create.__doc__ = f"{family.title} VAE from a local diffusers folder.{_FACTORY_ARGS}"
    return create


# what ``benchmarks.tokenizers`` registers lazily, one per row of the table
create_wan21 = vae_factory(WAN21)
create_wan22 = vae_factory(WAN22)
create_cogvideox = vae_factory(COGVIDEOX)
create_mochi = vae_factory(MOCHI)
create_svd = vae_factory(SVD)
create_hunyuanvideo = vae_factory(HUNYUANVIDEO)
create_hunyuanvideo15 = vae_factory(HUNYUANVIDEO15)
create_ltx_video = vae_factory(LTX_VIDEO)
create_cosmos_cv = vae_factory(COSMOS_CV)
create_easyanimate = vae_factory(EASYANIMATE)
create_kvae_video = vae_factory(KVAE_VIDEO)
create_qwen_image = vae_factory(QWEN_IMAGE)
