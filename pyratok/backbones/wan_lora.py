"""Frozen Wan video VAE with LoRA on its encoder, exposing multi-depth encoder features.

Paper §3.2.3: "PyraTok leverages a pretrained video VAE, keeping both encoder E_n and decoder
D_e frozen … we insert LoRA modules [15] into encoder blocks"; Appendix D: Wan VAE backbone,
"LoRA adapters with rank 16 and alpha 32 into all encoder blocks". §3.2.1 needs the
features F^(l) ∈ R^{C_l × T_l × H_l × W_l} "at the l-th stage of the encoder, with
progressive downsampling": `encode_features` returns them, shallow → deep, together with
the posterior mean Z.

Encoder pass. Wan encodes causally in chunks (1 frame, then `temporal_factor` frames at a
time) and carries a per-conv cache of the last frames between chunks. diffusers keeps that
cache on the module (`AutoencoderKLWan._enc_feat_map`), which makes `encode` non
re-entrant; here the cache is a local list passed down explicitly, so concurrent or nested
calls are safe. The ops are the same as `AutoencoderKLWan._encode`, so with LoRA at its
zero initialisation the latent equals `vae.encode(x).latent_dist.mean`.

Feature taps. A tap is the output of every encoder stage that ends in a downsampling
(`WanResample` "downsample2d/3d", or a Wan 2.2 `WanResidualDownBlock` with a downsampler)
plus the mid-block output (deepest, before the head). `levels=L` keeps the deepest L taps;
for Wan 2.1/2.2 (3 downsamples) there are 4 taps: spatial strides 2, 4, 8, 8 (times the
patch size when the VAE patchifies).

LoRA. peft wraps the encoder's `WanCausalConv3d` and `nn.Conv2d` layers. peft's stock Conv3d
LoRA cannot wrap `WanCausalConv3d` (it builds A/B with `type(base)(…, bias=…)`, which that
class rejects, and would not see the causal padding or chunk cache), so
`LoraWanCausalConv3d` pads the input exactly as the base conv does (cache frames, then
zero padding) and runs both the base kernel and LoRA A on that same padded input.

Layout letters: b batch, c channels, t frames, h w height width, z latent channels.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKLWan
from diffusers.models.autoencoders import autoencoder_kl_wan as wan
from peft import LoraConfig, inject_adapter_in_model
from peft.tuners.lora import layer as lora_layer
from peft.tuners.tuners_utils import BaseTunerLayer
from torch import Tensor, nn

__all__ = ["BackboneFeatures", "LoraWanCausalConv3d", "WanLoRABackbone"]

# --- LoRA for the causal conv -----------------------------------------------------------


def _causal_pad(conv: wan.WanCausalConv3d, x: Tensor, cache_x: Tensor | None) -> Tensor:
    """The input WanCausalConv3d.forward feeds its kernel: cached frames, then zero padding."""
    padding = list(conv._padding)
    if cache_x is not None and conv._padding[4] > 0:
        x = torch.cat([cache_x.to(x.device), x], dim=2)
        padding[4] -= cache_x.shape[2]
    return F.pad(x, padding)


class LoraWanCausalConv3d(lora_layer.Conv3d):
    """peft LoRA layer for diffusers' WanCausalConv3d (registered as a peft custom module).

    output = conv(pad(x), W) + B(A(pad(x))) · alpha / r, where pad is the base layer's causal
    padding (with chunk cache). A has the base kernel and stride, B is 1×1×1.
    """

    def update_layer(
        self, adapter_name: str, r: int, lora_alpha: int, config: LoraConfig, **kwargs
    ):
        # peft creates A/B as type(base_layer)(…, bias=…); build plain nn.Conv3d instead.
        base = self.get_base_layer()
        causal_cls = base.__class__
        base.__class__ = nn.Conv3d
        try:
            super().update_layer(adapter_name, r, lora_alpha, config, **kwargs)
        finally:
            base.__class__ = causal_cls

    def forward(self, x: Tensor, cache_x: Tensor | None = None) -> Tensor:
        if self.lora_variant:
            raise NotImplementedError(
                "LoRA variants (DoRA, …) are not supported on WanCausalConv3d"
            )
        base = self.get_base_layer()
        padded = _causal_pad(base, x, cache_x)
        if self.disable_adapters and self.merged:
            self.unmerge()
        # base padding is (0, 0, 0): nn.Conv3d.forward on the padded input is the base output
        result = nn.Conv3d.forward(base, padded)
        if self.disable_adapters or self.merged:
            return result
        for name in self.active_adapters:
            if name not in self.lora_A:
                continue
            lora_a, lora_b = self.lora_A[name], self.lora_B[name]
            inp = self.lora_dropout[name](padded.to(lora_a.weight.dtype))
            result = result + (lora_b(lora_a(inp)) * self.scaling[name]).to(result.dtype)
        return result


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackboneFeatures:
    """Multi-depth encoder features of a video.

    Attributes:
        levels: L tensors, shallow → deep, level l of shape (b, C_l, T_l, H_l, W_l) with
            T_l = 1 + (t − 1) / temporal_stride_l, H_l = h / spatial_stride_l.
        latent: (b, z, t', h', w') posterior mean (raw, without latents_mean/std
            normalisation), t' = 1 + (t − 1) / temporal_factor.
    """

    levels: list[Tensor]
    latent: Tensor


@dataclass(frozen=True)
class _Tap:
    index: int  # position in encoder.down_blocks, or -1 for the mid block
    channels: int
    temporal_stride: int
    spatial_stride: int


# --- backbone -----------------------------------------------------------------------------


def _check_vae_folder(path: Path) -> Path:
    """The folder holding the VAE's config.json (accepts a pipeline folder with vae/)."""
    expected = "config.json and diffusion_pytorch_model*.safetensors (diffusers layout)"
    if not path.is_dir():
        raise FileNotFoundError(f"Wan VAE folder {path} does not exist; expected {expected}")
    if not (path / "config.json").is_file() and (path / "vae" / "config.json").is_file():
        path = path / "vae"
    missing = [] if (path / "config.json").is_file() else ["config.json"]
    if not any(path.glob("*.safetensors")):
        missing.append("*.safetensors")
    if missing:
        raise FileNotFoundError(
            f"Wan VAE folder {path} lacks {', '.join(missing)}; expected {expected}"
        )
    return path


def _encoder_taps(vae: AutoencoderKLWan) -> list[_Tap]:
    """Every downsampling stage output of the encoder, then the mid block."""
    patch = vae.config.patch_size or 1
    t_stride, s_stride, taps = 1, patch, []
    for index, layer in enumerate(vae.encoder.down_blocks):
        resample = layer.downsampler if isinstance(layer, wan.WanResidualDownBlock) else layer
        if isinstance(resample, wan.WanResample) and resample.mode.startswith("downsample"):
            s_stride *= 2
            t_stride *= 2 if resample.mode == "downsample3d" else 1
            taps.append(_Tap(index, resample.dim, t_stride, s_stride))
    taps.append(_Tap(-1, vae.encoder.mid_block.dim, t_stride, s_stride))
    return taps


def _count_causal_convs(module: nn.Module) -> int:
    return sum(isinstance(m, wan.WanCausalConv3d) for m in module.modules())


def _cached_conv(conv: nn.Module, x: Tensor, cache: list, idx: list[int]) -> Tensor:
    """A causal conv with the chunk cache, exactly as WanEncoder3d.forward runs conv_in/out."""
    i = idx[0]
    cache_x = x[:, :, -wan.CACHE_T :].clone()
    if cache_x.shape[2] < 2 and cache[i] is not None:
        cache_x = torch.cat([cache[i][:, :, -1:].to(cache_x.device), cache_x], dim=2)
    out = conv(x, cache[i])
    cache[i] = cache_x
    idx[0] += 1
    return out


class WanLoRABackbone(nn.Module):
    """Frozen AutoencoderKLWan with LoRA on the encoder and multi-depth feature taps.

    Args:
        vae: a loaded AutoencoderKLWan; its own weights are frozen here.
        lora_rank: LoRA rank r (paper: 16).
        lora_alpha: LoRA alpha (paper: 32); the LoRA branch is scaled by alpha / r.
        levels: number of feature levels L returned by `encode_features` (deepest taps).
    """

    def __init__(
        self, vae: AutoencoderKLWan, *, lora_rank: int = 16, lora_alpha: int = 32, levels: int = 4
    ) -> None:
        super().__init__()
        taps = _encoder_taps(vae)
        if not 1 <= levels <= len(taps):
            raise ValueError(f"levels must be in 1..{len(taps)} for this Wan encoder, got {levels}")
        self._taps = taps[len(taps) - levels :]
        self.temporal_factor = 2 ** sum(bool(d) for d in vae.config.temperal_downsample)
        self.patch_size = vae.config.patch_size

        targets = [
            name
            for name, module in vae.named_modules()
            if name.startswith("encoder.") and isinstance(module, wan.WanCausalConv3d | nn.Conv2d)
        ]
        config = LoraConfig(
            r=lora_rank, lora_alpha=lora_alpha, lora_dropout=0.0, target_modules=targets
        )
        config._register_custom_module({wan.WanCausalConv3d: LoraWanCausalConv3d})
        for param in vae.parameters():
            param.requires_grad_(False)
        self.vae = inject_adapter_in_model(config, vae)
        for name, param in self.vae.named_parameters():
            param.requires_grad_("lora_" in name)
        self.lora_rank, self.lora_alpha = lora_rank, lora_alpha
        self._n_encoder_convs = _count_causal_convs(self.vae.encoder)
        self._n_decoder_convs = _count_causal_convs(self.vae.decoder)

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike[str],
        *,
        lora_rank: int = 16,
        lora_alpha: int = 32,
        levels: int = 4,
        dtype: torch.dtype | None = None,
    ) -> WanLoRABackbone:
        """Load a Wan VAE from a local diffusers folder (or a pipeline folder with vae/)."""
        folder = _check_vae_folder(Path(path))
        kwargs = {"torch_dtype": dtype} if dtype is not None else {}
        vae = AutoencoderKLWan.from_pretrained(str(folder), **kwargs)
        return cls(vae, lora_rank=lora_rank, lora_alpha=lora_alpha, levels=levels)

    # -- properties ----------------------------------------------------------------------

    @property
    def level_channels(self) -> list[int]:
        """C_l of each returned level, shallow → deep."""
        return [tap.channels for tap in self._taps]

    @property
    def level_strides(self) -> list[tuple[int, int]]:
        """(temporal, spatial) stride of each level relative to the input video."""
        return [(tap.temporal_stride, tap.spatial_stride) for tap in self._taps]

    @property
    def latent_channels(self) -> int:
        """z, channels of the posterior mean (16 for Wan 2.1)."""
        return int(self.vae.config.z_dim)

    def lora_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.vae.named_parameters() if "lora_" in name]

    @contextlib.contextmanager
    def lora_disabled(self) -> Iterator[None]:
        """Run the original frozen encoder (e.g. for a reference) inside this block."""
        layers = [m for m in self.vae.modules() if isinstance(m, BaseTunerLayer)]
        for layer in layers:
            layer.enable_adapters(False)
        try:
            yield
        finally:
            for layer in layers:
                layer.enable_adapters(True)

    # -- encoder -------------------------------------------------------------------------

    def encode_features(self, video: Tensor) -> BackboneFeatures:
        """Run the (LoRA-adapted) encoder chunk by chunk and collect the feature taps.

        Args:
            video: (b, 3, t, h, w) float in [-1, 1], t = 1 + k · temporal_factor, h and w
                divisible by the deepest spatial stride.

        Returns:
            BackboneFeatures with `levels` (shallow → deep) and the posterior mean `latent`.
        """
        t = video.shape[2]
        if video.ndim != 5 or (t - 1) % self.temporal_factor:
            raise ValueError(
                f"expected (b, c, t, h, w) with t = 1 + k·{self.temporal_factor}, "
                f"got shape {tuple(video.shape)}"
            )
        x = wan.patchify(video, patch_size=self.patch_size) if self.patch_size else video
        encoder = self.vae.encoder
        tap_index = {tap.index: i for i, tap in enumerate(self._taps)}
        collected: list[list[Tensor]] = [[] for _ in self._taps]
        heads: list[Tensor] = []
        cache: list = [None] * self._n_encoder_convs  # local: the encoder stays re-entrant
        chunks = [x[:, :, :1]] + list(x[:, :, 1:].split(self.temporal_factor, dim=2))
        for chunk in chunks:
            idx = [0]
            h = _cached_conv(encoder.conv_in, chunk, cache, idx)
            for index, layer in enumerate(encoder.down_blocks):
                if isinstance(layer, wan.WanAttentionBlock):
                    h = layer(h)
                else:
                    h = layer(h, feat_cache=cache, feat_idx=idx)
                if index in tap_index:
                    collected[tap_index[index]].append(h)
            h = encoder.mid_block(h, feat_cache=cache, feat_idx=idx)
            if -1 in tap_index:
                collected[tap_index[-1]].append(h)
            h = encoder.nonlinearity(encoder.norm_out(h))
            heads.append(_cached_conv(encoder.conv_out, h, cache, idx))
        moments = self.vae.quant_conv(torch.cat(heads, dim=2))  # (b, 2z, t', h', w')
        latent = moments[:, : self.latent_channels]  # DiagonalGaussianDistribution's mean
        levels = [torch.cat(parts, dim=2) for parts in collected]
        return BackboneFeatures(levels=levels, latent=latent)

    # -- decoder -------------------------------------------------------------------------

    def decode_latent(self, latent: Tensor, *, clamp: bool = True) -> Tensor:
        """Decode with the frozen decoder (re-entrant; gradients flow to `latent`).

        Args:
            latent: (b, z, t', h', w') in the raw posterior space.
            clamp: clamp the output to [-1, 1] like diffusers does (zero gradient outside).

        Returns:
            (b, 3, 1 + (t' − 1) · temporal_factor, h, w) video.
        """
        x = self.vae.post_quant_conv(latent)
        cache: list = [None] * self._n_decoder_convs
        frames = []
        for i in range(x.shape[2]):
            frames.append(
                self.vae.decoder(
                    x[:, :, i : i + 1], feat_cache=cache, feat_idx=[0], first_chunk=i == 0
                )
            )
        out = torch.cat(frames, dim=2)
        if self.patch_size:
            out = wan.unpatchify(out, patch_size=self.patch_size)
        return out.clamp(-1.0, 1.0) if clamp else out
