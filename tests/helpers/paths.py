"""The repository root, for tests that read its files (README, results/, examples/ ...)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
