"""Per-sample seeds: one run seed and a sample's id give the sample its own seed.

A seed derived from ``(run seed, sample id)`` rather than from the position in the loop
gives every sample the same random draws whichever rank, shard or resumed session scores
it, so a resumed or torchrun run equals one uninterrupted process.
"""

from __future__ import annotations

import hashlib


def sample_seed(seed: int, sample_id: str) -> int:
    """A 32-bit seed for ``sample_id`` under the run seed ``seed``: the first four bytes
    (little-endian) of ``sha256("<seed>:<sample_id>")``."""
    digest = hashlib.sha256(f"{seed}:{sample_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")
