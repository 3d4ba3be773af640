"""The generator interface: ``generate(conditions, seed) -> GeneratedClips`` (codes or video).

A generator returns either pixels (``video``) or a tokenizer's codes (``indices``, the
``Encoded.indices`` layout), which the generation families decode with the tokenizer under
test. Clip ``i`` must depend only on ``conditions[i]`` and ``seed[i]`` — not on which
other clips share the call — so a sharded or resumed run generates the same clips.

What a generator conditions on is declared on its factory (:func:`conditions_on`), known
before it is built: ``"class"`` (class ids, the ``generation`` family, UCF-101 gFVD),
``"text"`` (captions, the ``t2v`` family, WebVid) or ``"none"`` (either family: noise).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from benchmarks.datasets.base import Dataset
from benchmarks.tokenizers.base import Encoded, VideoTokenizer

CONDITIONS = ("class", "text", "none")


class GeneratorError(ValueError):
    """A generator cannot be built as asked (missing checkpoint, bad argument)."""


def conditions_on(kind: str) -> Callable[[Callable], Callable]:
    """Declare what a generator factory's clips are conditioned on (one of ``CONDITIONS``)."""
    if kind not in CONDITIONS:
        raise ValueError(f"conditions_on({kind!r}): expected one of {CONDITIONS}")

    def mark(factory: Callable) -> Callable:
        factory.conditions_on = kind  # type: ignore[attr-defined]
        return factory

    return mark


def conditioning(factory: Callable) -> str:
    """What ``factory``'s generator conditions on (undeclared: ``"class"``, as before)."""
    return str(getattr(factory, "conditions_on", "class"))


def conditioning_error(name: str, factory: Callable, wanted: str, family: str,
                       names: Sequence[str]) -> str | None:
    """The one line refusing generator ``name`` for a family whose clips are conditioned on
    ``wanted``; ``None`` when it fits. ``names``: the registry's names (to list the fits)."""
    from benchmarks.generators import GENERATORS

    kind = conditioning(factory)
    if kind in (wanted, "none"):
        return None
    fits = [n for n in names if conditioning(GENERATORS.get(n)) in (wanted, "none")]
    return (f"generator {name!r} is {kind}-conditioned; the {family} family's tasks need a "
            f"{wanted}-conditioned generator (one of: {', '.join(fits)})")


@dataclass
class GeneratorContext:
    """What a generator factory may use.

    Attributes:
        tokenizer: the tokenizer under test (decodes codes; encodes training clips).
        dataset: the real clips' reader (``with_split`` gives the held-out split).
        classes: class names; class ids index them (``()`` for a text task).
        num_frames: frames per generated clip (≥ the FVD protocol's 16).
        frame_size: ``(h, w)`` of generated clips.
        device: where to run.
        is_demo: the run is on a bundled demo set.
        cache_dir: where a generator may cache trained weights.
        requested_classes: the ``class_ids`` the run will ask for (the classes of its real
            clips: a partial download or ``--limit`` may leave some out), ``None`` for all.
    """

    tokenizer: VideoTokenizer
    dataset: Dataset
    classes: tuple[str, ...]
    num_frames: int
    frame_size: tuple[int, int]
    device: torch.device
    is_demo: bool
    cache_dir: Path
    requested_classes: tuple[int, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class GeneratedClips:
    """Either ``video`` ``(b, 3, t, h, w)`` in [-1, 1], or ``indices`` (one int64
    ``(b, t'_l, h'_l, w'_l)`` tensor per tokenizer level) with ``num_frames`` and
    ``frame_size`` for ``tokenizer.decode``."""

    video: Tensor | None = None
    indices: list[Tensor] | None = None
    num_frames: int = 0
    frame_size: tuple[int, int] = (0, 0)

    def to_video(self, tokenizer: VideoTokenizer) -> Tensor:
        if self.video is not None:
            return self.video
        if self.indices is None:
            raise ValueError("GeneratedClips holds neither video nor indices")
        features = [torch.zeros(0)] * len(self.indices)  # decode reads indices only
        encoded = Encoded(features=features, indices=self.indices, bits=None,
                          num_frames=self.num_frames, frame_size=self.frame_size)
        with torch.inference_mode():
            return tokenizer.decode(encoded).clamp(-1, 1)


class VideoGenerator:
    """A video generator (class-, text- or un-conditioned: see :func:`conditions_on`).

    Attributes:
        name: registry name.
        description: one line for the summary (weights, sampling settings).
        uses_tokenizer: whether its clips are the tokenizer's codes (decoded by the
            tokenizer under test) rather than pixels; ``None`` until it has generated,
            for a generator that may return either (a user's checkout).
    """

    name: str = ""
    description: str = ""
    uses_tokenizer: bool | None = False

    def generate(self, conditions: Sequence, seed: Sequence[int]) -> GeneratedClips:
        """One clip per ``(conditions[i], seed[i])``: class ids (int) or captions (str)."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"generator": self.name, "description": self.description,
                "tokenizer_used": self.uses_tokenizer}
