"""Python API for notebooks and scripts; ``benchmarks.cli`` only parses arguments.

:func:`run` of a :class:`RunOptions` is the one way a run starts (``evaluate`` and the
CLI's ``run`` call it); :func:`expand_sweep` turns a list-valued sweep key into one
options per point, so a script sweeps as the CLI does::

    from benchmarks.api import RunOptions, expand_sweep, run
    opts = RunOptions(task="mcl-jcv", tokenizer="hevc", task_args={"rates": [0.02, 0.05]})
    results = [run(point) for point in expand_sweep(opts)]

``RunOptions`` and ``RunResult`` are imported on first use (they pull in torch).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.tokenizers import TOKENIZERS

if TYPE_CHECKING:
    from benchmarks.runner.options import RunOptions, RunResult
    from benchmarks.tokenizers.base import VideoTokenizer


def list_tokenizers() -> list[str]:
    """Registered tokenizer names (built-in and entry-point plug-ins)."""
    return TOKENIZERS.names()


def list_tasks(include_paths: list[str | Path] | None = None) -> list[str]:
    """Task names found in ``tasks/`` and in ``include_paths``."""
    from benchmarks.config import discover_tasks

    return sorted(discover_tasks(include_paths))


def create_tokenizer(name: str, **kwargs: Any) -> VideoTokenizer:
    """Build a registered tokenizer, e.g. ``create_tokenizer("wan2.1", path="~/wan")``."""
    return TOKENIZERS.get(name)(**kwargs)


def run(options: RunOptions) -> RunResult:
    """Run one task with one tokenizer: summary, run folder and exit code."""
    from benchmarks.runner import run as run_options

    return run_options(options)


def expand_sweep(options: RunOptions) -> list[RunOptions]:
    """One options per sweep point (``[options]`` when it asks for no sweep)."""
    from benchmarks.runner.sweep import expand_sweep as expand

    return expand(options)


def __getattr__(name: str) -> Any:
    """``RunOptions`` and ``RunResult`` on first use (PEP 562), so ``import benchmarks``
    stays light."""
    if name in ("RunOptions", "RunResult"):
        from benchmarks.runner import options

        return getattr(options, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evaluate(
    task: str,
    tokenizer: str | VideoTokenizer,
    *,
    data_root: str | Path | None = None,
    output: str | Path | None = None,
    run_name: str | None = None,
    limit: int | None = None,
    seed: int = 0,
    tokenizer_args: dict[str, Any] | None = None,
    device: str | None = None,
    batch_size: int | None = None,
    resume: bool = True,
    strict: bool = False,
    include_paths: list[str] | None = None,
    progress: bool = True,
    **task_args: Any,
) -> dict[str, Any]:
    """Run ``task`` with ``tokenizer`` and return the summary (also written to disk).

    Args:
        task: a task name (``list_tasks()``).
        tokenizer: a registered name or a ready ``VideoTokenizer`` instance.
        data_root: the dataset in its official layout; ``None`` runs the bundled demo set.
        output: results folder (default ``results/runs``).
        run_name: run folder under ``<output>/<task>/`` (default: tokenizer name plus a
            short hash of ``tokenizer_args`` when there are any).
        limit: score only the first ``limit`` samples (sorted by id).
        seed: seeds torch before each sample (per-sample seeds derive from it).
        tokenizer_args: keyword arguments for the tokenizer factory.
        **task_args: overrides of task YAML keys (``frames_per_clip=16``, ...).

    Returns:
        The summary as written to ``summary.json`` (:meth:`RunSummary.to_dict
        <benchmarks.store.RunSummary.to_dict>`): ``metrics`` (name → mean),
        ``metrics_ci95``, ``unavailable`` (name → reason), ``n_samples``, ``n_failed``,
        config and provenance. :func:`run` gives the typed :class:`RunSummary`.
    """
    from benchmarks.runner.options import RunOptions

    # every RunOptions field by keyword (a call alike in shape to loader.py's DataLoader one)
    opts = RunOptions(
        task=task,
        tokenizer=tokenizer,
        tokenizer_args=dict(tokenizer_args or {}),
        task_args=task_args,
        data_root=data_root,
        output=output,
        run_name=run_name,
        limit=limit,
        seed=seed,
        device=device,
        batch_size=batch_size,
        resume=resume,
        strict=strict,
        include_paths=list(include_paths or []),
        progress=progress,
    )
    return run(opts).summary.to_dict()
