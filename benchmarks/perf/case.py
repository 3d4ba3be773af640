"""What a perf case is, what it returns, and how the command finds the cases."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from benchmarks.perf.measure import Timing


@dataclass(frozen=True)
class Goal:
    """What ``Row.measured`` is held to: ``measured op value``, e.g. ``>= 3`` (× faster)."""

    op: Literal[">=", "<="]
    value: float

    def met(self, measured: float) -> bool:
        return bool(measured >= self.value if self.op == ">=" else measured <= self.value)

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


@dataclass(frozen=True)
class Row:
    """One line of the table: our side and the reference side, and the goal.

    ``measured`` is the number the goal holds (a speed-up ``reference / ours``, an overhead
    ``ours / reference``, seconds, GiB: ``unit`` says which). ``gap`` is how far apart the
    two sides' results were (the largest absolute difference), held to ``tolerance``;
    both ``None`` where the sides compute nothing comparable.
    """

    id: str
    title: str
    ours: str  # what our side ran, e.g. "clip_psnr (batched)"
    reference: str  # what the reference side ran; "" for an absolute goal
    ours_time: Timing | None
    reference_time: Timing | None
    measured: float
    unit: str  # "× faster", "× the reference", "s", "GiB", ...
    goal: Goal | None = None
    gap: float | None = None
    tolerance: float | None = None
    note: str = ""
    extra: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self.measured)

    @property
    def agrees(self) -> bool | None:
        if self.gap is None or self.tolerance is None:
            return None
        return bool(self.gap <= self.tolerance)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "title": self.title, "ours": self.ours, "reference": self.reference,
            "ours_time": None if self.ours_time is None else self.ours_time.to_dict(),
            "reference_time": (None if self.reference_time is None
                               else self.reference_time.to_dict()),
            "measured": float(self.measured), "unit": self.unit,
            "goal": None if self.goal is None else {"op": self.goal.op,
                                                    "value": self.goal.value},
            "met": self.met, "gap": None if self.gap is None else float(self.gap),
            "tolerance": self.tolerance,
            "agrees": self.agrees, "note": self.note,
            "extra": dict(self.extra),
        }


def speedup(ours: Timing, reference: Timing) -> float:
    """``reference / ours`` on medians: above 1, ours is faster."""
    return reference.median / ours.median


@dataclass(frozen=True)
class PerfContext:
    """How a case should run. ``quick``: the smallest inputs and one repetition, to check
    that the sides agree (the tests run every case so); otherwise the issue's sizes."""

    workdir: Path
    repeats: int = 5
    quick: bool = False


@dataclass(frozen=True)
class Case:
    """A module's ``CASE``: ``run`` returns its rows; ``needs`` lists the modules the
    references import (a case whose module is missing is reported as skipped)."""

    id: str
    order: int  # place in the table
    run: Callable[[PerfContext], list[Row]]
    needs: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        return [name for name in self.needs if importlib.util.find_spec(name) is None]


def discover() -> dict[str, Case]:
    """Every ``CASE`` of the modules in ``benchmarks.perf.cases``, in table order."""
    from benchmarks.perf import cases

    found = []
    for info in pkgutil.iter_modules(cases.__path__):
        module = importlib.import_module(f"{cases.__name__}.{info.name}")
        case = getattr(module, "CASE", None)
        if isinstance(case, Case):
            found.append(case)
    return {case.id: case for case in sorted(found, key=lambda c: (c.order, c.id))}
