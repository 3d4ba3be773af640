"""The scale case's pieces: the clips it writes, the child's report, the summary gap."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.datasets.webvid.reader import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from benchmarks.perf.cases.scale import summary_gap
from benchmarks.perf.timed_run import TimedRun, parse
from benchmarks.perf.webvid_clips import SEED_START, subset, write_clips

NATIVE = FrameSampling(frames_per_clip=5, resize_shorter=None, crop=None)  # as written


def test_clips_are_a_webvid_folder_of_held_out_seeds(tmp_path: Path):
    rows = write_clips(tmp_path / "all", 3, size=32, frames=5)
    dataset = WebVidDataset(tmp_path / "all", sampling=NATIVE)
    refs = dataset.refs()
    assert [r.sample_id for r in refs] == [str(SEED_START + i) for i in range(3)]
    assert not list(dataset.bad_rows())
    assert dataset.load(refs[0], num_frames=5).video.shape[1:] == (5, 32, 32)
    subset(tmp_path / "all", rows[:2], tmp_path / "two")
    two = WebVidDataset(tmp_path / "two", sampling=NATIVE)
    assert [r.sample_id for r in two.refs()] == [r.sample_id for r in refs[:2]]
    first = Path(refs[0].path)
    assert (tmp_path / "two" / first.relative_to(tmp_path / "all")).stat().st_ino == \
        first.stat().st_ino  # linked, not written again


def test_parse_reads_every_timed_line():
    stderr = ("INFO benchmarks: ...\ntimed_run: wall_s=1.5 cpu_s=0.25 exit=0\nnoise\n"
              "timed_run: wall_s=2 cpu_s=1 exit=1\n")
    assert parse(stderr) == [TimedRun(1.5, 0.25, 0), TimedRun(2.0, 1.0, 1)]
    assert parse("Traceback ...") == []


def _summary(folder: Path, metrics: dict, ids_sha: str = "abc") -> Path:
    folder.mkdir(parents=True)
    data = {"task": "webvid", "tokenizer": "avgpool", "metrics": metrics,
            "metrics_ci95": {}, "evaluated_ids": {"file": "evaluated_ids.txt",
                                                  "sha256": ids_sha, "count": 2}}
    (folder / "summary.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize(("other", "sha", "gap"), [
    ({"psnr": 30.0, "ssim": "inf", "encode_ms": 9.0}, "abc", 0.0),  # latency aside
    ({"psnr": 30.5, "ssim": "inf", "encode_ms": 1.0}, "abc", 0.5),
    ({"psnr": 30.0}, "abc", math.inf),  # a metric in one only
    ({"psnr": 30.0, "ssim": "inf", "encode_ms": 1.0}, "def", math.inf),  # other samples
])
def test_summary_gap(tmp_path: Path, other: dict, sha: str, gap: float):
    one = _summary(tmp_path / "one", {"psnr": 30.0, "ssim": "inf", "encode_ms": 1.0})
    assert summary_gap(one, _summary(tmp_path / "two", other, sha)) == gap
