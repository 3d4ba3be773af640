"""Sweeps: a list-valued ``--task-arg`` runs the task once per value, each its own run.

A family declares ``sweeps = {list key: scalar key}`` (compression: ``rates`` →
``target_bpp``, ``qps`` → ``quality``). ``--task-arg rates=[0.02,0.034,0.06]`` becomes
three runs with ``target_bpp`` set to each value, named ``<run name>@target_bpp=0.02``
and so on under ``<output>/<task>/``, so sweep points never share a folder and the ``rd``
command can put them back on one curve (the part before ``@``).
"""

from __future__ import annotations

import argparse
import copy
import math
from collections.abc import Iterator
from typing import Any

from benchmarks.config import ConfigError, discover_tasks, parse_key_values, read_yaml

SWEEP_SEPARATOR = "@"


def family_sweeps(task: str, include_paths: list[str]) -> dict[str, str]:
    """The ``sweeps`` of ``task``'s family (``{}`` for an unknown task: the run reports it)."""
    from benchmarks.families import TASK_FAMILIES

    tasks = discover_tasks(include_paths)
    if task not in tasks:
        return {}
    family = read_yaml(tasks[task]).get("family")
    if family is None or str(family) not in TASK_FAMILIES.names():
        return {}
    return dict(getattr(TASK_FAMILIES.get(str(family)), "sweeps", {}) or {})


def sweep_values(task_args: dict[str, Any], sweeps: dict[str, str]) -> tuple[str, str, list] | None:
    """``(list key, scalar key, values)`` when ``task_args`` asks for a sweep, else ``None``."""
    keys = [k for k in task_args if k in sweeps]
    if not keys:
        return None
    if len(keys) > 1:
        raise ConfigError(f"--task-arg: sweep one of {', '.join(keys)} at a time")
    key = keys[0]
    scalar = sweeps[key]
    values = task_args[key]
    if scalar in task_args:
        raise ConfigError(f"--task-arg: {key} sweeps {scalar}; do not give both")
    ok = isinstance(values, list) and values and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values
    )
    if not ok:
        raise ConfigError(
            f"--task-arg {key}={values!r}: expected a non-empty list of numbers, e.g. "
            f"{key}=[0.02,0.034,0.06]"
        )
    if len(set(values)) != len(values):
        raise ConfigError(f"--task-arg {key}={values!r}: a value is repeated")
    return key, scalar, list(values)


def point_name(base: str, scalar: str, value: float) -> str:
    """``hevc@target_bpp=0.034``: the run name of one sweep point."""
    return f"{base}{SWEEP_SEPARATOR}{scalar}={value:g}"


def curve_name(run_name: str) -> str:
    """The curve a run belongs to: its name before ``@`` (the whole name otherwise)."""
    return run_name.split(SWEEP_SEPARATOR, 1)[0]


def sweep_args(args: argparse.Namespace) -> Iterator[argparse.Namespace] | None:
    """One ``run`` namespace per sweep point, or ``None`` when ``args`` is a single run."""
    from benchmarks.runner.plan import default_run_name

    task_args = parse_key_values(args.task_arg, flag="--task-arg")
    found = sweep_values(task_args, family_sweeps(args.task, args.include_path))
    if found is None:
        return None
    key, scalar, values = found
    tokenizer_args = parse_key_values(args.tokenizer_arg, flag="--tokenizer-arg")
    base = args.run_name or default_run_name(args.tokenizer, tokenizer_args)
    kept = [item for item in args.task_arg if item.partition("=")[0].strip() != key]

    def points() -> Iterator[argparse.Namespace]:
        for value in values:
            point = copy.copy(args)
            point.task_arg = [*kept, f"{scalar}={value!r}"]
            point.run_name = point_name(base, scalar, value)
            yield point

    return points()
