"""The feature stage of Fréchet metrics: extractor choice, the reference cache, the sums.

Real-clip features do not depend on the tokenizer or generator under test, so they are
cached per (dataset, version, split, annotation file, clip protocol, extractor, named
distance protocol and its fingerprint, :mod:`benchmarks.features.protocols`) — the
*reference key*, recorded in every summary — one ``.npy`` per sample under
``$PYRATOK_CACHE/fvd_reference/<sha256 of the key, 16 hex>/`` (default
``~/.cache/pyratok``), with ``key.json`` beside them and, after a run, the
``stats-<evaluated-ids sha, 16 hex>.npz`` :class:`~benchmarks.metrics.frechet.FeatureStats`
of the evaluated set. A second tokenizer or generator on the same data loads them
instead of running the network again. Records still carry each sample's features in the
run's side file, so ``finalize`` never depends on the cache.

Statistics are summed over the run's records in sample-id order (the order ``finalize``
sees after the torchrun gather), so one process and N processes give the same bits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.features import FEATURE_EXTRACTORS
from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable
from benchmarks.features.protocols import DistanceProtocol
from benchmarks.metrics.frechet import FeatureStats

_SAFE = re.compile(r"^[A-Za-z0-9_.+=@-]{1,120}$")


def open_extractor(
    name: str, *, device: torch.device, i3d_path: str | None = None,
    weights_path: str | None = None, protocol: DistanceProtocol | None = None,
) -> tuple[ClipFeatureExtractor | None, str | None]:
    """``(extractor, None)``, or ``(None, reason)`` when its weights are missing.

    With ``protocol``, the extractor prepares clips by the protocol's rules. A weights
    file that is found but is not the pinned one raises
    :class:`~benchmarks.features.weights.WeightsMismatch` (a ``ValueError``: exit 2).
    """
    factory = FEATURE_EXTRACTORS.get(name)
    kwargs = {"weights_path": weights_path} if weights_path else {}
    try:
        extractor = factory(device=device, i3d_path=i3d_path, **kwargs)
    except FeatureUnavailable as err:
        return None, str(err)
    if protocol is not None:
        extractor.protocol = protocol.clip
    return extractor, None


def metric_name(extractor_name: str) -> str:
    """The distance's name for an extractor's default protocol, known without loading it."""
    from benchmarks.features.protocols import resolve

    return resolve(None, extractor_name).metric


def cache_root() -> Path:
    base = os.environ.get("PYRATOK_CACHE") or Path.home() / ".cache" / "pyratok"
    return Path(base).expanduser() / "fvd_reference"


def reference_key(info: Any, extractor: ClipFeatureExtractor, *,
                  distance: DistanceProtocol | None = None, **protocol: Any) -> dict[str, Any]:
    """The key of a reference set: dataset facts, clip protocol, extractor and the named
    distance protocol with its fingerprint."""
    key = {
        "dataset": info.name, "version": info.version, "split": info.split,
        "root": info.root, "annotation_file": info.annotation_file,
        "protocol": {**extractor.protocol.to_dict(), **protocol},
        "extractor": extractor.name, "weights": extractor.weights,
    }
    if distance is not None:
        key["distance_protocol"] = distance.name
        key["distance_protocol_fingerprint"] = distance.fingerprint()
    return key


def key_hash(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


class ReferenceCache:
    """Per-sample real-clip features under one reference key."""

    def __init__(self, key: dict[str, Any], root: Path | None = None) -> None:
        self.key = key
        self.folder = (root or cache_root()) / key_hash(key)
        self.hits = 0
        self.misses = 0

    def _path(self, sample_id: str) -> Path:
        name = (sample_id if _SAFE.match(sample_id)
                else hashlib.sha256(sample_id.encode()).hexdigest())
        return self.folder / "features" / f"{name}.npy"

    def has(self, sample_ids: list[str]) -> bool:
        """Whether every one of ``sample_ids`` has cached features."""
        return all(self._path(s).is_file() for s in sample_ids)

    def features(self, sample_ids: list[str], compute: Callable[[], np.ndarray]) -> np.ndarray:
        """Cached ``(n, d)`` features of ``sample_ids``, or ``compute()`` and store them."""
        paths = [self._path(s) for s in sample_ids]
        if self.has(sample_ids):
            self.hits += len(paths)
            return np.stack([np.load(p) for p in paths])
        self.misses += len(paths)
        values = np.asarray(compute(), dtype=np.float64)
        (self.folder / "features").mkdir(parents=True, exist_ok=True)
        key_file = self.folder / "key.json"
        if not key_file.is_file():
            text = json.dumps(self.key, indent=1, sort_keys=True, default=str)
            _write_atomic(key_file, text.encode())
        for path, row in zip(paths, values, strict=True):
            tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, row)
            os.replace(tmp, path)
        return values

    def save_stats(self, stats: FeatureStats, sample_ids: list[str]) -> Path:
        ids = hashlib.sha256("".join(f"{s}\n" for s in sample_ids).encode()).hexdigest()[:16]
        return stats.save(self.folder / f"stats-{ids}.npz")


def clip_set(sample_ids: Iterable[str]) -> dict[str, Any]:
    """``{"count", "ids_sha256"}`` of a set of clip ids (sorted, one per line): the part of
    the reference key that tells a partial copy's or a ``--limit`` run's clips apart."""
    ids = sorted(sample_ids)
    digest = hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest()
    return {"count": len(ids), "ids_sha256": digest}


def stats_of(rows: Iterable[np.ndarray], dim: int) -> FeatureStats:
    """Statistics of per-sample ``(d,)`` features, summed in the given (sample-id) order."""
    stacked = [np.asarray(r, np.float64).reshape(-1) for r in rows]
    if not stacked:
        return FeatureStats.empty(dim)
    return FeatureStats.from_features(np.stack(stacked))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
