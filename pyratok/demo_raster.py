"""Antialiased rasterisation of the demo shapes (used by :mod:`pyratok.demo`).

Shapes are tested point by point in their own rotated frame (u right, v down, pointing up)
on a 4× supersampled grid inside their bounding box, then box-downsampled to coverage.
"""

from __future__ import annotations

import math

import numpy as np

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "cross")

# Shape geometry relative to the nominal radius r, chosen so the areas are comparable.
_SQUARE_HALF_SIDE = 0.85
_TRIANGLE_CIRCUMRADIUS = 1.25
_STAR_OUTER, _STAR_INNER = 1.3, 0.45 * 1.3
_CROSS_ARM, _CROSS_HALF_WIDTH = 1.1, 0.38
SHAPE_BOUND = {  # circumradius of each shape / r: keeps shapes fully inside the frame
    "circle": 1.0,
    "square": _SQUARE_HALF_SIDE * math.sqrt(2.0),
    "triangle": _TRIANGLE_CIRCUMRADIUS,
    "star": _STAR_OUTER,
    "cross": math.hypot(_CROSS_ARM, _CROSS_HALF_WIDTH),
}
_SUPERSAMPLE = 4


def inside(shape: str, u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """Point-in-shape test in the shape's rotated frame (u right, v down), shapes point up."""
    if shape == "circle":
        return u * u + v * v <= r * r
    if shape == "square":
        half = _SQUARE_HALF_SIDE * r
        return np.maximum(np.abs(u), np.abs(v)) <= half
    if shape == "triangle":
        radius = _TRIANGLE_CIRCUMRADIUS * r
        apothem = radius * math.cos(math.pi / 3)
        inside = np.ones(u.shape, dtype=bool)
        for k in range(3):  # edge normals of an equilateral triangle with its apex at -v
            phi = -math.pi / 2 + math.pi / 3 + 2 * math.pi * k / 3
            inside &= u * math.cos(phi) + v * math.sin(phi) <= apothem
        return inside
    if shape == "star":
        outer, inner = _STAR_OUTER * r, _STAR_INNER * r
        sector = 2 * math.pi / 5
        # polar angle measured from the top spike, folded into half a sector
        phi = np.mod(np.arctan2(v, u) + math.pi / 2, sector)
        psi = np.minimum(phi, sector - phi)
        rho = np.hypot(u, v)
        qx, qy = rho * np.cos(psi), rho * np.sin(psi)
        ix, iy = inner * math.cos(sector / 2), inner * math.sin(sector / 2)
        # same side of the edge outer-spike → inner-vertex as the centre
        return (ix - outer) * qy - iy * (qx - outer) >= 0
    if shape == "cross":
        arm, half = _CROSS_ARM * r, _CROSS_HALF_WIDTH * r
        au, av = np.abs(u), np.abs(v)
        return ((au <= half) & (av <= arm)) | ((av <= half) & (au <= arm))
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def coverage(
    shape: str, cx: float, cy: float, r: float, angle: float, size: int
) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """Antialiased coverage of one shape: ((y0, y1, x0, x1), (y1-y0, x1-x0) float in [0,1])."""
    reach = SHAPE_BOUND[shape] * r + 1.0
    x0, x1 = max(0, math.floor(cx - reach)), min(size, math.ceil(cx + reach))
    y0, y1 = max(0, math.floor(cy - reach)), min(size, math.ceil(cy + reach))
    if x1 <= x0 or y1 <= y0 or r <= 0:
        return None
    ss = _SUPERSAMPLE
    xs = x0 + (np.arange((x1 - x0) * ss) + 0.5) / ss - cx
    ys = y0 + (np.arange((y1 - y0) * ss) + 0.5) / ss - cy
    dx, dy = xs[None, :], ys[:, None]
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    u = cos_a * dx + sin_a * dy  # rotate the sample points by -angle
    v = -sin_a * dx + cos_a * dy
    hits = inside(shape, u, v, r).astype(np.float32)
    cov = hits.reshape(y1 - y0, ss, x1 - x0, ss).mean(axis=(1, 3))
    return (y0, y1, x0, x1), cov
