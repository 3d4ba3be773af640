"""A task file's own ``data_root`` (a user's task over their clips): resolved against the
file's folder, overridden by ``--data-root``, hashed as the root used whatever its source,
never a demo run; a task with neither and no demo set is the one-line error it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.config import ConfigError
from benchmarks.io.video import write_video
from benchmarks.runner import RunOptions, plan_run
from tests.helpers.datasets import moving_frames, write_webvid

CLIPS_TASK = """\
task: my-clips
family: reconstruction
dataset: video-folder
frames_per_clip: 4
resize_shorter: 32
crop: 32
num_workers: 0
lpips: false
"""


def _task(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "task.yaml").write_text(text)
    return folder


def _clips(root: Path, n: int = 2) -> Path:
    for i in range(n):
        write_video(root / f"c{i}.mp4", moving_frames(i, frames=6, height=40, width=48), fps=25)
    return root


def _plan(tasks: Path, **kwargs):
    return plan_run(RunOptions(task="my-clips", tokenizer="identity",
                               include_paths=[str(tasks)], **kwargs))


def test_a_relative_data_root_is_the_task_files_and_runs_with_no_flag(tmp_path):
    clips = _clips(tmp_path / "clips")
    tasks = _task(tmp_path / "tasks", CLIPS_TASK + "data_root: ../clips\n")
    task, context = _plan(tasks)
    assert context.data_root == clips and not context.is_demo
    assert task.config.data_root == str(clips)
    code = main(["run", "--task", "my-clips", "--include-path", str(tasks), "--tokenizer",
                 "identity", "--output", str(tmp_path / "out"), "--no-progress"])
    assert code == 0


def test_the_hash_holds_the_root_used_not_where_it_was_named(tmp_path):
    clips, other = _clips(tmp_path / "clips"), _clips(tmp_path / "other", 1)
    named = _task(tmp_path / "named", CLIPS_TASK + f"data_root: {clips}\n")
    plain = _task(tmp_path / "plain", CLIPS_TASK)
    from_file = _plan(named).task
    from_flag = _plan(plain, data_root=clips).task
    overridden = _plan(named, data_root=other)
    assert "data_root" not in from_file.hash_payload["task"]
    assert from_file.config_hash == from_flag.config_hash
    assert overridden.context.data_root == other  # --data-root wins over the file
    assert overridden.task.config_hash != from_file.config_hash


def test_a_missing_data_root_names_the_task_file(tmp_path):
    tasks = _task(tmp_path / "tasks", CLIPS_TASK + "data_root: nowhere\n")
    with pytest.raises(ConfigError, match=r"task\.yaml: data_root .*nowhere: no such folder"):
        _plan(tasks)


def test_no_root_and_no_demo_set_is_one_line_that_says_how(tmp_path, capsys):
    tasks = _task(tmp_path / "tasks", CLIPS_TASK)
    code = main(["run", "--task", "my-clips", "--include-path", str(tasks), "--tokenizer",
                 "identity", "--output", str(tmp_path / "out")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert "has no bundled demo set: pass --data-root" in lines[0]
    assert "data_root: DIR" in lines[0] and "demo data" not in lines[0].lower()
    assert not (tmp_path / "out").exists()


def test_an_own_root_on_a_dataset_with_a_demo_set_is_not_a_demo_run(tmp_path):
    webvid = tmp_path / "webvid"
    write_webvid(webvid, n=1)
    tasks = _task(tmp_path / "tasks", CLIPS_TASK.replace("video-folder", "webvid")
                  + "data_root: ../webvid\ndemo_overrides: {crop: 16}\n")
    task, context = _plan(tasks)
    assert not context.is_demo and context.data_root == webvid
    assert task.config.crop == 32  # the demo set's overrides are not applied
    assert task.info.version is None


def test_demo_overrides_cannot_name_a_data_root(tmp_path):
    tasks = _task(tmp_path / "tasks", CLIPS_TASK + "demo_overrides: {data_root: x}\n")
    with pytest.raises(ConfigError, match="demo_overrides cannot set data_root"):
        _plan(tasks)


def test_list_marks_a_task_with_its_own_root_and_never_as_demo(tmp_path, capsys):
    tasks = _task(tmp_path / "tasks", CLIPS_TASK + "data_root: ../clips\n")
    _task(tmp_path / "bare", CLIPS_TASK.replace("my-clips", "bare-clips"))
    assert main(["list", "--include-path", str(tasks), "--include-path",
                 str(tmp_path / "bare")]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()
            if line.startswith("  ") and line.split()[0].endswith("clips")}
    assert rows["my-clips"].split()[1:] == ["reconstruction", "own"]
    assert rows["bare-clips"].split()[1:] == ["reconstruction"]  # no demo set: no mark
