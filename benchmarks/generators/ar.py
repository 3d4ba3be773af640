"""``ar``: the class-conditional autoregressive transformer over a tokenizer's codes.

Sampling draws the flattened code sequence (:mod:`benchmarks.generators.ar_model`) token
by token with a key/value cache, un-flattens it into the tokenizer's level grids and
hands the indices to the generation family, which decodes them with the tokenizer.

Weights: ``--generator-arg checkpoint=DIR`` (a folder written by ``python -m
benchmarks.train_generator``). On a bundled demo set without one, the tiny default is
trained on first use (a few minutes on 2 CPU cores) into
``$PYRATOK_CACHE/generators/ar-<hash>/`` and loaded from there afterwards; the log says
which happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from benchmarks.config import config_hash
from benchmarks.generators.ar_train import TrainConfig, is_complete, load_model, train
from benchmarks.generators.base import (
    GeneratedClips,
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditions_on,
)

log = logging.getLogger("benchmarks")


class ARGenerator(VideoGenerator):
    name = "ar"
    uses_tokenizer = True

    def __init__(self, folder: Path, context: GeneratorContext, *, temperature: float) -> None:
        self.model, self.layout, self.state = load_model(folder, context.device)
        if self.model.cfg.num_classes != len(context.classes):
            raise GeneratorError(f"ar checkpoint {folder} has {self.model.cfg.num_classes} "
                                 f"classes, the dataset {len(context.classes)}")
        self.temperature = temperature
        self.device = context.device
        self.folder = folder
        self.description = (f"class-conditional AR transformer over pyratok codes "
                            f"({sum(p.numel() for p in self.model.parameters()):,} parameters, "
                            f"{self.state['step']} steps, temperature {temperature}) from {folder}")

    def generate(self, class_ids: Sequence[int], seed: Sequence[int]) -> GeneratedClips:
        labels = torch.tensor(list(class_ids), device=self.device)
        return sample_clips(self.model, self.layout, self.state, labels, seed, self.temperature)

    def describe(self) -> dict:
        return {**super().describe(), "checkpoint": str(self.folder),
                "layout": self.state["layout"], "train": self.state["train"],
                "last_loss_bits": self.state.get("last_loss")}


def sample_clips(model, layout, state: dict, condition: torch.Tensor, seed: Sequence[int],
                 temperature: float) -> GeneratedClips:
    """Codes drawn by ``model`` given ``condition`` (class ids or text embeddings), clip
    ``i``'s random numbers from ``seed[i]`` alone (see ``CodeTransformer.sample``)."""
    n, k = layout.seq_len, layout.step_bits
    uniforms = torch.stack([torch.rand(n, k, generator=torch.Generator().manual_seed(int(s)))
                            for s in seed]).to(condition.device)
    bits = model.sample(condition, uniforms, temperature)
    return GeneratedClips(indices=layout.unflatten(bits), num_frames=int(state["num_frames"]),
                          frame_size=tuple(state["frame_size"]))


def default_folder(context: GeneratorContext, config: TrainConfig, *, kind: str = "ar",
                   **extra: object) -> Path:
    """``<cache>/generators/<kind>-<hash>``: keyed by tokenizer, data, clip and training
    config (and ``extra``: the text encoder of ``ar-text``)."""
    key = {"tokenizer": context.tokenizer.spec.to_dict(), "data": str(context.dataset.root),
           "frames": context.num_frames, "train": config.__dict__, **extra}
    if extra:  # ar's key (and so its folders) as before; ar-text's holds the frame size too
        key["frame_size"] = list(context.frame_size)
    return context.cache_dir / "generators" / f"{kind}-{config_hash(key)[:12]}"


def checked_checkpoint(checkpoint: str, name: str) -> Path:
    folder = Path(checkpoint).expanduser()
    if not is_complete(folder):
        raise GeneratorError(f"--generator-arg checkpoint={checkpoint}: no finished {name} "
                             "checkpoint there (state.json); train one with python -m "
                             "benchmarks.train_generator")
    return folder


def train_on_demo(context: GeneratorContext, folder: Path, name: str,
                  train_once: Callable[[], object]) -> None:
    """Train the demo generator into ``folder`` once (rank 0 under torchrun, the others
    wait for it); the log says whether it trained or loaded."""
    rank = _rank()
    if rank > 0:  # torchrun: rank 0 trains, the others wait for it, then load
        torch.distributed.barrier()
    elif is_complete(folder):
        log.warning("generator %s: loading the tiny demo generator from %s", name, folder)
    else:
        log.warning("generator %s: no checkpoint given; training the tiny demo generator on "
                    "the demo set into %s (a few minutes, once)", name, folder)
        train_once()
    if rank == 0 and torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


@conditions_on("class")
def create_ar(context: GeneratorContext, *, checkpoint: str | None = None,
              temperature: float = 1.0, progress: bool = True) -> ARGenerator:
    if checkpoint is not None:
        return ARGenerator(checked_checkpoint(checkpoint, "ar"), context,
                           temperature=temperature)
    if not context.is_demo:
        raise GeneratorError("generator 'ar' needs --generator-arg checkpoint=DIR on real data "
                             "(train one with python -m benchmarks.train_generator "
                             "--data-root ... --output DIR)")
    config = TrainConfig()
    folder = default_folder(context, config)
    train_on_demo(context, folder, "ar", lambda: train(
        folder, tokenizer=context.tokenizer, dataset=context.dataset,
        num_frames=context.num_frames, num_classes=len(context.classes), config=config,
        device=context.device, provenance={"data_root": str(context.dataset.root),
                                            "tokenizer": context.tokenizer.spec.name},
        progress=progress))
    return ARGenerator(folder, context, temperature=temperature)


def _rank() -> int:
    dist = torch.distributed
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
