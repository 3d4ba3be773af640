"""Finding the codec setting that lands on a target rate (bits per pixel).

Codecs are driven by a quality knob (x264/x265 CRF, VVenC QP), not by a rate: the rate
is found by search, each trial a full encode of the sequence whose bits are counted from
the stream itself. ``ln(bits)`` is close to linear in CRF / QP (about −0.1 per step), so
the search takes secant steps in ``ln(bpp)``, keeps the target bracketed between the
closest trials above and below it, and stops at the first trial within the tolerance (or
when a bracket of adjacent integer QPs leaves no setting in between). The trial closest
to the target in ``|ln(bpp / target)|`` is returned, with every trial for the record.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Knob:
    """A codec's quality setting: higher values give fewer bits.

    Attributes:
        name: the encoder option (``crf``, ``qp``).
        low, high: its valid range.
        start: the first trial.
        integer: only whole values exist (QP).
        slope: a first guess of ``d ln(bits) / d knob`` (negative).
    """

    name: str
    low: float
    high: float
    start: float
    integer: bool
    slope: float = -0.11


@dataclass
class RateSearch:
    """The outcome of :func:`search_rate`.

    Attributes:
        knob: the chosen setting.
        stream: the elementary stream it produced.
        bpp: its rate, ``8 · len(stream) / pixels``.
        within_tolerance: ``|bpp / target − 1| <= tolerance``.
        trials: every ``(knob, bpp)`` tried, in order.
    """

    knob: float
    stream: bytes
    bpp: float
    within_tolerance: bool
    trials: list[tuple[float, float]] = field(default_factory=list)


def search_rate(
    encode: Callable[[float], bytes],
    *,
    pixels: int,
    target_bpp: float,
    tolerance: float,
    knob: Knob,
    max_trials: int,
) -> RateSearch:
    """Encode with ``encode(knob_value)`` until the rate is within ``tolerance`` of target.

    Args:
        encode: one full encode at a knob value → the stream's bytes.
        pixels: ``width · height · frames`` of the sequence.
        target_bpp: the rate aimed at.
        tolerance: relative, e.g. 0.1 for ±10%.
        knob: the setting searched.
        max_trials: encodes at most.
    """
    if target_bpp <= 0 or pixels <= 0:
        raise ValueError(f"target_bpp and pixels must be positive, got {target_bpp}, {pixels}")
    log_target = math.log(target_bpp)
    tried: dict[float, float] = {}  # knob -> ln(bpp)
    order: list[tuple[float, float]] = []
    best: tuple[float, float, bytes] | None = None  # (|error|, knob, stream)

    def snap(value: float) -> float:
        value = min(max(value, knob.low), knob.high)
        return float(round(value)) if knob.integer else round(value, 2)

    value = snap(knob.start)
    for _ in range(max_trials):
        stream = encode(value)
        bpp = 8 * len(stream) / pixels
        log_bpp = math.log(max(bpp, 1e-12))
        tried[value] = log_bpp
        order.append((value, bpp))
        error = abs(log_bpp - log_target)
        if best is None or error < best[0]:
            best = (error, value, stream)
        if abs(bpp / target_bpp - 1) <= tolerance:
            break
        nxt = _next_value(tried, log_target, knob)
        nxt = snap(nxt)
        if nxt in tried:  # adjacent integers bracket the target, or the range is exhausted
            break
        value = nxt
    assert best is not None
    _, value, stream = best
    bpp = 8 * len(stream) / pixels
    return RateSearch(
        knob=value,
        stream=stream,
        bpp=bpp,
        within_tolerance=abs(bpp / target_bpp - 1) <= tolerance,
        trials=order,
    )


def _next_value(tried: dict[float, float], log_target: float, knob: Knob) -> float:
    """A secant step toward ``log_target``, kept strictly inside the current bracket."""
    above = [k for k, r in tried.items() if r > log_target]  # too many bits: raise the knob
    below = [k for k, r in tried.items() if r <= log_target]
    lo = max(above) if above else None
    hi = min(below) if below else None
    if lo is not None and hi is not None:
        r_lo, r_hi = tried[lo], tried[hi]
        slope = (r_hi - r_lo) / (hi - lo) if hi != lo and r_hi != r_lo else knob.slope
        guess = lo + (log_target - r_lo) / slope
        if knob.integer:
            guess = min(max(round(guess), lo + 1), hi - 1)
            return guess if hi - lo > 1 else lo  # nothing between adjacent QPs
        margin = 0.05 * (hi - lo)
        return min(max(guess, lo + margin), hi - margin)
    # one side only: step from the nearest trial with the best slope estimate there is
    anchor = lo if lo is not None else hi
    ks = sorted(tried)
    slope = knob.slope
    if len(ks) >= 2:
        k0, k1 = ks[0], ks[-1]
        if tried[k1] != tried[k0]:
            slope = min((tried[k1] - tried[k0]) / (k1 - k0), -1e-3)
    guess = anchor + (log_target - tried[anchor]) / slope
    if knob.integer and round(guess) == anchor:
        guess = anchor + (1 if lo is not None else -1)
    return guess
