"""A sample's media on disk: finding it (folder listings, the first candidate that exists,
one "looked for ..." wording), the data root's symlink policy, and opening it as a
:class:`~benchmarks.datasets.base.Sample` (a clip, an image, or an untrimmed video probed
for the family to stream)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import torch

from benchmarks.datasets.base import DatasetError, Sample, SampleError, SampleRef
from benchmarks.io.image import read_image
from benchmarks.io.paths import relative_text
from benchmarks.io.sampling import FrameSampling, padded_frames
from benchmarks.io.video import Backend, DecodeError, probe_video, read_clip

# finding


def is_file_entry(entry: os.DirEntry[str]) -> bool:
    """``entry.is_file()``, a symlink followed; ``False`` (not an ``OSError``) where it
    cannot be resolved: a symlink loop, like a dangling link, is no file."""
    try:
        return entry.is_file()
    except OSError:
        return False


def is_dir_entry(entry: os.DirEntry[str]) -> bool:
    """``entry.is_dir()``, a symlink followed; ``False`` where it cannot be resolved."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def listing(folder: Path) -> frozenset[str]:
    """The names of the files in ``folder`` (one directory listing; empty if absent)."""
    if not folder.is_dir():
        return frozenset()
    with os.scandir(folder) as entries:
        return frozenset(e.name for e in entries if is_file_entry(e))


def looked_for(paths: Sequence[Path], root: Path, *, slash: bool = False) -> str:
    """``"a, b/c"``: ``paths`` relative to ``root`` for a "looked for ..." message, each
    with a trailing ``/`` if ``slash`` (folders)."""
    return ", ".join(relative_text(p, root) + ("/" if slash else "") for p in paths)


def locate(
    root: Path,
    given: str | None,
    candidates: Sequence[Path],
    *,
    exists: Callable[[Path], bool],
    not_found: str,
    none_found: str,
    slash: bool = False,
    hint: str = "",
) -> Path:
    """``root / given`` if the user named it, else the first of ``candidates`` that exists.

    Raises:
        DatasetError: ``(root / given, not_found)`` if the named one does not exist;
            ``(root, "<none_found>; looked for <candidates><hint>")`` if none does.
    """
    if given is not None:
        path = root / given
        if not exists(path):
            raise DatasetError(path, not_found)
        return path
    found = next((p for p in candidates if exists(p)), None)
    if found is None:
        raise DatasetError(
            root, f"{none_found}; looked for {looked_for(candidates, root, slash=slash)}{hint}"
        )
    return found


def find_video(
    stems: Sequence[str], extensions: Sequence[str], listings: Sequence[tuple[Path, frozenset[str]]]
) -> Path | None:
    """The first ``<stem><extension>`` in a listed folder (stems, then extensions, then
    folders in the order given), ``None`` if there is none."""
    for stem in stems:
        for extension in extensions:
            for folder, names in listings:
                if stem + extension in names:
                    return folder / (stem + extension)
    return None


def video_not_found(
    sample_id: str, stems: Sequence[str], extensions: Sequence[str], folders: Sequence[Path],
    root: Path,
) -> SampleError:
    """``SampleError(id, <first folder>/<first stem><first extension>, "video not found
    (looked for <stem>.{mp4,...} and ... in <folders>)")``."""
    exts = ",".join(e.lstrip(".") for e in extensions)
    names = " and ".join(f"{stem}.{{{exts}}}" for stem in stems)
    return SampleError(
        sample_id,
        folders[0] / (stems[0] + extensions[0]),
        f"video not found (looked for {names} in {looked_for(folders, root, slash=True)})",
    )


# symlinks


def links_outside(paths: Iterable[str], root: str | os.PathLike[str]) -> list[str]:
    """The ``paths`` that resolve, through a symlink, to a place outside ``root``.

    The policy for every reader: such an entry is followed and read like any other (data
    is often linked in from shared storage), and the run says so in one warning line
    (:func:`warn_links_outside`). A dangling symlink is not followed
    anywhere: it is an absent file, as before. One ``realpath`` per folder, one
    ``lstat`` per file.
    """
    base = os.path.realpath(root)
    real_folders: dict[str, str] = {}
    outside = []
    for path in paths:
        folder, name = os.path.split(path)
        if folder not in real_folders:
            real_folders[folder] = os.path.realpath(folder)
        real = (os.path.realpath(path) if os.path.islink(path)
                else os.path.join(real_folders[folder], name))
        if os.path.commonpath([base, real]) != base:
            outside.append(path)
    return outside


def warn_links_outside(refs: Sequence[SampleRef], root: Path, log: logging.Logger) -> None:
    """One warning line when some of ``refs`` resolve outside ``root``: how many, and the
    first with where it leads (once per run, by the runner's main process)."""
    outside = links_outside((r.path for r in refs), root)
    if outside:
        log.warning(
            "%d sample(s) under %s are symlinks leading outside it, followed as they are "
            "(the first: %s -> %s)",
            len(outside), root, relative_text(Path(outside[0]), root),
            os.path.realpath(outside[0]),
        )


# opening


class TrimmedClips:
    """``load`` of a reader of trimmed clips (Kinetics, UCF-101, WebVid): its ``sampling``
    picks and transforms the frames, its ``backend`` decodes them."""

    sampling: FrameSampling
    backend: Backend

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Decode the clip: ``video`` ``(3, t, H, W)`` float32 in [0, 1].

        Raises:
            SampleError: missing, corrupt or too short video.
        """
        return load_video_clip(ref, self.sampling, num_frames=num_frames, backend=self.backend)


def load_video_clip(
    ref: SampleRef,
    sampling: FrameSampling,
    *,
    num_frames: int | None = None,
    backend: Backend = "auto",
) -> Sample:
    """Decode the clip ``sampling`` selects from the video at ``ref.path`` (opened once).

    Returns:
        ``Sample`` with ``video`` of shape ``(3, t, H, W)`` float32 in [0, 1].

    Raises:
        SampleError: the file is missing, unreadable, truncated or too short.
    """
    chosen: list[int] = []

    def select(available: int) -> list[int]:
        chosen[:] = sampling.indices(available, num_frames)
        return chosen

    try:
        frames = read_clip(ref.path, select, backend=backend)
        video = sampling.transform(frames)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    except ValueError as error:  # no frame at all, or too small for the crop
        raise SampleError(ref.sample_id, ref.path, str(error)) from error
    return Sample(ref=ref, video=video, padded_frames=padded_frames(chosen))


def load_image_clip(ref: SampleRef, sampling: FrameSampling) -> Sample:
    """Decode the image at ``ref.path`` as a one-frame clip.

    Returns:
        ``Sample`` with ``video`` of shape ``(3, 1, H, W)`` float32 in [0, 1].

    Raises:
        SampleError: the file is missing, unreadable or too small for the crop.
    """
    try:
        video = sampling.transform(read_image(ref.path)[None])  # (1, h, w, 3)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    except ValueError as error:
        raise SampleError(ref.sample_id, ref.path, str(error)) from error
    return Sample(ref=ref, video=video)


def load_untrimmed(ref: SampleRef) -> Sample:
    """Probe an untrimmed video without decoding it (THUMOS14, ActivityNet).

    Returns:
        ``Sample`` whose ``ref.extra`` gains ``num_frames``, ``fps``, ``height``, ``width``
        and whose ``video`` is ``torch.zeros(3, 0, 1, 1)``: the task family streams the
        frames from ``ref.path`` itself.

    Raises:
        SampleError: missing or unreadable file.
    """
    try:
        probe = probe_video(ref.path)
    except DecodeError as error:
        raise SampleError(ref.sample_id, ref.path, error.reason) from error
    probed = replace(ref, extra={**ref.extra, **probe._asdict()})
    return Sample(ref=probed, video=torch.zeros(3, 0, 1, 1))
