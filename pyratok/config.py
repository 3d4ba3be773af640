"""Configuration dataclasses for PyraTok (the model) and its training run.

`PyraTokConfig` describes the architecture and is saved next to the weights as
`config.json`; `TrainConfig` describes one training run (data, schedule, loss weights).
A YAML file holds flat `key: value` pairs that map onto the fields of either dataclass
(`load_yaml_configs`); a key that belongs to neither is an error naming the key and the
file. Ablation switches of the paper's Tables 6, 9 and 10 are plain fields here (see
`ABLATIONS` for the named presets used by `configs/` and `--ablation`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

QUANTIZER_TYPES = ("lfq", "vq", "gvq", "rvq")
BACKBONES = ("causal_vae", "wan")


@dataclass
class PyraTokConfig:
    # --- backbone -------------------------------------------------------------------
    backbone: str = "causal_vae"  # "causal_vae" (built-in, trained from scratch) | "wan"
    wan_path: str | None = None  # diffusers folder of a Wan VAE, only for backbone="wan"
    lora_rank: int = 16  # Appendix D: rank 16, alpha 32 in all encoder blocks (wan only)
    lora_alpha: int = 32
    # Built-in causal VAE widths: one stage at 1/2 resolution (after a 2x2 space-to-depth),
    # then the four pyramid stages (strides 4, 8, 16, 16 in space; 2, 4, 4, 8 in time).
    # Kept small so that a 64x64 model trains on two CPU cores in under an hour.
    pre_channels: int = 32
    stage_channels: tuple[int, ...] = (64, 96, 128, 128)
    # --- LaPQ -----------------------------------------------------------------------
    levels: int = 4  # number of quantization blocks L (Table 6: 2 / 3 / 4)
    lapq: bool = True  # False: "w/o LaPQ" = one plain quantizer at the bottleneck, no text
    pyramid: bool = True  # False: "w/o Pyramidal-Q" = one text-guided block at the bottleneck
    text_guidance: bool = True  # False: "w/o Text Guidance" = no attention to text
    block_dim: int = 64  # width of each quantization block (lateral projection target)
    attn_heads: int = 4
    # --- quantizer (Table 9) --------------------------------------------------------
    quantizer: str = "lfq"  # lfq | vq | gvq | rvq
    # LFQ: vocabulary 2^code_dim. 16 bits -> 65,536 codes: the paper's ~48K vocabulary is
    # not a power of two, and LFQ needs one; 2^16 is the nearest that is >= 48K.
    code_dim: int = 16
    codebook_size: int = 4096  # VQ / GVQ / RVQ only (LFQ's size is 2^code_dim)
    gvq_groups: int = 4  # GVQ: groups sharing one codebook, Gumbel-softmax assignment
    rvq_depth: int = 4  # RVQ: residual stages
    entropy_temperature: float = 1.0  # LFQ soft assignment p(c|z) ~ exp(-|z-c|^2 / T)
    entropy_group_bits: int = 8  # codebook entropy exact within groups of 8 bits (256 codes)
    entropy_shuffle_groups: bool = True  # random bit-to-group assignment per step (lfq.py)
    entropy_pair_groups: bool = False  # entropy over pairs of groups: exact for 16 = 2 x 8
    center_codes: bool = True  # centre z over each latent frame's tokens (see lapq.py)
    # --- text -----------------------------------------------------------------------
    text_encoder: str = "minilm"  # pyratok.text.create_text_encoder name (frozen)
    text_encoder_path: str | None = None
    text_dim: int = 384  # width of the text encoder's token embeddings (MiniLM: 384)
    sem_dim: int = 64  # width of the text-aligned feature space (features / embed_text)

    def __post_init__(self) -> None:
        self.stage_channels = tuple(self.stage_channels)
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone={self.backbone!r}: expected one of {BACKBONES}")
        if self.quantizer not in QUANTIZER_TYPES:
            raise ValueError(f"quantizer={self.quantizer!r}: expected one of {QUANTIZER_TYPES}")
        if not 1 <= self.levels <= 4:
            raise ValueError(f"levels={self.levels}: expected 1..4")
        if len(self.stage_channels) != 4:
            raise ValueError(f"stage_channels={self.stage_channels}: expected 4 widths")
        if self.code_dim % self.entropy_group_bits and self.quantizer == "lfq":
            raise ValueError(
                f"code_dim={self.code_dim} is not a multiple of "
                f"entropy_group_bits={self.entropy_group_bits}"
            )

    @property
    def num_levels(self) -> int:
        """Quantized levels actually built (1 for the single-scale ablations)."""
        return self.levels if (self.lapq and self.pyramid) else 1

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path: str | Path) -> PyraTokConfig:
        data = json.loads(Path(path).read_text())
        return cls(**_checked(cls, data, source=str(path)))


@dataclass
class TrainConfig:
    # --- run ------------------------------------------------------------------------
    run_dir: str = "runs/pyratok"
    seed: int = 0
    steps: int = 2000
    batch_size: int = 8
    frames: int = 9  # 1 + 8k frames (the causal VAE's temporal convention)
    size: int = 64
    n_objects: int | None = None  # demo generator default (random count) when None
    # Zero-shot classification is over single-object clips, and a caption naming three
    # motions is an ambiguous target for a clip embedding: draw one object this often.
    single_object_fraction: float = 0.0
    caption_augment: float = 0.0  # replace a caption by demo.caption_variant this often
    train_seed_max: int = 1_000_000  # clips are drawn from seeds [0, train_seed_max)
    threads: int = 0  # torch.set_num_threads; 0 = leave torch's default
    # Fine-tune: start from a saved PyraTok's weights (tensors matched by name and shape;
    # the rest keep their fresh init). Ignored when the run resumes from its checkpoint.
    init_from: str | None = None
    # --- optimisation ---------------------------------------------------------------
    lr: float = 2e-3  # small model, short run: a high LR with cosine decay to lr_min
    lr_min: float = 1e-4
    lr_warmup_steps: int = 50
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    # lfq-training.md: train the continuous autoencoder first, then ramp the fraction of
    # quantized tokens from 0 to 1, so the decoder never sees a collapsed code at start.
    ae_warmup_steps: int = 400
    quant_ramp_steps: int = 200
    text_dropout: float = 0.5  # encode without text this often (texts=None must work)
    # Staged training (Appendix D trains in stages too): the alignment terms (text-cond.,
    # text-codebook, hierarchical KL, L_AR, L_drift) are scaled by 0 until align_start_step,
    # then ramp linearly to 1 over align_ramp_steps. In our CPU runs, all of them at once
    # from step 0 sometimes stalled the autoencoder at ~11 dB; recon + commitment + entropy
    # alone never did. -1 = start with the quantizer (ae_warmup_steps).
    align_start_step: int = -1
    align_ramp_steps: int = 300
    # --- masking (Appendix D) -------------------------------------------------------
    mask_video: bool = True
    frame_mask_ratio: float = 0.3
    # The paper masks every clip. A 45-minute CPU run cannot afford to spend most of its
    # updates on inpainting (MaskGIT's cosine schedule masks ~64% of patches), so by
    # default a quarter of the clips of each batch are masked; set 1.0 for the paper's.
    mask_probability: float = 0.25
    # --- loss weights (Appendix D defaults; 0 switches a term off) ------------------
    lambda_recon: float = 2.5
    lambda_codebook: float = 2.5
    lambda_ar: float = 1.5
    lambda_drift: float = 0.6
    # Weights of the five terms of Eq. 2 inside L_codebook (the paper writes them with
    # weight 1; the LFQ literature uses 0.25 commitment and ~0.1 entropy, which we keep).
    w_commit: float = 0.25
    # Our entropy term sums 4 levels x 2 groups (up to ~11 nats per level); at 0.1 from
    # step 0 it drove the codes to content-free high-entropy patterns in a CPU run (grey,
    # ~16 dB reconstructions); 0.02 let the code usage shrink; the demo ended on 0.05.
    w_entropy: float = 0.05
    # The KL terms are sums over 16 bits (exact KLs of the factorised distributions over the
    # codebook) and reach tens of nats; small weights keep them from drowning L_recon.
    w_hier_kl: float = 0.01
    w_text_cond: float = 0.5
    w_text_codebook: float = 0.02
    # L_recon = l1 + (1 - SSIM) [+ LPIPS: no weights offline, skipped with a log line]
    w_l1: float = 1.0
    w_ssim: float = 1.0
    ar_width: int = 128
    ar_depth: int = 2
    ar_pool: int = 2  # each level is pooled to 1 x ar_pool x ar_pool tokens for L_AR
    drift_reference: str = "efficientnet-lite0"
    drift_reference_path: str | None = None
    text_bank: int = 256  # recent text embeddings kept as extra negatives for alignment
    # L_text-cond target: softmax of caption-caption cosines at this temperature (0 =
    # one-hot on identical captions). Zero-shot prompts name only shape and motion, so the
    # video embedding should learn the whole text geometry, not only the caption identity.
    text_target_temperature: float = 0.05
    # --- bookkeeping ----------------------------------------------------------------
    log_every: int = 25
    checkpoint_minutes: float = 4.0
    checkpoint_every: int = 0  # also every N steps when > 0
    # Wall-clock budget: when > 0 the cosine LR follows max(step / steps, time / budget)
    # and training stops at whichever ends first, so a fixed-time run still anneals.
    time_budget_minutes: float = 0.0


# Named ablations (Tables 6, 9, 10). Each maps to flat overrides of the two dataclasses.
ABLATIONS: dict[str, dict[str, Any]] = {
    "full": {},
    "no_lapq": {"lapq": False},
    "no_text_guidance": {"text_guidance": False},
    "no_pyramid": {"pyramid": False},
    "blocks_2": {"levels": 2},
    "blocks_3": {"levels": 3},
    "blocks_4": {"levels": 4},
    "no_drift": {"lambda_drift": 0.0},
    "no_ar": {"lambda_ar": 0.0},
    "no_drift_ar": {"lambda_drift": 0.0, "lambda_ar": 0.0},
    "no_commit": {"w_commit": 0.0},
    "no_entropy": {"w_entropy": 0.0},
    "no_hier_kl": {"w_hier_kl": 0.0},
    "no_text_cond": {"w_text_cond": 0.0},
    "no_text_codebook": {"w_text_codebook": 0.0},
    "no_recon": {"lambda_recon": 0.0},
    "no_codebook": {"lambda_codebook": 0.0},
    # Table 9: single-scale quantizer baselines and LaPQ with a learned codebook
    "q_vq": {"quantizer": "vq", "lapq": False, "codebook_size": 4096, "code_dim": 256},
    "q_gvq": {"quantizer": "gvq", "lapq": False, "codebook_size": 4096, "code_dim": 256},
    "q_lfq": {"quantizer": "lfq", "lapq": False, "code_dim": 16},
    "q_rvq_8000": {"quantizer": "rvq", "lapq": False, "codebook_size": 8000, "code_dim": 512},
    "q_lapq_8000": {"quantizer": "vq", "codebook_size": 8000, "code_dim": 512},
    "q_rvq_16": {"quantizer": "rvq", "lapq": False, "codebook_size": 32800, "code_dim": 16},
    "q_lapq_lfq": {"quantizer": "lfq", "code_dim": 16},
}


def _checked(cls: type, data: dict[str, Any], *, source: str) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise KeyError(f"{source}: unknown key(s) {unknown} for {cls.__name__}")
    return data


def split_flat(
    flat: dict[str, Any], *, source: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split flat key/values into (PyraTokConfig kwargs, TrainConfig kwargs)."""
    model_keys = {f.name for f in fields(PyraTokConfig)}
    train_keys = {f.name for f in fields(TrainConfig)}
    model, train = {}, {}
    for key, value in flat.items():
        if key in model_keys:
            model[key] = value
        elif key in train_keys:
            train[key] = value
        else:
            raise KeyError(
                f"{source}: unknown key {key!r} (not a field of PyraTokConfig or TrainConfig)"
            )
    return model, train


def parse_override(text: str) -> tuple[str, Any]:
    """`key=value` with the value parsed as YAML (so 0.5, true, [1, 2], null work)."""
    import yaml

    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected key=value")
    key, value = text.split("=", 1)
    return key.strip(), yaml.safe_load(value)


def load_yaml_configs(
    path: str | Path | None,
    *,
    ablation: str | None = None,
    overrides: list[str] | None = None,
) -> tuple[PyraTokConfig, TrainConfig]:
    """YAML file (flat keys) -> named ablation -> `--set` overrides, in that order."""
    import yaml

    flat: dict[str, Any] = {}
    if path is not None:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping of flat key: value pairs")
        flat.update(loaded)
    if ablation is not None:
        if ablation not in ABLATIONS:
            raise KeyError(f"unknown ablation {ablation!r}; known: {sorted(ABLATIONS)}")
        flat.update(ABLATIONS[ablation])
    for item in overrides or []:
        key, value = parse_override(item)
        flat[key] = value
    model_kwargs, train_kwargs = split_flat(flat, source=str(path or "--set"))
    return PyraTokConfig(**model_kwargs), TrainConfig(**train_kwargs)


def replace(config: Any, **changes: Any) -> Any:
    return dataclasses.replace(config, **changes)


__all__ = [
    "ABLATIONS",
    "PyraTokConfig",
    "TrainConfig",
    "load_yaml_configs",
    "parse_override",
    "split_flat",
    "replace",
]
