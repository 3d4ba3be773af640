"""Building an Open-MAGVIT2 ``VQModel`` from its YAML config and Lightning checkpoint.

Both Open-MAGVIT2 tokenizers (the image LFQ-GAN of ``open-magvit2`` 1.1 and the causal video
LFQ-GAN ``video_lfqgan.VQModel`` of ``OpenImageTokenizer`` 0.1.5, TencentARC's SEED-Voken
code) are Lightning modules built from the ``model.init_args`` of a LightningCLI YAML
config and saved as Lightning ``.ckpt`` files (``{"state_dict": …}``). This module reads
both, builds the model for inference and loads the weights:

- ``lossconfig`` (the LPIPS + GAN training loss, whose module imports torchvision) is
  replaced by ``torch.nn.Identity``; its ``loss.*`` weights in the checkpoint are skipped.
- ``ckpt_path`` / ``image_pretrain_path`` / ``stage`` (training-time loading) are dropped:
  the weights come from the checkpoint given here, and nothing else is read.
- Every other checkpoint key must match the model exactly (the library's own loading is
  non-strict and would silently keep random weights).
- With ``use_ema: true`` and EMA weights in the checkpoint, the EMA weights are used, as
  the library's evaluation does (``with model.ema_scope()``).

Geometry comes from ``ddconfig.ch_mult`` (``improved_model`` / ``improved_video_model``):
every level but the last halves h and w; in the video model a level whose multiplier is
not 1 also halves time (a causal stride-2 convolution: ``2k + 1`` frames → ``k + 1`` steps).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from benchmarks import safe_yaml
from benchmarks.tokenizers.optional_imports import import_model_module, require
from benchmarks.tokenizers.torch_checkpoint import load_weights_only, resolve_file

# what the Open-MAGVIT2 classes drop or never need for inference (see the module docstring)
_DROPPED_ARGS = ("ckpt_path", "ignore_keys", "image_pretrain_path", "stage")
_IDENTITY_LOSS = {"target": "torch.nn.Identity"}


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One Open-MAGVIT2 model class: where it lives and how it is installed."""

    name: str  # registry name
    module: str  # the module holding VQModel
    root: str  # its top-level package (whose __init__ is not run)
    class_suffix: str  # how the config's class_path ends
    install: str  # the pip command(s) that make it importable
    per_frame: bool  # an image model applied to every frame
    needs: tuple[str, ...]  # the modules it imports that a plain install does not bring


IMAGE = Variant(
    name="open-magvit2",
    module="open_magvit2.taming.models.lfqgan",
    root="open_magvit2",
    class_suffix=".lfqgan.VQModel",
    install="pip install 'pyratok[magvit]' && pip install --no-deps open-magvit2==1.1",
    per_frame=True,
    needs=("lightning", "einops"),
)
VIDEO = Variant(
    name="open-magvit2-video",
    module="OpenImageTokenizer.Open_MAGVIT2.models.video_lfqgan",
    root="OpenImageTokenizer",
    class_suffix=".video_lfqgan.VQModel",
    install="pip install 'pyratok[magvit]' && pip install --no-deps OpenImageTokenizer==0.1.5",
    per_frame=False,
    needs=("lightning", "pytorch_lightning", "einops"),
)


@dataclass(frozen=True)
class Geometry:
    """The latent grid of a config: bits per token and compression."""

    bits: int  # LFQ bits = embed_dim = z_channels = log2(n_embed)
    spatial: int  # pixels per latent cell along h and w
    temporal: int  # frames per latent step after the first (1: per frame)


def geometry(init_args: dict[str, Any], *, variant: Variant, where: str) -> Geometry:
    """Read and check the latent geometry of ``init_args`` (``where`` names the file)."""
    dd = init_args.get("ddconfig")
    if not isinstance(dd, dict):
        raise ValueError(f"config {where}: model.init_args.ddconfig must be a mapping, got {dd!r}")
    ch_mult = dd.get("ch_mult")
    if not (isinstance(ch_mult, list | tuple) and ch_mult
            and all(isinstance(m, int) and m > 0 for m in ch_mult)):
        raise ValueError(f"config {where}: ddconfig.ch_mult must be a list of positive integers, "
                         f"got {ch_mult!r}")
    n_embed, embed_dim = init_args.get("n_embed"), init_args.get("embed_dim")
    if not isinstance(n_embed, int) or n_embed < 2 or n_embed & (n_embed - 1):
        raise ValueError(f"config {where}: n_embed must be a power of 2 (LFQ), got {n_embed!r}")
    bits = int(math.log2(n_embed))
    if embed_dim != bits or dd.get("z_channels") != bits:
        raise ValueError(
            f"config {where}: embed_dim ({embed_dim!r}) and ddconfig.z_channels "
            f"({dd.get('z_channels')!r}) must both be log2(n_embed) = {bits} (LFQ without "
            "projections)"
        )
    temporal = 1 if variant.per_frame else 2 ** sum(m != 1 for m in ch_mult[:-1])
    return Geometry(bits=bits, spatial=2 ** (len(ch_mult) - 1), temporal=temporal)


# config ------------------------------------------------------------------------------------------


def read_init_args(path: str | Path, *, variant: Variant) -> tuple[Path, dict[str, Any]]:
    """``model.init_args`` of the YAML config at ``path`` (a LightningCLI config as the
    library ships; a bare mapping of the init args is accepted too)."""
    file = resolve_file(path, what=f"{variant.name} config")
    try:
        document = safe_yaml.load(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:  # YAMLError is not a ValueError
        raise ValueError(f"config {file} is not readable YAML: {err}") from None
    except Exception as err:  # noqa: BLE001 (yaml.YAMLError and its parser errors)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"config {file} is not valid YAML: {first}") from None
    model = document.get("model", document) if isinstance(document, dict) else None
    if not isinstance(model, dict):
        raise ValueError(f"config {file}: expected a mapping with model.init_args "
                         "(an Open-MAGVIT2 LightningCLI config)")
    class_path = model.get("class_path")
    if isinstance(class_path, str) and not class_path.endswith(variant.class_suffix):
        other = VIDEO if variant is IMAGE else IMAGE
        hint = f" (use --tokenizer {other.name})" if class_path.endswith(other.class_suffix) else ""
        raise ValueError(f"config {file}: model.class_path is {class_path!r}, expected a "
                         f"…{variant.class_suffix} for {variant.name}{hint}")
    init_args = model.get("init_args", model)
    if not isinstance(init_args, dict) or "ddconfig" not in init_args:
        raise ValueError(f"config {file}: model.init_args.ddconfig not found")
    return file, init_args


# model ------------------------------------------------------------------------------------------


def ensure_installed(variant: Variant) -> None:
    """``MissingPackage`` (one line, with the pip command) unless ``variant`` can import."""
    require([variant.root, *variant.needs], tokenizer=variant.name, install=variant.install)


def build_model(init_args: dict[str, Any], *, variant: Variant, where: str) -> nn.Module:
    """The library's ``VQModel`` from ``init_args``, built for inference (random weights)."""
    ensure_installed(variant)
    vq_model = import_model_module(variant.module, root=variant.root).VQModel
    kwargs = {k: v for k, v in init_args.items() if k not in _DROPPED_ARGS}
    kwargs["lossconfig"] = dict(_IDENTITY_LOSS)
    if variant.per_frame:  # factorised indices are only for the AR prior: one full index
        kwargs["token_factorization"] = False
    try:
        return vq_model(**kwargs).eval()
    except (TypeError, KeyError, ValueError, AssertionError, RuntimeError) as err:
        raise ValueError(f"config {where} does not build {variant.module}.VQModel: "
                         f"{type(err).__name__}: {err}") from None


def load_checkpoint(model: nn.Module, path: str | Path, *, variant: Variant) -> Path:
    """Load the Lightning ``.ckpt`` at ``path`` into ``model`` (strictly; see module doc)."""
    file = resolve_file(path, what=f"{variant.name} checkpoint")
    what = f"{variant.name} checkpoint"
    state = load_weights_only(file, what=what)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state:
        raise ValueError(f"{what} {file} holds no state_dict")
    weights = {k: v for k, v in state.items() if not k.startswith("loss.")}
    with warnings.catch_warnings():  # the library's state_dict passes positional args
        warnings.simplefilter("ignore", FutureWarning)
        expected = set(model.state_dict())
    has_ema = any(k.startswith("model_ema.") for k in weights)
    missing = sorted(k for k in expected - set(weights)
                     if not (k.startswith("model_ema.") and not has_ema))
    unexpected = sorted(set(weights) - expected)
    if missing or unexpected:
        raise ValueError(
            f"{what} {file} does not match its config: "
            f"{len(missing)} missing keys {missing[:3]}, {len(unexpected)} unexpected keys "
            f"{unexpected[:3]}"
        )
    try:
        model.load_state_dict(weights, strict=False)  # strictness checked above
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        raise ValueError(f"{what} {file} does not match its config: "
                         f"{first[-1].strip() if first else err}") from None
    if getattr(model, "use_ema", False):
        if has_ema:
            model.model_ema.copy_to(model)
        del model.model_ema  # inference needs one set of weights
        model.use_ema = False
    return file
