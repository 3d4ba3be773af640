"""Motions of the demo shapes: per-frame geometry from named motion segments.

Used by :mod:`pyratok.demo`. A segment animates one motion over ``steps`` frames from the
state at its start; between segments the state is held.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MOTIONS: tuple[str, ...] = (
    "moving left",
    "moving right",
    "moving up",
    "moving down",
    "rotating",
    "growing",
    "shrinking",
    "bouncing",
    "appearing",
    "disappearing",
)


@dataclass
class MotionState:
    cx: float
    cy: float
    r: float
    angle: float
    opacity: float


def step(motion: str, start: MotionState, frac: float, amount: float, bounces: int) -> MotionState:
    """State after a fraction `frac` ∈ [0, 1] of a motion starting from `start`.

    `amount`: travel in px (moving), total angle in rad (rotating), final radius (growing,
    shrinking), jump height in px (bouncing); unused for appearing/disappearing.
    """
    s = MotionState(start.cx, start.cy, start.r, start.angle, start.opacity)
    if motion == "moving left":
        s.cx = start.cx - amount * frac
    elif motion == "moving right":
        s.cx = start.cx + amount * frac
    elif motion == "moving up":
        s.cy = start.cy - amount * frac
    elif motion == "moving down":
        s.cy = start.cy + amount * frac
    elif motion == "rotating":
        s.angle = start.angle + amount * frac
    elif motion in ("growing", "shrinking"):
        s.r = start.r + (amount - start.r) * frac
    elif motion == "bouncing":
        s.cy = start.cy - amount * abs(math.sin(math.pi * bounces * frac))
    elif motion == "appearing":
        s.opacity = frac
    elif motion == "disappearing":
        s.opacity = 1.0 - frac
    else:
        raise ValueError(f"unknown motion {motion!r}; expected one of {MOTIONS}")
    return s


@dataclass(frozen=True)
class MotionSegment:
    motion: str
    start: int  # first frame that differs from the previous one
    steps: int
    amount: float
    bounces: int = 2


def simulate(
    initial: MotionState, segments: list[MotionSegment], frames: int
) -> dict[str, np.ndarray]:
    """Per-frame geometry: hold the state between segments, animate inside them."""
    centres = np.zeros((frames, 2))
    radii, angles, opacity = np.zeros(frames), np.zeros(frames), np.zeros(frames)
    state, seg_iter = initial, iter(sorted(segments, key=lambda s: s.start))
    seg = next(seg_iter, None)
    seg_start_state = state
    for k in range(frames):
        if seg is not None and k >= seg.start:
            if k == seg.start:
                seg_start_state = state
            j = k - seg.start + 1
            state = step(seg.motion, seg_start_state, j / seg.steps, seg.amount, seg.bounces)
            if j == seg.steps:
                seg = next(seg_iter, None)
        centres[k] = (state.cx, state.cy)
        radii[k], angles[k], opacity[k] = state.r, state.angle, state.opacity
    out = {"centres": centres, "radii": radii, "angles": angles, "opacity": opacity}
    for arr in out.values():
        arr.setflags(write=False)
    return out
