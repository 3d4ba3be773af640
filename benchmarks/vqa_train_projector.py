"""Train the Appendix B.2 projector: tokenizer tokens → a frozen Qwen2.5-VL's embeddings.

    python -m benchmarks.vqa_train_projector --task mvbench --tokenizer pyratok \\
        --qwen DIR --out ckpt/ [--data-root DIR] [--steps 300] [--lr 1e-3] [--limit N]

Every level's features of each question's clip (the task's frame sampling) are projected
(:class:`~benchmarks.families.vqa.projector.TokenProjector`) into the place of the video in
MVBench's prompt (:mod:`benchmarks.families.vqa.qwen_inputs`); the loss is the language
model's cross-entropy on the right answer ``"X)"`` after ``Best option:(``. The tokenizer
and the LM are frozen; only the projector learns (AdamW, one question per step, drawn with
``--seed``). Train on a split you do not evaluate on: ``--data-root`` takes any folder in
MVBench's layout (default: the task's demo set). Writes ``projector.json`` and
``projector.safetensors`` into ``--out`` (the format is in the docstring of
:mod:`benchmarks.families.vqa.projector`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from benchmarks.config import ConfigError, parse_key_values
from benchmarks.tokenizers.base import to_tokenizer_range


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.vqa_train_projector",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="mvbench")
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--tokenizer-arg", action="append", default=[], metavar="K=V")
    p.add_argument("--qwen", required=True, help="local Qwen2.5-VL folder")
    p.add_argument("--out", required=True, help="folder for the projector checkpoint")
    p.add_argument("--data-root", default=None, help="MVBench-layout training split "
                   "(default: the task's demo set)")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--limit", type=int, default=None, help="use the first N questions")
    p.add_argument("--grid", type=int, nargs=3, default=[4, 8, 8], metavar=("T", "H", "W"),
                   help="cells kept per level (adaptive average pool)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    return p


def train(args: argparse.Namespace) -> dict:
    from benchmarks.datasets.base import SampleError
    from benchmarks.families.vqa.answerers import VQAItem
    from benchmarks.families.vqa.family import VQAFamily
    from benchmarks.families.vqa.parse import option_letter
    from benchmarks.families.vqa.projector import (
        ProjectorConfig,
        TokenProjector,
        tokenizer_levels,
    )
    from benchmarks.families.vqa.qwen import load_qwen
    from benchmarks.runner.plan import (
        create_checked_tokenizer,
        open_dataset,
        resolve_data_root,
        resolve_task,
    )

    if args.steps < 1 or (args.limit is not None and args.limit < 1) or min(args.grid) < 1:
        raise ConfigError("--steps, --limit and --grid must be at least 1")
    config, params, family_cls = resolve_task(args.task, include_paths=[], overrides={},
                                              demo=args.data_root is None)
    if family_cls is not VQAFamily:
        raise ConfigError(f"--task {args.task}: not a vqa task (family {family_cls.name!r})")
    root, is_demo = resolve_data_root(config, args.data_root)
    device = torch.device(args.device)
    tokenizer = create_checked_tokenizer(
        args.tokenizer, parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg"))
    tokenizer = tokenizer.to(device).eval()
    if "features" not in tokenizer.spec.capabilities:
        raise ConfigError(f"--tokenizer {args.tokenizer}: gives no features to project")
    try:
        lm = load_qwen(args.qwen, device)
    except ValueError as err:
        raise ConfigError(f"--qwen: {err}") from err
    dataset, _ = open_dataset(config, root)
    refs = sorted(dataset.refs(), key=lambda r: r.sample_id)[: args.limit]
    num_frames = tokenizer.spec.usable_num_frames(config.frames_per_clip)
    grid = tuple(args.grid)
    examples = []  # (levels pooled to the grid, item, answer letter)
    for ref in tqdm(refs, desc="projector: encoding clips", unit="clip"):
        try:
            sample = dataset.load(ref, num_frames=num_frames)
        except SampleError as err:
            print(f"skipping {ref.sample_id}: {err}", file=sys.stderr)
            continue
        video = to_tokenizer_range(sample.video[None].to(device))
        levels = [torch.nn.functional.adaptive_avg_pool3d(
            f.float(), tuple(min(g, s) for g, s in zip(grid, f.shape[2:], strict=True)))
            for f in tokenizer_levels(tokenizer, video)]
        item = VQAItem(ref.annotation.question, ref.annotation.candidates)
        examples.append((levels, item, option_letter(ref.annotation.answer_index)))
    if not examples:
        raise ConfigError(f"{root}: no usable question to train on")
    projector = TokenProjector(ProjectorConfig(
        feature_dim=int(examples[0][0][0].shape[1]), hidden_size=lm.hidden_size,
        levels=len(examples[0][0]), grid=grid)).to(device)
    optimiser = torch.optim.AdamW(projector.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    embed = lm.model.get_input_embeddings()
    losses = []
    for _ in tqdm(range(args.steps), desc="projector: training", unit="step"):
        levels, item, letter = examples[int(rng.integers(len(examples)))]
        vision = projector(levels)[0]  # (n, hidden)
        input_ids = lm.prompt_ids(item, vision.shape[0], params)
        target = lm.text_tokenizer(f"{letter})", return_tensors="pt",
                                   add_special_tokens=False)["input_ids"].to(device)
        embeds = torch.cat([lm.embeds_with(input_ids, vision), embed(target)], dim=1)
        labels = torch.cat([torch.full_like(input_ids, -100), target], dim=1)
        loss = lm.model(inputs_embeds=embeds.to(lm.model.dtype), labels=labels).loss
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    trained = {"tokenizer": args.tokenizer, "tokenizer_args": args.tokenizer_arg,
               "qwen_path": str(Path(args.qwen).expanduser().resolve()),
               "task": config.task, "data_root": str(root), "demo_data": is_demo,
               "questions": len(examples), "frames_per_clip": num_frames,
               "steps": args.steps, "lr": args.lr, "seed": args.seed,
               "loss_first_10": float(np.mean(losses[:10])),
               "loss_last_10": float(np.mean(losses[-10:]))}
    projector.config = ProjectorConfig(**{**projector.config.__dict__, "trained": trained})
    projector.save(Path(args.out).expanduser())
    return trained


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        trained = train(args)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(trained))
    return 0


if __name__ == "__main__":
    sys.exit(main())
