"""A cheap content fingerprint of a sample's input: "same id, different file" is visible.

Every stored record carries the fingerprint of the file it was scored on, so ``compare``
and ``check`` can tell a dataset copy whose files changed under the same ids (re-encoded,
re-downloaded, another resize) from a real change of the metric. It reads at most 2 MiB a
file, whatever its size, in the DataLoader worker that has just decoded it:

- **a file** (a video, an image, a raw ``.yuv``): ``"file:<size>:<sha256>"``, the sha256 of
  the whole file up to 2 MiB, else of its first MiB followed by its last MiB. A change
  that keeps the size and touches neither end goes unseen: a cheap check, not a proof.
- **a folder of frames** (YouTube-VIS / OVIS videos, MVBench's frame folders):
  ``"folder:<files>:<bytes>:<sha256>"`` over its regular, non-hidden files directly
  inside, by name: the sha256 of every ``<name>\\t<size>\\n`` line followed by the
  first file's and the last file's fingerprints, as above. A frame added, removed,
  renamed or of another size, or a change at either end of the first or last frame,
  changes it.

The demo sets are built byte-identically wherever they are built (each builder's
docstring), so their fingerprints match across machines.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from benchmarks.io.regular import open_regular

PART = 1 << 20  # bytes read at each end of a file


def _file_digest(path: Path) -> tuple[int, str]:
    """``(size, sha256 hex)`` of the whole file up to ``2 * PART`` bytes, else of its first
    and last ``PART`` bytes."""
    digest = hashlib.sha256()
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size <= 2 * PART:
            digest.update(f.read())
        else:
            digest.update(f.read(PART))
            f.seek(size - PART)
            digest.update(f.read(PART))
    return size, digest.hexdigest()


def _folder_digest(path: Path) -> str:
    entries = sorted((e.name, e.stat().st_size) for e in os.scandir(path)
                     if not e.name.startswith(".") and e.is_file())
    digest = hashlib.sha256("".join(f"{n}\t{s}\n" for n, s in entries).encode())
    for name in dict.fromkeys([entries[0][0], entries[-1][0]] if entries else []):
        digest.update(_file_digest(path / name)[1].encode())
    return f"folder:{len(entries)}:{sum(s for _, s in entries)}:{digest.hexdigest()}"


def input_fingerprint(path: str | os.PathLike[str]) -> str:
    """The fingerprint of a sample's input file or frame folder (see the module docstring).

    Raises:
        OSError: ``path`` cannot be read (the loader then records no fingerprint).
    """
    path = Path(path)
    if path.is_dir():
        return _folder_digest(path)
    size, digest = _file_digest(path)
    return f"file:{size}:{digest}"
