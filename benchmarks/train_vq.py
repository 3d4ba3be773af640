"""``python -m benchmarks.train_vq``: train the quantizer of the ``vq`` tokenizer.

Encodes WebVid-layout clips with a continuous base tokenizer (once), then fits an FSQ, LFQ
or residual-VQ quantizer to its latent cells (:mod:`benchmarks.tokenizers.vq.train`), with
a progress bar, and writes the folder ``--output`` atomically (``config.json`` with the
base, the data and the final loss; ``model.safetensors``). Without ``--data-root`` it
trains on the bundled WebVid demo clips (seconds to minutes on 2 CPU cores).

Example::

    python -m benchmarks.train_vq --base avgpool --quantizer fsq --levels 8,8,8,5,5,5 \\
        --output runs/vq-avgpool-fsq
    python -m benchmarks run --task mcl-jcv --tokenizer vq \\
        --tokenizer-arg base=avgpool --tokenizer-arg quantizer=runs/vq-avgpool-fsq
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import torch

from benchmarks.config import ConfigError, parse_key_values


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.train_vq",
                                description=__doc__.split("\n\n")[1])
    p.add_argument("--base", required=True, help="continuous tokenizer whose latent is quantized")
    p.add_argument("--base-arg", action="append", default=[], metavar="K=V",
                   help="the base's --tokenizer-arg values (path=~/wan2.1 ...)")
    p.add_argument("--quantizer", required=True, choices=["fsq", "lfq", "rvq"])
    p.add_argument("--levels", metavar="L,L,...",
                   help="fsq: values per code dimension (8,8,8,5,5,5: 64000, about 2^16 codes)")
    p.add_argument("--codebook-size", type=int, metavar="N",
                   help="lfq: a power of two; rvq: entries per stage")
    p.add_argument("--num-quantizers", type=int, default=1, metavar="N",
                   help="rvq: residual stages, one token level each (default 1)")
    p.add_argument("--codebook-dim", type=int, metavar="D",
                   help="rvq: code width (default: the latent's channels)")
    p.add_argument("--output", required=True, metavar="DIR", help="quantizer folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    p.add_argument("--data-root", metavar="DIR",
                   help="WebVid root (results_10M_val.csv, videos/); default: the demo set")
    p.add_argument("--frames", type=int, default=17,
                   help="frames per clip read (default 17, the WebVid protocol)")
    p.add_argument("--size", type=int, default=256,
                   help="resize shorter side and centre-crop to SIZE (default 256)")
    p.add_argument("--max-clips", type=int, metavar="N", help="train on the first N clips")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch-cells", type=int, default=1024,
                   help="latent cells a step (default 1024)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="device of the base encoder")
    p.add_argument("--no-progress", action="store_true")
    return p


def _quantizer_config(args: argparse.Namespace, latent_channels: int):
    from benchmarks.tokenizers.vq.quantizer import QuantizerConfig

    try:
        levels = tuple(int(x) for x in args.levels.split(",")) if args.levels else ()
    except ValueError as err:
        raise ValueError(f"--levels {args.levels!r}: expected integers like 8,8,8,5,5,5") from err
    if args.quantizer != "fsq" and levels:
        raise ValueError(f"--levels is for fsq; {args.quantizer} takes --codebook-size")
    if args.quantizer == "fsq" and not levels:
        raise ValueError("fsq needs --levels (e.g. 8,8,8,5,5,5)")
    if args.quantizer != "rvq" and (args.num_quantizers != 1 or args.codebook_dim):
        raise ValueError("--num-quantizers and --codebook-dim are for rvq")
    return QuantizerConfig(kind=args.quantizer, latent_channels=latent_channels, levels=levels,
                           codebook_size=args.codebook_size,
                           num_quantizers=args.num_quantizers, codebook_dim=args.codebook_dim)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.datasets.base import DatasetError, SampleError
    from benchmarks.datasets.demo import demo_root
    from benchmarks.datasets.webvid.reader import WebVidDataset
    from benchmarks.io.sampling import FrameSampling
    from benchmarks.runner.plan import create_checked_tokenizer
    from benchmarks.tokenizers.base import to_tokenizer_range
    from benchmarks.tokenizers.vq.adapter import check_base
    from benchmarks.tokenizers.vq.folder import BaseRecord, save_quantizer
    from benchmarks.tokenizers.vq.train import FitConfig, latent_cells, train_quantizer

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        output = Path(args.output).expanduser()
        if output.exists() and not args.overwrite:
            raise ValueError(f"--output {output} already exists: choose a new folder or "
                             "pass --overwrite")
        fit_config = FitConfig(steps=args.steps, batch_cells=args.batch_cells, lr=args.lr,
                               seed=args.seed)
        base_args = parse_key_values(args.base_arg, flag="--base-arg")
        base = create_checked_tokenizer(args.base, base_args)
        check_base(args.base, base)
        config = _quantizer_config(args, base.spec.latent_channels)
        device = torch.device(args.device)
        base = base.to(device).eval()
        root = Path(args.data_root).expanduser() if args.data_root else demo_root("webvid")
        sampling = FrameSampling(frames_per_clip=args.frames, resize_shorter=args.size,
                                 crop=args.size)
        dataset = WebVidDataset(root, sampling=sampling)
        num_frames = base.spec.usable_num_frames(args.frames)
        if num_frames < 1:
            raise ValueError(f"--frames {args.frames}: base {args.base!r} takes no clip that short")
        refs = dataset.refs()[: args.max_clips]

        def clips() -> Iterator[torch.Tensor]:
            for ref in refs:
                video = dataset.load(ref, num_frames=num_frames).video[None]  # (1, 3, t, h, w)
                yield to_tokenizer_range(video)

        cells = latent_cells(base, clips(), progress=not args.no_progress)
        quantizer, result = train_quantizer(config, cells, fit_config,
                                            progress=not args.no_progress)
        training = {
            "data_root": str(root), "demo": args.data_root is None, "clips": len(refs),
            "frames": num_frames, "size": args.size, "cells": result.cells,
            "steps": result.steps, "batch_cells": fit_config.batch_cells, "lr": fit_config.lr,
            "seed": fit_config.seed, "last_loss": result.last_loss, "mse": result.mse,
            "mse_units": "standardised latent (1.0 = predicting each channel's mean)",
            "codebook_usage": result.codebook_usage,
            "vector_quantize_pytorch": metadata.version("vector-quantize-pytorch"),
        }
        folder = save_quantizer(output, quantizer,
                                base=BaseRecord.of(args.base, base_args, base),
                                training=training, overwrite=args.overwrite)
    except (ConfigError, DatasetError, SampleError, ValueError, FileNotFoundError,
            ImportError) as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    usage = ", ".join(f"{100 * u:.1f}%" for u in result.codebook_usage)
    print(f"vq quantizer: {folder} ({config.describe()} on {args.base}; mse {result.mse:.4f} "
          f"standardised, codebook usage {usage})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
