"""How a run's cost grows with its size, and a ``--shard i/N`` job array merged.

Clips: demo-style 17 × 64 × 64 clips in the WebVid layout
(:mod:`benchmarks.perf.webvid_clips`, held-out seeds from 10,000,000), scored at their own
size (``resize_shorter=64``, ``crop=64``: at the task's 256² the upsampling and the
metrics would hide the harness), decoded in the run's process (``--num-workers 0``, so the
peak RSS measured is the whole run's at every size, and the 8-clip and larger runs take
the same path: the runner starts decode workers from 32 clips).

- Time per clip and peak RSS of an ``identity`` run of 8, 64 and 512 clips, each size its
  own process (:mod:`benchmarks.perf.timed_run`): an untimed one-clip run first, so
  start-up and first calls are left out, then the run repeated within ``CLIP_BUDGET``
  clips (8 clips × 5, 64 × 2, 512 × 1). The process's wall time, start-up included, and
  its CPU seconds per clip are in ``extra``. Goals: time per clip and peak RSS at most
  10 % above the 8-clip run's.
- 64 of the clips with ``avgpool`` (a finite PSNR that differs per clip, so equal
  summaries mean the same records were averaged the same way): one process, then 4
  ``--shard i/4`` processes and ``merge``, each warmed up the same way; the merged
  summary's metrics and CIs must equal the one-process run's exactly (gap 0).

Quick: 4 clips, in this process (no RSS), one run, 2 shards and ``merge``.
Full: 6–8 minutes on 2 cores shared with other jobs (load average 9–16), most of it the
9 processes' start-up (about 20 s each there); the sizes were chosen to fit 10 minutes.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from benchmarks.perf.case import Case, Goal, PerfContext, Row
from benchmarks.perf.measure import ChildRun, Timing, run_child
from benchmarks.perf.timed_run import TimedRun, parse
from benchmarks.perf.webvid_clips import subset, write_clips

SIZES = (8, 64, 512)
SHARD_CLIPS, SHARDS = 64, 4
QUICK_CLIPS, QUICK_SHARDS = 4, 2
CLIP_BUDGET = 128  # clips a size's repetitions may score: 8 clips × 5, 64 × 2, 512 × 1
FLAT = 1.1  # time per clip and peak RSS: at most 10 % above the 8-clip run's
CHILD_LIMIT_S = 600


def _run_args(root: Path, output: Path, tokenizer: str, *extra: str) -> list[str]:
    return ["run", "--task", "webvid", "--tokenizer", tokenizer, "--data-root", str(root),
            "--output", str(output), "--no-progress", "--num-workers", "0", "--no-resume",
            "--task-arg", "resize_shorter=64", "--task-arg", "crop=64", *extra]


def _timed_child(warm: list[str] | None, timed: list[str],
                 repeats: int = 1) -> tuple[ChildRun, list[TimedRun]]:
    """``timed`` run ``repeats`` times in one process after ``warm``; its peak RSS and
    each repetition's in-process times."""
    import json

    command = json.dumps({"warm": warm, "timed": timed, "repeats": repeats})
    child = run_child([sys.executable, "-m", "benchmarks.perf.timed_run", command],
                      time_limit_s=CHILD_LIMIT_S)
    runs = parse(child.stderr)
    if child.code != 0 or len(runs) != repeats or any(r.code != 0 for r in runs):
        tail = "\n".join(child.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"scale: {timed[:1]} exited {child.code}:\n{tail}")
    return child, runs


def summary_gap(a: Path, b: Path) -> float:
    """Largest absolute difference between two runs' metrics and their 95 % CIs, latency
    (``*_ms``) aside; ``0.0`` where equal (``inf == inf`` included), ``inf`` where a metric
    is in one only, undefined in one only, or the runs scored different samples."""
    from benchmarks.store import RunSummary

    first, second = RunSummary.read(a / "summary.json"), RunSummary.read(b / "summary.json")
    if first.evaluated_ids != second.evaluated_ids:
        return math.inf
    gap = 0.0
    for one, two in ((first.metrics, second.metrics),
                     (first.metrics_ci95, second.metrics_ci95)):
        for key in (set(one) | set(two)) - {k for k in set(one) | set(two) if k.endswith("_ms")}:
            x, y = one.get(key), two.get(key)
            if x is None or y is None:
                return math.inf
            if x == y or (math.isnan(x) and math.isnan(y)):
                continue
            diff = abs(x - y)
            gap = max(gap, math.inf if math.isnan(diff) else diff)
    return gap


def _clips(workdir: Path, sizes: tuple[int, ...]) -> dict[int, Path]:
    """A WebVid folder per size: the largest written, the others hard-linked from it."""
    largest = workdir / f"clips-{max(sizes)}"
    rows = write_clips(largest, max(sizes))
    roots = {max(sizes): largest}
    for size in sizes:
        if size != max(sizes):
            roots[size] = workdir / f"clips-{size}"
            subset(largest, rows[:size], roots[size])
    return roots


def _size_rows(workdir: Path, roots: dict[int, Path], repeats: int) -> list[Row]:
    measured: dict[int, tuple[ChildRun, list[TimedRun]]] = {}
    for size in SIZES:
        warm = _run_args(roots[size], workdir / "warm", "identity", "--limit", "1")
        timed = _run_args(roots[size], workdir / f"runs-{size}", "identity")
        measured[size] = _timed_child(warm, timed, max(1, min(repeats, CLIP_BUDGET // size)))
    per_clip = {n: Timing(tuple(r.wall_s / n for r in runs)) for n, (_, runs) in measured.items()}
    rss = {n: child.peak_rss_mib for n, (child, _) in measured.items()}
    base = SIZES[0]
    rows = []
    for size in SIZES:
        child, runs = measured[size]
        extra = {"clips": size, "repeats": len(runs), "peak_rss_mib": round(rss[size], 1),
                 "cpu_s_per_clip": min(r.cpu_s for r in runs) / size,
                 "process_wall_s": round(child.seconds, 2)}
        time_row = (per_clip[size].median, "s per clip", None) if size == base else (
            per_clip[size].median / per_clip[base].median, f"× per clip at {base}",
            Goal("<=", FLAT))
        rows.append(Row(f"scale-time-{size}", f"identity run, time per clip, {size} clips",
                        "run, start-up excluded", "", per_clip[size], None, time_row[0],
                        time_row[1], time_row[2], extra=extra))
        rss_row = (rss[size], "MiB", None) if size == base else (
            rss[size] / rss[base], f"× peak RSS at {base}", Goal("<=", FLAT))
        rows.append(Row(f"scale-rss-{size}", f"identity run, peak RSS, {size} clips",
                        "run process (VmHWM)", "", None, None, rss_row[0], rss_row[1],
                        rss_row[2], extra=extra))
    return rows


def _shard_row(workdir: Path, root: Path, clips: int, shards: int, quick: bool) -> Row:
    """One ``avgpool`` process vs ``shards`` shard processes and ``merge``."""
    single_out, sharded_out = workdir / "single", workdir / "sharded"
    run_dir = sharded_out / "webvid" / "avgpool"
    single = _run_args(root, single_out, "avgpool")
    parts = [_run_args(root, sharded_out, "avgpool", "--shard", f"{i}/{shards}")
             for i in range(shards)]
    merge = ["merge", str(run_dir), "--device", "cpu"]
    if quick:  # in this process: the times of a quick run mean nothing
        times = [_in_process(args) for args in (single, *parts, merge)]
        peak = {}
    else:
        warm = _run_args(root, workdir / "warm", "avgpool", "--limit", "1")
        children = [_timed_child(warm, args) for args in (single, *parts, merge)]
        times = [runs[0].wall_s for _, runs in children]
        peak = {"peak_rss_mib_single": round(children[0][0].peak_rss_mib, 1),
                "peak_rss_mib_shard_max": round(max(c.peak_rss_mib for c, _ in children[1:-1]),
                                                1),
                "peak_rss_mib_merge": round(children[-1][0].peak_rss_mib, 1),
                "shard_s": ", ".join(f"{t:.2f}" for t in times[1:-1]),
                "merge_s": round(times[-1], 2),
                "process_wall_s_total": round(sum(c.seconds for c, _ in children[1:]), 2),
                "process_wall_s_single": round(children[0][0].seconds, 2)}
    total = sum(times[1:])
    return Row("scale-shards", f"avgpool run of {clips} clips as {shards} shards + merge",
               f"{shards} shards + merge", "one process", Timing((total,)), Timing((times[0],)),
               total / times[0], "× one process", None,
               gap=summary_gap(single_out / "webvid" / "avgpool", run_dir), tolerance=0.0,
               note="merged summary vs one process: every metric and CI, latency aside",
               extra={"clips": clips, "shards": shards, **peak})


def _in_process(args: list[str]) -> float:
    from benchmarks.cli import main

    start = time.perf_counter()
    code = main(args)
    if code != 0:
        raise RuntimeError(f"scale: {args[:1]} exited {code}")
    return time.perf_counter() - start


def run(ctx: PerfContext) -> list[Row]:
    if ctx.quick:
        root = ctx.workdir / "clips"
        write_clips(root, QUICK_CLIPS)
        return [_shard_row(ctx.workdir, root, QUICK_CLIPS, QUICK_SHARDS, quick=True)]
    roots = _clips(ctx.workdir, SIZES)
    rows = _size_rows(ctx.workdir, roots, ctx.repeats)
    rows.append(_shard_row(ctx.workdir, roots[SHARD_CLIPS], SHARD_CLIPS, SHARDS, quick=False))
    return rows


CASE = Case(id="scale", order=80, run=run)
