"""File fingerprints: size + sha256, cached by (size, mtime_ns, inode), racy writes not cached."""

from __future__ import annotations

import os

import pytest

from benchmarks.io import fingerprint as fp


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYRATOK_CACHE", str(tmp_path / "cache"))


def _old(path, seconds=60):
    """Backdate ``path`` so it is past the racy window."""
    t = path.stat().st_mtime_ns - seconds * 1_000_000_000
    os.utime(path, ns=(t, t))


def _count_hashes(monkeypatch) -> list:
    calls: list = []
    real = fp._sha256
    monkeypatch.setattr(fp, "_sha256", lambda p: calls.append(p) or real(p))
    return calls


def test_a_folder_is_every_file_below_it_hidden_ones_skipped(tmp_path):
    ckpt = tmp_path / "ckpt"
    (ckpt / "sub").mkdir(parents=True)
    (ckpt / "model.safetensors").write_bytes(b"abc")
    (ckpt / "sub" / "config.json").write_text("{}")
    (ckpt / ".lock").write_text("x")
    out = fp.fingerprint([ckpt])
    assert sorted(out) == [str((ckpt / "model.safetensors").resolve()),
                           str((ckpt / "sub" / "config.json").resolve())]
    assert out[str((ckpt / "model.safetensors").resolve())] == (
        "3:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
    )


def test_same_size_new_content_is_a_new_fingerprint(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(b"aaaa")
    first = fp.fingerprint([f])
    f.write_bytes(b"bbbb")  # same size, same second: a racy write
    assert fp.fingerprint([f]) != first


def test_an_old_file_is_hashed_once_then_read_from_the_cache(tmp_path, monkeypatch):
    f = tmp_path / "w.bin"
    f.write_bytes(b"weights")
    _old(f)
    calls = _count_hashes(monkeypatch)
    first = fp.fingerprint([f])
    assert fp.fingerprint([f]) == first and len(calls) == 1
    assert fp.cache_file().is_file()
    f.write_bytes(b"WEIGHTS")  # a new mtime: hashed again
    assert fp.fingerprint([f]) != first and len(calls) == 2


def test_a_fresh_file_is_not_cached(tmp_path, monkeypatch):
    f = tmp_path / "w.bin"
    f.write_bytes(b"weights")
    calls = _count_hashes(monkeypatch)
    fp.fingerprint([f])
    fp.fingerprint([f])
    assert len(calls) == 2  # its mtime cannot yet tell two writes apart


def test_a_broken_cache_file_is_ignored(tmp_path):
    fp.cache_file().parent.mkdir(parents=True)
    fp.cache_file().write_text("[" * 100000)
    f = tmp_path / "w.bin"
    f.write_bytes(b"x")
    assert len(fp.fingerprint([f])) == 1


def test_a_huge_tree_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(fp, "MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"{i}.bin").write_bytes(b"x")
    with pytest.raises(fp.FingerprintError, match="more than 3 files"):
        fp.fingerprint([tmp_path])
