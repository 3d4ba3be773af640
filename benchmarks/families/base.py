"""The task-family interface the runner drives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from benchmarks.config import TaskConfig
from benchmarks.data.base import Sample
from benchmarks.tokenizers.base import VideoTokenizer


@dataclass(frozen=True)
class MetricInfo:
    """How a metric reads in tables: its name, direction and unit."""

    name: str
    higher_is_better: bool
    unit: str = ""


class TaskFamily:
    """Scores batches of samples with a tokenizer.

    Subclasses declare ``name``, ``metrics`` and optionally a ``Params`` dataclass for
    their own YAML keys, and implement :meth:`score`.

    Args:
        config: the task's common configuration.
        params: an instance of ``Params`` (or ``None``).
        tokenizer: the tokenizer under test, already on ``device``.
        device: where tensors go.
    """

    name: ClassVar[str]
    metrics: ClassVar[tuple[MetricInfo, ...]]
    Params: ClassVar[type | None] = None
    aggregation: ClassVar[str] = "mean over samples, 95% CI from Student's t"
    # Params keys that change no score (pictures, logging): kept out of the config hash.
    unhashed_params: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        config: TaskConfig,
        params: Any,
        tokenizer: VideoTokenizer,
        *,
        device: torch.device,
    ) -> None:
        self.config = config
        self.params = params
        self.tokenizer = tokenizer
        self.device = device
        # where a family may write pictures (example reconstructions ...); set by the runner
        self.artifacts_dir: Path | None = None

    def unavailable(self) -> dict[str, str]:
        """Metrics this run cannot compute honestly, with the reason for each."""
        return {}

    def score(self, samples: list[Sample]) -> list[dict[str, float]]:
        """One flat ``{metric: value}`` record per sample, in order."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish background work (pictures being written ...); called once per run."""
