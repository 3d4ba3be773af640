"""Hostile folder contents for the readers (issue 25, items 14 and 18): a directory named
like a video, a zero-byte ``.mp4``, symlink loops, a file name that is not UTF-8, a link out
of the data root. Each gives its documented outcome: exit 2 with one line for a folder that
holds no video, a named failure (exit 1) for what cannot be read, an absent sample for a
link that leads nowhere, and never a traceback, a hang or an unbounded process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.io.video import write_video
from tests.helpers.datasets import moving_frames
from tests.helpers.paths import REPO

TASK = """\
task: my-clips
family: reconstruction
dataset: video-folder
data_root: ../clips
frames_per_clip: 4
resize_shorter: 32
crop: 32
num_workers: 0
lpips: false
"""


def _good(clips: Path) -> None:
    write_video(clips / "good.mp4", moving_frames(0, frames=6, height=40, width=48), fps=25)


def _directory_named_like_a_video(clips: Path) -> None:
    (clips / "folder.mp4").mkdir()


def _zero_byte(clips: Path) -> None:
    (clips / "zero.mp4").write_bytes(b"")


def _symlink_loops(clips: Path) -> None:
    (clips / "sub").mkdir()
    (clips / "sub" / "up").symlink_to("..", target_is_directory=True)
    (clips / "x.mp4").symlink_to("y.mp4")
    (clips / "y.mp4").symlink_to("x.mp4")


def _not_utf8(clips: Path) -> None:
    with open(os.fsencode(clips) + b"/bad\xff.mp4", "wb") as handle:
        handle.write(b"\x00" * 64)


def _link_out(clips: Path) -> None:
    shared = clips.parent / "shared"
    shared.mkdir()
    write_video(shared / "far.mp4", moving_frames(1, frames=6, height=40, width=48), fps=25)
    (clips / "far.mp4").symlink_to(shared / "far.mp4")


def _folder(tmp_path: Path, *hostile) -> Path:
    """``<tmp>/tasks/task.yaml`` over ``<tmp>/clips`` holding the hostile entries."""
    (tmp_path / "clips").mkdir()
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "task.yaml").write_text(TASK)
    for make in hostile:
        make(tmp_path / "clips")
    return tmp_path / "tasks"


def _run(tmp_path: Path, tasks: Path) -> list[str]:
    return ["run", "--task", "my-clips", "--include-path", str(tasks), "--tokenizer",
            "identity", "--output", str(tmp_path / "out"), "--no-progress"]


def _run_dir(tmp_path: Path) -> Path:
    return tmp_path / "out" / "my-clips" / "identity"


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("hostile", [(), (_directory_named_like_a_video,)],
                         ids=["empty", "directory-named-like-a-video"])
def test_a_folder_without_a_video_is_one_line_exit_2(tmp_path, capsys, hostile):
    tasks = _folder(tmp_path, *hostile)
    code = main(_run(tmp_path, tasks))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "no video file in this folder or below it" in lines[0]
    assert not (tmp_path / "out").exists()  # nothing written that was not scored


@pytest.mark.parametrize(
    ("hostile", "code", "failed", "missing"),
    [
        (_directory_named_like_a_video, 0, [], []),
        (_zero_byte, 1, ["zero.mp4"], []),
        (_symlink_loops, 0, [], ["x.mp4", "y.mp4"]),
        (_not_utf8, 1, ["bad\\xff.mp4"], []),
        (_link_out, 0, [], []),
    ],
    ids=["directory-named-like-a-video", "zero-byte", "symlink-loops", "not-utf8", "link-out"],
)
def test_beside_a_good_clip_each_gives_its_documented_outcome(
    tmp_path, capsys, hostile, code, failed, missing
):
    tasks = _folder(tmp_path, _good, hostile)
    assert main(_run(tmp_path, tasks)) == code
    assert "Traceback" not in capsys.readouterr().err
    run = _run_dir(tmp_path)
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert [f["sample_id"] for f in _jsonl(run / "failures.jsonl")] == failed
    assert summary["n_failed"] == len(failed) and summary["n_missing"] == len(missing)
    scored = [r["sample_id"] for r in _jsonl(run / "samples.jsonl")]
    assert "good.mp4" in scored and not set(scored) & set(failed + missing)
    lines = (run / "missing_ids.txt").read_text(encoding="utf-8").splitlines() if missing \
        else []
    assert [line.split("\t")[0] for line in lines] == missing


@pytest.mark.slow
def test_all_of_them_at_once_in_a_process_bounded_in_time_and_memory(tmp_path):
    tasks = _folder(tmp_path, _good, _directory_named_like_a_video, _zero_byte,
                    _symlink_loops, _not_utf8, _link_out)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.monotonic()
    with open(tmp_path / "stdout", "wb") as out, open(tmp_path / "stderr", "wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "benchmarks", *_run(tmp_path, tasks)],
                                   cwd=tmp_path, env=env, stdout=out, stderr=err)
    status, usage = _wait(process, seconds=180)
    text = (tmp_path / "stderr").read_text(encoding="utf-8", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 1 and "Traceback" not in text, text
    failed = [line for line in text.splitlines() if line.startswith("ERROR benchmarks: failed")]
    assert len(failed) == 2, text  # one line each: the zero-byte file, the non-UTF-8 name
    assert sum("symlinks leading outside" in line for line in text.splitlines()) == 1, text
    assert time.monotonic() - start < 180
    assert usage.ru_maxrss < 4 * 1024 * 1024  # KiB (Linux): a few hundred MB expected
    assert "2 scored, 2 failed" in (tmp_path / "stdout").read_text(encoding="utf-8")


def _wait(process: subprocess.Popen, *, seconds: float):
    """``(status, rusage)`` of the child (its own peak RSS), killing it after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here
            return status, usage
        if time.monotonic() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            pytest.fail(f"still running after {seconds} s")
        time.sleep(0.2)


# the sibling readers: a symlink loop beside their media is an absent name, never a crash
# (DirEntry.is_file() raises on a loop) nor a folder read as empty (UCF-101 did)

SIBLINGS = {"webvid": "webvid", "kinetics400": "kinetics", "ucf101-gfvd": "ucf101",
            "thumos14": "thumos14", "activitynet": "activitynet", "mcl-jcv": "mcl_jcv"}


def _add_symlink_loops(root: Path) -> None:
    """In every folder holding a file: two names that lead to each other (an MCL-JCV root
    gets them in its naming, so the reader gets as far as opening them)."""
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        files = sorted(p for p in folder.iterdir() if p.is_file())
        if not files:
            continue
        if any(p.suffix == ".yuv" for p in files):
            a, b = "videoSRC98_64x48_30.yuv", "videoSRC99_64x48_30.yuv"
        else:
            a, b = f"loop_a{files[0].suffix}", f"loop_b{files[0].suffix}"
        (folder / a).symlink_to(b)
        (folder / b).symlink_to(a)


def _contents(task: str, root: Path) -> tuple[list[str], list[str], list[str]]:
    from benchmarks.runner.plan import open_dataset, resolve_task

    config, _, _ = resolve_task(task, include_paths=[], overrides={})
    dataset, _ = open_dataset(config, root)
    return ([r.sample_id for r in dataset.refs()], [e.sample_id for e in dataset.bad_rows()],
            [e.sample_id for e in dataset.absent()])


@pytest.mark.parametrize("task", sorted(SIBLINGS))
def test_a_symlink_loop_beside_the_media_changes_nothing_read(tmp_path, task):
    import importlib

    fixture = importlib.import_module(f"tests.fixtures.official.{SIBLINGS[task]}")
    root = tmp_path / "root"
    root.mkdir()
    fixture.build(root)
    before = _contents(task, root)
    _add_symlink_loops(root)
    refs, bad, absent = _contents(task, root)
    assert (refs, bad) == before[:2]
    looped = ["videoSRC98", "videoSRC99"] if task == "mcl-jcv" else []
    assert absent == before[2] + looped
