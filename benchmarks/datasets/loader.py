"""Decoding in DataLoader workers, so the tokenizer never waits on video I/O.

Each item is a :class:`~benchmarks.datasets.base.Sample` (with its input's content
fingerprint, :mod:`benchmarks.io.input_fingerprint`) or the
:class:`~benchmarks.datasets.base.SampleError` that loading it raised: one bad video never
stops a run. Batches are plain lists; the runner groups clips of equal shape itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence

import torch.utils.data

from benchmarks.datasets.base import Dataset, Sample, SampleError, SampleRef
from benchmarks.io.input_fingerprint import input_fingerprint
from benchmarks.io.processes import preload_forkserver, worker_init_fn

LoadResult = Sample | SampleError


class SampleLoaderDataset(torch.utils.data.Dataset[LoadResult]):
    """Map-style view of ``refs`` whose items are loaded samples or their errors.

    Args:
        dataset: the reader that loads a ref.
        refs: the samples to load (e.g. this rank's shard, minus resumed ones).
        num_frames: clip length passed to ``dataset.load`` (``None``: its default).
    """

    def __init__(
        self, dataset: Dataset, refs: Sequence[SampleRef], *, num_frames: int | None
    ) -> None:
        self.dataset = dataset
        self.refs = list(refs)
        self.num_frames = num_frames

    def __len__(self) -> int:
        return len(self.refs)

    def __getitem__(self, index: int) -> LoadResult:
        """Never raises: an error while loading is returned as a ``SampleError``. A loaded
        sample gets its input's content fingerprint (``None`` if it cannot be read)."""
        ref = self.refs[index]
        try:
            sample = self.dataset.load(ref, num_frames=self.num_frames)
            try:
                sample.fingerprint = input_fingerprint(ref.path)
            except OSError:  # loaded all the same: a fact the record lacks, not a failure
                sample.fingerprint = None
            return sample
        except SampleError as error:
            return error
        except Exception as error:  # a reader bug must not kill the worker and the run
            return SampleError(ref.sample_id, ref.path, f"{type(error).__name__}: {error}")


def collate_list(batch: list[LoadResult]) -> list[LoadResult]:
    """Keep the batch as a list (clips may differ in shape; errors are not tensors)."""
    return batch


def make_loader(
    dataset: Dataset,
    refs: Sequence[SampleRef],
    *,
    num_frames: int | None,
    batch_size: int,
    num_workers: int,
    prefetch_factor: int = 2,
) -> torch.utils.data.DataLoader[LoadResult]:
    """A DataLoader over ``refs`` in order, yielding lists of ``Sample | SampleError``.

    Args:
        dataset: the reader.
        refs: samples to load, in the order they are yielded.
        num_frames: clip length for ``dataset.load``.
        batch_size: items per yielded list.
        num_workers: background decoding processes; 0 decodes in the calling process.
        prefetch_factor: batches each worker decodes ahead (ignored when ``num_workers=0``).
    """
    if batch_size < 1 or num_workers < 0:
        raise ValueError(
            f"need batch_size >= 1 and num_workers >= 0, got {batch_size}, {num_workers}"
        )
    workers = num_workers > 0
    # Not "fork": the parent may hold decord/FFmpeg, numba or OpenMP thread pools whose
    # locks a forked child inherits mid-use, which can deadlock the worker.
    context = multiprocessing.get_context("forkserver") if workers else None
    if context is not None:  # a SIGKILLed run leaves no forkserver or worker behind
        preload_forkserver(context)
    return torch.utils.data.DataLoader(
        SampleLoaderDataset(dataset, refs, num_frames=num_frames),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=collate_list,
        pin_memory=False,
        persistent_workers=False,
        prefetch_factor=prefetch_factor if workers else None,
        multiprocessing_context=context,
        worker_init_fn=worker_init_fn() if workers else None,
    )
