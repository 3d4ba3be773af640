"""The one output-path check: a file, a path under a file, an unwritable place."""

from __future__ import annotations

import os

import pytest

from benchmarks.io.output import OutputPathError, output_file, output_folder


def test_a_new_folder_is_made_or_only_checked(tmp_path):
    assert output_folder(tmp_path / "a" / "b", option="--out").is_dir()
    assert output_folder(tmp_path / "c" / "d", option="--out", create=False) == (
        tmp_path / "c" / "d")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # the check left nothing
    assert list((tmp_path / "a" / "b").iterdir()) == []


@pytest.mark.parametrize("create", [True, False])
def test_a_file_or_a_path_under_a_file_is_refused(tmp_path, create):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputPathError, match=r"--out .*f: is a file, not a folder; pass"):
        output_folder(tmp_path / "f", option="--out", create=create)
    with pytest.raises(OutputPathError, match=r"f is a file, so no folder can be made under "
                                              r"it; pass a path outside it"):
        output_folder(tmp_path / "f" / "sub" / "deeper", option="--out", create=create)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_refused_with_the_fix(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(OutputPathError, match="cannot write there .*writable disk"):
            output_folder(locked / "runs", option="--output", create=False)
    finally:
        locked.chmod(0o700)


def test_an_output_file_is_not_a_folder_and_needs_its_folder(tmp_path):
    with pytest.raises(OutputPathError, match="is a folder; pass a file name"):
        output_file(tmp_path, option="--out")
    with pytest.raises(FileNotFoundError, match="no folder"):
        output_file(tmp_path / "missing" / "t.md", option="--out")
    assert output_file(tmp_path / "t.md", option="--out") == tmp_path / "t.md"
