"""Reference evaluation harness for (language-aligned) video tokenizers.

Python API (the CLI is a thin shell over it)::

    import benchmarks
    benchmarks.list_tasks()                 # ['coco', 'webvid', ...]
    benchmarks.list_tokenizers()            # ['cogvideox', 'identity', ...]
    tok = benchmarks.create_tokenizer("wan2.1", path="~/ckpt/wan")
    summary = benchmarks.evaluate("webvid", "identity", limit=4)
    summary["metrics"]                      # {'psnr': inf, 'ssim': 1.0, ...}

Nothing heavy is imported until it is used.
"""

from __future__ import annotations

from benchmarks.api import create_tokenizer, evaluate, list_tasks, list_tokenizers

__version__ = "0.1.0"

__all__ = ["__version__", "create_tokenizer", "evaluate", "list_tasks", "list_tokenizers"]
