"""The runner's decode-ahead thread: order, errors where they happened, a clean stop."""

from __future__ import annotations

import time

import pytest

from benchmarks.runner.prefetch import Prefetch


def test_yields_every_item_in_order():
    with Prefetch(iter(range(100))) as items:
        assert list(items) == list(range(100))


def test_an_error_of_the_source_is_raised_after_the_items_before_it():
    def source():
        yield from (1, 2)
        raise OSError("disk gone")

    got = []
    with Prefetch(source()) as items, pytest.raises(OSError, match="disk gone"):
        for item in items:
            got.append(item)
    assert got == [1, 2]


def test_reads_at_most_depth_items_ahead_of_the_consumer():
    pulled = []

    def source():
        for k in range(50):
            pulled.append(k)
            yield k

    with Prefetch(source(), depth=2) as items:
        iterator = iter(items)
        assert next(iterator) == 0
        time.sleep(0.3)  # give the thread time to run ahead as far as it may
        # one handed over, two waiting in the queue, one in the thread's hand
        assert len(pulled) <= 1 + 2 + 1


def test_leaving_early_stops_the_thread():
    def source():
        yield from range(10_000)

    prefetch = Prefetch(source())
    for item in prefetch:
        if item == 3:
            break
    prefetch.close()
    assert not prefetch._thread.is_alive()


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        Prefetch([], depth=0)
