"""The generator interface: ``generate(class_ids, seed) -> GeneratedClips`` (codes or video).

A generator returns either pixels (``video``) or a tokenizer's codes (``indices``, the
``Encoded.indices`` layout), which the generation family decodes with the tokenizer under
test. Clip ``i`` must depend only on ``class_ids[i]`` and ``seed[i]`` — not on which
other clips share the call — so a sharded or resumed run generates the same clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from benchmarks.datasets.base import Dataset
from benchmarks.tokenizers.base import Encoded, VideoTokenizer


class GeneratorError(ValueError):
    """A generator cannot be built as asked (missing checkpoint, bad argument)."""


@dataclass
class GeneratorContext:
    """What a generator factory may use.

    Attributes:
        tokenizer: the tokenizer under test (decodes codes; encodes training clips).
        dataset: the real clips' reader (``with_split`` gives the held-out split).
        classes: class names; ``class_ids`` index them.
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
    """A class-conditional generator.

    Attributes:
        name: registry name.
        description: one line for the summary (weights, sampling settings).
    """

    name: str = ""
    description: str = ""

    def generate(self, class_ids: Sequence[int], seed: Sequence[int]) -> GeneratedClips:
        """One clip per ``(class_ids[i], seed[i])``."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"generator": self.name, "description": self.description}
