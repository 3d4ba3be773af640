"""A reader's parsed index, and ``refs()`` / ``bad_rows()`` / ``absent()`` served from it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from benchmarks.datasets.base import SampleError, SampleRef


@dataclass(frozen=True)
class Index:
    """What a reader's index parse gives :class:`IndexedDataset`.

    Attributes:
        refs: usable samples whose media is on disk, in index order.
        malformed: index rows that could not be read.
        missing: rows whose media is absent (a partial download).
    """

    refs: list[SampleRef]
    malformed: list[SampleError]
    missing: list[SampleError]

    @classmethod
    def on_disk(cls, refs: list[SampleRef], malformed: list[SampleError]) -> Index:
        """The ``refs`` whose media path exists, the others ``missing`` as
        ``SampleError(id, path, "file not found")`` (one ``stat`` per ref, no decoding)."""
        present, absent = [], []
        for ref in refs:
            if os.path.exists(ref.path):
                present.append(ref)
            else:
                absent.append(SampleError(ref.sample_id, ref.path, "file not found"))
        return cls(present, malformed, absent)


class IndexedDataset:
    """``refs()``, ``bad_rows()`` and ``absent()`` for a reader whose cached ``_parse()``
    returns an :class:`Index` (or an object with its three lists)."""

    def _parse(self) -> Any:
        raise NotImplementedError

    def refs(self) -> list[SampleRef]:
        """Usable samples, in index order (media is not opened)."""
        return list(self._parse().refs)

    def bad_rows(self) -> list[SampleError]:
        """Malformed index rows (absent media is :meth:`absent`, not a bad row)."""
        return list(self._parse().malformed)

    def absent(self) -> list[SampleError]:
        """Listed samples whose media file is not on disk."""
        return list(self._parse().missing)

    def questions(self) -> list[Any] | None:
        """Every question of a question-answering set, its video present or not (MVBench:
        the denominator of accuracy); ``None`` (the default) where samples are no questions."""
        return None
