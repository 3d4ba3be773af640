"""Tests for benchmarks.tokenizers.tiling: grid, blending weights, exactness, a tiny Wan VAE."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.tiling import tile_starts, tiled_decode, tiled_encode
from tests.helpers.tiny_vaes import tiny_wan


def avg_pool_encoder(s: int, *, calls: list[tuple[int, ...]] | None = None):
    """A tile-local linear "encoder": (b, 3, t, h, w) -> (b, 3, t, h/s, w/s) by s×s means."""

    def encode(video: Tensor) -> Tensor:
        if calls is not None:
            calls.append(tuple(video.shape))
        return F.avg_pool3d(video, kernel_size=(1, s, s))

    return encode


def nearest_decoder(s: int, *, calls: list[tuple[int, ...]] | None = None):
    """A tile-local linear "decoder": (b, c, t, h, w) -> (b, c, t, h*s, w*s), nearest."""

    def decode(latent: Tensor) -> Tensor:
        if calls is not None:
            calls.append(tuple(latent.shape))
        return latent.repeat_interleave(s, dim=-2).repeat_interleave(s, dim=-1)

    return decode


# grid ---------------------------------------------------------------------------------------


def test_tile_starts_regular_grid_with_last_tile_flush():
    assert tile_starts(20, tile=8, overlap=2) == [0, 6, 12]
    # 15 is not on the grid: the last tile moves back to end at 15
    assert tile_starts(15, tile=8, overlap=2) == [0, 6, 7]
    assert tile_starts(8, tile=8, overlap=2) == [0]
    assert tile_starts(5, tile=8, overlap=2) == [0]
    assert tile_starts(9, tile=4, overlap=0) == [0, 4, 5]


@pytest.mark.parametrize(("tile", "overlap"), [(4, 4), (4, 5), (0, 0), (4, -1)])
def test_tile_starts_rejects_bad_sizes(tile: int, overlap: int):
    with pytest.raises(ValueError, match="overlap"):
        tile_starts(10, tile=tile, overlap=overlap)


def test_sizes_must_be_whole_latent_cells():
    video = torch.zeros(1, 3, 1, 32, 32)
    with pytest.raises(ValueError, match="multiples of the spatial compression"):
        tiled_encode(avg_pool_encoder(8), video, tile=20, overlap=8, spatial_compression=8)
    with pytest.raises(ValueError, match="multiple of the spatial compression"):
        tiled_encode(
            avg_pool_encoder(8),
            torch.zeros(1, 3, 1, 30, 32),
            tile=16,
            overlap=8,
            spatial_compression=8,
        )


# blending -----------------------------------------------------------------------------------


def test_two_tiles_blend_with_a_hand_computed_ramp():
    # 1 x 10 cells, tiles of 6 with overlap 2: starts 0 and 4; overlap cells 4, 5.
    # Tile k outputs the constant k, so the blend shows the weights: lerp(0, 1, α), α = 1/3, 2/3.
    ids = iter(range(10))

    def constant_per_tile(video: Tensor) -> Tensor:
        return torch.full_like(video[:, :1], float(next(ids)))

    out = tiled_encode(
        constant_per_tile, torch.zeros(1, 1, 1, 1, 10), tile=6, overlap=2, spatial_compression=1
    )
    expected = torch.tensor([0, 0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1, 1], dtype=torch.float32)
    torch.testing.assert_close(out.flatten(), expected, rtol=0, atol=1e-7)


def test_four_tiles_blend_bilinearly_at_the_corner():
    # 2 x 2 tiles of 3 cells with overlap 1 on a 5 x 5 grid: the centre cell (2, 2) is covered
    # by all four tiles with α = 1/2 along each axis, so it gets their plain mean.
    values = iter([1.0, 2.0, 4.0, 8.0])

    def constant_per_tile(video: Tensor) -> Tensor:
        return torch.full_like(video, next(values))

    out = tiled_encode(
        constant_per_tile, torch.zeros(1, 1, 1, 5, 5), tile=3, overlap=1, spatial_compression=1
    )[0, 0, 0]
    assert out[2, 2].item() == pytest.approx((1 + 2 + 4 + 8) / 4)
    assert out[0, 0].item() == 1.0 and out[0, 4].item() == 2.0
    assert out[4, 0].item() == 4.0 and out[4, 4].item() == 8.0
    assert out[0, 2].item() == pytest.approx(1.5)  # top edge: only tiles 0 and 1


@pytest.mark.parametrize("value", [0.0, -1.0, 0.123456789, 3e-8])
def test_constant_input_round_trips_exactly(value: float):
    # strided subsampling keeps a constant exact (a mean of equal floats need not be)
    def subsample(x: Tensor) -> Tensor:
        return x[..., ::4, ::4]

    video = torch.full((1, 3, 2, 40, 56), value)
    latent = tiled_encode(subsample, video, tile=16, overlap=8, spatial_compression=4)
    assert torch.equal(latent, torch.full((1, 3, 2, 10, 14), value))
    back = tiled_decode(nearest_decoder(4), latent, tile=16, overlap=8, spatial_compression=4)
    assert torch.equal(back, video)


@pytest.mark.parametrize(
    ("h", "w", "tile", "overlap"),
    [(64, 64, 32, 8), (104, 56, 32, 8), (40, 24, 16, 0), (24, 24, 64, 16), (72, 200, 24, 16)],
)
def test_tiled_equals_untiled_for_tile_local_linear_maps(h: int, w: int, tile: int, overlap: int):
    torch.manual_seed(0)
    s = 8
    video = torch.randn(2, 3, 3, h, w)
    encode, decode = avg_pool_encoder(s), nearest_decoder(s)
    latent = tiled_encode(encode, video, tile=tile, overlap=overlap, spatial_compression=s)
    assert torch.equal(latent, encode(video))
    back = tiled_decode(decode, latent, tile=tile, overlap=overlap, spatial_compression=s)
    assert torch.equal(back, decode(latent))


def test_big_frame_runs_tile_by_tile():
    torch.manual_seed(0)
    s, tile, overlap = 8, 256, 32
    video = torch.rand(1, 3, 1, 1024, 1024) * 2 - 1
    enc_calls: list[tuple[int, ...]] = []
    dec_calls: list[tuple[int, ...]] = []
    latent = tiled_encode(
        avg_pool_encoder(s, calls=enc_calls),
        video,
        tile=tile,
        overlap=overlap,
        spatial_compression=s,
    )
    back = tiled_decode(
        nearest_decoder(s, calls=dec_calls),
        latent,
        tile=tile,
        overlap=overlap,
        spatial_compression=s,
    )
    assert latent.shape == (1, 3, 1, 128, 128)
    assert back.shape == video.shape
    # 1024 = 0, 224, 448, 672, then 768 flush: 5 x 5 tiles, none larger than the tile
    assert len(enc_calls) == len(dec_calls) == 25
    assert max(c[-1] for c in enc_calls) == max(c[-2] for c in enc_calls) == tile
    assert max(c[-1] for c in dec_calls) == tile // s
    assert torch.equal(latent, avg_pool_encoder(s)(video))


@pytest.mark.slow
def test_tiled_tiny_wan_round_trip_is_close_to_untiled():
    vae = tiny_wan()
    # smooth content, as in real video, so that tile borders matter little
    yy, xx = torch.meshgrid(torch.linspace(0, 3, 64), torch.linspace(0, 3, 96), indexing="ij")
    frame = torch.stack([torch.sin(xx + yy), torch.cos(xx - yy), torch.sin(2 * xx)])
    video = frame[None, :, None].expand(1, 3, 5, 64, 96).contiguous() * 0.8

    def encode(x: Tensor) -> Tensor:
        return vae.encode(x).latent_dist.mean

    def decode(z: Tensor) -> Tensor:
        return vae.decode(z).sample

    def rel_err(a: Tensor, b: Tensor) -> float:
        return float((a - b).abs().mean() / b.abs().mean())

    with torch.no_grad():
        full_latent = encode(video)
        full = decode(full_latent)
        errors = {}
        for overlap in (0, 24):
            latent = tiled_encode(encode, video, tile=48, overlap=overlap, spatial_compression=8)
            back = tiled_decode(
                decode, full_latent, tile=48, overlap=overlap, spatial_compression=8
            )
            assert latent.shape == full_latent.shape and back.shape == video.shape
            errors[overlap] = (rel_err(latent, full_latent), rel_err(back, full))
        one_tile = tiled_decode(decode, full_latent, tile=96, overlap=24, spatial_compression=8)

    assert torch.equal(one_tile, full)  # a tile as large as the frame is the untiled path
    latent_err, video_err = errors[24]
    assert 0 < latent_err < 0.15, errors
    assert 0 < video_err < 0.08, errors
    # blending over an overlap beats butting tiles against each other
    assert latent_err < errors[0][0] and video_err < errors[0][1], errors


def test_large_frames_tile_by_themselves(tmp_path):
    from benchmarks.tokenizers.diffusers_vae import WAN21, DiffusersVideoVAE
    from benchmarks.tokenizers.tiling import AUTO_TILE_SIZE, DEFAULT_MAX_UNTILED_PIXELS

    vae = tiny_wan()
    auto = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=32 * 32)
    off = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=None)
    default = DiffusersVideoVAE(vae, family=WAN21, weights="tiny")
    assert default.tiling_for(2160, 3840) == (AUTO_TILE_SIZE, AUTO_TILE_SIZE // 4)
    assert default.tiling_for(1024, 1024) is None  # at the budget: one pass
    assert DEFAULT_MAX_UNTILED_PIXELS == 1024 * 1024
    assert off.tiling_for(2160, 3840) is None
    assert auto.tiling_for(32, 32) is None and auto.tiling_for(32, 40) is not None
    video = torch.rand(1, 3, 1, 32, 40) * 2 - 1
    with torch.no_grad():
        # below the auto tile size, the tiled path is one tile: the untiled computation
        assert torch.equal(auto.decode(auto.encode(video)), off.decode(off.encode(video)))
    with pytest.raises(ValueError, match="max_untiled_pixels"):
        DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=0)
