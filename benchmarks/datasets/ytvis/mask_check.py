"""The one check of a frame's mask before pycocotools sees it (ground truth and results).

pycocotools trusts its input, and a hostile mask turns into a crash, a hang or a number:

- polygons are rasterised at 5× in C with ``(int)(5 x + .5)``: a non-finite or huge
  coordinate (``1e12``, ``1e308``, NaN) overflows, so ``frPyObjects`` dies with SIGSEGV or
  allocates one point per 1/5 px of a gigantic outline (17 GB and rising);
- run lengths summing past ``h × w`` make ``iou`` loop forever, and ``decode`` write past
  its buffer; ones summing short of it leave the mask's tail undefined;
- a compressed ``counts`` string is decoded with no check (``"\\x00\\x01zzzz"`` reads as
  an empty mask and scores).

So every mask is checked here first, in Python and numpy, and refused with
:class:`MaskError` (its message says why) unless it is exactly one of:

- polygons: a non-empty list of at most :data:`MAX_POLYGONS` lists of an even number
  (>= 6) of ints or floats, each ``x`` within ``[-w, 2w]`` and ``y`` within ``[-h, 2h]``
  (one image of margin each side: annotation tools clip to the frame, so anything further
  is damage), their outline (L∞ length of every edge, plus one per point) at most
  :data:`OUTLINE_PER_SIDE` × (h + w) px, which bounds pycocotools' memory;
- uncompressed RLE ``{"size": [h, w], "counts": [int, ...]}``: non-negative run lengths
  summing exactly to ``h × w``;
- compressed RLE ``{"size": [h, w], "counts": str}``: COCO's string (maskApi.c
  ``rleToString``: 5 bits a character, offset by 48, bit 0x20 "more", bit 0x10 of the
  last character the sign, from the fourth run on a delta to the run two back), decoded
  by :func:`rle_string_counts`, whose run lengths are non-negative and sum exactly to
  ``h × w``.

``size`` is two positive ints equal to the video's ``[height, width]``; ``h × w`` stays
below 2^29, where maskApi.c's 32-bit arithmetic on a 6-character run length still holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MAX_PIXELS", "MAX_POLYGONS", "OUTLINE_PER_SIDE", "MaskError", "check_frame_size",
           "check_mask", "rle_string_counts"]

MAX_PIXELS = 2**29 - 1  # h × w: a run length's delta then fits 6 characters (int shifts)
MAX_POLYGONS = 1000  # per frame: pycocotools merges them one by one
OUTLINE_PER_SIDE = 100  # outline budget: this many times (h + w) px per frame
_MAX_CHARS = 6  # characters of one run length (maskApi.c shifts an int by 5 k, k < 6)
_SHOWN = 60  # characters of a bad value quoted in a message


class MaskError(ValueError):
    """A mask that pycocotools must not see; the message says why."""


def show(value: Any) -> str:
    """``repr(value)`` cut to a few dozen characters (an error stays one short line)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_frame_size(height: Any, width: Any) -> None:
    """A video's ``height`` and ``width``: positive ints, ``h × w`` <= :data:`MAX_PIXELS`."""
    if not (_is_int(height) and _is_int(width) and height > 0 and width > 0):
        raise MaskError(f"height and width must be positive integers, got {show(height)} "
                        f"and {show(width)}")
    if height * width > MAX_PIXELS:
        raise MaskError(f"{height}x{width} is more than the {MAX_PIXELS} pixels a COCO RLE "
                        f"can hold")


def check_mask(seg: Any, height: int, width: int) -> None:
    """Refuse anything but a well-formed polygon list or RLE of a ``height × width`` frame.

    ``None`` (no mask in this frame) passes. The frame size is assumed checked
    (:func:`check_frame_size`).

    Raises:
        MaskError: the reason, in one line.
    """
    if seg is None:
        return
    if isinstance(seg, dict):
        _check_rle(seg, height, width)
    elif isinstance(seg, list) and seg and all(isinstance(p, list) for p in seg):
        _check_polygons(seg, height, width)
    else:
        raise MaskError(f"segmentation must be RLE, polygons or null, got "
                        f"{type(seg).__name__}")


# RLE


def _check_rle(rle: dict, height: int, width: int) -> None:
    if "size" not in rle or "counts" not in rle:
        raise MaskError(f"RLE needs 'size' and 'counts', got keys {show(sorted(map(str, rle)))}")
    size, counts = rle["size"], rle["counts"]
    if not (isinstance(size, list) and len(size) == 2 and all(_is_int(s) and s > 0
                                                              for s in size)):
        raise MaskError(f"RLE 'size' must be [height, width] (two positive integers), got "
                        f"{show(size)}")
    if size != [height, width]:
        raise MaskError(f"RLE size {size!r} is not the video's [{height}, {width}]")
    if isinstance(counts, list):
        _check_run_lengths(counts, height * width, "uncompressed RLE counts")
    elif isinstance(counts, str | bytes):
        _check_run_lengths(rle_string_counts(counts), height * width, "RLE counts")
    else:
        raise MaskError("RLE 'counts' must be a string or a list of ints")


def _check_run_lengths(counts: list | np.ndarray, pixels: int, what: str) -> None:
    if len(counts) > pixels + 1:  # every run but the first covers at least one pixel
        raise MaskError(f"{what}: {len(counts)} runs for {pixels} pixels")
    if isinstance(counts, list) and not all(_is_int(c) for c in counts):
        bad = next(c for c in counts if not _is_int(c))
        raise MaskError(f"{what} must be integers, got {show(bad)}")
    if isinstance(counts, list):
        lowest, total = min(counts, default=0), sum(counts)
    else:
        lowest, total = (int(counts.min()) if counts.size else 0), int(counts.sum())
    if lowest < 0:
        raise MaskError(f"{what} has a negative run length {lowest}")
    if total != pixels:
        raise MaskError(f"{what} cover {total} pixels, not height*width = {pixels}")


def rle_string_counts(counts: str | bytes) -> np.ndarray:
    """The run lengths of a COCO compressed-RLE string, as maskApi.c ``rleFrString`` reads
    a well-formed one; int64, possibly negative or huge (the caller checks them).

    Raises:
        MaskError: a character outside ``'0'..'o'``, a run length of more than 6
            characters, or a string that ends inside one.
    """
    if isinstance(counts, str):
        if not counts.isascii():
            raise MaskError("RLE counts has a character outside '0'..'o'")
        counts = counts.encode("ascii")
    c = np.frombuffer(counts, dtype=np.uint8) - np.uint8(48)  # (n,) 6-bit groups
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    if c.max() > 63:  # below '0' wraps around to >= 208
        raise MaskError("RLE counts has a character outside '0'..'o'")
    more = (c & 0x20) != 0  # the run length goes on in the next character
    if more[-1]:
        raise MaskError("RLE counts ends inside a run length")
    ends = np.flatnonzero(~more)  # last character of each run length
    starts = np.concatenate([[0], ends[:-1] + 1])
    chars = ends - starts + 1
    if chars.max() > _MAX_CHARS:
        raise MaskError(f"RLE counts has a run length of more than {_MAX_CHARS} characters")
    k = np.arange(c.size) - np.repeat(starts, chars)  # position within its run length
    x = np.add.reduceat((c & 0x1f).astype(np.int64) << (5 * k), starts)
    negative = (c[ends] & 0x10) != 0  # sign bit of the last character
    x[negative] -= np.left_shift(1, 5 * chars[negative])
    # from the fourth on, each is a delta to the one two back: two running sums
    runs = x.copy()
    runs[1::2] = np.cumsum(x[1::2])
    runs[2::2] = np.cumsum(x[2::2])
    return runs


# polygons


def _check_polygons(polygons: list[list], height: int, width: int) -> None:
    if len(polygons) > MAX_POLYGONS:
        raise MaskError(f"{len(polygons)} polygons in one frame, more than {MAX_POLYGONS}")
    budget = OUTLINE_PER_SIDE * (height + width)
    outline = 0
    for n, polygon in enumerate(polygons):
        where = f"polygon {n}"
        if len(polygon) < 6 or len(polygon) % 2:
            raise MaskError(f"{where}: a polygon needs an even number (>= 6) of coordinates, "
                            f"got {len(polygon)}")
        if len(polygon) // 2 > budget:
            raise MaskError(f"{where}: {len(polygon) // 2} points, more than "
                            f"{OUTLINE_PER_SIDE} x (height + width) = {budget}")
        for i, v in enumerate(polygon):
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise MaskError(f"{where}: coordinate {i} is not a number: {show(v)}")
            side = height if i % 2 else width
            if not -side <= v <= 2 * side:  # NaN fails here too
                axis = "y" if i % 2 else "x"
                raise MaskError(f"{where}: {axis} {show(v)} is not a finite number within "
                                f"[-{side}, {2 * side}] (the frame is {height}x{width})")
        xy = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
        step = np.abs(xy - np.roll(xy, 1, axis=0)).max(axis=1)  # closed: last -> first
        outline += int(np.ceil(step).sum()) + len(xy)
        if outline > budget:  # checked as it grows: the work stays bounded too
            raise MaskError(f"the polygons' outline is over {outline} px, more than "
                            f"{OUTLINE_PER_SIDE} x (height + width) = {budget}")
