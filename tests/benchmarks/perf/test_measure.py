"""Interleaved timing and a child's peak RSS."""

from __future__ import annotations

import sys

from benchmarks.perf.measure import Timing, interleave, run_child


def test_interleave_alternates_the_sides_and_rotates_who_goes_first():
    calls: list[str] = []
    times = interleave({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                       repeats=3, warmup=1)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert {name: len(t.seconds) for name, t in times.items()} == {"a": 3, "b": 3}


def test_timing_median_and_min():
    timing = Timing((3.0, 1.0, 2.0, 10.0))
    assert timing.median == 2.5 and timing.min == 1.0
    assert timing.to_dict() == {"median_s": 2.5, "min_s": 1.0, "repeats": 4}


def test_run_child_sees_the_childs_own_peak_not_its_parents(tmp_path):
    grow = "x = bytearray(200 << 20); x[::4096] = b'1' * len(x[::4096]); import sys; " \
           "sys.stderr.write('done')"
    big = run_child([sys.executable, "-c", grow])
    small = run_child([sys.executable, "-c", "pass"])
    assert big.code == 0 and big.stderr == "done"
    assert big.peak_rss_mib > 200 > small.peak_rss_mib


def test_run_child_is_killed_past_its_time_limit():
    done = run_child([sys.executable, "-c", "import time; time.sleep(30)"], time_limit_s=0.5)
    assert done.code == -9 and done.seconds < 10
