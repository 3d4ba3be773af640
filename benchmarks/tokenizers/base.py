"""The video tokenizer interface every adapter implements.

Shapes use einops letters: ``b`` batch, ``c`` channels, ``d`` feature channels, ``t``
frames, ``h``/``w`` pixels; primed letters (``t'``, ``h'``, ``w'``) are latent-grid sizes.

Conventions (all adapters):
- ``encode(video, texts)`` takes ``video`` of shape ``(b, 3, t, h, w)``, float32 in
  [-1, 1], RGB; ``texts`` is one caption per clip or ``None``.
- ``decode(encoded)`` (capability ``"decode"``) returns ``(b, 3, t, h, w)`` float in
  [-1, 1] (adapters clamp), with the same ``t, h, w`` as the input that was encoded.
- ``features(video, level)`` (capability ``"features"``) returns one level's features
  ``(b, d, t', h', w')`` cropped to the cells that cover real frames / pixels (what an
  adapter padded on is cut away), with the stride and the frame → latent-step map
  (``LevelFeatures``); ``embed_video(video, level)`` pools them to ``(b, d)``, L2-normalised.
- ``embed_text(texts)`` (capability ``"text"``) returns ``(n, d)`` embeddings in the same
  space as ``features`` / ``embed_video``, L2-normalised.
- Discrete tokenizers (capability ``"bits"``) set ``Encoded.indices`` and ``Encoded.bits``;
  ``spec.bits_per_token`` is the size of ONE token index, ``log2(vocab_size)``, and
  ``Encoded.bits[i] = bits_per_token × (token indices of clip i over all levels)``.

Value range: dataset readers give frames in [0, 1] (``benchmarks.datasets.base.Sample``);
everything model-side — tokenizers, generators' clips, the FVD feature extractors — takes
and gives [-1, 1]. ``to_tokenizer_range`` / ``from_tokenizer_range`` below are the one
conversion between the two, used wherever a harness path crosses the boundary.

Levels are 0-based, 0 the finest (shallowest, PyraTok's q^(1)); negative levels count from
the deepest (-1). Frame / latent-step arithmetic lives in ``benchmarks.tokenizers.grid``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.tokenizers import grid

FrameConvention = Literal["causal", "blocks", "any"]
Capability = Literal["decode", "features", "text", "bits"]
CAPABILITIES: frozenset[str] = frozenset({"decode", "features", "text", "bits"})
Stride = tuple[int, int, int]  # (t, h, w): frames, pixels, pixels per latent cell


@dataclass(frozen=True, kw_only=True)
class TokenizerSpec:
    """What a tokenizer is: sizes, compression, capabilities, where its weights come from.

    Attributes:
        name: registry name.
        n_params: number of parameters of the loaded model (0 for ``identity``).
        vocab_size: codebook size of one token index (discrete); ``None`` for continuous.
        bits_per_token: bits of ONE token index, ``log2(vocab_size)`` (16 for a 2^16
            codebook, however many levels there are); ``None`` for continuous tokenizers.
        latent_channels: channels of the latent the decoder reads.
        feature_dim: ``d``, channels of ``features()`` and of ``embed_video()``.
        spatial_compression: pixels per latent cell along h and w (finest level).
        temporal_compression: frames per latent step (finest level).
        frame_convention: the clip lengths ``encode`` takes: ``"causal"`` — clips of
            ``k * temporal_compression + 1`` frames (Wan, CogVideoX, Mochi: 4k+1 / 6k+1);
            ``"blocks"`` — ``k * temporal_compression`` frames; ``"any"`` — every length.
        weights: where the weights come from (a path, "random init", "none").
        license: licence of the weights.
        capabilities: a subset of ``CAPABILITIES``: ``"decode"`` reconstructs video;
            ``"features"`` — ``features()`` / ``embed_video()`` work; ``"text"`` —
            ``embed_text`` embeds in the space of ``features()``; ``"bits"`` — discrete,
            ``Encoded.indices`` / ``Encoded.bits`` are set.
        level_strides: per level, finest first, the ``(t, h, w)`` stride in frames /
            pixels; default: one level of ``(temporal, spatial, spatial)`` compression.
        causal: whether the latent time axis is causal (step 0 codes frame 0 alone); default
            ``frame_convention == "causal"`` (PyraTok takes any length but is causal).
        window_frames: a causal model restarting its causal state every ``window_frames``
            frames (the PyraTok release: 17); ``None`` for one window over the whole clip.
        text_encoder: the text encoder behind ``embed_text`` (``"minilm"``,
            ``"qwen2.5-vl"`` …), recorded so that a zero-shot result names its text side
            (``tables --paper``); ``None`` for a tokenizer without capability ``"text"``.
    """

    name: str
    n_params: int
    vocab_size: int | None
    bits_per_token: float | None
    latent_channels: int
    feature_dim: int
    spatial_compression: int
    temporal_compression: int
    frame_convention: FrameConvention
    weights: str
    license: str
    capabilities: frozenset[str]
    level_strides: tuple[Stride, ...] = ()
    causal: bool | None = None
    window_frames: int | None = None
    text_encoder: str | None = None

    def __post_init__(self) -> None:
        # accept what to_dict (JSON) gives back: lists for sets and tuples
        caps = frozenset(self.capabilities)
        unknown = sorted(caps - CAPABILITIES)
        if unknown:
            raise ValueError(
                f"tokenizer {self.name!r}: unknown capabilities {unknown}; "
                f"expected a subset of {sorted(CAPABILITIES)}"
            )
        finest = (self.temporal_compression, self.spatial_compression, self.spatial_compression)
        strides = tuple(tuple(int(x) for x in s) for s in self.level_strides) or (finest,)
        if any(len(s) != 3 for s in strides) or strides[0] != finest:
            raise ValueError(
                f"tokenizer {self.name!r}: level_strides {strides} must be (t, h, w) triples "
                f"starting with the finest level's {finest}"
            )
        if ("bits" in caps) != (self.vocab_size is not None):
            raise ValueError(
                f"tokenizer {self.name!r}: capability 'bits' goes with a vocab_size "
                f"(got vocab_size={self.vocab_size}, capabilities {sorted(caps)})"
            )
        expected_bits = None if self.vocab_size is None else math.log2(self.vocab_size)
        if (self.bits_per_token is None) != (expected_bits is None) or (
            expected_bits is not None and not math.isclose(self.bits_per_token, expected_bits)
        ):
            raise ValueError(
                f"tokenizer {self.name!r}: bits_per_token must be log2(vocab_size) = "
                f"{expected_bits} (the bits of one token index), got {self.bits_per_token}"
            )
        causal = self.frame_convention == "causal" if self.causal is None else bool(self.causal)
        object.__setattr__(self, "capabilities", caps)
        object.__setattr__(self, "level_strides", strides)
        object.__setattr__(self, "causal", causal)
        if self.window_frames is not None:  # checks window = 1 + k * stride on every level
            for s_t, _, _ in strides:
                grid.num_valid_steps(1, stride=s_t, causal=causal, window=self.window_frames)

    @property
    def text_aligned(self) -> bool:
        """Whether ``embed_text`` is available (capability ``"text"``)."""
        return "text" in self.capabilities

    @property
    def num_levels(self) -> int:
        return len(self.level_strides)

    def valid_num_frames(self, num_frames: int) -> bool:
        tc = self.temporal_compression
        if self.frame_convention == "causal":
            return num_frames >= 1 and (num_frames - 1) % tc == 0
        if self.frame_convention == "blocks":
            return num_frames >= tc and num_frames % tc == 0
        return num_frames >= 1

    def usable_num_frames(self, num_frames: int) -> int:
        """Largest valid clip length not above ``num_frames`` (0 if there is none)."""
        for n in range(num_frames, 0, -1):
            if self.valid_num_frames(n):
                return n
        return 0

    def to_dict(self) -> dict:
        """JSON-ready fields; ``TokenizerSpec(**spec.to_dict()) == spec``."""
        out = dataclasses.asdict(self)
        out["capabilities"] = sorted(self.capabilities)
        out["level_strides"] = [list(s) for s in self.level_strides]
        return out


@dataclass
class Encoded:
    """What ``encode`` returns.

    Attributes:
        features: one float tensor per level, ``(b, d_l, t'_l, h'_l, w'_l)``; for a
            single-level continuous VAE a one-element list holding the latent (posterior
            mean). Level 0 is the finest (shallowest) level, the last is the deepest. The
            grid may include cells an adapter padded on (``LevelFeatures`` crops them).
        indices: one int64 tensor per level, ``(b, t'_l, h'_l, w'_l)``, for discrete
            tokenizers; ``None`` for continuous ones.
        bits: ``(b,)`` float64, bits needed to store each clip's tokens:
            ``spec.bits_per_token × (sum over levels of the clip's index count)``;
            ``None`` for continuous ones.
        num_frames: ``t`` of the encoded video (decoders trim to it).
        frame_size: ``(h, w)`` of the encoded video.
        latent: optional decoder input (for example the summed residual levels) when it
            differs from ``features``; ``None`` otherwise.
    """

    features: list[Tensor]
    indices: list[Tensor] | None
    bits: Tensor | None
    num_frames: int
    frame_size: tuple[int, int]
    latent: Tensor | None = None

    @property
    def num_levels(self) -> int:
        return len(self.features)


@dataclass(frozen=True)
class LevelFeatures:
    """One level's features, cropped to the valid region, and how they map onto frames.

    Attributes:
        features: ``(b, d, t', h', w')`` float, only the cells that cover at least one real
            frame / pixel (``t' = grid.num_valid_steps(...)``, ``h' = ceil(h / s_h)``,
            ``w' = ceil(w / s_w)``).
        level: 0-based level, 0 the finest; never negative.
        stride: ``(t, h, w)`` stride of the level in frames / pixels.
        causal: latent step 0 codes frame 0 alone (see ``benchmarks.tokenizers.grid``).
        num_frames: ``t`` of the input clip.
        frame_size: ``(h, w)`` of the input frames.
        window_frames: causal window length, or ``None`` (one window).
    """

    features: Tensor
    level: int
    stride: Stride
    causal: bool
    num_frames: int
    frame_size: tuple[int, int]
    window_frames: int | None = None

    @property
    def frame_to_step(self) -> Tensor:
        """``(num_frames,)`` int64: the latent step (index into ``t'``) of every frame."""
        return grid.frame_to_step(
            self.num_frames, stride=self.stride[0], causal=self.causal, window=self.window_frames
        )

    def step_frames(self, step: int) -> range:
        """The input frames latent step ``step`` covers (clipped to the clip)."""
        return grid.step_frames(
            step,
            num_frames=self.num_frames,
            stride=self.stride[0],
            causal=self.causal,
            window=self.window_frames,
        )


class VideoTokenizer(torch.nn.Module):
    """Base class: a ``torch.nn.Module`` with a ``spec`` and encode/decode.

    Subclasses set ``self.spec`` in ``__init__`` and implement ``encode`` (and ``decode``
    with ``"decode"``, ``embed_text`` with ``"text"``). ``features`` / ``embed_video`` work
    from ``encode``; override ``pool_features`` for a learned pooling.
    """

    spec: TokenizerSpec

    def encode(self, video: Tensor, texts: list[str] | None = None) -> Encoded:
        raise NotImplementedError

    def decode(self, encoded: Encoded) -> Tensor:
        raise NotImplementedError(f"tokenizer {self.spec.name!r} does not decode")

    def embed_text(self, texts: list[str]) -> Tensor:
        raise NotImplementedError(f"tokenizer {self.spec.name!r} is not text-aligned")

    # features ------------------------------------------------------------------------------

    def resolve_level(self, level: int) -> int:
        """``level`` (negative: from the deepest) as ``0 … num_levels − 1``, or ValueError."""
        n = self.spec.num_levels
        if isinstance(level, bool) or not isinstance(level, int) or not -n <= level < n:
            raise ValueError(
                f"tokenizer {self.spec.name!r} has {n} level(s) (0 … {n - 1}, or -{n} … -1), "
                f"got level {level!r}"
            )
        return level % n

    def level_features(self, encoded: Encoded, level: int) -> LevelFeatures:
        """Level ``level`` of ``encoded``, cropped to the valid region (no new encode)."""
        self._require("features")
        level = self.resolve_level(level)
        if encoded.num_levels != self.spec.num_levels:
            raise ValueError(
                f"tokenizer {self.spec.name!r}: Encoded has {encoded.num_levels} levels, "
                f"the spec {self.spec.num_levels}"
            )
        stride = self.spec.level_strides[level]
        t_v, h_v, w_v = grid.valid_grid(
            encoded.num_frames,
            encoded.frame_size,
            stride=stride,
            causal=self.spec.causal,
            window=self.spec.window_frames,
        )
        feats, valid = encoded.features[level], (t_v, h_v, w_v)
        if feats.ndim != 5 or any(n < v for n, v in zip(feats.shape[2:], valid, strict=True)):
            raise ValueError(
                f"tokenizer {self.spec.name!r} level {level}: features grid "
                f"{tuple(feats.shape[2:])} is smaller than the valid grid {valid} "
                f"of {encoded.num_frames} frames at {encoded.frame_size} with stride {stride}"
            )
        return LevelFeatures(
            features=feats[:, :, :t_v, :h_v, :w_v],
            level=level,
            stride=stride,
            causal=self.spec.causal,
            num_frames=encoded.num_frames,
            frame_size=encoded.frame_size,
            window_frames=self.spec.window_frames,
        )

    @torch.no_grad()
    def features(
        self, video: Tensor, level: int = 0, *, texts: list[str] | None = None
    ) -> LevelFeatures:
        """Encode ``video`` ``(b, 3, t, h, w)`` and return level ``level``'s valid features."""
        self._require("features")
        level = self.resolve_level(level)
        return self.level_features(self.encode(video, texts), level)

    def pool_features(self, features: LevelFeatures) -> Tensor:
        """``(b, d)`` L2-normalised clip embedding of one level: the mean over valid cells."""
        return F.normalize(features.features.float().mean(dim=(2, 3, 4)), dim=-1)

    @torch.no_grad()
    def embed_video(
        self, video: Tensor, level: int | None = None, *, texts: list[str] | None = None
    ) -> Tensor:
        """``(b, d)`` L2-normalised clip embeddings of ``video`` ``(b, 3, t, h, w)``.

        Args:
            video: float in [-1, 1].
            level: one level (``pool_features`` of its valid features), or ``None``: all
                levels, the normalised mean of the levels' embeddings (one encode).
            texts: passed to ``encode`` (``None`` for zero-shot use).
        """
        self._require("features")
        levels = range(self.spec.num_levels) if level is None else [self.resolve_level(level)]
        encoded = self.encode(video, texts)
        embeddings = [self.pool_features(self.level_features(encoded, lvl)) for lvl in levels]
        if level is not None:
            return embeddings[0]
        return F.normalize(torch.stack(embeddings).mean(0), dim=-1)

    def weight_files(self) -> list[Path]:
        """The files (or folders: every file below) whose content the numbers depend on:
        their fingerprints join the run's config hash, so weights overwritten in place are
        never resumed as the old run. Default: ``spec.weights`` when it names an existing
        path (every bundled adapter records its checkpoint folder there): of a safetensors
        checkpoint folder its ``config.json`` and ``*.safetensors*`` files (notes beside
        them are not weights), of anything else every file; override it when the weights
        come from elsewhere."""
        if not self.spec.weights.strip():
            return []
        where = Path(self.spec.weights).expanduser()
        if not where.exists():
            return []
        if where.is_dir() and (where / "config.json").is_file():
            loaded = [p for p in sorted(where.iterdir()) if p.is_file() and (
                p.name == "config.json" or ".safetensors" in p.name)]
            if len(loaded) > 1:
                return loaded
        return [where]

    def _require(self, capability: Capability) -> None:
        if capability not in self.spec.capabilities:
            raise NotImplementedError(
                f"tokenizer {self.spec.name!r} lacks the {capability!r} capability "
                f"(it has: {', '.join(sorted(self.spec.capabilities)) or 'none'})"
            )

    @property
    def device(self) -> torch.device:
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return torch.device("cpu")


def check_video(video: Tensor) -> None:
    """Raise a clear error when ``video`` is not ``(b, 3, t, h, w)`` float."""
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"expected video of shape (b, 3, t, h, w), got {tuple(video.shape)}")
    if not video.is_floating_point():
        raise TypeError(f"expected a float video in [-1, 1], got dtype {video.dtype}")


# value range ----------------------------------------------------------------------------------
# Both maps are bit for bit the forms they replaced (``x * 2 - 1``, ``x.mul(2).sub_(1)``,
# ``addcmul(-1, x, 2)``; ``(x + 1) / 2``, ``x.add(1).mul(0.5)``): doubling and halving are
# exact in binary floating point, so the only rounding is the one of the ``± 1``.


def to_tokenizer_range(video: Tensor) -> Tensor:
    """Reader frames in [0, 1] → the tokenizer range [-1, 1]: ``2x − 1``, a new tensor."""
    return video.mul(2).sub_(1)


def from_tokenizer_range(video: Tensor) -> Tensor:
    """Tokenizer-range video in [-1, 1] → [0, 1]: ``(x + 1) / 2``, a new tensor."""
    return video.add(1).mul_(0.5)
