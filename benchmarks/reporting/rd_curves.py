"""``python -m benchmarks rd``: rate–distortion curves of sweep runs, a plot, BD-rate.

Runs of one task are put on curves by run name (the part before ``@``, see
:mod:`benchmarks.runner.sweep`): ``hevc@target_bpp=0.02``, ``hevc@target_bpp=0.034`` …
are the points of curve ``hevc``. A point's rate is the run's mean ``bpp`` (codecs) or
``bpp_tokens`` (learned tokenizers), its quality the mean ``psnr_y``; both are means over
the same sequences.

BD-rate / BD-PSNR (:mod:`benchmarks.metrics.bd_rate`) of every curve against the anchor
are given two ways: per sequence and then averaged over the sequences (how the JVET/VCEG
common test conditions report them), and on the mean curves. Written to ``--out``
(default ``<runs>/<task>/rd``): ``rd_table.md`` / ``.csv`` (every point), ``bd.md`` /
``.csv``, ``rd_<quality>.png`` and ``rd.json``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.config import ConfigError
from benchmarks.io.jsonfile import dumps
from benchmarks.io.output import output_folder
from benchmarks.metrics.bd_rate import bd_psnr, bd_rate
from benchmarks.reporting.numbers import format_number
from benchmarks.runner.sweep import curve_name
from benchmarks.store import RunSummary, SummaryError

TABLE_METRICS = ("bpp", "bpp_tokens", "bpp_entropy", "psnr_y", "psnr", "ssim", "lpips")


@dataclass
class Point:
    run: str
    rate: float
    quality: float
    metrics: dict[str, Any]
    sequences: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class Curve:
    name: str
    rate_metric: str
    points: list[Point]


def _summaries(runs: Path, task: str) -> list[RunSummary]:
    paths = sorted({*runs.glob(f"{task}/*/summary.json"), *runs.glob("*/summary.json")})
    out = []
    for path in paths:
        try:
            summary = RunSummary.read(path)
        except SummaryError:
            continue
        if summary.task == task:
            out.append(summary)
    return out


def _rate_metric(summary: RunSummary, rate: str) -> str | None:
    metrics = summary.metrics
    if rate != "auto":
        return rate if metrics.get(rate) is not None else None
    for name in ("bpp", "bpp_tokens"):
        if metrics.get(name) is not None:
            return name
    return None


def collect(task: str, runs: Path, *, rate: str = "auto", quality: str = "psnr_y") -> list[Curve]:
    """The task's runs under ``runs`` as curves, points sorted by rate."""
    if not runs.is_dir():
        raise ConfigError(f"--runs {runs}: no such folder")
    summaries = _summaries(runs, task)
    if not summaries:
        raise ConfigError(f"--runs {runs}: no summary.json of task {task!r} under it")
    curves: dict[str, Curve] = {}
    for s in summaries:
        metric = _rate_metric(s, rate)
        q = s.metrics.get(quality)
        if metric is None or q is None:
            continue
        name = curve_name(s.run_name)
        curve = curves.setdefault(name, Curve(name, metric, []))
        if curve.rate_metric != metric:
            raise ConfigError(f"curve {name!r} mixes rate metrics {curve.rate_metric} and {metric}")
        sequences = {}
        for seq, values in s.groups.items():
            if values.get(metric) is not None and values.get(quality) is not None:
                sequences[seq] = (float(values[metric]), float(values[quality]))
        curve.points.append(Point(s.run_name, float(s.metrics[metric]), float(q),
                                  dict(s.metrics), sequences))
    if not curves:
        raise ConfigError(f"--runs {runs}: no run of {task!r} reports a rate and {quality}")
    for curve in curves.values():
        curve.points.sort(key=lambda p: p.rate)
    return sorted(curves.values(), key=lambda c: c.name)


def _bd(anchor: list[tuple[float, float]], test: list[tuple[float, float]]) -> tuple[float, float]:
    ar, aq = zip(*anchor, strict=True)
    tr, tq = zip(*test, strict=True)
    return bd_rate(ar, aq, tr, tq), bd_psnr(ar, aq, tr, tq)


def bd_rows(curves: list[Curve], anchor: str) -> list[dict[str, Any]]:
    """BD-rate / BD-PSNR of every other curve against ``anchor``."""
    by_name = {c.name: c for c in curves}
    if anchor not in by_name:
        raise ConfigError(f"--anchor {anchor!r}: no such curve (curves: {', '.join(by_name)})")
    base = by_name[anchor]
    rows = []
    for curve in curves:
        if curve.name == anchor:
            continue
        row: dict[str, Any] = {"curve": curve.name, "anchor": anchor, "points": len(curve.points)}
        try:
            row["bd_rate_mean_curve"], row["bd_psnr_mean_curve"] = _bd(
                [(p.rate, p.quality) for p in base.points],
                [(p.rate, p.quality) for p in curve.points],
            )
        except ValueError as err:
            row["bd_rate_mean_curve"] = row["bd_psnr_mean_curve"] = None
            row["note"] = str(err)
        per_seq: dict[str, dict[str, float | None]] = {}
        shared = set.intersection(*(set(p.sequences) for p in base.points + curve.points))
        for seq in sorted(shared):
            try:
                r, q = _bd([p.sequences[seq] for p in base.points],
                           [p.sequences[seq] for p in curve.points])
                per_seq[seq] = {"bd_rate": r, "bd_psnr": q}
            except ValueError as err:
                per_seq[seq] = {"bd_rate": None, "bd_psnr": None, "note": str(err)}
        rates = [v["bd_rate"] for v in per_seq.values() if v["bd_rate"] is not None]
        psnrs = [v["bd_psnr"] for v in per_seq.values() if v["bd_psnr"] is not None]
        row["bd_rate"] = sum(rates) / len(rates) if rates else None
        row["bd_psnr"] = sum(psnrs) / len(psnrs) if psnrs else None
        row["sequences"] = len(rates)
        row["per_sequence"] = per_seq
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    """A float or a missing value as a number, anything else (a count, a name) as is."""
    return format_number(value) if value is None or isinstance(value, float) else str(value)


def _plot(curves: list[Curve], path: Path, quality: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=120)
    for curve in curves:
        ax.plot([p.rate for p in curve.points], [p.quality for p in curve.points],
                marker="o", label=f"{curve.name} ({curve.rate_metric})")
    ax.set_xlabel("rate (bits per pixel)")
    ax.set_ylabel("PSNR-Y (dB)" if quality == "psnr_y" else quality)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_rd(
    task: str,
    *,
    runs: Path,
    anchor: str | None = None,
    out: Path | None = None,
    rate: str = "auto",
    quality: str = "psnr_y",
) -> str:
    """Write the RD table, BD table and plot; return the markdown report."""
    curves = collect(task, runs, rate=rate, quality=quality)
    anchor = anchor or curves[0].name
    rows = bd_rows(curves, anchor)
    demo = any(s.demo_data for s in _summaries(runs, task))
    out = out or (runs / task / "rd" if (runs / task).is_dir() else runs / "rd")
    output_folder(out, option="--out")
    tag = "  [DEMO DATA — not the real benchmark]" if demo else ""

    header = ["curve", "run", "rate_metric", *TABLE_METRICS]
    table = [[c.name, p.run, c.rate_metric, *(p.metrics.get(m) for m in TABLE_METRICS)]
             for c in curves for p in c.points]
    with (out / "rd_table.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *table])
    md = [f"# RD points, task {task}{tag}", "", "| " + " | ".join(header) + " |",
          "|" + "---|" * len(header)]
    md += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table]
    (out / "rd_table.md").write_text("\n".join(md) + "\n", encoding="utf-8")

    bd_header = ["curve", "anchor", "bd_rate_%", "bd_psnr_dB", "sequences",
                 "bd_rate_mean_curve_%", "bd_psnr_mean_curve_dB"]
    bd_table = [[r["curve"], r["anchor"], r["bd_rate"], r["bd_psnr"], r["sequences"],
                 r["bd_rate_mean_curve"], r["bd_psnr_mean_curve"]] for r in rows]
    with (out / "bd.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([bd_header, *bd_table])
    bd_md = [f"# BD-rate / BD-PSNR ({quality}) against {anchor}{tag}", "",
             "Bjøntegaard (VCEG-M33) with piecewise cubic (PCHIP) interpolation; bd_rate_% / "
             "bd_psnr_dB: per sequence, then the mean over sequences; *_mean_curve: on the "
             "curves of the means. Negative BD-rate: fewer bits than the anchor.", "",
             "| " + " | ".join(bd_header) + " |", "|" + "---|" * len(bd_header)]
    bd_md += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in bd_table]
    (out / "bd.md").write_text("\n".join(bd_md) + "\n", encoding="utf-8")

    plot = out / f"rd_{quality}.png"
    _plot(curves, plot, quality, f"{task}: {quality} vs rate{' (DEMO)' if demo else ''}")
    (out / "rd.json").write_text(dumps({
        "task": task, "anchor": anchor, "quality": quality, "demo_data": demo,
        "curves": [{"name": c.name, "rate_metric": c.rate_metric,
                    "points": [{"run": p.run, "rate": p.rate, "quality": p.quality}
                               for p in c.points]} for c in curves],
        "bd": rows,
    }, indent=2), encoding="utf-8")
    return "\n".join([*md, "", *bd_md, "", f"plot: {plot}", f"tables: {out}"])
