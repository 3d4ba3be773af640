"""Conformance of a task-family class to the contract of :mod:`benchmarks.families.base`.

A public check (as timm and torchmetrics give their plug-in authors): the registry tests
run it over every registered family, and a plug-in's own tests can run it on theirs::

    from benchmarks.families.conformance import family_problems
    assert family_problems(MyFamily) == []
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Mapping

from benchmarks.datasets.annotation import Annotation
from benchmarks.families.base import MetricInfo, ScoreInputs, ScoreMode, TaskFamily
from benchmarks.tokenizers.base import CAPABILITIES


def family_problems(family: type) -> list[str]:
    """What ``family`` gets wrong about the contract, one sentence each (``[]``: nothing)."""
    if not (isinstance(family, type) and issubclass(family, TaskFamily)):
        return [f"{family!r} is not a TaskFamily subclass"]
    if inspect.isabstract(family):
        missing = ", ".join(sorted(family.__abstractmethods__))
        return [f"{family.__name__} does not implement {missing}"]
    problems = []
    name = getattr(family, "name", None)
    if not isinstance(name, str) or not name:
        problems.append("name: a non-empty str is required")
    metrics = getattr(family, "metrics", None)
    if not (isinstance(metrics, tuple) and metrics
            and all(isinstance(m, MetricInfo) for m in metrics)):
        problems.append("metrics: a non-empty tuple of MetricInfo is required")
    params = family.Params
    fields = {f.name for f in dataclasses.fields(params)} if (
        params is not None and dataclasses.is_dataclass(params)) else set()
    if params is not None and not dataclasses.is_dataclass(params):
        problems.append("Params: a dataclass or None")
    if not isinstance(family.requires, tuple) or set(family.requires) - CAPABILITIES:
        problems.append(f"requires: a tuple of {sorted(CAPABILITIES)}, got {family.requires!r}")
    for key in ("unhashed_params", "score_only_params"):
        names = getattr(family, key)
        if not isinstance(names, tuple) or set(names) - fields:
            problems.append(f"{key}: a tuple of Params fields, got {names!r}")
    if not isinstance(family.sweeps, Mapping) or any(
            list_key in fields or scalar not in fields
            for list_key, scalar in family.sweeps.items()):
        problems.append("sweeps: {list key: scalar Params field}, the list key no field "
                        f"(the sweep consumes it), got {family.sweeps!r}")
    if not isinstance(family.prediction_files, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v
            for k, v in family.prediction_files.items()):
        problems.append("prediction_files: {file name: its format} of strings")
    kinds = typing.get_args(Annotation)
    if family.needs_annotation is not None and family.needs_annotation not in kinds:
        problems.append(f"needs_annotation: None or one of {[k.__name__ for k in kinds]}, "
                        f"got {family.needs_annotation!r}")
    if issubclass(family, ScoreMode) and not isinstance(family.score_inputs, ScoreInputs):
        problems.append("score_inputs: a ScoreInputs")
    cheap = family.bootstrap_statistics is not TaskFamily.bootstrap_statistics
    if cheap != (family.evaluate_statistics is not TaskFamily.evaluate_statistics):
        problems.append("bootstrap_statistics and evaluate_statistics: implement both "
                        "(compare scores a draw with the second from the first) or neither")
    if cheap and family.finalize is TaskFamily.finalize:
        problems.append("bootstrap_statistics: only for a family with its own finalize")
    return problems
