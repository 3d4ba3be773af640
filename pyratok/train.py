"""Train PyraTok on the synthetic demo clips (`pyratok.demo`).

    python -m pyratok.train --config configs/pyratok_demo.yaml [--ablation NAME]
        [--set key=value ...] [--run-dir DIR] [--dry-run] [--no-resume]

Objective: `losses.PyraTokObjective` (paper §3.2.4). Schedule (lfq-training.md): the
autoencoder first trains with the quantizer bypassed (`ae_warmup_steps`; no commitment or
entropy term either), then the fraction of quantized tokens — and with it the weight of
commitment and entropy — ramps 0 -> 1 (`quant_ramp_steps`); the alignment terms
(text, hierarchical KL, AR, drift) start at `align_start_step` and ramp in over
`align_ramp_steps`; AdamW with linear warm-up and cosine decay on
max(step / steps, elapsed / time budget).

Checkpoints (`<run_dir>/checkpoint/`, every `checkpoint_minutes`, on SIGTERM/Ctrl-C and at
the end): `config.json` + `model.safetensors` (loadable by `PyraTok.from_pretrained`) and
`train_state.safetensors` (objective, AdamW moments, step, elapsed time, every RNG state;
nothing pickled). A run restarted with the same run_dir resumes from it. The final model
is also written to `<run_dir>/final/`. Training clips use seeds in [0, train_seed_max).

`--dry-run` prints the active components, loss terms and parameter counts and exits.
Ablation names (Tables 6, 9, 10) are listed in `pyratok.config.ABLATIONS`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from pyratok.config import ABLATIONS, PyraTokConfig, TrainConfig, load_yaml_configs
from pyratok.lfq import codebook_usage
from pyratok.losses import PyraTokObjective
from pyratok.model import PyraTok

log = logging.getLogger("pyratok")
STATE_NAME = "train_state.safetensors"

# schedule


def quantize_fraction(step: int, cfg: TrainConfig) -> float:
    if step < cfg.ae_warmup_steps:
        return 0.0
    if cfg.quant_ramp_steps <= 0:
        return 1.0
    return min(1.0, (step - cfg.ae_warmup_steps + 1) / cfg.quant_ramp_steps)


def alignment_scale(step: int, cfg: TrainConfig) -> float:
    start = cfg.ae_warmup_steps if cfg.align_start_step < 0 else cfg.align_start_step
    if step < start:
        return 0.0
    if cfg.align_ramp_steps <= 0:
        return 1.0
    return min(1.0, (step - start + 1) / cfg.align_ramp_steps)


def progress(step: int, elapsed: float, cfg: TrainConfig) -> float:
    p = step / max(cfg.steps, 1)
    if cfg.time_budget_minutes > 0:
        p = max(p, elapsed / (60 * cfg.time_budget_minutes))
    return p


def learning_rate(step: int, prog: float, cfg: TrainConfig) -> float:
    if step < cfg.lr_warmup_steps:
        return cfg.lr * (step + 1) / cfg.lr_warmup_steps
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * min(prog, 1.0)))


# data


def demo_batch(rng: np.random.Generator, cfg: TrainConfig) -> tuple[torch.Tensor, list[str]]:
    """(b, 3, t, h, w) clips in [-1, 1] from random training seeds, and their captions.

    A clip has one object with probability `single_object_fraction` (else the generator's
    own count, or `n_objects`); its caption is replaced by `pyratok.demo.caption_variant`
    with probability `caption_augment`.
    """
    from pyratok.demo import caption_variant, frames_to_tensor, make_video

    seeds = rng.integers(0, cfg.train_seed_max, size=cfg.batch_size)
    single = rng.random(cfg.batch_size) < cfg.single_object_fraction
    clips = [make_video(int(s), frames=cfg.frames, size=cfg.size,
                        n_objects=1 if one else cfg.n_objects)
             for s, one in zip(seeds, single, strict=True)]
    augment = rng.random(cfg.batch_size) < cfg.caption_augment
    texts = [caption_variant(c, rng) if a else c.caption
             for c, a in zip(clips, augment, strict=True)]
    return torch.stack([frames_to_tensor(c.frames) for c in clips]), texts


def init_weights(model: PyraTok, path: str | Path) -> dict[str, list[str]]:
    """Fine-tuning start: copy every tensor of a saved PyraTok whose name and shape match.

    Returns {"loaded", "new", "skipped"} name lists (new: in the model, not in the file or
    of another shape; skipped: in the file, not in the model).
    """
    from safetensors.torch import load_file

    weights = Path(path) / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"init_from={str(path)!r}: no {weights} (a folder written by "
                                "PyraTok.save_pretrained, e.g. an earlier run's final/)")
    saved = load_file(str(weights))
    own = model.state_dict()
    loaded = [k for k, v in saved.items() if k in own and own[k].shape == v.shape]
    model.load_state_dict({k: saved[k] for k in loaded}, strict=False)
    return {"loaded": loaded, "new": sorted(set(own) - set(loaded)),
            "skipped": sorted(set(saved) - set(loaded))}


# train state (safetensors + JSON metadata; no pickle)


def save_checkpoint(path: Path, *, model, objective, optimizer, step: int, elapsed: float,
                    rng: np.random.Generator, generator: torch.Generator,
                    cfg: TrainConfig) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tensors = {f"objective.{k}": v.detach().cpu().contiguous()
               for k, v in objective.state_dict().items()}
    opt = optimizer.state_dict()
    for pid, state in opt["state"].items():
        for key, value in state.items():
            tensors[f"optim.{pid}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    tensors["rng.generator"] = generator.get_state()
    meta = {
        "step": str(step),
        "elapsed": repr(elapsed),
        "param_groups": json.dumps(opt["param_groups"]),
        "numpy_rng": json.dumps(rng.bit_generator.state),
        "train_config": json.dumps(asdict(cfg)),
    }
    save_file(tensors, str(tmp / STATE_NAME), metadata=meta)
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(path: Path, *, model, objective, optimizer, rng: np.random.Generator,
                    generator: torch.Generator) -> tuple[int, float]:
    from safetensors import safe_open
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(path / "model.safetensors")), strict=True)
    tensors = load_file(str(path / STATE_NAME))
    with safe_open(str(path / STATE_NAME), framework="pt") as f:
        meta = f.metadata()
    objective.load_state_dict({k[len("objective."):]: v for k, v in tensors.items()
                               if k.startswith("objective.")}, strict=True)
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": state,
                               "param_groups": json.loads(meta["param_groups"])})
    torch.set_rng_state(tensors["rng.torch"])
    generator.set_state(tensors["rng.generator"])
    rng.bit_generator.state = json.loads(meta["numpy_rng"])
    return int(meta["step"]), float(meta["elapsed"])


# dry run


def describe(model: PyraTok, objective: PyraTokObjective, mcfg: PyraTokConfig,
             tcfg: TrainConfig) -> str:
    def count(module) -> int:
        return sum(p.numel() for p in module.parameters())

    lines = [f"PyraTok  backbone={mcfg.backbone}  params={model.n_params:,}"]
    q = model.quantizer
    lines.append(f"  quantizer: {mcfg.quantizer.upper()} vocab={model.vocab_size:,} "
                 f"dim={model.code_dim} (shared by all levels) params={count(q):,}")
    mode = ("LaPQ pyramid" if mcfg.lapq and mcfg.pyramid else
            "single-scale text-guided block (w/o Pyramidal-Q)" if mcfg.lapq else
            "plain single-scale quantizer (w/o LaPQ)")
    lines.append(f"  quantization: {mode}; levels={model.lapq.num_levels}; "
                 f"text guidance={'on' if model.lapq.text_guidance else 'off'}")
    for i, (stage, (ts, ss)) in enumerate(zip(model.level_stages, model.level_strides,
                                              strict=True)):
        block = model.lapq.blocks[i]
        parts = ", ".join(n for n, c in block.named_children() if c is not None) or "linear"
        lines.append(f"    level {i + 1}: stage S{stage + 1} stride t{ts} s{ss}  "
                     f"block[{parts}] params={count(block):,}")
    for name, n in model.describe().items():
        lines.append(f"  model.{name}: {n:,}")
    lines.append(f"objective params={count(objective):,}")
    for name, child in objective.named_children():
        lines.append(f"  objective.{name}: {count(child):,}")
    if objective.drift_head is not None:
        lines.append(f"  drift reference (frozen, not saved): {tcfg.drift_reference}")
    weights = {"recon": tcfg.lambda_recon, "codebook": tcfg.lambda_codebook,
               "ar": tcfg.lambda_ar, "drift": tcfg.lambda_drift}
    lines.append("loss: " + "  ".join(f"λ_{k}={v:g}" + ("" if v > 0 else " (off)")
                                      for k, v in weights.items()))
    lines.append("active terms: " + ", ".join(objective.active_terms()))
    lines.append(f"train: steps={tcfg.steps} batch={tcfg.batch_size} frames={tcfg.frames} "
                 f"size={tcfg.size} lr={tcfg.lr:g} ae_warmup={tcfg.ae_warmup_steps} "
                 f"ramp={tcfg.quant_ramp_steps} budget={tcfg.time_budget_minutes:g} min")
    return "\n".join(lines)


# loop


def train(model: PyraTok, objective: PyraTokObjective, cfg: TrainConfig, *,
          resume: bool = True, progress_bar: bool = True) -> dict[str, float]:
    from tqdm import tqdm

    from pyratok.masking import mask_video

    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt = run_dir / "checkpoint"
    params = [p for p in list(model.parameters()) + list(objective.parameters())
              if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                  betas=(0.9, 0.99))
    rng = np.random.default_rng(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    step, elapsed = 0, 0.0
    if resume and (ckpt / STATE_NAME).is_file():
        step, elapsed = load_checkpoint(ckpt, model=model, objective=objective,
                                        optimizer=optimizer, rng=rng, generator=generator)
        log.info("resumed from %s at step %d (%.1f min)", ckpt, step, elapsed / 60)
    elif cfg.init_from:
        report = init_weights(model, cfg.init_from)
        log.info("initialised from %s: %d tensors loaded; new: %s; not used: %s",
                 cfg.init_from, len(report["loaded"]), report["new"] or "none",
                 report["skipped"] or "none")

    stop = {"now": False}
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))

    def checkpoint() -> None:
        save_checkpoint(ckpt, model=model, objective=objective, optimizer=optimizer, step=step,
                        elapsed=elapsed, rng=rng, generator=generator, cfg=cfg)

    log_file = open(run_dir / "log.jsonl", "a")  # noqa: SIM115 - closed in finally
    bar = tqdm(total=cfg.steps, initial=step, disable=not progress_bar, dynamic_ncols=True)
    sums: dict[str, float] = {}
    last_save, start = time.time(), time.time() - elapsed
    model.train()
    objective.train()
    try:
        while step < cfg.steps and progress(step, elapsed, cfg) < 1.0 and not stop["now"]:
            video, texts = demo_batch(rng, cfg)
            inputs = video
            if cfg.mask_video and cfg.mask_probability > 0:
                masked = mask_video(video, generator=generator,
                                    frame_mask_ratio=cfg.frame_mask_ratio).video
                use = torch.rand(video.shape[0], generator=generator) < cfg.mask_probability
                inputs = torch.where(use[:, None, None, None, None], masked, video)
            drop = torch.rand(video.shape[0], generator=generator) < cfg.text_dropout
            lr = learning_rate(step, progress(step, elapsed, cfg), cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            fraction = quantize_fraction(step, cfg)
            fwd = model.forward_train(inputs, texts, text_drop=drop, quantize_fraction=fraction,
                                      generator=generator)
            align = alignment_scale(step, cfg)
            out = objective(model, fwd, video, inputs, texts, align_scale=align,
                            quant_scale=fraction)
            optimizer.zero_grad(set_to_none=True)
            out.total.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            optimizer.step()
            step += 1
            elapsed = time.time() - start
            mse = float(((fwd.recon.detach().clamp(-1, 1) - video) / 2).pow(2).mean())
            stats = dict(out.terms, loss=float(out.total.detach()),
                         psnr=-10 * math.log10(max(mse, 1e-10)),
                         grad_norm=float(grad_norm))
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + v
            bar.update(1)
            bar.set_postfix(loss=f"{stats['loss']:.3f}", psnr=f"{stats['psnr']:.1f}",
                            q=f"{fraction:.2f}")
            if step % cfg.log_every == 0 or step == cfg.steps:
                n = cfg.log_every if step % cfg.log_every == 0 else step % cfg.log_every
                record = {k: round(v / n, 5) for k, v in sums.items()}
                record.update(step=step, lr=lr, quantize_fraction=fraction, align_scale=align,
                              minutes=round(elapsed / 60, 2))
                for i, level in enumerate(fwd.lapq.levels):
                    usage = codebook_usage(level.indices, model.vocab_size)
                    record[f"used_l{i + 1}"] = usage.used
                    record[f"tokens_l{i + 1}"] = level.indices.numel()
                    record[f"perplexity_l{i + 1}"] = round(usage.perplexity, 1)
                log_file.write(json.dumps(record) + "\n")
                log_file.flush()
                bar.write(json.dumps(record))
                sums = {}
            due = cfg.checkpoint_every and step % cfg.checkpoint_every == 0
            if due or time.time() - last_save > 60 * cfg.checkpoint_minutes:
                checkpoint()
                last_save = time.time()
    except KeyboardInterrupt:
        log.warning("interrupted at step %d: saving a checkpoint", step)
    finally:
        checkpoint()
        bar.close()
        log_file.close()
        signal.signal(signal.SIGTERM, previous)
    model.save_pretrained(run_dir / "final")
    return {"step": step, "minutes": elapsed / 60}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyratok.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML of flat PyraTokConfig/TrainConfig keys")
    parser.add_argument("--ablation", choices=sorted(ABLATIONS), help="named ablation preset")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value (repeatable)")
    parser.add_argument("--run-dir", help="override run_dir")
    parser.add_argument("--dry-run", action="store_true", help="print components and exit")
    parser.add_argument("--no-resume", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    overrides = list(args.set) + ([f"run_dir={args.run_dir}"] if args.run_dir else [])
    mcfg, tcfg = load_yaml_configs(args.config, ablation=args.ablation, overrides=overrides)
    if tcfg.threads > 0:
        torch.set_num_threads(tcfg.threads)
    torch.manual_seed(tcfg.seed)
    model = PyraTok(mcfg)
    objective = PyraTokObjective(model, tcfg)
    print(describe(model, objective, mcfg, tcfg))
    if args.dry_run:
        return 0
    result = train(model, objective, tcfg, resume=not args.no_resume,
                   progress_bar=not args.no_progress)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
