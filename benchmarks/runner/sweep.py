"""Sweeps: a list-valued ``--task-arg`` runs the task once per value, each its own run.

A family declares ``sweeps = {list key: scalar key}`` (compression: ``rates`` →
``target_bpp``, ``qps`` → ``quality``). ``--task-arg rates=[0.02,0.034,0.06]`` becomes
three runs with ``target_bpp`` set to each value, named ``<run name>@target_bpp=0.02``
and so on under ``<output>/<task>/``, so sweep points never share a folder and the ``rd``
command can put them back on one curve (the part before ``@``).

:func:`expand_sweep` works on :class:`~benchmarks.runner.options.RunOptions`, so the
Python API sweeps as the CLI does: ``[run(p) for p in expand_sweep(opts)]``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from benchmarks.config import ConfigError, find_task
from benchmarks.runner.options import RunOptions

SWEEP_SEPARATOR = "@"


def family_sweeps(task: str, include_paths: list[str]) -> dict[str, str]:
    """The ``sweeps`` of ``task``'s family (``{}`` for an unknown task or family: the run
    reports it)."""
    from benchmarks.families import TASK_FAMILIES

    try:
        family = find_task(task, include_paths).family
    except ConfigError:
        return {}
    if family not in TASK_FAMILIES.names():
        return {}
    return dict(TASK_FAMILIES.get(str(family)).sweeps)


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


def expand_sweep(opts: RunOptions) -> list[RunOptions]:
    """One :class:`RunOptions` per sweep point; ``[opts]`` when ``opts`` asks for no sweep.

    ``task_args={"rates": [0.02, 0.034]}`` with a compression task becomes two options with
    ``task_args={"target_bpp": 0.02}`` (and 0.034), run names ``<base>@target_bpp=0.02``
    where ``<base>`` is ``run_name`` or the tokenizer's default run name.
    """
    from benchmarks.runner.plan import default_run_name

    if not opts.task_args:
        return [opts]  # nothing to sweep: the task file is left to the run to read
    found = sweep_values(opts.task_args, family_sweeps(opts.task, opts.include_paths))
    if found is None:
        return [opts]
    key, scalar, values = found
    name = opts.tokenizer if isinstance(opts.tokenizer, str) else opts.tokenizer.spec.name
    base = opts.run_name or default_run_name(name, opts.tokenizer_args)
    kept = {k: v for k, v in opts.task_args.items() if k != key}
    return [
        dataclasses.replace(opts, task_args={**kept, scalar: value},
                            run_name=point_name(base, scalar, value))
        for value in values
    ]
