"""PyraTok: a language-aligned pyramidal video tokenizer (the paper's model).

Importing `pyratok` is cheap: the public names below are resolved on first access.

    from pyratok import PyraTok
    model = PyraTok.from_pretrained("pyratok/checkpoints/pyratok-demo")
    enc = model.encode(video)            # video (b, 3, t, h, w) in [-1, 1]
    video_hat = model.decode([lv.codes for lv in enc.levels], num_frames=enc.num_frames)

This package never imports `benchmarks` (the harness).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "PyraTok": "pyratok.model:PyraTok",
    "PyraTokEncoding": "pyratok.model:PyraTokEncoding",
    "QuantizedLevel": "pyratok.lapq:QuantizedLevel",
    "PyraTokConfig": "pyratok.config:PyraTokConfig",
    "TrainConfig": "pyratok.config:TrainConfig",
    "LFQ": "pyratok.lfq:LFQ",
    "LaPQ": "pyratok.lapq:LaPQ",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'pyratok' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
