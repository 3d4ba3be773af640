"""The one check of a folder (or file) a command writes into: run, merge, score, compare,
tables, report, rd.

A path that is a file, sits under a file, or cannot be written is one line naming the
path, what is wrong and what to do (``OutputPathError`` is a ``ValueError``: the CLI prints
it and exits 2), before any work is done.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that cannot be written; the message names it and the fix."""


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def output_folder(path: str | os.PathLike[str], *, option: str, create: bool = True) -> Path:
    """``path`` as a folder that takes new files (created when missing, if ``create``).

    Args:
        path: the folder the command writes into.
        option: how the user named it (``"--output"``, ``"--out"``), for the message.
        create: make the folder now; ``False`` only checks (a probe file is made and
            removed in it, or in its nearest existing parent), leaving nothing behind.

    Raises:
        OutputPathError: a file, a path under a file, or a folder that cannot be written.
    """
    folder = Path(path).expanduser()
    shown = f"{option} {folder}"
    if folder.exists() and not folder.is_dir():
        raise OutputPathError(f"{shown}: is a file, not a folder; pass a folder path (a new "
                              "one is created)")
    found = _first_existing(folder)
    if not found.is_dir():
        raise OutputPathError(f"{shown}: {found} is a file, so no folder can be made under "
                              "it; pass a path outside it")
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder if create else found, prefix=".write-check-"):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise OutputPathError(f"{shown}: cannot write there ({reason}); pass a folder on a "
                              "writable disk that you own, e.g. under your home") from err
    return folder


def output_file(path: str | os.PathLike[str], *, option: str) -> Path:
    """``path`` as a file that can be written: its folder exists and takes new files, and
    it is not itself a folder."""
    file = Path(path).expanduser()
    if file.is_dir():
        raise OutputPathError(f"{option} {file}: is a folder; pass a file name "
                              f"(e.g. {file / 'table.md'})")
    if not file.parent.is_dir():
        raise FileNotFoundError(f"{option} {path}: no folder {file.parent}")
    output_folder(file.parent, option=option)
    if file.exists() and not os.access(file, os.W_OK):
        raise OutputPathError(f"{option} {file}: the file is not writable; pass another "
                              "file name or make it writable")
    return file
