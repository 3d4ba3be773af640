"""Compression over decoded clips (a user's folder of videos): each clip is converted to
8-bit BT.709 yuv420p, coded, and scored against that conversion, like a raw sequence."""

from __future__ import annotations

import json
import math

from benchmarks.cli import main
from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames

TASK = """\
task: my-compression
family: compression
dataset: video-folder
data_root: clips
frames_per_clip: 4
resize_shorter: null
crop: null
num_workers: 0
lpips: false
codecs: {h264: {preset: medium}}
"""


def _run(tmp_path, tokenizer: str) -> tuple[int, dict]:
    code = main(["run", "--task", "my-compression", "--include-path", str(tmp_path),
                 "--tokenizer", tokenizer, "--output", str(tmp_path / "out"),
                 "--no-progress"])
    run = tmp_path / "out" / "my-compression" / tokenizer
    summary = json.loads((run / "summary.json").read_text()) if code in (0, 1) else {}
    return code, summary


def test_a_folder_of_videos_is_coded_and_scored(tmp_path):
    write_video(tmp_path / "clips" / "trip" / "a.mp4", moving_frames(0, frames=6), fps=25)
    (tmp_path / "task.yaml").write_text(TASK)
    code, summary = _run(tmp_path, "h264")
    assert code == 0, summary
    assert summary["n_samples"] == 1
    assert summary["metrics"]["bpp"] > 0 and math.isfinite(summary["metrics"]["psnr_y"])
    run = tmp_path / "out" / "my-compression" / "h264"
    streams = [p.name for p in (run / "bitstreams").iterdir()]
    assert len(streams) == 1 and streams[0].startswith("trip__a.mp4.")  # the id, one name
    assert not any((run / ".sources").iterdir())  # the yuv conversion is removed once scored


def test_a_learned_tokenizer_on_decoded_clips_reconstructs_them(tmp_path):
    write_video(tmp_path / "clips" / "b.mp4", moving_frames(1, frames=6), fps=25)
    (tmp_path / "task.yaml").write_text(TASK)
    code, summary = _run(tmp_path, "identity")
    assert code == 0, summary
    # identity gives back the yuv420p frames it was given, up to the RGB round trip
    assert summary["metrics"]["psnr_y"] > 40
