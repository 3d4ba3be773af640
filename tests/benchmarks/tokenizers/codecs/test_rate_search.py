"""The codec rate search on a model codec whose bits are known exactly."""

from __future__ import annotations

import math

import pytest

from benchmarks.tokenizers.codecs.rate_search import Knob, search_rate

PIXELS = 1_000_000


def model_encoder(scale: float, slope: float, calls: list):
    """A 'stream' of round(scale * exp(slope * knob)) bytes."""

    def encode(value: float) -> bytes:
        calls.append(value)
        return bytes(max(1, round(scale * math.exp(slope * value))))

    return encode


@pytest.mark.parametrize("target", [0.01, 0.034, 0.1, 0.5])
def test_float_knob_lands_within_tolerance(target):
    calls: list = []
    knob = Knob("crf", 0.0, 51.0, start=35.0, integer=False, slope=-0.1)
    out = search_rate(model_encoder(5e6, -0.17, calls), pixels=PIXELS, target_bpp=target,
                      tolerance=0.1, knob=knob, max_trials=10)
    assert out.within_tolerance and abs(out.bpp / target - 1) <= 0.1
    assert out.bpp == 8 * len(out.stream) / PIXELS
    assert [k for k, _ in out.trials] == calls and len(calls) <= 6


def test_integer_knob_stops_between_adjacent_values():
    # 60% per step: no integer lands within 10% of a target between two steps
    calls: list = []
    knob = Knob("qp", 0.0, 63.0, start=30.0, integer=True)
    target = 8 * 2000 * 1.25 / PIXELS  # between qp giving 2000 and 3200 bytes
    encode = model_encoder(2000 * math.exp(0.47 * 30), -0.47, calls)
    out = search_rate(encode, pixels=PIXELS, target_bpp=target, tolerance=0.1, knob=knob,
                      max_trials=20)
    assert not out.within_tolerance
    assert all(float(k).is_integer() for k in calls) and len(set(calls)) == len(calls)
    assert out.knob in (29.0, 30.0) and len(calls) <= 4


def test_out_of_range_target_ends_at_the_bound():
    calls: list = []
    knob = Knob("crf", 0.0, 51.0, start=35.0, integer=False)
    out = search_rate(model_encoder(1e3, -0.1, calls), pixels=PIXELS, target_bpp=1e-6,
                      tolerance=0.1, knob=knob, max_trials=10)
    assert not out.within_tolerance and out.knob == 51.0
