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

Cost: :func:`check_masks` decodes every string of a track in one numpy pass (about 10 µs
a 720p mask; one string at a time it was ten times that); only a track that fails is
decoded again string by string, to name the frame and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_PIXELS", "MAX_POLYGONS", "OUTLINE_PER_SIDE", "MaskError", "check_frame_size",
           "check_mask", "check_masks", "rle_string_counts", "show"]

MAX_PIXELS = 2**29 - 1  # h × w: a run length's delta then fits 6 characters (int shifts)
MAX_POLYGONS = 1000  # per frame: pycocotools merges them one by one
OUTLINE_PER_SIDE = 100  # outline budget: this many times (h + w) px per frame
_MAX_CHARS = 6  # characters of one run length (maskApi.c shifts an int by 5 k, k < 6)
_SHOWN = 60  # characters of a bad value quoted in a message


class MaskError(ValueError):
    """A mask that pycocotools must not see: the message says why, ``frame`` which one
    (its index in the list :func:`check_masks` was given)."""

    def __init__(self, reason: str, frame: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.frame = reason, frame


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
    """:func:`check_masks` of one frame."""
    check_masks([seg], height, width)


def check_masks(segs: Sequence[Any], height: int, width: int) -> None:
    """Refuse anything but well-formed polygon lists, RLEs of a ``height × width`` frame or
    ``None`` (no mask in that frame), one a frame of a track.

    The frame size is assumed checked (:func:`check_frame_size`).

    Raises:
        MaskError: the reason, in one line, and the index of the frame.
    """
    strings: list[tuple[int, bytes]] = []  # compressed counts, decoded together below
    for f, seg in enumerate(segs):
        try:
            counts = _check_form(seg, height, width)
        except MaskError as error:
            raise MaskError(error.reason, f) from None
        if counts is not None:
            strings.append((f, counts))
    if strings and not _strings_cover([c for _, c in strings], height * width):
        for f, counts in strings:  # again one by one: which frame, and why
            try:
                _check_run_lengths(rle_string_counts(counts), height * width, "RLE counts")
            except MaskError as error:
                raise MaskError(error.reason, f) from None
        raise MaskError("RLE counts cannot be decoded", strings[0][0])  # not reached


def _check_form(seg: Any, height: int, width: int) -> bytes | None:
    """Everything but a compressed string's run lengths; returns that string (as bytes)."""
    if seg is None:
        return None
    if isinstance(seg, dict):
        return _check_rle(seg, height, width)
    if isinstance(seg, list) and seg and all(isinstance(p, list) for p in seg):
        _check_polygons(seg, height, width)
        return None
    raise MaskError(f"segmentation must be RLE, polygons or null, got {type(seg).__name__}")


# RLE


def _check_rle(rle: dict, height: int, width: int) -> bytes | None:
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
        return None
    if isinstance(counts, bytes):
        return counts
    if isinstance(counts, str):
        if not counts.isascii():
            raise MaskError("RLE counts has a character outside '0'..'o'")
        return counts.encode("ascii")
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
    if not counts:
        return np.zeros(0, dtype=np.int64)
    return _decode([counts])[0]


def _strings_cover(strings: list[bytes], pixels: int) -> bool:
    """Every string decodes to non-negative run lengths summing to ``pixels``."""
    if not all(strings):  # an empty one covers nothing
        return False
    try:
        runs, first = _decode(strings)
    except MaskError:
        return False
    return bool(runs.min() >= 0 and (np.add.reduceat(runs, first) == pixels).all())


def _decode(strings: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The run lengths of non-empty compressed strings, all at once.

    Returns:
        ``(n,)`` int64 run lengths of every string one after the other, and ``(s,)`` the
        index of each string's first one.
    """
    lengths = np.array([len(s) for s in strings])
    c = np.frombuffer(b"".join(strings), dtype=np.uint8) - np.uint8(48)  # 6-bit groups
    if c.max() > 63:  # below '0' wraps around to >= 208
        raise MaskError("RLE counts has a character outside '0'..'o'")
    last = c < 32  # no "more" bit 0x20: the character ends a run length
    string_end = np.cumsum(lengths) - 1
    if not last[string_end].all():
        raise MaskError("RLE counts ends inside a run length")
    ends = np.flatnonzero(last)
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    chars = ends - starts + 1
    if chars.max() > _MAX_CHARS:
        raise MaskError(f"RLE counts has a run length of more than {_MAX_CHARS} characters")
    x = (c[starts] & 0x1f).astype(np.int64)  # 5 bits a character, the lowest first
    longer = np.flatnonzero(chars > 1)
    for i in range(1, _MAX_CHARS):
        if not longer.size:
            break
        x[longer] |= (c[starts[longer] + i] & 0x1f).astype(np.int64) << (5 * i)
        longer = longer[chars[longer] > i + 1]
    x -= (c[ends] >> 4).astype(np.int64) << (5 * chars)  # bit 0x10 of the last: negative
    # from the fourth run on, each is a delta to the one two back: run j of a string is
    # the sum of its x at j, j - 2, ... down to 1 (j odd) or 2 (j even); every other
    # element's running sum over the whole batch, less its value before that start
    first = np.searchsorted(ends, string_end - lengths + 1)  # each string's first run
    per_string = np.diff(np.append(first, x.size))
    every_other = np.empty_like(x)
    every_other[0::2], every_other[1::2] = np.cumsum(x[0::2]), np.cumsum(x[1::2])
    odd_base = np.concatenate([[0], every_other])[first]  # the sum up to first - 1
    even_base = every_other[first]
    odd = (np.arange(x.size) - np.repeat(first, per_string)) & 1  # j odd
    runs = every_other - np.where(odd, np.repeat(odd_base, per_string),
                                  np.repeat(even_base, per_string))
    runs[first] = x[first]
    return runs, first


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
