"""Harness overhead: an ``identity`` reconstruction run vs a bare decode + PSNR/SSIM loop.

Ours is the whole run as a user starts it from Python, ``benchmarks.evaluate("webvid",
"identity", data_root=..., resume=False)``: planning (task YAML, config hash, weights),
the run lock and config guard, decoding, the family's ``score`` (the [-1, 1] round trip,
the 25-frame latency pass, PSNR/SSIM, the example pictures), the store's per-sample
records and the summary. The reference is what a researcher would otherwise script: the
same reader and protocol (first 17 frames, 256×256), one clip after the other, PSNR of the
clip and the mean SSIM of its frames (the loop of the former tests/bench/test_bench_run.py:
the public ``clip_psnr`` and ``ssim`` on ``(t, c, h, w)`` frames and their copy; the run
compares channel-first clips without the copy, so its metric work per clip is smaller).
The run decodes the next clip in a thread while one is scored; the loop does not. Both run
in this process after one untimed round (imports and first-call costs are outside the
overhead rows; the start-up row measures them in a fresh process).

Clips: the 8-clip WebVid demo set, and a 64-clip set in the same layout made of the demo's
8 videos each copied 8 times under new ids (its first 8 are the demo's own), so the work
per clip is the same at both sizes and the per-clip row compares the harness, not the
content. Start-up: ``python -m benchmarks run ... -v`` in a child process, timed from just
before it is started to the run's debug line ``first batch decoded`` arriving on its
stderr (the runner logs it when the first clip comes out of the decoder); the reference
there is the floor every start-up pays, ``python -c "import torch, decord"``.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.perf.case import Case, Goal, PerfContext, Row
from benchmarks.perf.measure import Timing, interleave

TOLERANCE = 1e-6  # PSNR (dB) and SSIM: both sides compute them from the same frames
CLIPS_SMALL, CLIPS_LARGE, CLIPS_QUICK = 8, 64, 2
FIRST_BATCH = "first batch decoded"  # benchmarks.runner.execute's debug line
WEBVID_CSV = "results_10M_val.csv"


# data ---------------------------------------------------------------------------------------


def copied_webvid(demo: Path, out: Path, clips: int) -> Path:
    """A WebVid-layout set of ``clips`` videos at ``out``: the demo set's videos in turn,
    each under a new id (``1000000001`` …, pages of 50 as WebVid's), rows otherwise as the
    demo's. The first ``len(demo)`` are the demo set itself."""
    with (demo / WEBVID_CSV).open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    column = {name: i for i, name in enumerate(header)}
    written = []
    for k in range(clips):
        row = list(rows[k % len(rows)])
        source = demo / "videos" / row[column["page_dir"]] / f"{row[column['videoid']]}.mp4"
        first = 50 * (k // 50) + 1
        row[column["videoid"]] = f"{1_000_000_001 + k}"
        row[column["page_dir"]] = f"{first:06d}_{first + 49:06d}"
        target = out / "videos" / row[column["page_dir"]] / f"{row[column['videoid']]}.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(row)
    with (out / WEBVID_CSV).open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *written])
    return out


# the two sides ------------------------------------------------------------------------------


def bare_loop(root: Path, limit: int | None = None) -> dict[str, tuple[float, float]]:
    """Decode each clip, score it against its copy: sample id → (PSNR dB, mean SSIM)."""
    from benchmarks.datasets.webvid.reader import WebVidDataset
    from benchmarks.io.sampling import FrameSampling
    from benchmarks.metrics import clip_psnr, ssim

    dataset = WebVidDataset(root, sampling=FrameSampling())
    values = {}
    for ref in sorted(dataset.refs(), key=lambda r: r.sample_id)[:limit]:
        video = dataset.load(ref, num_frames=17).video  # (3, t, h, w) in [0, 1]
        frames = video.transpose(0, 1)[None]  # (1, t, 3, h, w)
        recon = frames.clone()
        values[ref.sample_id] = (float(clip_psnr(recon, frames)[0]),
                                 float(ssim(recon, frames).mean()))
    return values


def harness_run(root: Path, output: Path,
                limit: int | None = None) -> dict[str, tuple[float, float]]:
    """The identity run; sample id → (PSNR dB, SSIM) as its ``samples.jsonl`` records them."""
    import benchmarks
    from benchmarks.store import SAMPLES, RunRecord, read_jsonl

    summary = benchmarks.evaluate("webvid", "identity", data_root=root, output=output,
                                  limit=limit, resume=False, progress=False)
    if summary["n_failed"]:
        raise RuntimeError(f"the identity run failed {summary['n_failed']} clip(s)")
    records = map(RunRecord.from_dict, read_jsonl(output / "webvid" / "identity" / SAMPLES))
    return {r.sample_id: (r.metrics["psnr"], r.metrics["ssim"]) for r in records}


def gap(ours: dict[str, tuple[float, float]], reference: dict[str, tuple[float, float]]) -> float:
    """Largest absolute difference of PSNR or SSIM over the clips (equal infinities: 0);
    ``inf`` when the two sides scored different clips."""
    if ours.keys() != reference.keys():
        return math.inf
    diffs = [0.0 if a == b else abs(a - b)
             for sid in ours for a, b in zip(ours[sid], reference[sid], strict=True)]
    return max(diffs, default=0.0)


# start-up -----------------------------------------------------------------------------------


def seconds_to_line(argv: list[str], marker: str, *, time_limit_s: float = 300) -> float:
    """Seconds from starting ``argv`` to the first line of its stderr holding ``marker``
    (the child then runs to its end; killed past ``time_limit_s``); ``nan`` if it never
    prints it or exits non-zero."""
    start = time.perf_counter()
    seen = math.nan
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace") as child:
        deadline = threading.Timer(time_limit_s, child.kill)
        deadline.start()
        try:
            assert child.stderr is not None
            for line in child.stderr:
                if math.isnan(seen) and marker in line:
                    seen = time.perf_counter() - start
        finally:
            deadline.cancel()
    return seen if child.returncode == 0 else math.nan


def _startup_rows(demo: Path, workdir: Path, repeats: int) -> Row:
    run_argv = [sys.executable, "-m", "benchmarks", "run", "--task", "webvid", "--tokenizer",
                "identity", "--data-root", str(demo), "--output", str(workdir / "startup"),
                "--no-progress", "--no-resume", "--limit", "2", "-v"]
    floor_argv = [sys.executable, "-c", "import torch, decord"]
    startups, floors = [], []
    for _ in range(repeats):  # interleaved: one child of each in turn
        startups.append(seconds_to_line(run_argv, FIRST_BATCH))
        start = time.perf_counter()
        subprocess.run(floor_argv, check=True)
        floors.append(time.perf_counter() - start)
    ours, floor = Timing(tuple(startups)), Timing(tuple(floors))
    return Row("run-startup", "start-up to the first decoded clip, `python -m benchmarks run`",
               "identity run, fresh process", "python -c 'import torch, decord'",
               ours, floor, ours.median, "s", Goal("<=", 1.5),
               note="from starting the child to its 'first batch decoded' debug line")


# the case -----------------------------------------------------------------------------------


def _overhead_row(clips: int, root: Path, workdir: Path, repeats: int,
                  limit: int | None = None) -> Row:
    output = workdir / f"runs-{clips}"
    agreement = gap(harness_run(root, output, limit), bare_loop(root, limit))
    times = interleave({"run": lambda: harness_run(root, output, limit),
                        "bare": lambda: bare_loop(root, limit)}, repeats=repeats)
    goal = Goal("<=", 1.1 if clips >= CLIPS_LARGE else 1.2)
    return Row(f"run-{clips}", f"identity run, {clips} WebVid clips, vs a bare loop",
               "benchmarks.evaluate", "decode + clip_psnr + ssim loop",
               times["run"], times["bare"], times["run"].median / times["bare"].median,
               "× the bare loop", goal, gap=agreement, tolerance=TOLERANCE,
               note=f"min ratio {times['run'].min / times['bare'].min:.2f}")


def run(ctx: PerfContext) -> list[Row]:
    from benchmarks.datasets.demo import demo_root

    demo = demo_root("webvid")
    if ctx.quick:
        return [_overhead_row(CLIPS_QUICK, demo, ctx.workdir, ctx.repeats, limit=CLIPS_QUICK)]
    large = copied_webvid(demo, ctx.workdir / f"webvid-{CLIPS_LARGE}", CLIPS_LARGE)
    small_row = _overhead_row(CLIPS_SMALL, demo, ctx.workdir, ctx.repeats)
    large_row = _overhead_row(CLIPS_LARGE, large, ctx.workdir, ctx.repeats)
    small, big = small_row.ours_time, large_row.ours_time
    assert small is not None and big is not None
    per_clip = (big.median / CLIPS_LARGE) / (small.median / CLIPS_SMALL)
    per_clip_row = Row(
        "run-per-clip", f"time per clip, {CLIPS_LARGE} vs {CLIPS_SMALL} clips (flat: ± 10 %)",
        f"identity run, {CLIPS_LARGE} clips", f"identity run, {CLIPS_SMALL} clips", big, small,
        max(per_clip, 1 / per_clip), "× apart (larger / smaller)", Goal("<=", 1.1),
        note=f"{CLIPS_LARGE}-clip time per clip = {per_clip:.2f}× the {CLIPS_SMALL}-clip one "
             f"(min {(big.min / CLIPS_LARGE) / (small.min / CLIPS_SMALL):.2f}×)",
        extra={"per_clip_ratio": per_clip})
    return [small_row, large_row, per_clip_row,
            _startup_rows(demo, ctx.workdir, ctx.repeats)]


CASE = Case(id="run", order=10, run=run)
