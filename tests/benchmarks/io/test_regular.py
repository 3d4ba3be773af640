"""open_regular: a FIFO, a device or a folder is refused at once, never read."""

from __future__ import annotations

import os

import pytest

from benchmarks.io.regular import NotRegularFile, open_regular, read_bytes, read_text


def test_a_regular_file_reads_as_open_would(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"one\r\ntwo\n")
    assert read_bytes(path) == b"one\r\ntwo\n"
    assert read_text(path) == "one\ntwo\n"  # universal newlines, as Path.read_text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_without_a_writer_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pred.json"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match=r"pred.json: not a regular file \(a FIFO\)"):
        read_bytes(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_device_is_refused():
    with pytest.raises(NotRegularFile, match=r"a device"):
        read_text("/dev/zero")


def test_a_folder_is_refused_and_is_a_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"a folder"):
        read_bytes(tmp_path)


def test_a_missing_file_raises_as_open_does(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "absent")


def test_writing_modes_are_not_this_functions_job(tmp_path):
    with pytest.raises(ValueError, match="reads"):
        open_regular(tmp_path / "x", "w")
