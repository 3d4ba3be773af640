"""``relative_text``: how a reader's message names a path under the dataset root."""

from __future__ import annotations

from pathlib import Path

from benchmarks.io.paths import relative_text


def test_paths_read_relative_to_the_root():
    root = Path("/data/thumos14")
    assert relative_text(root / "videos" / "val", root) == "videos/val"
    assert relative_text(root, root) == "."  # "./" in a message, never "" or "/"
    assert relative_text(Path("/elsewhere/a.csv"), root) == "/elsewhere/a.csv"
