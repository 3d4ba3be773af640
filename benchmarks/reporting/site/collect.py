"""Gather what the leaderboard page shows from a folder of runs, copying it into the site.

Each run's ``summary.json``, ``config.json``, ``samples.jsonl`` (and ``failures.jsonl``)
and every PNG it wrote (TAL trajectories, reconstruction examples, RD curves, mask
overlays: whatever a family saves) are copied to ``<site>/runs/<task>/<run>/`` so the
folder stands alone: links are relative, nothing points back at the runs folder.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.store import RunSummary

COPIED = ("summary.json", "config.json", "samples.jsonl", "failures.jsonl")
log = logging.getLogger("benchmarks")
SKIP_DIRS = {"arrays"}  # per-sample arrays: large, not for a page


@dataclass
class RunEntry:
    """One run on the page; paths are relative to the site folder."""

    summary: RunSummary
    folder: str  # runs/<task>/<run>
    files: dict[str, str] = field(default_factory=dict)  # name -> relative path
    plots: list[str] = field(default_factory=list)
    protocol: str = ""  # task arguments other than the task's (reporting/task_args.py)

    @property
    def task(self) -> str:
        return self.summary.task

    @property
    def name(self) -> str:
        return self.summary.label


def _pngs(run_dir: Path) -> list[Path]:
    found = []
    for path in sorted(run_dir.rglob("*.png")):
        if not SKIP_DIRS & set(path.relative_to(run_dir).parts[:-1]):
            found.append(path)
    return found


def collect(runs: Path, site: Path, summaries: list[RunSummary],
            protocols: list[str] | None = None) -> list[RunEntry]:
    """Copy each summary's run folder contents into ``site``; one entry per run
    (``protocols``: each run's task arguments, :func:`~.task_args.protocol_labels`)."""
    entries = []
    for s, protocol in zip(summaries, protocols or [""] * len(summaries), strict=True):
        run_dir = runs / s.task / s.run_name
        if not run_dir.is_dir():  # a folder renamed after its run: the summary alone
            log.warning("%s: no run folder %s; its files are not on the page", s.task,
                        run_dir)
        rel = Path("runs") / s.task / s.run_name
        dest = site / rel
        dest.mkdir(parents=True, exist_ok=True)
        entry = RunEntry(summary=s, folder=rel.as_posix(), protocol=protocol)
        for name in COPIED:
            src = run_dir / name
            if src.is_file():
                shutil.copy2(src, dest / name)
                entry.files[name] = (rel / name).as_posix()
        for png in _pngs(run_dir):
            target = dest / png.relative_to(run_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(png, target)
            entry.plots.append((rel / png.relative_to(run_dir)).as_posix())
        entries.append(entry)
    return entries
