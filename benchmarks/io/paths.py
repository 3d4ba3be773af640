"""Paths as a message shows them: relative to the dataset root the user gave."""

from __future__ import annotations

from pathlib import Path


def relative_text(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, ``/``-separated; ``"."`` for the root itself (a reader
    that also looks in the root says ``./``, never an empty name or ``/``); as given when
    it is outside ``root``."""
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()
