"""Tests for benchmarks.tokenizers.tiling: grid, blending weights, exactness, a tiny Wan VAE."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers.tiling import tile_spans, tiled_decode, tiled_encode
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


def test_tile_spans_are_few_equal_and_evenly_spread():
    assert tile_spans(20, tile=8, overlap=2) == [(0, 8), (6, 14), (12, 20)]
    # 15 needs 3 tiles of 8; 7 cells each are enough, overlapping by 3 (not 8 and 7 flush)
    assert tile_spans(15, tile=8, overlap=2) == [(0, 7), (4, 11), (8, 15)]
    assert tile_spans(8, tile=8, overlap=2) == [(0, 8)]
    assert tile_spans(5, tile=8, overlap=2) == [(0, 5)]
    assert tile_spans(9, tile=4, overlap=0) == [(0, 3), (3, 6), (6, 9)]
    # a 2160 x 3840 frame in latent cells, 1024-pixel tiles overlapping by 64 pixels
    assert tile_spans(270, tile=128, overlap=8) == [(0, 96), (87, 183), (174, 270)]


@pytest.mark.parametrize("length", [1, 7, 33, 100, 271, 480])
@pytest.mark.parametrize(("tile", "overlap"), [(1, 0), (8, 0), (8, 3), (16, 15), (64, 8)])
def test_tile_spans_cover_with_the_overlap_and_no_more_tiles_than_needed(
    length: int, tile: int, overlap: int
):
    spans = tile_spans(length, tile=tile, overlap=overlap)
    assert spans[0][0] == 0 and spans[-1][1] == length
    assert len({stop - start for start, stop in spans}) == 1  # one size
    assert all(0 < stop - start <= tile for start, stop in spans)
    overlaps = [a[1] - b[0] for a, b in zip(spans[:-1], spans[1:], strict=True)]
    assert all(overlap <= o <= overlap + 1 for o in overlaps), overlaps
    # one tile fewer, at full size and the least overlap, would not reach the end
    count = len(spans)
    assert count == 1 or (count - 1) * tile - (count - 2) * overlap < length


@pytest.mark.parametrize(("tile", "overlap"), [(4, 4), (4, 5), (0, 0), (4, -1)])
def test_tile_spans_rejects_bad_sizes(tile: int, overlap: int):
    with pytest.raises(ValueError, match="overlap"):
        tile_spans(10, tile=tile, overlap=overlap)


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
    # 128 cells need 5 tiles of 32 overlapping by 4; 29 cells (232 pixels) each are enough
    assert len(enc_calls) == len(dec_calls) == 25
    assert {c[-2:] for c in enc_calls} == {(232, 232)}
    assert {c[-2:] for c in dec_calls} == {(29, 29)}
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
    from benchmarks.tokenizers.tiling import (
        AUTO_TILE_OVERLAP,
        AUTO_TILE_SIZE,
        DEFAULT_MAX_UNTILED_PIXELS,
    )

    vae = tiny_wan()
    auto = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=32 * 32)
    off = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=None)
    default = DiffusersVideoVAE(vae, family=WAN21, weights="tiny")
    assert default.tiling_for(2160, 3840) == (AUTO_TILE_SIZE, AUTO_TILE_OVERLAP) == (1024, 64)
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


def test_automatic_tiling_rounds_to_whole_latent_cells():
    from benchmarks.tokenizers.tiling import automatic_tiling

    assert automatic_tiling(8) == automatic_tiling(16) == (1024, 64)
    assert automatic_tiling(48) == (1008, 48)
    assert automatic_tiling(2048) == (2048, 0)


def test_tiled_and_untiled_round_trips_are_deterministic():
    from benchmarks.tokenizers.diffusers_vae import WAN21, DiffusersVideoVAE

    vae = tiny_wan()
    tiled = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", tile_size=32, tile_overlap=8)
    untiled = DiffusersVideoVAE(vae, family=WAN21, weights="tiny", max_untiled_pixels=None)
    video = torch.rand(1, 3, 5, 40, 48, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        first, second = (tiled.decode(tiled.encode(video)) for _ in range(2))
        one_pass = [untiled.decode(untiled.encode(video)) for _ in range(2)]
    assert torch.equal(first, second) and torch.equal(*one_pass)
    assert not torch.equal(first, one_pass[0])  # 2 x 2 tiles did run
