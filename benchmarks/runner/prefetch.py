"""Decode the next batch in a thread while the current one is scored.

With ``num_workers=0`` a DataLoader decodes in the calling thread, so the tokenizer and the
metrics wait for every clip's decode. :class:`Prefetch` runs the loader's iterator in one
background thread, ``depth`` batches ahead: decoding (FFmpeg/decord, resizing) releases the
GIL, so it overlaps with scoring. One producer keeps the order of the loader; what the
loader yields (a ``Sample`` or the ``SampleError`` of one bad clip) passes through
unchanged, and an exception it raises is raised in the consuming thread at the place it
would have been. Nothing is lost on a crash: a batch decoded ahead and never scored has no
record yet, so a resumed run decodes it again. As in DataLoader workers, a reader's
``load`` must not draw from torch's global random generator (scoring reseeds it per batch,
from another thread).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()  # the loader is exhausted


class _Raised:
    """An exception the loader raised, carried to the consuming thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead.

    Use as a context manager (or call :meth:`close`): leaving it early (an error, Ctrl-C,
    ``--strict``) stops the thread after the item it is decoding.
    """

    def __init__(self, source: Iterable[T], *, depth: int = 1) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(iter(source),),
                                        name="benchmarks-prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        """Hand ``item`` over, waiting for room; ``False`` once the consumer has left."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            self._put(_Raised(error))
            return
        self._put(_END)

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]

    def close(self) -> None:
        """Stop the thread (it finishes the item in hand) and wait for it."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetch[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
