"""A weights file's digests, and the error for a file that is not the one a protocol names.

One place for both, below the packages that load weights (``metrics``' LPIPS trunks,
``features``' distance networks): a wrong file stops the run with ONE line naming the
file, the expected and the actual digest (a :class:`WeightsMismatch`, a ``ValueError``:
exit 2), never a number from other weights.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


class WeightsMismatch(ValueError):
    """A weights file is not the one the protocol names (the message is one line)."""


def file_digests(path: Path) -> dict[str, str]:
    """SHA-256 of the file and its git blob id (one read)."""
    size = path.stat().st_size
    sha256, blob = hashlib.sha256(), hashlib.sha1(f"blob {size}\0".encode())
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha256.update(chunk)
            blob.update(chunk)
    return {"sha256": sha256.hexdigest(), "git_blob_sha1": blob.hexdigest()}
