"""The README's "Your own clips" task file, as printed, runs over a folder of videos with no
flag but ``--include-path`` (a test follows the text, so the text cannot rot)."""

from __future__ import annotations

import json
import re

from benchmarks.cli import main
from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames
from tests.helpers.paths import REPO


def _readme_task() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Your own clips"):]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL)[1]


def test_the_readme_task_runs_on_a_folder_next_to_it(tmp_path):
    yaml_text = _readme_task()
    assert len(yaml_text.splitlines()) <= 10
    (tmp_path / "my-tasks").mkdir()
    (tmp_path / "my-tasks" / "my-clips.yaml").write_text(yaml_text)
    write_video(tmp_path / "clips" / "holiday" / "a.MP4", moving_frames(0, frames=18), fps=25)
    out = tmp_path / "out"
    small = ["--task-arg", "resize_shorter=32", "--task-arg", "crop=32", "--task-arg",
             "lpips=false", "--num-workers", "0"]  # a quick copy of the same protocol
    code = main(["run", "--task", "my-clips", "--include-path", str(tmp_path / "my-tasks"),
                 "--tokenizer", "identity", "--output", str(out), "--no-progress", *small])
    assert code == 0
    summary = json.loads((out / "my-clips" / "identity" / "summary.json").read_text())
    assert summary["demo_data"] is False and summary["n_samples"] == 1
    assert summary["data_root"] == str(tmp_path / "clips")
    assert summary["dataset"]["name"] == "video-folder"
