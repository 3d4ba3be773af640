"""``python -m benchmarks.ablations``: the paper's ablation Tables 6, 9, 10 at demo scale.

For each ablation variant a table names (``benchmarks/reporting/paper/tables.yaml``, rows
``ablation-<variant>``), train PyraTok from scratch with ``python -m pyratok.train
--config configs/pyratok_demo.yaml --ablation <variant>`` on a small budget, run the
table's tasks on their demo sets with that checkpoint (run name ``ablation-<variant>``),
then write Tables 6, 9, 10 with the paper's rows beside these, labelled demo-scale.

The demo config's schedule (autoencoder warm-up, quantizer ramp, alignment start) is
scaled by the same fraction as the step budget, so a short run still passes through
every phase. Numbers from a few minutes of CPU training are a check that the switches
work and move the metrics, not the paper's result.

    python -m benchmarks.ablations --tables 6 --steps 200 --minutes 5 --limit 8
    python -m benchmarks.ablations --variants no_drift,full --steps 2 --tasks coco --limit 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.io.jsonfile import SMALL_BYTES, dumps, read_json
from benchmarks.reporting.paper import paper_table_text
from benchmarks.reporting.paper.build import ABLATIONS_FILE, TABLES
from benchmarks.reporting.paper.spec import load_specs

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / "configs" / "pyratok_demo.yaml"
ABLATION_TABLES = (6, 9, 10)
PREFIX = "ablation-"
# the demo config's schedule keys, scaled with the step budget
SCHEDULE_KEYS = ("ae_warmup_steps", "quant_ramp_steps", "align_start_step", "align_ramp_steps")


def table_variants(tables: list[int]) -> dict[str, list[int]]:
    """Variant name → the ablation tables that show it (from the rows of the mapping)."""
    specs = load_specs()
    out: dict[str, list[int]] = {}
    for n in tables:
        for match in specs[n].rows.values():
            run = match.get("run", "")
            if run.startswith(PREFIX):
                out.setdefault(run.removeprefix(PREFIX), []).append(n)
    return out


def schedule(steps: int, config: Path = DEMO_CONFIG) -> dict[str, int]:
    """The config's schedule scaled from its ``steps`` to ``steps`` (each phase >= 1 step)."""
    flat = yaml.safe_load(config.read_text()) or {}
    full = int(flat.get("steps", steps)) or steps
    out = {k: max(1, round(int(flat[k]) * steps / full)) for k in SCHEDULE_KEYS if k in flat}
    out["lr_warmup_steps"] = max(1, min(50, steps // 10))
    out["log_every"] = max(1, steps // 4)
    return out


def train_variant(variant: str, run_dir: Path, *, steps: int, minutes: float,
                  extra: list[str], progress: bool) -> dict[str, Any]:
    """Train one variant with pyratok.train (a subprocess: its own threads and memory)."""
    sets = {"steps": steps, "time_budget_minutes": minutes, "checkpoint_minutes": 1e6,
            **schedule(steps)}
    cmd = [sys.executable, "-m", "pyratok.train", "--config", str(DEMO_CONFIG),
           "--run-dir", str(run_dir)]
    if variant != "full":
        cmd += ["--ablation", variant]
    for key, value in sets.items():
        cmd += ["--set", f"{key}={value}"]
    for item in extra:
        cmd += ["--set", item]
    if not progress:
        cmd.append("--no-progress")
    start = time.time()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"training {variant} failed ({done.returncode}): {tail[0]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"steps": int(result["step"]), "minutes": round((time.time() - start) / 60, 2),
            "checkpoint": str(run_dir / "final")}


def run_tasks(variant: str, checkpoint: str, tasks: list[str], *, runs: Path,
              limit: int | None, progress: bool) -> dict[str, str]:
    """Every task on its demo set with the variant's checkpoint; task → outcome."""
    import benchmarks
    from benchmarks.config import discover_tasks

    known = discover_tasks()
    outcome = {}
    for task in tasks:
        if task not in known:
            outcome[task] = "not implemented (no such task yet)"
            continue
        summary = benchmarks.evaluate(task, "pyratok", tokenizer_args={"path": checkpoint},
                                      run_name=PREFIX + variant, output=runs, limit=limit,
                                      progress=progress)
        outcome[task] = f"{summary['n_samples']} scored"
    return outcome


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ablations", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tables", default="6,9,10", help="ablation tables (default: 6,9,10)")
    p.add_argument("--variants", help="only these variants, comma-separated (default: "
                   "every variant the tables name), e.g. no_drift,full")
    p.add_argument("--tasks", help="only these tasks, comma-separated (default: each "
                   "table's tasks)")
    p.add_argument("--steps", type=int, default=60,
                   help="training steps per variant (default: %(default)s; the bundled "
                   "checkpoint took 8000)")
    p.add_argument("--minutes", type=float, default=3.0,
                   help="wall-clock budget per variant's training (default: %(default)s)")
    p.add_argument("--limit", type=int, default=4,
                   help="samples per task (default: %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra pyratok.train override for every variant, e.g. size=32")
    p.add_argument("--out", default="results/ablations",
                   help="checkpoints/, runs/ and table<N>.md go here (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        tables = [int(t) for t in args.tables.split(",")]
    except ValueError:
        tables = []
    if not tables or any(t not in ABLATION_TABLES for t in tables):
        print(f"error: --tables {args.tables!r}: expected some of 6,9,10", file=sys.stderr)
        return 2
    if args.steps < 1 or args.minutes <= 0:
        print("error: --steps must be >= 1 and --minutes > 0", file=sys.stderr)
        return 2
    specs = load_specs()
    variants = table_variants(tables)
    if args.variants:
        wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
        unknown = [v for v in wanted if v not in variants]
        if unknown:
            print(f"error: --variants {unknown}: not in Tables {tables}; known: "
                  f"{sorted(variants)}", file=sys.stderr)
            return 2
        variants = {v: variants[v] for v in wanted}
    out = Path(args.out).expanduser()
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    record_path = runs / ABLATIONS_FILE
    record = read_json(record_path, max_bytes=SMALL_BYTES) if record_path.is_file() else {}
    record["_budget"] = {"steps": args.steps, "minutes": args.minutes, "limit": args.limit,
                         **({"set": " ".join(args.set)} if args.set else {})}
    only_tasks = [t.strip() for t in args.tasks.split(",")] if args.tasks else None
    for i, (variant, shown_in) in enumerate(sorted(variants.items()), 1):
        tasks = list(dict.fromkeys(t for n in shown_in for t in specs[n].tasks))
        if only_tasks is not None:
            tasks = [t for t in tasks if t in only_tasks]
        print(f"[{i}/{len(variants)}] {variant}: training {args.steps} steps "
              f"(<= {args.minutes} min), then {', '.join(tasks) or 'no task'}", flush=True)
        info = train_variant(variant, out / "checkpoints" / variant, steps=args.steps,
                             minutes=args.minutes, extra=args.set,
                             progress=not args.no_progress)
        info["tasks"] = run_tasks(variant, info["checkpoint"], tasks, runs=runs,
                                  limit=args.limit, progress=not args.no_progress)
        record[variant] = info
        record_path.write_text(dumps(record, indent=2) + "\n")
    from benchmarks.reporting.tables import load_summaries

    summaries = load_summaries(runs)
    for n in tables:
        assert n in TABLES
        path = out / f"table{n}.md"
        path.write_text(paper_table_text(n, summaries, runs=runs) + "\n")
        print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
