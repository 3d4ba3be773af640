"""PyraTok: a language-aligned pyramidal video tokenizer (the model and its public API).

Paper: PyraTok §3 (Fig. 3): a (masked) video is encoded by E_n into features at L depths;
LaPQ (`lapq.py`) quantizes each depth, guided by the text embedding e_t, with one shared
LFQ codebook (`lfq.py`); the decoder D_e reconstructs the video from the quantized pyramid.

Backbones:
- "causal_vae" (default): the built-in causal autoencoder of `backbones/causal_vae.py`,
  trained from scratch; its `PyramidDecoder` consumes the pyramid top-down.
- "wan": a frozen Wan VAE with LoRA in the encoder (`backbones/wan_lora.py`); a learned
  `PyramidMerger` maps the quantized pyramid (each level projected to the latent width and
  resampled to the latent grid, then summed and refined) to the frozen decoder's latent.
  `save_pretrained` then stores the whole state (frozen Wan weights included), and
  `from_pretrained` needs `config.wan_path` to exist (the architecture is read from it).

Text: a frozen text encoder (`pyratok.text`, MiniLM by default) supplies e_t. It is not a
submodule (not in the state dict); it is built on first use. `texts=None` means no text:
every sample attends to one learned null token instead.

Layout letters: b batch, c channels, d code bits, t time, h height, w width.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

from pyratok.backbones.causal_vae import (
    SPATIAL_STRIDES,
    TEMPORAL_STRIDES,
    CausalEncoder,
    PyramidDecoder,
    pad_frames,
)
from pyratok.config import PyraTokConfig
from pyratok.lapq import LaPQ, LaPQOutput, QuantizedLevel, TextContext, resample_codes
from pyratok.quantizers import create_quantizer

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
# The small checkpoint shipped with the package (its TRAINING.md says how it was made).
DEMO_CHECKPOINT = Path(__file__).parent / "checkpoints" / "pyratok-demo"

# Which causal-VAE stages (0 = S1 finest .. 3 = S4 deepest) carry a LaPQ level for L levels.
# The deepest stage (the bottleneck) is always quantized; shallower ones are added first
# where they help fidelity most.
LEVEL_STAGES = {1: (3,), 2: (0, 3), 3: (0, 1, 3), 4: (0, 1, 2, 3)}

# outputs


@dataclass
class PyraTokEncoding:
    """levels: l = 1 (shallowest, finest grid) .. L (deepest, coarsest); see QuantizedLevel.
    num_frames: frames of the input clip; frame_size: (h, w) of its frames."""

    levels: list[QuantizedLevel]
    num_frames: int
    frame_size: tuple[int, int]


@dataclass
class TrainForward:
    """What one training forward pass produces (consumed by `losses.PyraTokObjective`).

    lapq: LaPQOutput with straight-through codes; recon: (b, 3, t, h, w) unclamped;
    encoder_levels: the features fed to LaPQ, shallow -> deep; text_pooled: (b, text_dim)
    or None; text_present: (b,) bool, False where the text was dropped.
    """

    lapq: LaPQOutput
    recon: Tensor
    encoder_levels: list[Tensor]
    text_pooled: Tensor | None
    text_present: Tensor


# helpers


class PyramidMerger(nn.Module):
    """Quantized pyramid -> the latent of a frozen decoder (Wan backbone only)."""

    def __init__(self, *, code_dim: int, latent_channels: int, levels: int, width: int = 64):
        super().__init__()
        self.proj = nn.ModuleList([nn.Conv3d(code_dim, width, 1) for _ in range(levels)])
        self.refine = nn.Sequential(nn.SiLU(), nn.Conv3d(width, width, 3, padding=1), nn.SiLU(),
                                    nn.Conv3d(width, latent_channels, 1))

    def forward(self, codes: list[Tensor], grid: tuple[int, int, int]) -> Tensor:
        x = sum(resample_codes(p(c), grid) for p, c in zip(self.proj, codes, strict=True))
        return self.refine(x)


# model


class PyraTok(nn.Module):
    """The PyraTok tokenizer. Build with a `PyraTokConfig`, or `from_pretrained(path)`."""

    def __init__(self, config: PyraTokConfig):
        super().__init__()
        self.config = config
        levels = config.num_levels
        if config.backbone == "causal_vae":
            self.level_stages = LEVEL_STAGES[levels]
            self.encoder = CausalEncoder(pre=config.pre_channels, stages=config.stage_channels)
            self.decoder = PyramidDecoder(
                pre=config.pre_channels, stages=config.stage_channels,
                code_dim=config.code_dim, quantized_stages=self.level_stages,
            )
            in_channels = [config.stage_channels[s] for s in self.level_stages]
            self.backbone = None
        else:
            from pyratok.backbones.wan_lora import WanLoRABackbone

            if config.wan_path is None:
                raise ValueError("backbone='wan' needs wan_path (a local Wan VAE folder)")
            self.backbone = WanLoRABackbone.from_pretrained(
                config.wan_path, lora_rank=config.lora_rank, lora_alpha=config.lora_alpha,
                levels=4,
            )
            self.level_stages = LEVEL_STAGES[levels]
            in_channels = [self.backbone.level_channels[s] for s in self.level_stages]
            self.merger = PyramidMerger(
                code_dim=config.code_dim, latent_channels=self.backbone.latent_channels,
                levels=levels,
            )
        self.lapq = LaPQ(
            in_channels=in_channels,
            quantizer=create_quantizer(config),
            block_dim=config.block_dim,
            code_dim=config.code_dim,
            text_dim=config.text_dim,
            sem_dim=config.sem_dim,
            heads=config.attn_heads,
            text_guidance=config.text_guidance,
            plain=not config.lapq,
            center_codes=config.center_codes,
        )
        self.null_text = nn.Parameter(torch.randn(config.text_dim) * 0.02)
        self.text_to_sem = nn.Linear(config.text_dim, config.sem_dim)
        self.__dict__["_text_encoder"] = None  # built lazily, kept out of the state dict

    # ---- properties -------------------------------------------------------------------

    @property
    def quantizer(self) -> nn.Module:
        return self.lapq.quantizer

    @property
    def vocab_size(self) -> int:
        return int(self.quantizer.vocab_size)

    @property
    def code_dim(self) -> int:
        return self.config.code_dim

    @property
    def level_strides(self) -> list[tuple[int, int]]:
        """(temporal, spatial) stride of each level l = 1 .. L relative to frames/pixels."""
        if self.backbone is None:
            return [(TEMPORAL_STRIDES[s], SPATIAL_STRIDES[s]) for s in self.level_stages]
        strides = self.backbone.level_strides
        return [tuple(strides[s]) for s in self.level_stages]

    @property
    def spatial_compression(self) -> int:
        """Spatial stride of the finest level (l = 1) relative to pixels."""
        return self.level_strides[0][1]

    @property
    def temporal_compression(self) -> int:
        """Temporal stride of the finest level (l = 1)."""
        return self.level_strides[0][0]

    @property
    def frame_convention(self) -> str:
        if self.backbone is None:
            return ("causal: clips of 1 + 8k frames (others are padded at the end by repeating "
                    "the last frame and cropped on decode); latent step 0 codes frame 0 alone")
        k = self.backbone.temporal_factor
        return (f"causal (Wan): clips of 1 + {k}k frames (others are padded at the end by "
                "repeating the last frame and cropped on decode); latent step 0 codes frame 0 "
                "alone")

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def text_encoder(self):
        if self._text_encoder is None:
            from pyratok.text import create_text_encoder

            encoder = create_text_encoder(
                self.config.text_encoder, self.config.text_encoder_path,
                device=self.null_text.device,
            )
            if encoder.dim != self.config.text_dim:
                raise ValueError(f"text encoder {self.config.text_encoder!r} has dim "
                                 f"{encoder.dim}, config.text_dim is {self.config.text_dim}")
            self.set_text_encoder(encoder)
        return self._text_encoder

    def set_text_encoder(self, encoder) -> None:
        """Use an already built text encoder (shared between models, or a test stand-in).

        Stored outside nn.Module's registry: the frozen encoder is neither a submodule nor
        part of `parameters()` / `state_dict()` (its weights come from its own package).
        """
        self.__dict__["_text_encoder"] = encoder

    # ---- text -------------------------------------------------------------------------

    def text_context(
        self, texts: list[str] | None, batch: int, *, drop: Tensor | None = None
    ) -> tuple[TextContext, Tensor | None, Tensor]:
        """Keys for LaPQ attention; dropped/absent texts become the learned null token.

        Returns (context, pooled (b, text_dim) or None, present (b,) bool).
        """
        device = self.null_text.device
        null = self.null_text.expand(batch, 1, -1)
        if texts is None:
            mask = torch.ones(batch, 1, dtype=torch.bool, device=device)
            return TextContext(tokens=null, mask=mask), None, torch.zeros(
                batch, dtype=torch.bool, device=device)
        if len(texts) != batch:
            raise ValueError(f"got {len(texts)} texts for a batch of {batch} videos")
        emb = self.text_encoder.encode(list(texts))
        tokens, mask = emb.tokens.to(device), emb.mask.to(device)
        present = torch.ones(batch, dtype=torch.bool, device=device)
        if drop is not None:
            present = ~drop.to(device)
        # slot 0 holds the null token, visible only where the text is absent
        tokens = torch.cat([null, tokens], 1)
        mask = torch.cat([~present[:, None], mask & present[:, None]], 1)
        return TextContext(tokens=tokens, mask=mask), emb.pooled.to(device), present

    def embed_text(self, texts: list[str]) -> Tensor:
        """(n, d_sem) L2-normalised text embeddings in the space of `features`."""
        pooled = self.text_encoder.encode(list(texts)).pooled.to(self.null_text.device)
        return self.project_text(pooled)

    def project_text(self, pooled: Tensor) -> Tensor:
        return F.normalize(self.text_to_sem(pooled), dim=-1)

    # ---- forward passes ---------------------------------------------------------------

    def _check_video(self, video: Tensor, *, pad: bool = False) -> Tensor:
        """Validate (b, 3, t, h, w); with pad=True, replicate-pad h, w up to a multiple of
        the deepest spatial stride (decode then returns the padded size)."""
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"expected video (b, 3, t, h, w), got {tuple(video.shape)}")
        multiple = max(spatial for _, spatial in self.level_strides)
        extra_h, extra_w = -video.shape[-2] % multiple, -video.shape[-1] % multiple
        if extra_h or extra_w:
            if not pad:
                raise ValueError(f"frame size {tuple(video.shape[-2:])} must be a multiple of "
                                 f"{multiple}")
            video = F.pad(video, (0, extra_w, 0, extra_h, 0, 0), mode="replicate")
        return video

    def encoder_features(self, video: Tensor) -> list[Tensor]:
        """Encoder maps at the quantized depths, shallow -> deep."""
        if self.backbone is None:
            stages = self.encoder(pad_frames(video)).levels
        else:
            k = self.backbone.temporal_factor
            stages = self.backbone.encode_features(pad_frames(video, multiple=k)).levels
        return [stages[s] for s in self.level_stages]

    def forward_train(
        self,
        video: Tensor,
        texts: list[str] | None,
        *,
        text_drop: Tensor | None = None,
        quantize_fraction: float = 1.0,
        generator: torch.Generator | None = None,
        num_frames: int | None = None,
    ) -> TrainForward:
        """Encode (possibly masked) `video`, quantize, decode; everything a loss needs."""
        self._check_video(video)
        b, _, t, h, w = video.shape
        context, pooled, present = self.text_context(texts, b, drop=text_drop)
        feats = self.encoder_features(video)
        lapq = self.lapq(feats, context, quantize_fraction=quantize_fraction, generator=generator)
        recon = self._decode_codes([lv.codes for lv in lapq.levels], num_frames=num_frames or t,
                                   frame_size=(h, w))
        return TrainForward(lapq=lapq, recon=recon, encoder_levels=feats, text_pooled=pooled,
                            text_present=present)

    @torch.no_grad()
    def encode(self, video: Tensor, texts: list[str] | None = None) -> PyraTokEncoding:
        """Tokenize a video.

        Args:
            video: (b, 3, t, h, w) float in [-1, 1]. Frames are padded (replicating the
                last row/column) to a multiple of the deepest stride (16 for the built-in
                backbone); `frame_size` keeps the original size, `decode` returns the
                padded one (crop with `frame_size`).
            texts: b captions, or None (no text: the learned null token).
        Returns:
            PyraTokEncoding with L levels of codes / indices / features.
        """
        b, _, t, h, w = video.shape
        video = self._check_video(video, pad=True)
        context, _, _ = self.text_context(texts, b)
        # the quantizers' straight-through codes carry the exact codeword values, so the
        # levels (and their features) are used as LaPQ computed them
        out = self.lapq(self.encoder_features(video), context)
        return PyraTokEncoding(levels=out.levels, num_frames=t, frame_size=(h, w))

    def clip_embeddings(self, encoding: PyraTokEncoding) -> list[Tensor]:
        """Per level l = 1 .. L, the (b, d_sem) clip embedding (attention-pooled aligned
        features, L2-normalised), comparable with `embed_text` by a dot product."""
        return [self.lapq.pool(level.features, i) for i, level in enumerate(encoding.levels)]

    def clip_embedding(self, encoding: PyraTokEncoding) -> Tensor:
        """(b, d_sem) embedding of the whole pyramid: the normalised mean of the levels'."""
        return F.normalize(torch.stack(self.clip_embeddings(encoding)).mean(0), dim=-1)

    def _decode_codes(self, codes: list[Tensor], *, num_frames: int,
                      frame_size: tuple[int, int]) -> Tensor:
        if len(codes) != self.lapq.num_levels:
            raise ValueError(f"expected {self.lapq.num_levels} levels of codes, got {len(codes)}")
        if self.backbone is None:
            return self.decoder(dict(zip(self.level_stages, codes, strict=True)),
                                num_frames=num_frames)
        t_stride, s_stride = self.backbone.level_strides[-1]  # the latent's grid
        k = self.backbone.temporal_factor
        padded = 1 + k * -(-(num_frames - 1) // k)
        grid = (1 + (padded - 1) // t_stride, frame_size[0] // s_stride,
                frame_size[1] // s_stride)
        latent = self.merger(codes, grid)
        return self.backbone.decode_latent(latent, clamp=False)[:, :, :num_frames]

    @torch.no_grad()
    def decode(self, codes: list[Tensor], *, num_frames: int) -> Tensor:
        """codes: L maps (b, d, t_l, h_l, w_l), l = 1 .. L. Returns (b, 3, t, h, w) in [-1, 1]."""
        t_stride, s_stride = self.level_strides[0]
        frame_size = (codes[0].shape[-2] * s_stride, codes[0].shape[-1] * s_stride)
        video = self._decode_codes(list(codes), num_frames=num_frames, frame_size=frame_size)
        return video.clamp(-1, 1)

    @torch.no_grad()
    def decode_indices(self, indices: list[Tensor], *, num_frames: int) -> Tensor:
        """indices: L maps (b, t_l, h_l, w_l) int64. Returns (b, 3, t, h, w) in [-1, 1]."""
        codes = [rearrange(self.quantizer.indices_to_codes(i), "b t h w d -> b d t h w")
                 for i in indices]
        return self.decode(codes, num_frames=num_frames)

    # ---- save / load ------------------------------------------------------------------

    def save_pretrained(self, path: str | Path) -> None:
        """Write `config.json` and `model.safetensors` (no pickle)."""
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.config.to_json(path / CONFIG_NAME)
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(path / WEIGHTS_NAME), metadata={"format": "pt"})

    @classmethod
    def from_pretrained(cls, path: str | Path, *, device: str | torch.device = "cpu") -> PyraTok:
        """Load `config.json` + `model.safetensors` from a folder; nothing is unpickled."""
        from safetensors.torch import load_file

        path = Path(path)
        missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME) if not (path / n).is_file()]
        if missing:
            raise FileNotFoundError(f"{path}: missing {', '.join(missing)}")
        config = PyraTokConfig.from_json(path / CONFIG_NAME)
        model = cls(config)
        model.load_state_dict(load_file(str(path / WEIGHTS_NAME)), strict=True)
        return model.to(device).eval()

    def describe(self) -> dict[str, int]:
        """Parameter counts per top-level component (for --dry-run)."""
        parts = {name: sum(p.numel() for p in child.parameters())
                 for name, child in self.named_children()}
        parts["null_text"] = self.null_text.numel()
        return parts
