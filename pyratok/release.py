"""The officially released PyraTok checkpoint: a Wan 2.1 VAE with a residual sign quantizer.

Layout of the released folder (facts from the public PyraTok repository):

- ``config.json``: a diffusers ``AutoencoderKLWan`` config whose ``_class_name`` reads
  ``AutoencoderKLPyraTok`` (or ``AutoencoderKLWan``); ``z_dim`` is 16, 8× spatial and 4×
  causal temporal compression (``t' = 1 + (t - 1) // 4``).
- ``diffusion_pytorch_model.safetensors``: the VAE weights plus extra ``lapq_*`` tensors,
  which the released quantizer does not use and which are skipped here.

The quantizer sits at the bottleneck only: 4 residual levels of sign quantization of the raw
16-channel posterior mean (``latents_mean`` / ``latents_std`` are *not* applied). Level
``i`` (0..3) quantizes the current residual ``r`` to ``q_i = 2^-i * sign(r)`` with
``sign(0) = +1`` and subtracts it (``r <- r - q_i``). Its token index packs the 16 sign bits
with channel 0 as the most significant bit, ``index = sum_c bit_c * 2^(15 - c)``, where
``bit_c = 1`` iff ``r_c >= 0``. The decoder input is the sum of the levels.

Clips are encoded in windows of 17 frames (5 latent steps each), inputs in [-1, 1]. A clip
whose length is not a multiple of 17 ends with a shorter causal window: its remaining
``r`` frames are padded by repeating the last frame up to the next ``4k + 1`` (at most 17),
and the decoder output is trimmed back to the clip length. Each window is encoded and decoded
independently (fresh causal state), as in training.

Shapes: ``b`` batch, ``c`` latent channels (16), ``t`` frames, ``h``/``w`` pixels; primed
letters the latent grid.

This module is the model side; it must not import ``benchmarks``.
"""

from __future__ import annotations

import inspect
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

logger = logging.getLogger(__name__)

RELEASE_CLASS_NAMES = ("AutoencoderKLPyraTok", "AutoencoderKLWan")
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
SKIPPED_KEY_PREFIX = "lapq_"
NUM_LEVELS = 4
LATENT_CHANNELS = 16
WINDOW_FRAMES = 17
TEMPORAL_COMPRESSION = 4
SPATIAL_COMPRESSION = 8


# residual sign quantizer ----------------------------------------------------------------


@dataclass
class ResidualSignCodes:
    """Output of the residual sign quantizer.

    Attributes:
        codes: one tensor per level, ``(b, c, t', h', w')``, entries ``±2^-i`` at level ``i``.
        indices: one int64 tensor per level, ``(b, t', h', w')``, in ``[0, 2^c)``.
        latent: the decoder input, the sum of ``codes``, ``(b, c, t', h', w')``.
    """

    codes: list[Tensor]
    indices: list[Tensor]
    latent: Tensor


def _bit_weights(num_channels: int, device: torch.device) -> Tensor:
    """``(c,)`` int64: ``2^(c - 1 - k)`` for channel ``k`` (channel 0 is the MSB)."""
    if num_channels > 62:
        raise ValueError(f"cannot pack {num_channels} sign bits into an int64 index")
    return 2 ** torch.arange(num_channels - 1, -1, -1, device=device, dtype=torch.int64)


def signs_to_indices(values: Tensor) -> Tensor:
    """Pack the sign bits of ``values`` ``(b, c, t, h, w)`` into indices ``(b, t, h, w)``.

    ``bit_k = 1`` iff ``values[:, k] >= 0``; channel 0 is the most significant bit.
    """
    bits = (values >= 0).to(torch.int64)
    weights = _bit_weights(values.shape[1], values.device)
    return torch.einsum("bcthw,c->bthw", bits, weights)


def indices_to_codes(
    indices: Tensor,
    *,
    level: int,
    num_channels: int = LATENT_CHANNELS,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Unpack indices ``(b, t, h, w)`` into the level's codes ``(b, c, t, h, w)``, ``±2^-level``."""
    if indices.dtype.is_floating_point:
        raise TypeError(f"indices must be an integer tensor, got {indices.dtype}")
    weights = _bit_weights(num_channels, indices.device)
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= 2**num_channels):
        raise ValueError(f"indices must lie in [0, 2^{num_channels}), got a value outside")
    bits = (indices.to(torch.int64).unsqueeze(1) // weights.view(1, -1, 1, 1, 1)) % 2
    return (bits.to(dtype) * 2 - 1) * 2.0**-level


def indices_to_latent(indices: list[Tensor], *, num_channels: int = LATENT_CHANNELS) -> Tensor:
    """Decoder input from one index tensor per level: ``sum_i indices_to_codes(indices[i], i)``.

    Args:
        indices: ``num_levels`` int tensors, each ``(b, t', h', w')``.

    Returns:
        ``(b, c, t', h', w')`` float32; exact (every partial sum is a dyadic rational).
    """
    if not indices:
        raise ValueError("indices_to_latent needs at least one level")
    latent = indices_to_codes(indices[0], level=0, num_channels=num_channels)
    for level, idx in enumerate(indices[1:], start=1):
        latent = latent + indices_to_codes(idx, level=level, num_channels=num_channels)
    return latent


def residual_sign_quantize(latent: Tensor, *, num_levels: int = NUM_LEVELS) -> ResidualSignCodes:
    """Quantize ``latent`` ``(b, c, t', h', w')`` with ``num_levels`` residual sign levels.

    Level ``i`` takes ``q_i = 2^-i * sign(r)`` (``sign(0) = +1``) of the current residual ``r``
    (initially ``latent``) and leaves ``r - q_i`` to the next level.
    """
    residual = latent.float()
    codes: list[Tensor] = []
    indices: list[Tensor] = []
    for level in range(num_levels):
        code = torch.where(residual >= 0, 1.0, -1.0) * 2.0**-level
        indices.append(signs_to_indices(residual))
        codes.append(code)
        residual = residual - code
    total = codes[0]
    for code in codes[1:]:
        total = total + code
    return ResidualSignCodes(codes=codes, indices=indices, latent=total)


# windows ---------------------------------------------------------------------------------


def _next_causal_length(num_frames: int) -> int:
    """Smallest ``4k + 1`` not below ``num_frames``."""
    return num_frames + (-(num_frames - 1)) % TEMPORAL_COMPRESSION


def frame_windows(num_frames: int) -> list[tuple[int, int, int]]:
    """Windows ``(start, length, padded_length)`` covering ``num_frames`` frames.

    Full windows of 17 frames, then one shorter window with the remaining frames, padded to
    the next ``4k + 1``.
    """
    if num_frames < 1:
        raise ValueError(f"need at least one frame, got {num_frames}")
    windows = []
    for start in range(0, num_frames, WINDOW_FRAMES):
        length = min(WINDOW_FRAMES, num_frames - start)
        windows.append((start, length, _next_causal_length(length)))
    return windows


def latent_windows(latent_frames: int) -> list[tuple[int, int]]:
    """Windows ``(start, length)`` over latent steps: chunks of 5 (17 frames), then the rest."""
    per_window = 1 + (WINDOW_FRAMES - 1) // TEMPORAL_COMPRESSION
    return [
        (start, min(per_window, latent_frames - start))
        for start in range(0, latent_frames, per_window)
    ]


# loading ---------------------------------------------------------------------------------


def _is_skipped_key(key: str) -> bool:
    return any(part.startswith(SKIPPED_KEY_PREFIX) for part in key.split("."))


def read_release_config(folder: Path) -> dict:
    """Read and check ``config.json``; return the ``AutoencoderKLWan`` constructor kwargs."""
    from diffusers import AutoencoderKLWan

    config_path = folder / CONFIG_NAME
    if not folder.is_dir():
        raise FileNotFoundError(
            f"PyraTok release folder {folder} does not exist; expected a folder with "
            f"{CONFIG_NAME} and {WEIGHTS_NAME} (class {' or '.join(RELEASE_CLASS_NAMES)})"
        )
    if not config_path.is_file():
        raise FileNotFoundError(
            f"{config_path} not found; a PyraTok release folder holds {CONFIG_NAME} and "
            f"{WEIGHTS_NAME} (class {' or '.join(RELEASE_CLASS_NAMES)})"
        )
    config = json.loads(config_path.read_text())
    class_name = config.get("_class_name")
    if class_name not in RELEASE_CLASS_NAMES:
        raise ValueError(
            f"{config_path}: _class_name is {class_name!r}; expected one of {RELEASE_CLASS_NAMES}"
        )
    accepted = set(inspect.signature(AutoencoderKLWan.__init__).parameters) - {"self"}
    kwargs = {k: v for k, v in config.items() if not k.startswith("_")}
    ignored = sorted(set(kwargs) - accepted)
    if ignored:
        logger.warning("%s: ignoring keys AutoencoderKLWan does not take: %s", config_path, ignored)
    kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    defaults = {
        name: param.default
        for name, param in inspect.signature(AutoencoderKLWan.__init__).parameters.items()
    }
    settings = {**{k: defaults[k] for k in accepted}, **kwargs}
    z_dim = settings["z_dim"]
    spatial = (settings["patch_size"] or 1) * 2 ** (len(settings["dim_mult"]) - 1)
    temporal = 2 ** sum(bool(d) for d in settings["temperal_downsample"])
    expected = (LATENT_CHANNELS, SPATIAL_COMPRESSION, TEMPORAL_COMPRESSION)
    if (z_dim, spatial, temporal) != expected:
        raise ValueError(
            f"{config_path}: z_dim {z_dim}, spatial x{spatial}, temporal x{temporal}; the PyraTok "
            f"release is a Wan 2.1 layout with z_dim {expected[0]}, spatial x{expected[1]}, "
            f"temporal x{expected[2]} (dim_mult of length 4, temperal_downsample with two True)"
        )
    return kwargs


def load_release_vae(folder: str | Path, *, dtype: torch.dtype = torch.float32) -> nn.Module:
    """Build the ``AutoencoderKLWan`` of a release folder and load its weights (safetensors only).

    ``lapq_*`` tensors are dropped; every other key must match the model exactly.

    Raises:
        FileNotFoundError: the folder, ``config.json`` or the safetensors file is missing.
        ValueError: wrong ``_class_name`` or ``z_dim``, or missing / unexpected weight keys.
    """
    from diffusers import AutoencoderKLWan
    from safetensors.torch import load_file

    folder = Path(folder).expanduser()
    kwargs = read_release_config(folder)
    weights_path = folder / WEIGHTS_NAME
    if not weights_path.is_file():
        hint = ""
        if (folder / "diffusion_pytorch_model.bin").is_file():
            hint = " (a .bin file is there; pickled weights are not loaded, convert to safetensors)"
        raise FileNotFoundError(f"{weights_path} not found{hint}; expected {WEIGHTS_NAME}")
    vae = AutoencoderKLWan(**kwargs)
    state = {k: v for k, v in load_file(str(weights_path)).items() if not _is_skipped_key(k)}
    result = vae.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"{weights_path} does not match the AutoencoderKLWan built from "
            f"{folder / CONFIG_NAME}: "
            f"missing keys {result.missing_keys[:8]} ({len(result.missing_keys)} in all), "
            f"unexpected keys {result.unexpected_keys[:8]} ({len(result.unexpected_keys)} in all)"
        )
    # nn.Module.to: ModelMixin.to warns about fp32-only modules, and AutoencoderKLWan has none
    return nn.Module.to(vae, dtype).eval()


# model -------------------------------------------------------------------------------------


class PyraTokRelease(nn.Module):
    """The released PyraTok tokenizer: windowed Wan VAE encode, residual sign codes, decode.

    Args:
        vae: a diffusers ``AutoencoderKLWan`` with ``z_dim`` 16.
        num_levels: residual levels (4 in the release).
    """

    def __init__(self, vae: nn.Module, *, num_levels: int = NUM_LEVELS) -> None:
        super().__init__()
        self.vae = vae
        self.num_levels = num_levels

    @classmethod
    def from_folder(
        cls, folder: str | Path, *, dtype: torch.dtype = torch.float32
    ) -> PyraTokRelease:
        """Load a release folder (see the module docstring)."""
        return cls(load_release_vae(folder, dtype=dtype))

    @property
    def dtype(self) -> torch.dtype:
        return next(self.vae.parameters()).dtype

    @torch.no_grad()
    def encode_latent(self, video: Tensor) -> Tensor:
        """Posterior mean of ``video`` ``(b, 3, t, h, w)`` in [-1, 1], window by window.

        Returns:
            ``(b, 16, t', h / 8, w / 8)`` float32, ``t'`` = 5 per full 17-frame window plus
            ``1 + (p - 1) // 4`` for a last window padded to ``p`` frames.
        """
        latents = []
        for start, length, padded in frame_windows(video.shape[2]):
            window = video[:, :, start : start + length]
            if padded > length:
                pad = window[:, :, -1:].expand(-1, -1, padded - length, -1, -1)
                window = torch.cat([window, pad], dim=2)
            posterior = self.vae.encode(window.to(self.dtype)).latent_dist
            latents.append(posterior.mean.float())
        return torch.cat(latents, dim=2)

    def quantize(self, latent: Tensor) -> ResidualSignCodes:
        """Residual sign codes of a posterior mean ``(b, 16, t', h', w')``."""
        return residual_sign_quantize(latent, num_levels=self.num_levels)

    def encode(self, video: Tensor) -> ResidualSignCodes:
        """``quantize(encode_latent(video))``."""
        return self.quantize(self.encode_latent(video))

    @torch.no_grad()
    def decode_latent(self, latent: Tensor, *, num_frames: int | None = None) -> Tensor:
        """Decode ``(b, 16, t', h', w')`` window by window to ``(b, 3, t, h, w)`` in [-1, 1].

        Args:
            latent: the summed codes (or any latent on the same grid).
            num_frames: trim the output to this many frames (default: all decoded frames).
        """
        frames = []
        for start, length in latent_windows(latent.shape[2]):
            window = latent[:, :, start : start + length].to(self.dtype)
            frames.append(self.vae.decode(window).sample.float())
        video = torch.cat(frames, dim=2).clamp(-1.0, 1.0)
        if num_frames is not None:
            if num_frames > video.shape[2]:
                raise ValueError(
                    f"asked for {num_frames} frames, the latent decodes to {video.shape[2]}"
                )
            video = video[:, :, :num_frames]
        return video

    def decode_indices(self, indices: list[Tensor], *, num_frames: int | None = None) -> Tensor:
        """Decode one index tensor per level, each ``(b, t', h', w')``, to ``(b, 3, t, h, w)``."""
        latent = indices_to_latent(indices, num_channels=LATENT_CHANNELS)
        return self.decode_latent(
            latent.to(next(self.vae.parameters()).device), num_frames=num_frames
        )
