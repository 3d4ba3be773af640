"""Per-sample seeds: one run seed (``--seed``) and a sample id give the same seed on any
rank, shard, worker count or resume, so a sample's randomness never depends on which
samples ran before it.

The runner seeds torch with it before each batch; a family derives its own streams from
it with a prefix of its own (``generate:<class>``), so they never collide with the
runner's.
"""

from __future__ import annotations

import hashlib


def sample_seed(seed: int, sample_id: str) -> int:
    """A 32-bit seed from ``seed`` and ``sample_id`` (the first 4 bytes of their SHA-256)."""
    digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")
