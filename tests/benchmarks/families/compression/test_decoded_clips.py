"""Compression codes raw yuv420p sequences: a task pairing it with a reader of decoded clips
(a user's folder of videos) is refused in one line that says what to do instead."""

from __future__ import annotations

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
"""


def test_a_folder_of_videos_is_refused_in_one_line(tmp_path, capsys):
    write_video(tmp_path / "clips" / "a.mp4", moving_frames(0, frames=6), fps=25)
    (tmp_path / "task.yaml").write_text(TASK)
    code = main(["run", "--task", "my-compression", "--include-path", str(tmp_path),
                 "--tokenizer", "identity", "--output", str(tmp_path / "out"),
                 "--no-progress"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "family 'compression' codes raw yuv420p sequences" in lines[0]
    assert "dataset 'video-folder' gives decoded clips" in lines[0]
    assert not (tmp_path / "out" / "my-compression" / "identity" / "samples.jsonl").exists()
