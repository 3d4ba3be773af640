"""The per-sample content fingerprint: what it sees in a file and in a frame folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.io.input_fingerprint import PART, input_fingerprint


def test_a_small_file_is_hashed_whole(tmp_path: Path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"abc" * 100)
    first = input_fingerprint(path)
    assert first.startswith("file:300:") and input_fingerprint(path) == first
    path.write_bytes(b"abd" * 100)  # same size, one byte in the middle
    assert input_fingerprint(path) != first


def test_a_large_file_is_hashed_at_both_ends(tmp_path: Path):
    path = tmp_path / "seq.yuv"
    data = bytearray(3 * PART)
    path.write_bytes(data)
    first = input_fingerprint(path)
    data[-1] = 1  # the last MiB: seen
    path.write_bytes(data)
    assert input_fingerprint(path) != first
    data[-1], data[PART + 5] = 0, 1  # the middle, size kept: a cheap check, not seen
    path.write_bytes(data)
    assert input_fingerprint(path) == first
    path.write_bytes(data + b"\0")  # another size
    assert input_fingerprint(path) != first


def test_a_frame_folder_sees_added_renamed_and_changed_frames(tmp_path: Path):
    folder = tmp_path / "video"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i:05d}.jpg").write_bytes(bytes([i]) * 10)
    (folder / ".DS_Store").write_bytes(b"x")  # hidden: not part of the video
    first = input_fingerprint(folder)
    assert first.startswith("folder:3:30:")
    (folder / ".DS_Store").write_bytes(b"changed")
    assert input_fingerprint(folder) == first
    (folder / "00003.jpg").write_bytes(b"3" * 10)
    assert input_fingerprint(folder).startswith("folder:4:40:")
    (folder / "00003.jpg").unlink()
    (folder / "00002.jpg").write_bytes(b"z" * 10)  # the last frame's content
    assert input_fingerprint(folder) not in (first,)
    (folder / "00002.jpg").write_bytes(bytes([2]) * 10)
    assert input_fingerprint(folder) == first
    (folder / "00001.jpg").rename(folder / "00001b.jpg")
    assert input_fingerprint(folder) != first


def test_an_unreadable_input_raises_oserror(tmp_path: Path):
    with pytest.raises(OSError):
        input_fingerprint(tmp_path / "absent.mp4")
