"""Opening an input file only when it is a regular file.

A path a user gives (predictions, ground truth, a task YAML, a summary, a checkpoint) may be
a FIFO, which blocks ``open`` until some writer appears, or a device such as ``/dev/zero``,
which never ends: either hangs the command. Every reader of a user's file opens it here:
non-blocking (so a FIFO's ``open`` returns at once), then ``fstat`` on the open descriptor
(no race with a rename), and anything but a regular file is refused with
:class:`NotRegularFile` — a ``FileNotFoundError`` (no regular file of that name), so every
handler that turns a missing file into one line does the same for it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, Any

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotRegularFile(FileNotFoundError):
    """``path`` exists but is no regular file (a folder, FIFO, device or socket)."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(errno.ENOENT, f"not a regular file ({kind})", str(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def open_regular(path: str | os.PathLike[str], mode: str = "rb", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, **kwargs)`` for reading, refusing anything but a regular file.

    Raises:
        NotRegularFile: ``path`` is a folder, FIFO, device or socket.
        OSError: as ``open`` raises it (``FileNotFoundError`` for no such path).
    """
    if any(c in mode for c in "wax+"):
        raise ValueError(f"open_regular reads; mode {mode!r} writes")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise NotRegularFile(path, "a folder") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, _kind(info.st_mode))
        os.set_blocking(fd, True)
        return open(fd, mode, **kwargs)  # noqa: SIM115 - the caller closes it
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`)."""
    with open_regular(path, "rb") as f:
        return f.read()


def read_text(path: str | os.PathLike[str], *, encoding: str = "utf-8",
              errors: str = "strict") -> str:
    """The text of the regular file ``path`` (see :func:`open_regular`); universal
    newlines, as ``Path.read_text``."""
    with open_regular(Path(path), "r", encoding=encoding, errors=errors) as f:
        return f.read()
