"""rFVD for the reconstruction family: a distance between real and reconstructed clips.

Optional (``--task-arg rfvd=true``), under a named distance protocol
(:mod:`benchmarks.features.protocols`): ``--task-arg protocol=fvd-styleganv`` (the default
for ``features=i3d``), ``fvd-videogpt``, ``cd-fvd``, ``jedi``, or the harness's
``fd-effnet-lite0`` / ``fd-pixels8``. Each clip's features — real (cached per reference
key, :mod:`benchmarks.features.stage`) and reconstructed — go to the run's side file as
``rfvd_real`` / ``rfvd_recon``; ``finalize`` sums them in sample-id order and reports
``r<metric>`` (``rfvd``, ``rfvd_videogpt``, ``rcd_fvd``, ``rjedi``, ``rfd_effnet_lite0``),
with the protocol's name, fields and small-n flag under ``evaluation.protocols``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from benchmarks.features import stage
from benchmarks.features.protocols import DistanceProtocol, resolve


class RfvdStage:
    """Per-clip features for rFVD and their distance (a no-op when disabled)."""

    def __init__(self, *, enabled: bool, features: str, i3d_path: str | None,
                 device: torch.device, protocol: str | None = None,
                 weights_path: str | None = None) -> None:
        self.enabled = enabled
        self.protocol: DistanceProtocol = resolve(protocol, features)
        self.metric = "r" + self.protocol.metric
        self.extractor, self.reason = (None, None)
        if enabled:
            self.extractor, self.reason = stage.open_extractor(
                self.protocol.extractor, device=device, i3d_path=i3d_path,
                weights_path=weights_path, protocol=self.protocol)
        self.cache: stage.ReferenceCache | None = None
        self._too_short: str | None = None

    def setup(self, info: Any, sampling: Any) -> None:
        if self.extractor is not None:
            self.key = stage.reference_key(info, self.extractor, distance=self.protocol,
                                           sampling=sampling.__dict__)
            self.cache = stage.ReferenceCache(self.key)

    def unavailable(self) -> dict[str, str]:
        if not self.enabled:
            return {}
        why = self.reason or self._too_short
        return {self.metric: f"{self.protocol.name}: {why}"} if why else {}

    def arrays(self, ids: list[str], video: Tensor, recon: Tensor) -> list[dict[str, np.ndarray]]:
        """Side-file arrays per clip (``video``/``recon`` ``(b, 3, t, h, w)`` in [-1, 1])."""
        if self.extractor is None or self.cache is None:
            return [{} for _ in ids]
        span = self.extractor.protocol.span
        if video.shape[2] < span:
            self._too_short = (f"clips have {video.shape[2]} frame(s); the protocol needs "
                               f"{span}")
            return [{} for _ in ids]
        real = self.cache.features(ids, lambda: self.extractor(video))
        fake = self.extractor(recon)
        return [{"rfvd_real": real[i], "rfvd_recon": fake[i]} for i in range(len(ids))]

    def finalize(self, records: list) -> tuple[dict[str, float | None], dict[str, Any]]:
        if self.extractor is None:
            return {}, {}
        rows = [a for a in (r.arrays() for r in records) if "rfvd_real" in a]
        record = {self.metric: self.protocol.record(len(rows), self.extractor.weights_loaded)}
        if len(rows) < 2:
            return {self.metric: None}, {"rfvd_clips": len(rows), "protocols": record}
        real = stage.stats_of((a["rfvd_real"] for a in rows), self.extractor.dim)
        recon = stage.stats_of((a["rfvd_recon"] for a in rows), self.extractor.dim)
        return {self.metric: self.protocol.value(real, recon)}, {
            "rfvd_clips": len(rows), "rfvd_features": self.extractor.describe(),
            "rfvd_reference_key": self.key, "rfvd_reference_key_hash": stage.key_hash(self.key),
            "protocols": record}
