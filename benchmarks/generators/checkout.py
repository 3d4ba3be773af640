"""``checkout`` and the paper's Table 2 priors: a text-to-video model from the user's checkout.

MotionAura (Table 2's discrete-diffusion prior, [44]), the Open-MAGVIT2 AR prior ([33];
its packages carry only the class-conditional ImageNet AR) and OmniGen2 ([60]) are not on
any package registry and have no weights here, so they cannot run offline. Their registry
slots (``motionaura``, ``open-magvit2-ar``, ``omnigen2``) and the generic ``checkout`` load
the user's own code::

    --generator motionaura --generator-arg path=~/src/MotionAura \\
        --generator-arg entry=my_t2v:generate [--generator-arg K=V ...]

``path`` is put first on ``sys.path``; ``entry`` (``module:callable``) is called as
``fn(captions, seeds, num_frames=, frame_size=(h, w), device=, tokenizer=, **options)``
with every other ``--generator-arg`` as ``options`` (a checkpoint path, steps ...). It
returns either pixels, a ``(b, 3, t, h, w)`` tensor in [-1, 1], or a
:class:`~benchmarks.generators.base.GeneratedClips` holding the tokenizer's codes
(``indices``), which the family decodes with the tokenizer under test — the "✓ PyraTok"
side of Table 2. Clip ``i`` must depend only on ``captions[i]`` and ``seeds[i]``.
``examples/t2v_checkout/`` is a runnable template. Without ``path`` / ``entry`` a slot
fails in one line naming what is missing; Table 2's rows then say "not available offline".
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from benchmarks.generators.base import (
    GeneratedClips,
    GeneratorContext,
    GeneratorError,
    VideoGenerator,
    conditions_on,
)

# slot -> what it is (the Table 2 row it stands for), for the one-line refusal
SLOTS = {
    "checkout": "a text-to-video prior in your checkout",
    "motionaura": "MotionAura (Table 2 [44]; no package, no public weights)",
    "open-magvit2-ar": "the Open-MAGVIT2 text-to-video AR prior (Table 2 [33]; its packages "
                       "carry only the class-conditional ImageNet AR)",
    "omnigen2": "OmniGen2 (Table 2 [60]; not on PyPI, no weights offline)",
}


class CheckoutGenerator(VideoGenerator):
    def __init__(self, name: str, fn: Callable[..., Any], context: GeneratorContext, *,
                 path: Path, entry: str, options: dict[str, Any]) -> None:
        self.name = name
        self.fn = fn
        self.context = context
        self.path, self.entry, self.options = path, entry, options
        self.description = f"{SLOTS[name]}: {entry} from {path}"
        self.uses_tokenizer: bool | None = None  # known once it has returned clips

    def generate(self, captions: Sequence[str], seed: Sequence[int]) -> GeneratedClips:
        ctx = self.context
        out = self.fn(list(captions), [int(s) for s in seed], num_frames=ctx.num_frames,
                      frame_size=ctx.frame_size, device=ctx.device, tokenizer=ctx.tokenizer,
                      **self.options)
        if isinstance(out, GeneratedClips):
            self.uses_tokenizer = out.indices is not None
            return out
        if not torch.is_tensor(out) or out.ndim != 5 or out.shape[:2] != (len(captions), 3):
            shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
            raise GeneratorError(f"{self.entry} returned {shape}; expected a "
                                 f"({len(captions)}, 3, t, h, w) tensor in [-1, 1] or "
                                 "GeneratedClips")
        self.uses_tokenizer = False
        return GeneratedClips(video=out.float().clamp(-1, 1))

    def describe(self) -> dict:
        return {**super().describe(), "path": str(self.path), "entry": self.entry,
                "options": {k: str(v) for k, v in self.options.items()}}


def _load(name: str, path: str | None, entry: str | None) -> tuple[Path, Callable[..., Any]]:
    if path is None or entry is None:
        missing = " and ".join(k for k, v in (("path", path), ("entry", entry)) if v is None)
        raise GeneratorError(
            f"generator {name!r} is not available offline: {SLOTS[name]}; it needs {missing}: "
            f"--generator-arg path=<your checkout> --generator-arg entry=module:callable "
            "(template: examples/t2v_checkout/)")
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise GeneratorError(f"generator {name!r}: path={path} is not a folder")
    module_name, sep, attr = entry.partition(":")
    if not sep or not module_name or not attr:
        raise GeneratorError(f"generator {name!r}: entry={entry!r}, expected module:callable")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise GeneratorError(f"generator {name!r}: entry={entry} not found under {folder}: "
                             f"{str(err).splitlines()[0]}") from err
    if not callable(fn):
        raise GeneratorError(f"generator {name!r}: entry={entry} is not callable")
    return folder, fn


def _slot(name: str) -> Callable[..., CheckoutGenerator]:
    @conditions_on("text")
    def create(context: GeneratorContext, *, path: str | None = None,
               entry: str | None = None, **options: Any) -> CheckoutGenerator:
        folder, fn = _load(name, path, entry)
        return CheckoutGenerator(name, fn, context, path=folder, entry=str(entry),
                                 options=options)

    create.__name__ = f"create_{name.replace('-', '_')}"
    return create


create_checkout = _slot("checkout")
create_motionaura = _slot("motionaura")
create_open_magvit2_ar = _slot("open-magvit2-ar")
create_omnigen2 = _slot("omnigen2")
