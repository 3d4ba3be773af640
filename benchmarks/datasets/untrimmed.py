"""What the untrimmed-video readers share (THUMOS14, ActivityNet): the video lookup in
``<root>/videos/`` then ``<root>/``, ``load`` as a probe (the task family streams the
frames itself, so a 30-minute video runs in bounded memory) and the counts of ``info``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.datasets.annotation import TemporalSegments
from benchmarks.datasets.base import Sample, SampleError, SampleRef
from benchmarks.datasets.index import IndexedDataset
from benchmarks.datasets.media import find_video, listing, load_untrimmed, video_not_found

VideoLookup = Callable[[str, Sequence[str]], "Path | SampleError"]


class UntrimmedVideoDataset(IndexedDataset):
    """A reader of untrimmed videos whose refs carry :class:`TemporalSegments`.

    A subclass sets ``root`` and ``video_extensions`` (in order of preference) and has a
    cached ``_parse()`` (:class:`~benchmarks.datasets.base.IndexedDataset`).
    """

    annotation: ClassVar[type[TemporalSegments]] = TemporalSegments
    video_extensions: ClassVar[tuple[str, ...]]
    root: Path

    @property
    def video_dirs(self) -> list[Path]:
        """The folders searched for a video, in order."""
        return [self.root / "videos", self.root]

    def load(self, ref: SampleRef, *, num_frames: int | None = None) -> Sample:
        """Probe the video; ``video`` is empty ``(3, 0, 1, 1)``, the probe is in
        ``ref.extra`` (``num_frames``, ``fps``, ``height``, ``width``). ``num_frames`` is
        ignored: the whole video is the sample.

        Raises:
            SampleError: missing or unreadable video.
        """
        return load_untrimmed(ref)

    def _video_lookup(self) -> VideoLookup:
        """``lookup(video_id, stems)``: the first ``<stem><ext>`` in :attr:`video_dirs`
        (each folder listed once, here), else the ``"video not found (looked for ...)"``
        :class:`SampleError` of the video."""
        folders = self.video_dirs
        listings = [(folder, listing(folder)) for folder in folders]

        def lookup(video_id: str, stems: Sequence[str]) -> Path | SampleError:
            found = find_video(stems, self.video_extensions, listings)
            if found is None:
                return video_not_found(video_id, stems, self.video_extensions, folders, self.root)
            return found

        return lookup

    def _counts(self) -> dict[str, Any]:
        """``n_videos``, ``n_videos_missing``, ``n_malformed_rows``, ``n_segments`` for
        ``info().extra``."""
        parsed = self._parse()
        return {
            "n_videos": len(parsed.refs),
            "n_videos_missing": len(parsed.missing),
            "n_malformed_rows": len(parsed.malformed),
            "n_segments": sum(len(r.annotation.segments) for r in parsed.refs),
        }
