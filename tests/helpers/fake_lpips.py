"""Fake LPIPS trunks for tests: random fixed-seed weights at torchvision's file name.

A real run checks a trunk file's SHA-256 against the published file's
(:func:`benchmarks.metrics.lpips.verify_checkpoint`); a fake file never passes. A test
accepts ITS fake file explicitly, and only inside a ``monkeypatch`` scope: the expected
digest becomes that file's own, so any other file at the name is still refused and,
once the scope ends, so is the fake. Never for a number anyone reports.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from benchmarks.io.digests import file_digests
from benchmarks.metrics import lpips_trunks
from tests.fixtures.make_lpips_golden import FAKE_STATE_DICTS


def accept_fake_trunk(monkeypatch: pytest.MonkeyPatch, path: Path, net: str) -> None:
    """Within ``monkeypatch``'s scope, the ``net`` trunk's expected SHA-256 is that of the
    file at ``path`` (the fake a test placed)."""
    digest = file_digests(path)["sha256"]
    trunk = lpips_trunks.TRUNKS[net]
    monkeypatch.setitem(lpips_trunks.TRUNKS, net, replace(trunk, sha256=digest))


def place_fake_trunk(monkeypatch: pytest.MonkeyPatch, hub: Path, net: str) -> Path:
    """Write the fake ``net`` trunk as ``<hub>/checkpoints/<torchvision's file>`` and
    accept it for ``monkeypatch``'s scope; returns the file."""
    path = hub / "checkpoints" / lpips_trunks.TRUNKS[net].checkpoint
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(FAKE_STATE_DICTS[net](), path)
    accept_fake_trunk(monkeypatch, path, net)
    return path
