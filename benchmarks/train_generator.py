"""``python -m benchmarks.train_generator``: train the ``ar`` / ``ar-text`` generators.

Encodes the clips of a dataset with a tokenizer (once, cached in the output folder), then
fits the transformer over their codes (:mod:`benchmarks.generators.ar_train`), with a
progress bar and safetensors checkpoints every ``save_every`` steps; rerunning the same
command resumes. Class-conditional ``ar``: the train split of a UCF-101-layout dataset.
``--text`` (``ar-text``, Table 2): every clip of a WebVid-layout dataset, conditioned on
its caption's embedding (``--text-encoder minilm`` or a local encoder folder). Without
``--data-root`` it trains on the bundled demo set (UCF-101, or WebVid with ``--text``).

Example::

    python -m benchmarks.train_generator --tokenizer pyratok --output runs/ar-tiny
    python -m benchmarks run --task ucf101-gfvd --tokenizer pyratok --generator ar \\
        --generator-arg checkpoint=runs/ar-tiny
    python -m benchmarks.train_generator --text --tokenizer pyratok --size 32 \\
        --output runs/ar-text-tiny
    python -m benchmarks run --task t2v-webvid --tokenizer pyratok --generator ar-text \\
        --generator-arg checkpoint=runs/ar-text-tiny
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

import torch

from benchmarks.config import ConfigError, parse_key_values, read_yaml


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.train_generator",
                                description=__doc__.split("\n\n")[1])
    p.add_argument("--tokenizer", default="pyratok", help="tokenizer whose codes are modelled")
    p.add_argument("--tokenizer-arg", action="append", default=[], metavar="K=V")
    p.add_argument("--data-root", metavar="DIR",
                   help="UCF-101 root (UCF-101/, ucfTrainTestlist/), or with --text a WebVid "
                        "root (results_10M_val.csv, videos/); default: the demo set")
    p.add_argument("--text", action="store_true",
                   help="train ar-text (caption-conditioned, WebVid layout) instead of ar")
    p.add_argument("--text-encoder", default="minilm", metavar="NAME|DIR",
                   help="with --text: minilm (offline wheel) or a local encoder folder")
    p.add_argument("--csv", metavar="NAME", help="with --text: the WebVid CSV under the root")
    p.add_argument("--fold", type=int, default=1, help="train list 1, 2 or 3 (default 1)")
    p.add_argument("--frames", type=int, default=17, help="frames per clip read (default 17)")
    p.add_argument("--size", type=int, default=None,
                   help="resize shorter side and centre-crop to SIZE (default: as stored)")
    p.add_argument("--output", required=True, metavar="DIR", help="checkpoint folder")
    p.add_argument("--config", metavar="YAML", help="TrainConfig keys (default: the tiny one)")
    p.add_argument("--set", action="append", default=[], metavar="K=V",
                   help="override a TrainConfig key, e.g. steps=2000")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    from benchmarks.datasets.base import DatasetError
    from benchmarks.datasets.demo import demo_root
    from benchmarks.datasets.ucf101.reader import UCF101Dataset
    from benchmarks.generators.ar_train import TrainConfig, train
    from benchmarks.io.sampling import FrameSampling
    from benchmarks.runner.plan import create_checked_tokenizer

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        keys = read_yaml(Path(args.config)) if args.config else {}
        keys.update(parse_key_values(args.set, flag="--set"))
        allowed = {f.name for f in dataclasses.fields(TrainConfig)}
        unknown = sorted(set(keys) - allowed)
        if unknown:
            raise ConfigError(f"unknown TrainConfig key {unknown[0]!r} (allowed: "
                              f"{', '.join(sorted(allowed))})")
        config = TrainConfig(**keys)
        default = "webvid" if args.text else "ucf101"
        root = Path(args.data_root).expanduser() if args.data_root else demo_root(default)
        sampling = FrameSampling(frames_per_clip=args.frames, resize_shorter=args.size,
                                 crop=args.size)
        tokenizer = create_checked_tokenizer(
            args.tokenizer, parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg"))
        device = torch.device(args.device)
        tokenizer = tokenizer.to(device).eval()
        num_frames = tokenizer.spec.usable_num_frames(args.frames)
        provenance = {"data_root": str(root), "tokenizer": args.tokenizer}
        if args.text:
            from benchmarks.datasets.webvid.reader import WebVidDataset
            from benchmarks.generators.ar_text import open_text_encoder, text_encoder_id

            if "bits" not in tokenizer.spec.capabilities:
                raise ValueError(f"tokenizer {args.tokenizer!r} is continuous (no 'bits' "
                                 "capability): ar-text models discrete codes")
            dataset = WebVidDataset(root, sampling=sampling, csv=args.csv)
            text = {"text_embed": open_text_encoder(args.text_encoder, device),
                    "text_encoder": text_encoder_id(args.text_encoder)}
            num_classes = 0
        else:
            dataset = UCF101Dataset(root, sampling=sampling, split="train", fold=args.fold)
            text, num_classes = {}, len(dataset.classes)
            provenance["fold"] = args.fold
        folder = train(Path(args.output).expanduser(), tokenizer=tokenizer, dataset=dataset,
                       num_frames=num_frames, num_classes=num_classes, config=config,
                       device=device, progress=not args.no_progress, provenance=provenance,
                       **text)
    except (ConfigError, DatasetError, ValueError, FileNotFoundError, TypeError) as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"generator checkpoint: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
