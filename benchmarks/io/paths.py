"""Paths in messages: relative to the dataset root the user gave, and the error that names one."""

from __future__ import annotations

import os
from pathlib import Path


def relative_text(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, ``/``-separated; ``"."`` for the root itself (a reader
    that also looks in the root says ``./``, never an empty name or ``/``); as given when
    it is outside ``root``."""
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


class PathError(Exception):
    """Something wrong with one file or folder, shown as ``<path>: <reason>``.

    Attributes:
        path: the file or folder.
        reason: one line saying what is wrong (and what was expected).
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        # Both values go to ``args`` so the error pickles across DataLoader workers.
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def file_stem(sample_id: str) -> str:
    """A sample id as one file name (a folder reader's ids are relative paths: ``/`` becomes
    ``__``), for the files a family writes per sample."""
    return sample_id.replace("/", "__")
