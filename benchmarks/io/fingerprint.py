"""Fingerprints of the files a run loads (weights, configs): size and content hash.

A run's config hash covers what it was asked (tokenizer arguments, task keys); these
fingerprints cover what it actually read, so a checkpoint overwritten in place is a new
configuration, never a resume of the old numbers.

Hashing a many-GB checkpoint takes a while, so each file's sha256 is cached in
``$PYRATOK_CACHE/fingerprints.json`` (default ``~/.cache/pyratok``), keyed by its path and
trusted only while its ``(size, mtime_ns, inode)`` still match. As in git's "racy" rule,
a file modified in the last few seconds is hashed but not cached: a second write within
the same timestamp tick would leave size and mtime unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from benchmarks.io.jsonfile import SMALL_BYTES, JsonFileError, read_json
from benchmarks.io.regular import open_regular

CACHE_NAME = "fingerprints.json"
# A folder argument holding more files than this is not a checkpoint (a data or home folder).
MAX_FILES = 2000
# Files younger than this (ns) are not cached: their mtime may not yet tell writes apart.
RACY_NS = 3_000_000_000
_CHUNK = 1 << 20


class FingerprintError(Exception):
    """A path that cannot be fingerprinted; the message names it and what to do."""


def cache_file() -> Path:
    """``$PYRATOK_CACHE/fingerprints.json`` (default ``~/.cache/pyratok/fingerprints.json``)."""
    base = os.environ.get("PYRATOK_CACHE") or Path.home() / ".cache" / "pyratok"
    return Path(base) / CACHE_NAME


def files_under(path: Path) -> list[Path]:
    """``path`` itself if a file, else every file below it (sorted; hidden entries skipped)."""
    if path.is_file():
        return [path]
    found: list[Path] = []
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
        if len(found) > MAX_FILES:
            raise FingerprintError(
                f"{path}: more than {MAX_FILES} files below it, too many to fingerprint as "
                "a model's files; point the argument at the checkpoint folder itself"
            )
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cache(path: Path) -> dict[str, list]:
    try:
        data = read_json(path, max_bytes=SMALL_BYTES)
    except JsonFileError:  # absent, damaged: the next run hashes again
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, cache: dict[str, list]) -> None:
    """Best effort: a read-only cache folder only makes the next run hash again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fingerprints-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cache, f)
        os.replace(tmp, path)
    except OSError:
        pass


def fingerprint(paths: Iterable[Path]) -> dict[str, str]:
    """``{resolved file path: "<size>:<sha256>"}`` for every file at or below ``paths``.

    Raises:
        FingerprintError: a path that does not exist, cannot be read, or is a huge tree.
    """
    files = sorted({f.resolve() for p in paths for f in files_under(Path(p).expanduser())})
    where = cache_file()
    cache = _read_cache(where)
    changed, out = False, {}
    for file in files:
        try:
            st = file.stat()
            key = [st.st_size, st.st_mtime_ns, st.st_ino]
            entry = cache.get(str(file))
            if isinstance(entry, list) and len(entry) == 4 and entry[:3] == key:
                digest = entry[3]
            else:
                digest = _sha256(file)
                if time.time_ns() - st.st_mtime_ns > RACY_NS:
                    cache[str(file)], changed = [*key, digest], True
        except OSError as err:
            raise FingerprintError(f"{file}: cannot be read to fingerprint it ({err})") from err
        out[str(file)] = f"{st.st_size}:{digest}"
    if changed:
        _write_cache(where, cache)
    return out
