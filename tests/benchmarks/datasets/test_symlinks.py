"""The data root's symlink policy, one for every reader: an entry linked from outside the
root is followed (read as any other) and the run says so in one warning line; a dangling
link is an absent file (``n_missing``), as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from benchmarks.cli import main
from benchmarks.datasets.media import links_outside
from benchmarks.datasets.webvid.reader import WebVidDataset
from benchmarks.io.sampling import FrameSampling
from tests.helpers.datasets import webvid_video_path, write_webvid

SMALL = ["--task-arg", "resize_shorter=32", "--task-arg", "crop=32", "--task-arg",
         "lpips=false", "--num-workers", "0", "--no-progress"]


def test_links_outside_names_only_what_leads_out(tmp_path):
    root, shared = tmp_path / "root", tmp_path / "shared"
    (root / "sub").mkdir(parents=True)
    shared.mkdir()
    for name in ("a", "b", "c"):
        (shared / name).write_text(name)
    (root / "plain").write_text("x")
    (root / "inside").symlink_to(root / "plain")
    (root / "out").symlink_to(shared / "a")
    (root / "linked").symlink_to(shared, target_is_directory=True)
    (root / "up").symlink_to("../shared/b")  # relative, still outside
    paths = [str(root / p) for p in ("plain", "inside", "out", "linked/c", "up", "sub")]
    assert links_outside(paths, root) == [str(root / p) for p in ("out", "linked/c", "up")]
    # the root itself a link (data on shared storage): everything under it is inside
    alias = tmp_path / "alias"
    alias.symlink_to(root, target_is_directory=True)
    assert links_outside([str(alias / "plain"), str(alias / "inside")], alias) == []


def _webvid_with_links(tmp_path: Path) -> tuple[Path, list[str]]:
    root, shared = tmp_path / "webvid", tmp_path / "shared"
    ids = write_webvid(root, n=3)
    shared.mkdir()
    moved = webvid_video_path(root, ids[0])
    shutil.move(moved, shared / moved.name)
    moved.symlink_to(shared / moved.name)  # data linked in from shared storage
    gone = webvid_video_path(root, ids[1])
    gone.unlink()
    gone.symlink_to(shared / "deleted.mp4")  # dangling
    return root, ids


def test_a_reader_follows_a_link_out_and_counts_a_dangling_one_absent(tmp_path):
    root, ids = _webvid_with_links(tmp_path)
    dataset = WebVidDataset(root, sampling=FrameSampling(frames_per_clip=4, resize_shorter=32,
                                                         crop=32))
    assert [r.sample_id for r in dataset.refs()] == [ids[0], ids[2]]
    assert [(e.sample_id, e.reason) for e in dataset.absent()] == [(ids[1], "file not found")]
    assert dataset.load(dataset.refs()[0]).video.shape[1] == 4  # read through the link


def _link_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelname == "WARNING" and "symlinks leading outside" in r.getMessage()]


def test_a_run_warns_once_naming_the_first_and_scores_it(tmp_path, caplog):
    root, ids = _webvid_with_links(tmp_path)
    out = tmp_path / "out"
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(root), "--output", str(out), *SMALL])
    warnings = _link_warnings(caplog)
    assert code == 0 and len(warnings) == 1, caplog.text
    assert warnings[0].startswith(f"1 sample(s) under {root} ")
    assert f"(the first: videos/000_000/{ids[0]}.mp4 -> {tmp_path / 'shared'}" in warnings[0]
    summary = json.loads((out / "webvid" / "identity" / "summary.json").read_text())
    assert (summary["n_samples"], summary["n_missing"], summary["n_failed"]) == (2, 1, 0)


def test_no_warning_without_links(tmp_path, caplog):
    root = tmp_path / "webvid"
    write_webvid(root, n=1)
    code = main(["run", "--task", "webvid", "--tokenizer", "identity", "--data-root",
                 str(root), "--output", str(tmp_path / "out"), *SMALL])
    assert code == 0 and _link_warnings(caplog) == []
