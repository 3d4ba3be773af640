"""A small causal video autoencoder: the from-scratch backbone of PyraTok on a CPU.

PyraTok (§3.2.1, Eq. 1) quantizes the encoder features F^(l) at L encoder depths. The
paper uses a frozen pretrained Wan VAE (`wan_lora.py`); this file is the built-in
alternative for training from scratch at 64×64 in minutes: factorised convolutions
(2D spatial per frame + 1D causal temporal), as in many video VAEs (e.g. MAGVIT-v2's
causal 3D CNN, Wan's causal convolutions), but small.

Causality. Every temporal convolution pads only the past (replicating the first frame),
so output step k depends on frames <= its last input frame; the first frame is coded
alone. A stride-2 temporal step maps 1 + 2k steps to 1 + k. Clips must have
T = 1 + 8k frames (`pad_frames` extends a clip by repeating its last frame, which cannot
affect earlier steps; `decode` crops back).

Stages (letters: b batch, c channels, t time, h height, w width; strides vs pixels):

    pre   (b, c0, T,      H/2,  W/2)   2x2 space-to-depth + conv (nothing runs at H x W)
    S1    (b, C1, 1+k*4,  H/4,  W/4)   t-stride 2   -> F^(1) finest pyramid level
    S2    (b, C2, 1+k*2,  H/8,  W/8)   t-stride 4   -> F^(2)
    S3    (b, C3, 1+k*2,  H/16, W/16)  t-stride 4   -> F^(3)
    S4    (b, C4, 1+k,    H/16, W/16)  t-stride 8   -> F^(4) deepest (the bottleneck)

The decoder consumes the quantized pyramid top-down (an FPN-style path): it starts from a
projection of the deepest quantized map, and at each shallower stage upsamples (causal
temporal x2 and/or pixel-shuffle spatial x2), adds a 1x1 projection of that stage's
quantized map q^(l) when that stage is quantized, and applies a residual block; one more
upsampling stage and a 2x2 depth-to-space return to pixels. Stages without a quantized
level only upsample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

SPATIAL_STRIDES = (4, 8, 16, 16)  # S1..S4 relative to pixels
TEMPORAL_STRIDES = (2, 4, 4, 8)
FRAME_MULTIPLE = 8  # clips have 1 + 8k frames

# helpers


def pad_frames(video: Tensor, *, multiple: int = FRAME_MULTIPLE) -> Tensor:
    """(b, c, t, h, w) -> (b, c, 1 + multiple·k, h, w), repeating the last frame at the end."""
    t = video.shape[2]
    target = 1 + multiple * -(-(t - 1) // multiple)
    if target == t:
        return video
    tail = video[:, :, -1:].expand(-1, -1, target - t, -1, -1)
    return torch.cat([video, tail], 2)


def latent_steps(num_frames: int, stride: int) -> int:
    """Causal steps for a clip padded to 1 + 8k frames at temporal stride `stride`."""
    padded = 1 + FRAME_MULTIPLE * -(-(num_frames - 1) // FRAME_MULTIPLE)
    return 1 + (padded - 1) // stride


def _groups(channels: int) -> int:
    return 8 if channels % 8 == 0 else 1


class SpatialConv(nn.Module):
    """Conv2d applied to every frame of (b, c, t, h, w)."""

    def __init__(self, c_in: int, c_out: int, *, kernel: int = 3, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2)

    def forward(self, x: Tensor) -> Tensor:
        b = x.shape[0]
        y = self.conv(rearrange(x, "b c t h w -> (b t) c h w"))
        return rearrange(y, "(b t) c h w -> b c t h w", b=b)


class CausalTemporalConv(nn.Module):
    """Kernel-3 temporal conv padded on the past only; stride 2 maps 1+2k -> 1+k steps."""

    def __init__(self, c_in: int, c_out: int, *, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv3d(c_in, c_out, (3, 1, 1), stride=(stride, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (0, 0, 0, 0, 2, 0), mode="replicate")  # two past frames
        return self.conv(x)


class FrameNorm(nn.Module):
    """GroupNorm per frame (statistics never mix time steps, so causality holds)."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.GroupNorm(_groups(channels), channels)

    def forward(self, x: Tensor) -> Tensor:
        b = x.shape[0]
        y = self.norm(rearrange(x, "b c t h w -> (b t) c h w"))
        return rearrange(y, "(b t) c h w -> b c t h w", b=b)


class ResBlock(nn.Module):
    """x + temporal(act(norm(spatial(act(norm(x))))))."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm1, self.spatial = FrameNorm(channels), SpatialConv(channels, channels)
        self.norm2 = FrameNorm(channels)
        self.temporal = CausalTemporalConv(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        h = self.spatial(F.silu(self.norm1(x)))
        return x + self.temporal(F.silu(self.norm2(h)))


class Down(nn.Module):
    """Stride-2 spatial conv and/or causal stride-2 temporal conv, then a ResBlock."""

    def __init__(self, c_in: int, c_out: int, *, spatial: bool, temporal: bool):
        super().__init__()
        self.spatial = SpatialConv(c_in, c_out, stride=2) if spatial else SpatialConv(
            c_in, c_out, kernel=1)
        self.temporal = CausalTemporalConv(c_out, c_out, stride=2) if temporal else None
        self.block = ResBlock(c_out)

    def forward(self, x: Tensor) -> Tensor:
        x = self.spatial(x)
        if self.temporal is not None:
            x = self.temporal(F.silu(x))
        return self.block(x)


class Up(nn.Module):
    """Causal temporal x2 (1+k -> 1+2k) and/or spatial x2 (pixel shuffle), then a ResBlock."""

    def __init__(self, c_in: int, c_out: int, *, spatial: bool, temporal: bool, kernel: int = 3):
        super().__init__()
        self.spatial, self.temporal = spatial, temporal
        t_mult, s_mult = (2 if temporal else 1), (4 if spatial else 1)
        self.proj = SpatialConv(c_in, c_out * t_mult * s_mult, kernel=kernel)
        self.block = ResBlock(c_out)

    def forward(self, x: Tensor) -> Tensor:
        y = self.proj(x)
        if self.temporal:  # each step becomes two frames; step 0's first copy is dropped
            y = rearrange(y, "b (c two) t h w -> b c (t two) h w", two=2)[:, :, 1:]
        if self.spatial:
            y = rearrange(y, "b (c p q) t h w -> b c t (h p) (w q)", p=2, q=2)
        return self.block(y)


# encoder / decoder


@dataclass
class EncoderFeatures:
    """levels: the four stage outputs F^(1..4), shallow -> deep, (b, C_l, t_l, h_l, w_l)."""

    levels: list[Tensor]


class CausalEncoder(nn.Module):
    def __init__(self, *, pre: int, stages: tuple[int, ...]):
        super().__init__()
        c1, c2, c3, c4 = stages
        # 2x2 space-to-depth first: a CPU cannot afford convolutions at full resolution
        self.pre = SpatialConv(3 * 4, pre)
        self.stages = nn.ModuleList([
            Down(pre, c1, spatial=True, temporal=True),  # S1 /4, t/2
            Down(c1, c2, spatial=True, temporal=True),  # S2 /8, t/4
            Down(c2, c3, spatial=True, temporal=False),  # S3 /16, t/4
            Down(c3, c4, spatial=False, temporal=True),  # S4 /16, t/8
        ])
        self.channels = tuple(stages)

    def forward(self, video: Tensor) -> EncoderFeatures:
        """video (b, 3, 1+8k, h, w) in [-1, 1] -> EncoderFeatures."""
        x = rearrange(video, "b c t (h p) (w q) -> b (c p q) t h w", p=2, q=2)
        x = self.pre(x)
        levels = []
        for stage in self.stages:
            x = stage(x)
            levels.append(x)
        return EncoderFeatures(levels=levels)


class PyramidDecoder(nn.Module):
    """Top-down decoder of a quantized pyramid (see the module docstring).

    Args:
        code_dim: channels of every quantized map q^(l).
        quantized_stages: which of S1..S4 (0-based) carry a quantized map; must include 3.
    """

    def __init__(self, *, pre: int, stages: tuple[int, ...], code_dim: int,
                 quantized_stages: tuple[int, ...]):
        super().__init__()
        if 3 not in quantized_stages:
            raise ValueError(f"quantized_stages={quantized_stages}: the deepest (3) is needed")
        c1, c2, c3, c4 = stages
        self.quantized_stages = tuple(quantized_stages)
        self.lateral = nn.ModuleDict({
            str(s): SpatialConv(code_dim, stages[s], kernel=1) for s in quantized_stages
        })
        self.block4 = ResBlock(c4)
        self.ups = nn.ModuleList([  # ups[s] maps stage s+1's grid to stage s's grid
            Up(c2, c1, spatial=True, temporal=True),  # S2 -> S1
            Up(c3, c2, spatial=True, temporal=False),  # S3 -> S2
            Up(c4, c3, spatial=False, temporal=True),  # S4 -> S3
        ])
        # S1 -> /2 and all frames; a 1x1 projection keeps the widest step cheap
        self.to_pre = Up(c1, pre, spatial=True, temporal=True, kernel=1)
        self.out = nn.Sequential(FrameNorm(pre), nn.SiLU(), SpatialConv(pre, 3 * 4))

    def forward(self, codes: dict[int, Tensor], *, num_frames: int) -> Tensor:
        """codes: stage -> (b, code_dim, t_s, h_s, w_s). Returns (b, 3, num_frames, H, W)."""
        x = self.block4(self.lateral["3"](codes[3]))
        for s in (2, 1, 0):
            x = self.ups[s](x)
            if s in codes:
                x = x + self.lateral[str(s)](codes[s])
        x = self.out(self.to_pre(x))  # (b, 12, T, H/2, W/2)
        x = rearrange(x, "b (c p q) t h w -> b c t (h p) (w q)", p=2, q=2)  # depth-to-space
        return x[:, :, :num_frames]
