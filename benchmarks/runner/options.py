"""What a run takes (``RunOptions``) and gives back (``RunResult``), and its exit codes.

Exit codes (``RunResult.exit_code``, also the CLI's):
    0  every sample on disk was scored (samples listed but absent on disk, a partial
       download, are counted once as ``n_missing`` with one warning line, not failures);
    1  the run finished, but one or more samples failed (see ``failures.jsonl``), or
       no sample was scored, or ``--strict`` and some listed samples are absent;
    2  bad usage: unknown task/tokenizer, bad task file or argument, missing data;
    3  ``--strict`` stopped the run at the first failure;
    130  interrupted (Ctrl-C): what was scored is saved, rerunning resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.tokenizers.base import VideoTokenizer

if TYPE_CHECKING:
    from benchmarks.runner.shards import ShardDone
    from benchmarks.store import RunSummary

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3
DEFAULT_OUTPUT = Path("results") / "runs"


class StrictStop(RuntimeError):
    """``--strict`` and a sample failed."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: what is saved, and where."""

    def __init__(self, run_dir: Path, saved: int, total: int) -> None:
        super().__init__(run_dir, saved, total)
        self.run_dir, self.saved, self.total = run_dir, saved, total

    def __str__(self) -> str:
        return (f"interrupted: {self.saved} of {self.total} samples are saved in "
                f"{self.run_dir}; rerun the same command to resume")


@dataclass
class RunOptions:
    """Everything a run depends on; see ``python -m benchmarks run --help``."""

    task: str
    tokenizer: str | VideoTokenizer
    tokenizer_args: dict[str, Any] = field(default_factory=dict)
    task_args: dict[str, Any] = field(default_factory=dict)
    data_root: str | Path | None = None
    output: str | Path | None = None
    run_name: str | None = None
    limit: int | None = None
    seed: int = 0
    device: str | None = None
    batch_size: int | None = None
    num_workers: int | None = None
    resume: bool = True
    strict: bool = False
    include_paths: list[str] = field(default_factory=list)
    progress: bool = True
    # (i, N): score only shard i of N of the samples (see benchmarks.runner.shards)
    shard: tuple[int, int] | None = None


@dataclass
class RunResult:
    """A finished run: its summary (what a ``--shard`` run holds, for a shard), its folder
    and its exit code."""

    summary: RunSummary | ShardDone
    run_dir: Path
    exit_code: int
