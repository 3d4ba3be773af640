"""Peak memory of one 4K round trip through a tiny Wan VAE, run in a fresh process.

``python -m tests.helpers.tiled_peak [KEY=VALUE ...]`` builds ``tiny_wan()`` behind the
``wan2.1`` adapter with the given adapter arguments (default: none, so automatic tiling
decides), encodes and decodes a 5-frame 2160 × 3840 clip and prints one JSON line:
``{"peak_rss_gib": ..., "seconds": ..., "tiling": ...}``. ``ru_maxrss`` is the peak
resident set of the whole process (Python, torch and the model included).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import torch

from benchmarks.config import parse_key_values
from benchmarks.tokenizers.diffusers_vae import WAN21, DiffusersVideoVAE
from tests.helpers.tiny_vaes import tiny_wan

FRAMES, HEIGHT, WIDTH = 5, 2160, 3840


def main(argv: list[str]) -> None:
    torch.set_num_threads(2)
    args = parse_key_values(argv, flag="argument")
    tokenizer = DiffusersVideoVAE(tiny_wan(), family=WAN21, weights="tiny", **args)
    video = torch.rand(1, 3, FRAMES, HEIGHT, WIDTH).mul_(2).sub_(1)  # (b, 3, t, h, w)
    start = time.perf_counter()
    with torch.inference_mode():
        out = tokenizer.decode(tokenizer.encode(video))
    seconds = time.perf_counter() - start
    assert out.shape == video.shape
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_gib": peak_kib / 2**20, "seconds": seconds,
                      "tiling": tokenizer.tiling_for(HEIGHT, WIDTH)}))


if __name__ == "__main__":
    main(sys.argv[1:])
