"""What the generation families share: a generator of the ``--generator`` registry scored
by a Fréchet distance against real clips (``generation``: class-conditional gFVD, Table 8;
``t2v``: text-to-video, Table 2). Not a family itself: a base each of them subclasses, so
neither imports the other.

A subclass declares ``conditions_on`` (what its clips are conditioned on) and a ``Params``
dataclass with ``generator``, ``generator_args``, ``features`` and ``i3d_path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar

from benchmarks.families.base import TaskFamily
from benchmarks.features.stage import (
    ReferenceCache,
    fd_unavailable,
    fd_weight_files,
    metric_name,
    open_extractor,
)

ParamsT = TypeVar("ParamsT")


class GeneratedClipsFamily(TaskFamily[ParamsT]):
    conditions_on: ClassVar[str] = "class"

    def __init__(self, config, params, tokenizer, *, device) -> None:
        super().__init__(config, params, tokenizer, device=device)
        p: Any = self.params
        self.extractor, self._reason = open_extractor(p.features, device=device,
                                                      i3d_path=p.i3d_path)
        self.metric = metric_name(p.features)
        self.generator = None
        self.cache: ReferenceCache | None = None
        self.run_seed = 0

    @classmethod
    def check_tokenizer(cls, tokenizer, params) -> str | None:
        from benchmarks.generators.select import generator_problem

        return generator_problem(params.generator, params.features, wanted=cls.conditions_on,
                                 family=cls.name)

    @classmethod
    def run_name_suffix(cls, params) -> str:
        from benchmarks.generators.select import run_suffix

        return run_suffix(params.generator, params.generator_args)

    @classmethod
    def weight_files(cls, params: Any) -> list[Path]:
        p = params if params is not None else cls.Params()  # type: ignore[misc]
        return fd_weight_files(p.features, p.i3d_path)

    def unavailable(self) -> dict[str, str]:
        p: Any = self.params
        reason = (self._reason or "feature extractor unavailable") if self.extractor is None \
            else None
        return fd_unavailable(p.features, p.i3d_path, self.metric, reason)
