"""Spatially tiled encode / decode with linear-ramp blending, for 4K/8K frames.

A frame too large for one pass is cut into overlapping tiles: along each axis, as few
tiles of at most the tile size as cover it with the requested overlap, all of one size and
evenly spread (``tile_spans``), so the only work done twice is the overlap itself. Each
tile is encoded (or decoded) on its own with every frame of the clip, and the tiles are
blended over their overlap with separable linear ramps.

Blending is done as a sequence of ``lerp``s — first the tiles of one row into a row strip
(ramp along ``w``), then each strip into the output (ramp along ``h``). This is the same
as weighting each tile with the product of its two 1-D ramps and normalising by the summed
weights (the ramps form a partition of unity), with one difference that matters in tests:
where overlapping tiles agree, ``lerp(a, a, α) == a`` bit for bit, so constant inputs and
tile-local linear maps (average pooling, nearest upsampling) give exactly the untiled
result.

Memory: besides one tile's input and output, the only buffers are the output itself and
one row strip (output channels × frames × one tile's height × the full width).

The grid is laid out in latent cells: a tile of ``tile`` pixels is ``tile // s`` latent
cells, with ``s = spatial_compression``, so encoder tiles start on latent-cell boundaries
and the encode and decode grids coincide.

Shapes: ``b`` batch, ``c`` channels, ``t`` frames, ``h``/``w`` pixels, primed letters the
latent grid (``h' = h / s``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

EncodeFn = Callable[[Tensor], Tensor]  # (b, 3, t, h, w) -> (b, c, t', h', w')
DecodeFn = Callable[[Tensor], Tensor]  # (b, c, t', h', w') -> (b, 3, t, h, w)


# grid -----------------------------------------------------------------------------------


def tile_spans(length: int, *, tile: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the 1-D tiles covering ``[0, length)``: as few as tiles of at most
    ``tile`` allow with at least ``overlap`` between neighbours, all of one size, evenly
    spread.

    The size is the smallest that covers ``length`` with that many tiles, so no tile does
    work another already did beyond the overlap (a regular grid whose last tile is moved
    back flush with the border recomputes up to a whole tile: for a 2160 x 3840 frame in
    512-pixel tiles overlapping by 128, 1.89x the untiled work against 1.72x here). Starts
    step by the floor or the ceiling of the mean stride, so every overlap is ``overlap`` or
    a cell more. A ``length`` not above ``tile`` gives a single tile.

    Args:
        length: size of the axis (any unit, here latent cells).
        tile: largest tile size, ``> overlap``.
        overlap: smallest overlap between neighbouring tiles, ``>= 0``.

    Returns:
        Sorted spans of equal length ``stop - start <= tile``, the first starting at 0 and
        the last ending at ``length``.
    """
    if tile <= 0 or overlap < 0 or overlap >= tile:
        raise ValueError(f"need 0 <= overlap < tile, got tile={tile}, overlap={overlap}")
    if length <= tile:
        return [(0, length)]
    count = -(-(length - overlap) // (tile - overlap))  # ceil: tiles needed at full size
    size = -(-(length + (count - 1) * overlap) // count)  # ceil: smallest size that covers
    span = length - size  # the last start
    return [(i * span // (count - 1), i * span // (count - 1) + size) for i in range(count)]


def _ramp(size: int, *, device: torch.device, dtype: torch.dtype) -> Tensor:
    """Lerp weights ``(size,)`` for a tile entering an already-filled region of ``size``
    positions on its low side: ``k -> (k + 1) / (size + 1)`` (never 0 nor 1, so both sides
    contribute)."""
    return torch.arange(1, size + 1, device=device, dtype=dtype) / (size + 1)


def _blend_into(dest: Tensor, tile: Tensor, *, start: int, filled_until: int, dim: int) -> None:
    """Write ``tile`` into ``dest`` along ``dim`` at ``start``, lerping the part already filled.

    ``dest[start:filled_until]`` (along ``dim``) holds earlier tiles; it becomes
    ``lerp(old, tile, α)`` with ``α`` a linear ramp across that overlap;
    ``dest[filled_until:start + size]`` is copied.
    """
    size = tile.shape[dim]
    seen = max(0, min(filled_until - start, size))
    if seen > 0:
        old = dest.narrow(dim, start, seen)
        view = [1] * tile.ndim
        view[dim] = seen
        alpha = _ramp(seen, device=tile.device, dtype=tile.dtype).view(view)
        old.copy_(torch.lerp(old, tile.narrow(dim, 0, seen), alpha))
    if seen < size:
        dest.narrow(dim, start + seen, size - seen).copy_(tile.narrow(dim, seen, size - seen))


# options ---------------------------------------------------------------------------------

# Frames above this many pixels are tiled by themselves when no tile size is given: an
# untiled 2160x3840 frame needs ~2.5 GiB of activations per frame even in a tiny Wan VAE
# (12.5 GiB for 5 frames), a 1024x1024 one well under 1 GiB.
DEFAULT_MAX_UNTILED_PIXELS = 1024 * 1024
# The automatic tile (pixels, rounded down to whole latent cells): no larger than a frame
# allowed in one pass, so tiling never needs more memory than the largest untiled frame
# (5 frames of 1024 x 1024 through a tiny Wan VAE peak at 2.4 GiB, 4K in tiles at 2.9).
# Larger tiles recompute less: 4K in 512-pixel tiles overlapping by 128 did 1.9x the
# untiled work, in 1024-pixel tiles overlapping by 64, 1.12x.
AUTO_TILE_SIZE = 1024
# The automatic overlap (pixels): the blend width of diffusers' own Wan VAE tiling
# (256-pixel tiles at a stride of 192, ``AutoencoderKLWan.enable_tiling``).
AUTO_TILE_OVERLAP = 64


def automatic_tiling(spatial_compression: int) -> tuple[int, int]:
    """``(AUTO_TILE_SIZE, AUTO_TILE_OVERLAP)`` rounded down to whole latent cells (at least
    one cell of tile)."""
    s = spatial_compression
    tile = max(AUTO_TILE_SIZE // s, 1) * s
    return tile, min(AUTO_TILE_OVERLAP // s * s, tile - s)


def auto_tiling(
    tiling: tuple[int, int] | None,
    automatic: tuple[int, int] | None,
    *,
    pixels: int,
    max_untiled_pixels: int | None,
) -> tuple[int, int] | None:
    """The ``(tile, overlap)`` for a frame of ``pixels`` pixels, or ``None`` (one pass).

    An explicit ``tiling`` (from ``tile_size``) always applies; otherwise ``automatic``
    applies to frames of more than ``max_untiled_pixels`` pixels (``None``: never).
    """
    if tiling is not None:
        return tiling
    if max_untiled_pixels is None or pixels <= max_untiled_pixels:
        return None
    return automatic


def check_max_untiled_pixels(value: int | None) -> int | None:
    """``value`` if it is a positive number of pixels or ``None``; else ``ValueError``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 1):
        raise ValueError(
            f"max_untiled_pixels must be a positive number of pixels or null, got {value!r}")
    return value


def resolve_tiling(
    tile_size: int | None, tile_overlap: int | None, spatial_compression: int
) -> tuple[int, int] | None:
    """Check ``tile_size`` / ``tile_overlap`` (pixels); ``None`` when tiling is off.

    The default overlap is a quarter of the tile, rounded down to whole latent cells.
    """
    if tile_size is None:
        if tile_overlap is not None:
            raise ValueError("tile_overlap is set but tile_size is not; tiling needs tile_size")
        return None
    s = spatial_compression
    if (
        isinstance(tile_size, bool)
        or not isinstance(tile_size, int)
        or tile_size <= 0
        or tile_size % s
    ):
        raise ValueError(f"tile_size must be a positive multiple of {s} pixels, got {tile_size!r}")
    if tile_overlap is None:
        tile_overlap = (tile_size // 4) // s * s
    if (
        isinstance(tile_overlap, bool)
        or not isinstance(tile_overlap, int)
        or not 0 <= tile_overlap < tile_size
        or tile_overlap % s
    ):
        raise ValueError(
            f"tile_overlap must be a multiple of {s} pixels in [0, tile_size={tile_size}), "
            f"got {tile_overlap!r}"
        )
    return tile_size, tile_overlap


# tiled map ------------------------------------------------------------------------------


def _check_sizes(tile: int, overlap: int, spatial_compression: int) -> tuple[int, int]:
    s = spatial_compression
    if s < 1:
        raise ValueError(f"spatial_compression must be >= 1, got {s}")
    if tile % s or overlap % s:
        raise ValueError(
            f"tile ({tile}) and overlap ({overlap}) must be multiples of the spatial "
            f"compression ({s}) so that tiles start on latent-cell boundaries"
        )
    if not 0 <= overlap < tile:
        raise ValueError(f"need 0 <= overlap < tile, got tile={tile}, overlap={overlap}")
    return tile // s, overlap // s


def _tiled_map(
    fn: Callable[[Tensor], Tensor],
    x: Tensor,
    *,
    grid_hw: tuple[int, int],
    tile: int,
    overlap: int,
    in_scale: int,
    out_scale: int,
) -> Tensor:
    """Apply ``fn`` tile by tile on a grid of ``grid_hw`` cells and blend the outputs.

    One grid cell is ``in_scale`` pixels of ``x`` and ``out_scale`` pixels of the output.
    ``tile`` and ``overlap`` are in grid cells.
    """
    gh, gw = grid_hw
    rows = tile_spans(gh, tile=tile, overlap=overlap)
    cols = tile_spans(gw, tile=tile, overlap=overlap)
    out: Tensor | None = None
    filled_h = 0
    for r0, r1 in rows:
        strip: Tensor | None = None
        filled_w = 0
        for c0, c1 in cols:
            piece = fn(x[..., r0 * in_scale : r1 * in_scale, c0 * in_scale : c1 * in_scale])
            expected = ((r1 - r0) * out_scale, (c1 - c0) * out_scale)
            if tuple(piece.shape[-2:]) != expected:
                raise ValueError(
                    f"tile function returned spatial size {tuple(piece.shape[-2:])} for a tile "
                    f"of {r1 - r0}x{c1 - c0} cells; expected {expected} (check "
                    "spatial_compression)"
                )
            if strip is None:
                strip = piece.new_empty((*piece.shape[:-2], expected[0], gw * out_scale))
            _blend_into(strip, piece, start=c0 * out_scale, filled_until=filled_w, dim=-1)
            filled_w = c1 * out_scale
        assert strip is not None
        if out is None:
            out = strip.new_empty((*strip.shape[:-2], gh * out_scale, gw * out_scale))
        if out.shape[:-2] != strip.shape[:-2]:
            raise ValueError(
                f"tile function returned leading shape {tuple(strip.shape[:-2])} for one tile "
                f"row and {tuple(out.shape[:-2])} for an earlier one"
            )
        _blend_into(out, strip, start=r0 * out_scale, filled_until=filled_h, dim=-2)
        filled_h = r1 * out_scale
    assert out is not None
    return out


def tiled_encode(
    encode_fn: EncodeFn, video: Tensor, *, tile: int, overlap: int, spatial_compression: int
) -> Tensor:
    """Encode ``video`` in overlapping spatial tiles and blend the latents.

    Args:
        encode_fn: ``(b, 3, t, th, tw) -> (b, c, t', th / s, tw / s)``.
        video: ``(b, 3, t, h, w)``; ``h`` and ``w`` multiples of ``s``.
        tile: tile size in pixels (square), a multiple of ``s``.
        overlap: overlap between neighbouring tiles in pixels, a multiple of ``s``.
        spatial_compression: ``s``, pixels per latent cell.

    Returns:
        ``(b, c, t', h / s, w / s)``, blended over overlaps with linear ramps of
        ``overlap / s`` cells.
    """
    tile_cells, overlap_cells = _check_sizes(tile, overlap, spatial_compression)
    h, w = video.shape[-2:]
    s = spatial_compression
    if h % s or w % s:
        raise ValueError(f"frame size {h}x{w} must be a multiple of the spatial compression {s}")
    return _tiled_map(
        encode_fn,
        video,
        grid_hw=(h // s, w // s),
        tile=tile_cells,
        overlap=overlap_cells,
        in_scale=s,
        out_scale=1,
    )


def tiled_decode(
    decode_fn: DecodeFn, latent: Tensor, *, tile: int, overlap: int, spatial_compression: int
) -> Tensor:
    """Decode ``latent`` in overlapping spatial tiles and blend the frames.

    Args:
        decode_fn: ``(b, c, t', th', tw') -> (b, 3, t, th' * s, tw' * s)``.
        latent: ``(b, c, t', h', w')``.
        tile: tile size in pixels of the output (square), a multiple of ``s``.
        overlap: overlap between neighbouring tiles in output pixels, a multiple of ``s``.
        spatial_compression: ``s``, pixels per latent cell.

    Returns:
        ``(b, 3, t, h' * s, w' * s)``, blended over overlaps with linear ramps of ``overlap``
        pixels.
    """
    tile_cells, overlap_cells = _check_sizes(tile, overlap, spatial_compression)
    h, w = latent.shape[-2:]
    return _tiled_map(
        decode_fn,
        latent,
        grid_hw=(h, w),
        tile=tile_cells,
        overlap=overlap_cells,
        in_scale=1,
        out_scale=spatial_compression,
    )


# one pass or tiles ------------------------------------------------------------------------


def encode_in_tiles(
    encode_fn: EncodeFn,
    video: Tensor,
    tiling: tuple[int, int] | None,
    *,
    spatial_compression: int,
) -> Tensor:
    """``encode_fn(video)`` in one pass when ``tiling`` is ``None``, else
    :func:`tiled_encode` with its ``(tile, overlap)`` in pixels."""
    if tiling is None:
        return encode_fn(video)
    tile, overlap = tiling
    return tiled_encode(
        encode_fn, video, tile=tile, overlap=overlap, spatial_compression=spatial_compression
    )


def decode_in_tiles(
    decode_fn: DecodeFn,
    latent: Tensor,
    tiling: tuple[int, int] | None,
    *,
    spatial_compression: int,
) -> Tensor:
    """``decode_fn(latent)`` in one pass when ``tiling`` is ``None``, else
    :func:`tiled_decode` with its ``(tile, overlap)`` in output pixels."""
    if tiling is None:
        return decode_fn(latent)
    tile, overlap = tiling
    return tiled_decode(
        decode_fn, latent, tile=tile, overlap=overlap, spatial_compression=spatial_compression
    )
