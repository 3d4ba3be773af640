"""``python -m benchmarks report --runs DIR --out site/``: a static leaderboard folder.

``site/index.html`` (inline CSS and JS, no network, no server) with a sortable table per
task, each row linking to the run's config, summary and samples (copied under
``site/runs/``), the PNGs the runs wrote, and codebook utilization vs resolution as the
paper's Fig. 29, measured at demo scale with the bundled PyraTok checkpoint.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from benchmarks.io.output import output_folder
from benchmarks.reporting.site.collect import RunEntry, collect
from benchmarks.reporting.site.page import render

log = logging.getLogger("benchmarks")


def _utilization(site: Path, sizes: tuple[int, ...] | None,
                 clips: int) -> tuple[str | None, str]:
    from benchmarks.reporting.site import utilization

    try:
        png = utilization.write(site / "plots", sizes or utilization.DEFAULT_SIZES,
                                clips=clips)
    except Exception as err:  # the page is still useful without it; it says why
        return None, (f"could not encode demo clips with the bundled PyraTok checkpoint "
                      f"({type(err).__name__}: {err})")
    caption = ("Distinct codewords used / vocabulary, bundled demo checkpoint (trained on "
               "64² clips), held-out procedural clips rendered at each size; demo scale, "
               "not the paper's 240p–4320p measurement. Data: plots/utilization.json")
    return png.relative_to(site).as_posix(), caption


def build_site(
    runs: Path,
    out: Path,
    *,
    utilization: bool = True,
    utilization_sizes: tuple[int, ...] | None = None,
    utilization_clips: int = 4,
    include_paths: list[str] | None = None,
) -> Path:
    """Write the leaderboard folder ``out``; returns ``out/index.html``."""
    from benchmarks.reporting.tables import load_summaries, none_readable
    from benchmarks.reporting.task_args import protocol_labels

    if not runs.is_dir():
        raise FileNotFoundError(f"--runs {runs}: no such folder")
    summaries, unreadable = load_summaries(runs, skipped=True)
    if unreadable and not summaries:
        raise ValueError(none_readable(runs, unreadable))
    for path, reason in unreadable:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if not summaries:
        raise FileNotFoundError(f"--runs {runs}: no <task>/<run>/summary.json under it")
    if out.resolve() == runs.resolve() or runs.resolve() in out.resolve().parents:
        raise ValueError(f"--out {out}: must not be inside --runs {runs}")
    output_folder(out, option="--out")
    if (out / "index.html").is_file() and (out / "runs").is_dir():
        shutil.rmtree(out / "runs")  # an earlier build of this site: no stale runs
    entries = collect(runs, out, summaries,
                      protocol_labels(summaries, include_paths=include_paths))
    by_task: dict[str, list[RunEntry]] = {}
    # runs under other task arguments after the task's own, grouped by those arguments
    for e in sorted(entries, key=lambda e: (e.task, e.protocol, e.name)):
        by_task.setdefault(e.task, []).append(e)
    util = (_utilization(out, utilization_sizes, utilization_clips) if utilization
            else (None, "not computed (--no-utilization)"))
    index = out / "index.html"
    index.write_text(render(by_task, runs_label=str(runs), utilization=util),
                     encoding="utf-8")
    return index


__all__ = ["build_site"]
