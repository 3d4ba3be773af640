"""The harness-overhead case's pieces: the copied clip set, the agreement, the start-up clock."""

from __future__ import annotations

import math
import sys

from benchmarks.datasets.webvid.reader import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.perf.cases.run import copied_webvid, gap, seconds_to_line
from tests.helpers.datasets import write_webvid


def test_copied_set_is_a_webvid_set_whose_first_clips_are_the_source(tmp_path):
    write_webvid(tmp_path / "src", n=2, frames=3, size=(16, 16))
    out = copied_webvid(tmp_path / "src", tmp_path / "out", 5)
    refs = sorted(WebVidDataset(out, sampling=FrameSampling()).refs(), key=lambda r: r.sample_id)
    assert [r.sample_id for r in refs] == [f"{1_000_000_001 + k}" for k in range(5)]
    sources = sorted((tmp_path / "src" / "videos").rglob("*.mp4"))
    for k, ref in enumerate(refs):
        copied = next((out / "videos").rglob(f"{ref.sample_id}.mp4"))
        assert copied.read_bytes() == sources[k % 2].read_bytes()


def test_gap_is_the_largest_difference_and_equal_infinities_agree():
    ours = {"a": (math.inf, 1.0), "b": (30.0, 0.9)}
    assert gap(ours, {"a": (math.inf, 1.0), "b": (30.0, 0.9)}) == 0.0
    assert gap(ours, {"a": (math.inf, 1.0), "b": (30.5, 0.9)}) == 0.5
    assert gap(ours, {"a": (math.inf, 1.0)}) == math.inf  # not the same clips


def test_seconds_to_line_times_the_marker_and_refuses_a_failed_child():
    say = "import sys, time; time.sleep(0.2); print('x: first batch decoded', file=sys.stderr)"
    seconds = seconds_to_line([sys.executable, "-c", say], "first batch decoded")
    assert 0.2 <= seconds < 60
    assert math.isnan(seconds_to_line([sys.executable, "-c", "pass"], "first batch"))
    failed = f"{say}; sys.exit(3)"
    assert math.isnan(seconds_to_line([sys.executable, "-c", failed], "first batch decoded"))
