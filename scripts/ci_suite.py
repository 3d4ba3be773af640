"""CI's demo suite: every task with a demo set, a few samples each, checked against a baseline.

    python scripts/ci_suite.py [--out DIR] [--baseline results/baselines/demo.json] [--update]

Runs each entry of ``SUITE`` with its tokenizer (mostly the bundled ``pyratok``
checkpoint) on its demo set into ``DIR`` (default: a temporary folder), then ``python -m
benchmarks check`` against the committed baseline (tolerances in the baseline file). A new
task family with a demo set gets one line in ``SUITE``, then ``--update`` once to record its
values. Tasks with a demo set that the suite does not run are listed at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (task, --limit, tokenizer, task args): the one list to extend. Limits keep the whole suite
# to a few CPU minutes. Generation uses the real-copy generator and T2V the noise one (the
# trained `ar` / `ar-text` ones take minutes to train on first use); compression runs a
# codec (its rate search and bitstream).
SUITE: list[tuple[str, int, str, dict]] = [
    ("webvid", 2, "pyratok", {}),
    ("coco", 3, "pyratok", {}),
    ("kinetics400", 12, "pyratok", {}),
    ("thumos14", 4, "pyratok", {}),
    ("activitynet", 3, "pyratok", {}),
    ("ytvis2021", 2, "pyratok", {}),
    ("mvbench", 6, "pyratok", {}),
    ("mcl-jcv", 1, "hevc", {}),
    ("tokenbench", 4, "pyratok", {}),
    ("ucf101-gfvd", 8, "pyratok", {"generator": "real-copy"}),
    ("t2v-webvid", 8, "pyratok", {"generator": "noise"}),
]


def main() -> int:
    from benchmarks.reporting.check import run_check
    from benchmarks.runner import RunOptions, run

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", help="runs folder (default: a temporary one)")
    p.add_argument("--baseline", default=str(ROOT / "results/baselines/demo.json"))
    p.add_argument("--update", action="store_true", help="rewrite the baseline")
    args = p.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="ci-suite-"))
    total = time.perf_counter()
    for task, limit, tokenizer, task_args in SUITE:
        start = time.perf_counter()
        result = run(RunOptions(task=task, tokenizer=tokenizer, task_args=dict(task_args),
                                limit=limit, output=out, resume=False, progress=False,
                                device="cpu"))
        print(f"ci-suite: {task} ({limit} samples) exit {result.exit_code} in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        if result.exit_code:
            return result.exit_code
    print(f"ci-suite: {len(SUITE)} runs in {time.perf_counter() - total:.1f} s ({out})")
    code, text = run_check(Path(args.baseline), out, update=args.update)
    print(text)
    _uncovered()
    return code


def _uncovered() -> None:
    from benchmarks.config import task_files
    from benchmarks.datasets.demo import DEMO_DATASETS

    tasks = task_files()
    ran = {entry[0] for entry in SUITE}
    families = {tasks[t].raw.get("family") for t in ran}
    for name, task in sorted(tasks.items()):
        raw = task.raw
        if raw.get("dataset") in DEMO_DATASETS and raw.get("family") not in families:
            print(f"ci-suite: family {raw.get('family')!r} (task {name}) has a demo set but "
                  "is not in SUITE: add it to scripts/ci_suite.py")


if __name__ == "__main__":
    raise SystemExit(main())
