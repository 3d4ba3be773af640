"""A plain folder of videos: a user's own clips for reconstruction, no index file.

Layout: any folder; every file under it (recursively) whose extension is a common video
container (:data:`VIDEO_EXTENSIONS`, any letter case) is a sample, in sorted order of its
path relative to the root, which is also its id (``trip/day1/clip.MP4``, ``/``-separated).
Other files are ignored. A symlinked file or folder is followed like any other (the data
root's symlink policy: :func:`~benchmarks.datasets.media.links_outside`); a folder reached
twice (a symlink loop) is walked once.

What the folder holds is read as it is: a file that does not decode (a zero-byte ``.mp4``,
a text file named ``.mov``) is a failure when it is loaded, like every reader's; a dangling
symlink is absent (``n_missing``); a file whose name is not UTF-8 is a bad row (its id
could not be written to the run's files), named with the undecodable bytes escaped. A
folder without a single video is a one-line error. There is no ground truth and no demo
set: a task over this reader names its folder (``data_root:`` in the task file, or
``--data-root``).
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.datasets.base import DatasetError, DatasetInfo, SampleError, SampleRef
from benchmarks.datasets.index import Index, IndexedDataset
from benchmarks.datasets.media import TrimmedClips, is_dir_entry
from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import Backend

VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".wmv", ".flv",
    ".ogv", ".3gp",
})


def is_video_name(name: str) -> bool:
    """Whether ``name`` ends in a video extension (any letter case)."""
    return os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def shown(text: str) -> str:
    """``text`` printable: bytes that are not UTF-8 (kept by the file system as surrogate
    escapes) written as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def video_files(root: Path) -> list[str]:
    """Every video file under ``root`` as a ``/``-separated path relative to it, sorted.

    Symlinked folders are followed; each real folder is walked once, under the first of
    its paths in sorted order (a symlink loop ends). Folders that cannot be listed are
    skipped.
    """
    found: list[str] = []
    walked: set[str] = set()
    pending = [""]
    while pending:
        relative = pending.pop()
        folder = os.path.join(root, relative)
        real = os.path.realpath(folder)
        if real in walked:
            continue
        walked.add(real)
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        folders = []
        for entry in listed:
            name = f"{relative}/{entry.name}" if relative else entry.name
            if is_dir_entry(entry):  # a symlink followed; not when it dangles or loops
                folders.append(name)
            elif is_video_name(entry.name):
                found.append(name)
        pending.extend(reversed(folders))  # popped in sorted order: depth first
    return sorted(found)


class VideoFolderDataset(TrimmedClips, IndexedDataset):
    """Every video file under ``root``.

    Args:
        root: the folder (searched recursively).
        sampling: clip selection and preprocessing.
        backend: video decoder (see :func:`benchmarks.io.video.read_frames`).
    """

    name = "video-folder"
    annotation = None  # the clips themselves are the reference
    demo = None  # a user's own data: the task names its folder

    def __init__(self, root: str | os.PathLike[str], *, sampling: FrameSampling,
                 backend: Backend = "auto") -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(self.root, "no such folder (expected a folder of videos)")
        self.sampling = sampling
        self.backend: Backend = backend
        self._parsed: Index | None = None

    def info(self) -> DatasetInfo:
        """No split, index file, version or classes; an empty folder is an error."""
        parsed = self._parse()
        if not (parsed.refs or parsed.malformed or parsed.missing):
            extensions = ", ".join(sorted(VIDEO_EXTENSIONS))
            raise DatasetError(self.root, f"no video file in this folder or below it "
                                          f"(looked for {extensions}, any letter case)")
        return DatasetInfo(name=self.name, root=str(self.root))

    def _parse(self) -> Index:
        """The videos on disk (``refs``), names that are not UTF-8 (``malformed``) and
        dangling symlinks (``missing``)."""
        if self._parsed is None:
            refs, bad = [], []
            for relative in video_files(self.root):
                path = str(self.root / relative)
                if shown(relative) != relative:
                    bad.append(SampleError(shown(relative), shown(path),
                                           "file name is not UTF-8: rename the file"))
                    continue
                refs.append(SampleRef(sample_id=relative, path=path))
            self._parsed = Index.on_disk(refs, bad)
        return self._parsed
