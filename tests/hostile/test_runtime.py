"""Issue 25's runtime traps: weights overwritten in place, orphan workers, bad output
folders, a plug-in whose spec.name is not its registered name."""

from __future__ import annotations

import json

import pytest

from benchmarks.cli import main
from tests.helpers.datasets import write_webvid
from tests.helpers.tiny_pyratok import save_tiny_pyratok

SMALL = ["--task-arg", "resize_shorter=32", "--task-arg", "crop=32",
         "--num-workers", "0", "--no-progress"]


@pytest.fixture(scope="module")
def webvid_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("webvid")
    write_webvid(root, n=2)
    return root


def _run(root, out, ckpt, *extra: str) -> int:
    return main(["run", "--task", "webvid", "--tokenizer", "pyratok", "--tokenizer-arg",
                 f"path={ckpt}", "--data-root", str(root), "--output", str(out),
                 *SMALL, *extra])


def _psnr(out) -> float:
    (summary,) = out.glob("webvid/*/summary.json")
    return json.loads(summary.read_text())["metrics"]["psnr"]


def test_new_weights_in_the_same_folder_never_resume_the_old_run(
    webvid_root, tmp_path, capsys, monkeypatch
):
    """Item 0: two checkpoints saved one after the other into one folder, the same command
    twice: the second must not report the first's numbers."""
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "runs"
    ckpt = save_tiny_pyratok(tmp_path / "ckpt", seed=0)
    assert _run(webvid_root, out, ckpt) == 0
    first = _psnr(out)
    capsys.readouterr()

    assert save_tiny_pyratok(tmp_path / "ckpt", seed=1) == ckpt  # overwritten in place
    assert _run(webvid_root, out, ckpt) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "other weights" in err and "model.safetensors" in err and "--no-resume" in err
    assert _psnr(out) == first  # refused: the old run is left as it was

    assert _run(webvid_root, out, ckpt, "--no-resume") == 0
    assert _psnr(out) != first  # the new weights' numbers
