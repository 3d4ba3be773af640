"""Training the ``ar`` / ``ar-text`` generators: encode the real clips once, fit the transformer.

A checkpoint folder holds ``model.safetensors`` (weights), ``optimizer.safetensors``
(AdamW state, flattened), ``codes.safetensors`` (the encoded training clips and their
conditions: ``class_ids``, or ``text`` — the captions' embeddings) and ``state.json``
(step, configs, code layout, the text encoder, where the codes came from). Training saves
every ``save_every`` steps and at the end; started again on the same folder it resumes
from the last save (and returns at once if it had finished).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from benchmarks.generators.ar_model import ARConfig, CodeLayout, CodeTransformer, loss_bits
from benchmarks.io.jsonfile import SMALL_BYTES, read_json
from benchmarks.tokenizers.base import to_tokenizer_range

log = logging.getLogger("benchmarks")

STATE = "state.json"


@dataclass(frozen=True)
class TrainConfig:
    """The tiny default trains on the 90-clip demo set on 2 CPU cores in a few minutes
    (about 0.05 s a step at 172 steps × 64 bits per clip on idle cores; 1-2 s on a
    machine shared by many jobs).

    Attributes:
        steps: optimiser steps.
        batch_size: clips per step.
        lr: AdamW peak learning rate (cosine decay to 10%, 20 warm-up steps).
        weight_decay: AdamW weight decay.
        width, depth, heads: transformer size.
        save_every: steps between checkpoints.
        tokens_per_step: tokens predicted per step (see ``CodeLayout``).
        seed: initialisation and batch order.
    """

    steps: int = 400
    batch_size: int = 16
    lr: float = 2e-3
    weight_decay: float = 0.01
    width: int = 128
    depth: int = 2
    heads: int = 4
    save_every: int = 100
    seed: int = 0
    tokens_per_step: int = 4


TextEmbedder = Callable[[list[str]], torch.Tensor]  # captions -> (n, d) float


def encode_clips(tokenizer, dataset, num_frames: int, device: torch.device,
                 progress: bool = True, text_embed: TextEmbedder | None = None,
                 ) -> tuple[list[torch.Tensor], torch.Tensor, int, tuple]:
    """Token indices of every clip of ``dataset``: (per-level indices, conditions,
    num_frames, frame size). Conditions: class ids ``(N,)``, or with ``text_embed`` the
    clips' captions embedded, ``(N, d)`` float32."""
    refs = sorted(dataset.refs(), key=lambda r: r.sample_id)
    if not refs:
        raise ValueError(f"no clip of {getattr(dataset, 'root', 'the dataset')} is on disk "
                         "to train the generator on")
    levels: list[list[torch.Tensor]] = []
    classes, frame_size = [], (0, 0)
    for ref in tqdm(refs, desc="encoding training clips", disable=not progress, unit="clip"):
        video = to_tokenizer_range(dataset.load(ref, num_frames=num_frames).video[None].to(device))
        with torch.inference_mode():
            enc = tokenizer.encode(video)
        if enc.indices is None:
            raise ValueError(f"tokenizer {tokenizer.spec.name!r} has no discrete codes")
        levels.append([i.cpu() for i in enc.indices])
        if text_embed is None:
            classes.append(int(ref.annotation.class_id))
        frame_size = enc.frame_size
    indices = [torch.cat([clip[lvl] for clip in levels]) for lvl in range(len(levels[0]))]
    if text_embed is not None:
        captions = [ref.caption or "" for ref in refs]
        return indices, text_embed(captions).float().cpu(), num_frames, tuple(frame_size)
    return indices, torch.tensor(classes), num_frames, tuple(frame_size)


def is_complete(folder: Path) -> bool:
    state = folder / STATE
    if not state.is_file():
        return False
    data = read_json(state, max_bytes=SMALL_BYTES)
    return data["step"] >= data["train"]["steps"]


def code_bits(tokenizer) -> int:
    """Bits of one token index: the prior reads and writes a token as its ``k`` bits, so
    the codebook must have exactly ``2^k`` entries (every bit pattern a valid index)."""
    from benchmarks.generators.base import GeneratorError

    spec = tokenizer.spec
    vocab = spec.vocab_size
    if vocab is None:
        raise GeneratorError(f"tokenizer {spec.name!r} is continuous: the AR prior models "
                             "token indices (use a tokenizer with the 'bits' capability)")
    if vocab < 2 or vocab & (vocab - 1):
        raise GeneratorError(
            f"tokenizer {spec.name!r} has a codebook of {vocab} entries: the AR prior reads "
            "a token as its bits and needs 2^k entries (e.g. vq with fsq levels 8,8,8,4, or "
            "an lfq quantizer)")
    return vocab.bit_length() - 1


def train(folder: Path, *, tokenizer, dataset, num_frames: int, num_classes: int,
          config: TrainConfig, device: torch.device, provenance: dict[str, Any],
          progress: bool = True, text_embed: TextEmbedder | None = None,
          text_encoder: str | None = None) -> Path:
    """Train (or resume training) into ``folder``; returns it.

    With ``text_embed`` (captions → ``(n, d)``) the model is conditioned on each clip's
    caption embedding (``ar-text``; ``num_classes`` is ignored) and ``text_encoder``, what
    made the embeddings, is recorded in ``state.json`` for sampling to use the same one.
    """
    bits = code_bits(tokenizer)  # before anything is written or encoded
    folder.mkdir(parents=True, exist_ok=True)
    state_path = folder / STATE
    state = read_json(state_path, max_bytes=SMALL_BYTES) if state_path.is_file() else None
    if state is not None and state["step"] >= config.steps:
        return folder
    codes_path = folder / "codes.safetensors"
    if codes_path.is_file():
        saved = load_file(str(codes_path))
        indices = [saved[f"level{i}"] for i in range(sum(k.startswith("level") for k in saved))]
        conditions = saved["text" if text_embed is not None else "class_ids"]
        frame_size = tuple(state["frame_size"]) if state else None
    else:
        indices, conditions, _, frame_size = encode_clips(tokenizer, dataset, num_frames, device,
                                                          progress, text_embed)
        save_file({**{f"level{i}": x.contiguous() for i, x in enumerate(indices)},
                   "text" if text_embed is not None else "class_ids": conditions.contiguous()},
                  str(codes_path))
    if frame_size is None:
        frame_size = tuple(dataset.load(dataset.refs()[0], num_frames=num_frames).video.shape[-2:])
    layout = CodeLayout(tuple(tuple(int(s) for s in x.shape[1:]) for x in indices), bits,
                        config.tokens_per_step)
    text_dim = int(conditions.shape[1]) if text_embed is not None else 0
    ar_cfg = ARConfig(num_classes=0 if text_dim else num_classes, seq_len=layout.seq_len,
                      bits=layout.step_bits, text_dim=text_dim, width=config.width,
                      depth=config.depth, heads=config.heads)
    if text_encoder is not None:
        provenance = {**provenance, "text_encoder": text_encoder}
    torch.manual_seed(config.seed)
    model = CodeTransformer(ar_cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    step = 0
    if state is not None:
        model.load_state_dict(load_file(str(folder / "model.safetensors")))
        opt.load_state_dict(_unflatten_optimizer(load_file(str(folder / "optimizer.safetensors")),
                                                 state["optimizer"]))
        step = int(state["step"])
        log.info("resuming generator training at step %d of %d (%s)", step, config.steps, folder)
    data = layout.flatten([x.to(device) for x in indices])  # (N, n, k)
    labels = conditions.to(device)
    gen = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
    sched = _lr_lambda(config)
    bar = tqdm(total=config.steps, initial=step, desc="training ar generator", unit="step",
               disable=not progress)
    loss = torch.tensor(float("nan"))
    with bar:
        while step < config.steps:
            for group in opt.param_groups:
                group["lr"] = config.lr * sched(step)
            pick = torch.randint(len(data), (config.batch_size,), generator=gen).to(device)
            loss = loss_bits(model(labels[pick], data[pick]), data[pick])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            bar.update(1)
            bar.set_postfix(bits_per_bit=f"{loss.item():.3f}")
            if step % config.save_every == 0 or step == config.steps:
                _save(folder, model, opt, step, config, ar_cfg, layout, num_frames, frame_size,
                      float(loss.detach()), provenance)
    return folder


def _lr_lambda(config: TrainConfig):
    import math

    def factor(step: int) -> float:
        if step < 20:
            return (step + 1) / 20
        progress = (step - 20) / max(1, config.steps - 20)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def _flatten_optimizer(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for pid, entries in sd["state"].items():
        meta["state"][str(pid)] = {}
        for name, value in entries.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{name}"] = value.detach().cpu().contiguous()
                meta["state"][str(pid)][name] = "tensor"
            else:
                meta["state"][str(pid)][name] = value
    return tensors, meta


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    state = {}
    for pid, entries in meta["state"].items():
        state[int(pid)] = {name: tensors[f"{pid}.{name}"] if value == "tensor" else value
                           for name, value in entries.items()}
    return {"state": state, "param_groups": meta["param_groups"]}


def _save(folder: Path, model, opt, step, config, ar_cfg, layout, num_frames, frame_size,
          loss, provenance) -> None:
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors, meta = _flatten_optimizer(opt)
    for name, payload in (("model.safetensors", weights), ("optimizer.safetensors", tensors)):
        tmp = folder / f".{name}.tmp"
        save_file(payload, str(tmp))
        os.replace(tmp, folder / name)
    state = {"step": step, "train": asdict(config), "model": ar_cfg.to_dict(),
             "layout": {"shapes": [list(s) for s in layout.shapes], "bits": layout.bits,
                        "tokens_per_step": layout.tokens_per_step,
                        "order": "deepest level first, raster (t, h, w) within a level"},
             "num_frames": num_frames, "frame_size": list(frame_size), "last_loss": loss,
             "optimizer": meta, "provenance": provenance}
    tmp = folder / f".{STATE}.tmp"
    tmp.write_text(json.dumps(state, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, folder / STATE)


def load_model(folder: Path, device: torch.device) -> tuple[CodeTransformer, CodeLayout, dict]:
    state = read_json(folder / STATE, max_bytes=SMALL_BYTES)
    model = CodeTransformer(ARConfig(**state["model"]))
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    layout = CodeLayout(tuple(tuple(s) for s in state["layout"]["shapes"]), state["layout"]["bits"],
                        state["layout"]["tokens_per_step"])
    return model.to(device).eval(), layout, state
