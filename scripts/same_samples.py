"""Are two folders of runs the same results, sample for sample and bit for bit?

    python scripts/same_samples.py RUNS_A RUNS_B

For every run ``<task>/<run name>/`` in ``RUNS_A``: the run of the same name in ``RUNS_B``
must hold the same sample ids, and per sample the same metrics, prediction, group and
padding (every float equal, not close), the same arrays (``arrays/*.npz``, every array
equal element for element, dtype and shape included), and the same summary metrics and
evaluated-id hash. Timings (metrics ending in ``_ms``, ``evaluation.latency``) are left
out: they are measurements of the machine, not results. Prints one line per difference and
exits 1 if there is any, 0 otherwise (a refactoring's check that every result is unchanged:
run the same demo runs before and after, e.g. ``scripts/ci_suite.py --out DIR``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_KEYS = ("metrics", "prediction", "group", "padded_frames")
# a non-finite metric as strict JSON writes it (benchmarks.io.jsonfile); older files hold
# bare NaN / Infinity: both read as the same float, and NaN equals NaN here
NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


class _Nan(float):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and other != other

    __hash__ = float.__hash__


def _timeless(metrics: dict[str, Any] | None) -> dict[str, Any]:
    out = {}
    for k, v in (metrics or {}).items():
        if k.endswith("_ms"):
            continue
        v = NON_FINITE.get(v, v) if isinstance(v, str) else v
        out[k] = _Nan("nan") if isinstance(v, float) and v != v else v
    return out


def _records(run: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[record["sample_id"]] = record
    return out


def _same_arrays(a: Path, b: Path) -> str | None:
    with np.load(a) as left, np.load(b) as right:
        if sorted(left.files) != sorted(right.files):
            return f"array names {sorted(left.files)} vs {sorted(right.files)}"
        for name in left.files:
            x, y = left[name], right[name]
            if x.dtype != y.dtype or x.shape != y.shape or not np.array_equal(x, y,
                                                                              equal_nan=True):
                return f"array {name!r} differs"
    return None


def compare_run(a: Path, b: Path) -> list[str]:
    """The differences between run folders ``a`` and ``b`` (empty: the same results)."""
    problems: list[str] = []
    left, right = _records(a), _records(b)
    if set(left) != set(right):
        only = sorted(set(left) ^ set(right))[:5]
        return [f"sample ids differ (e.g. {only})"]
    for sid in sorted(left):
        x, y = left[sid], right[sid]
        for key in SAMPLE_KEYS:
            vx, vy = x.get(key), y.get(key)
            if key == "metrics":
                vx, vy = _timeless(vx), _timeless(vy)
            if vx != vy:
                problems.append(f"{sid}: {key} {vx!r:.80} vs {vy!r:.80}")
        if bool(x.get("arrays")) != bool(y.get("arrays")):
            problems.append(f"{sid}: arrays in one run only")
        elif x.get("arrays"):
            why = _same_arrays(a / x["arrays"], b / y["arrays"])
            if why:
                problems.append(f"{sid}: {why}")
    sa = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    sb = json.loads((b / "summary.json").read_text(encoding="utf-8"))
    if _timeless(sa["metrics"]) != _timeless(sb["metrics"]):
        problems.append(f"summary metrics {_timeless(sa['metrics'])} vs "
                        f"{_timeless(sb['metrics'])}")
    if sa["evaluated_ids"]["sha256"] != sb["evaluated_ids"]["sha256"]:
        problems.append("evaluated_ids differ")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root_a, root_b = (Path(p) for p in argv)
    runs = sorted(p.parent for p in root_a.glob("*/*/summary.json"))
    if not runs:
        print(f"error: no <task>/<run>/summary.json under {root_a}", file=sys.stderr)
        return 2
    n_bad = 0
    for run in runs:
        other = root_b / run.relative_to(root_a)
        if not (other / "summary.json").is_file():
            problems = [f"no run {other}"]
        else:
            problems = compare_run(run, other)
        n_bad += bool(problems)
        status = "same" if not problems else f"{len(problems)} difference(s)"
        print(f"{run.relative_to(root_a)}: {status}")
        for line in problems[:10]:
            print(f"  {line}")
    print(f"{len(runs) - n_bad} of {len(runs)} runs the same")
    return 1 if n_bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
