"""The mask check (``benchmarks/datasets/ytvis/mask_check.py``): what passes is exactly what
pycocotools reads correctly, and every damaged mask of issue 25 is refused with a reason,
without pycocotools ever seeing it (its functions are trapped in these tests: a regression
fails here instead of crashing or hanging the test run)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from benchmarks.datasets.ytvis.annotations import (
    AnnotationError,
    normalise_segmentation,
    normalise_segmentations,
)
from benchmarks.datasets.ytvis.mask_check import (
    MAX_PIXELS,
    MAX_POLYGONS,
    OUTLINE_PER_SIDE,
    MaskError,
    check_frame_size,
    check_mask,
    check_masks,
    rle_string_counts,
)

# issue 25's inputs: the frame of the RLE ones is 64x64
HUGE = [[1e308, 1e308, -1e308, 5, 3, 3]]
FAR = [[1e12, 0, 0, 5, 3, 3]]
NAN = [[math.nan] * 6]
RUNS_PAST = {"size": [64, 64], "counts": [0, 12288]}  # 3 × 64 × 64: iou loops forever
RUNS_PAST_STRING = {"size": [64, 64], "counts": "0PP<"}  # the same, compressed
GARBAGE = {"size": [64, 64], "counts": "\x00\x01zzzz"}  # pycocotools read it as empty


def _runs(mask: np.ndarray) -> list[int]:
    """Reference run lengths: column-major, starting with a run of zeros."""
    flat = mask.flatten(order="F")
    edges = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], edges, [flat.size]])
    runs = np.diff(bounds).tolist()
    return [0, *runs] if flat[0] else runs


def _encode(mask: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode()


@pytest.fixture
def no_pycocotools(monkeypatch):
    """pycocotools' readers raise if called: a refused mask must never reach them."""
    def trap(*args, **kwargs):
        raise AssertionError("pycocotools was handed an unchecked mask")

    for name in ("frPyObjects", "merge", "area", "iou", "decode"):
        monkeypatch.setattr(mask_utils, name, trap)


# the decoder against pycocotools' encoder


@pytest.mark.parametrize("seed", range(4))
def test_string_counts_decode_exactly_what_pycocotools_encoded(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        mask = rng.random((h, w)) < rng.random()
        assert rle_string_counts(_encode(mask)).tolist() == _runs(mask)


def test_long_runs_and_negative_deltas_decode_exactly():
    """720x1280: runs of 6 characters (> 2^24 px) and deltas below zero (a long run two
    before a short one)."""
    mask = np.zeros((720, 1280), dtype=bool)
    mask[:, 700:] = True  # one run of 580 × 720 = 417600 px
    mask[100:101, 3:5] = True  # short runs after long ones: negative deltas
    counts = _encode(mask)
    assert rle_string_counts(counts).tolist() == _runs(mask)
    assert rle_string_counts(counts.encode()).tolist() == _runs(mask)  # bytes too
    check_mask({"size": [720, 1280], "counts": counts}, 720, 1280)


def test_the_issues_compressed_runs_are_the_list_ones():
    assert rle_string_counts(RUNS_PAST_STRING["counts"]).tolist() == RUNS_PAST["counts"]


# what passes is what pycocotools reads


def test_every_valid_form_passes_and_normalises_as_pycocotools_does():
    mask = np.zeros((12, 16), dtype=bool)
    mask[2:8, 3:9] = True
    string_rle = {"size": [12, 16], "counts": _encode(mask)}
    list_rle = {"size": [12, 16], "counts": _runs(mask)}
    polygon = [[3.0, 2.0, 9.0, 2.0, 9.0, 8.0, 3, 8]]
    for seg in (None, string_rle, list_rle, polygon):
        check_mask(seg, 12, 16)
    assert normalise_segmentation(string_rle, 12, 16, "e") == string_rle
    assert normalise_segmentation(list_rle, 12, 16, "e") == string_rle
    expected = mask_utils.merge(mask_utils.frPyObjects(polygon, 12, 16))
    assert normalise_segmentation(polygon, 12, 16, "e")["counts"] == \
        expected["counts"].decode()
    # an outline off the frame by less than one image is clipped, as before
    check_mask([[-16, -12, 32, -12, 32, 24, -16, 24]], 12, 16)


# issue 25's inputs, and the same weaknesses around them


@pytest.mark.parametrize("seg, size, reason", [
    (HUGE, 64, "x 1e+308 is not a finite number within [-64, 128]"),
    (FAR, 64, "x 1000000000000.0 is not a finite number within [-64, 128]"),
    (NAN, 64, "x nan is not a finite number"),
    (RUNS_PAST, 64, "uncompressed RLE counts cover 12288 pixels, not height*width = 4096"),
    (RUNS_PAST_STRING, 64, "RLE counts cover 12288 pixels, not height*width = 4096"),
    (GARBAGE, 64, "character outside '0'..'o'"),
    ({"size": [64, 64], "counts": "0PP"}, 64, "ends inside a run length"),
    ({"size": [64, 64], "counts": "0ooooooo1"}, 64, "more than 6 characters"),
    ({"size": [64, 64], "counts": "é"}, 64, "character outside '0'..'o'"),
    ({"size": [64, 64], "counts": ""}, 64, "cover 0 pixels"),
    ({"size": [64, 64], "counts": "0<4@"}, 64, "negative run length -4"),  # 0 12 4 12-16
    ({"size": [64, 64], "counts": [4096, -1, 1]}, 64, "negative run length -1"),
    ({"size": [64, 64], "counts": [0, 4096.0]}, 64, "must be integers, got 4096.0"),
    ({"size": [64, 64], "counts": [None]}, 64, "must be integers, got None"),
    ({"size": [64, 64], "counts": [0] * 4098}, 64, "4098 runs for 4096 pixels"),
    ({"size": [64, 64], "counts": 5}, 64, "'counts' must be a string or a list"),
    ({"size": [64, 64]}, 64, "needs 'size' and 'counts'"),
    ({"size": 5, "counts": "0PP<"}, 64, "'size' must be [height, width] (two positive"),
    ({"size": [64.0, 64.0], "counts": "0PP<"}, 64, "'size' must be [height, width]"),
    ({"size": [64, 64, 1], "counts": "0PP<"}, 64, "'size' must be [height, width]"),
    ({"size": [32, 128], "counts": "0PP<"}, 64, "RLE size [32, 128] is not the video's"),
    ([[1, 2, 3, 4]], 64, "needs an even number (>= 6) of coordinates, got 4"),
    ([[1, 2, 3, 4, 5, 6, 7]], 64, "got 7"),
    ([[1, 2, 3, 4, 5, True]], 64, "coordinate 5 is not a number: True"),
    ([[1, 2, 3, 4, 5, "6"]], 64, "coordinate 5 is not a number: '6'"),
    ([[1, 2, 3, 4, 5, 10**400]], 64, "y 1000000000"),  # past any float: not compared as one
    ([[0, 0, 64, 64] * 500], 64, "outline is over"),
    ([[0, 0, 1, 0, 1, 1]] * (MAX_POLYGONS + 1), 64, f"more than {MAX_POLYGONS}"),
    ([[1, 2, 3, 4, 5, 6], 7], 64, "segmentation must be RLE, polygons or null, got list"),
    ([], 64, "got list"),
    ("0PP<", 64, "got str"),
])
def test_damaged_masks_are_refused_with_the_reason(seg, size, reason, no_pycocotools):
    with pytest.raises(MaskError) as error:
        check_mask(seg, size, size)
    assert reason in str(error.value)
    assert len(str(error.value)) < 200  # one short line, whatever the input's size
    with pytest.raises(AnnotationError) as named:  # the readers' door names the entry
        normalise_segmentation(seg, size, size, "annotations[3].segmentations[1]")
    assert named.value.entry == "annotations[3].segmentations[1]"
    assert named.value.reason == str(error.value)


def test_the_outline_budget_is_what_the_docstring_says():
    h, w = 12, 16
    budget = OUTLINE_PER_SIDE * (h + w)

    def zigzag(points: int) -> list[int]:  # closed, in the frame: every edge 16 px long
        return [v for i in range(points) for v in (0 if i % 2 else w, 6)]

    most = 2 * (budget // 34)  # (16 + 1 a point) × points <= budget < that + 34
    check_mask([zigzag(most)], h, w)
    with pytest.raises(MaskError, match="outline is over"):
        check_mask([zigzag(most + 2)], h, w)


@pytest.mark.parametrize("height, width, reason", [
    (0, 16, "positive integers"), (12, -1, "positive integers"), (12.0, 16, "positive"),
    (True, 16, "positive"), (MAX_PIXELS, 2, "pixels a COCO RLE can hold"),
])
def test_frame_sizes_are_positive_and_fit_an_rle(height, width, reason):
    with pytest.raises(MaskError, match=reason):
        check_frame_size(height, width)
    check_frame_size(720, 1280)


# a track at once: one numpy pass, the same verdict as frame by frame


def test_a_track_is_checked_at_once_and_the_bad_frame_is_named(no_pycocotools):
    mask = np.zeros((64, 64), dtype=bool)
    mask[8:24, 8:24] = True
    good = {"size": [64, 64], "counts": _encode(mask)}
    track = [good, None, [[8, 8, 24, 8, 24, 24]], RUNS_PAST_STRING, good, GARBAGE]
    check_masks(track[:3] + track[4:5], 64, 64)
    with pytest.raises(MaskError) as error:
        check_masks(track, 64, 64)
    assert error.value.frame == 3 and "cover 12288 pixels" in error.value.reason
    with pytest.raises(AnnotationError) as named:
        normalise_segmentations(track, 64, 64, lambda f: f"result 0 (video 1) frame {f}")
    assert named.value.entry == "result 0 (video 1) frame 3"


@pytest.mark.parametrize("seed", range(3))
def test_damaged_strings_get_the_same_verdict_in_a_track_as_alone(seed):
    """Strings of pycocotools' encoder, some damaged (a character changed, dropped or
    added): a track passes exactly when each of its frames passes alone."""
    rng = np.random.default_rng(seed)
    verdicts = set()
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(2, 40, 2))
        track = []
        for _ in range(int(rng.integers(1, 6))):
            counts = bytearray(_encode(rng.random((h, w)) < rng.random()).encode())
            damage = rng.integers(0, 4)
            at = int(rng.integers(0, len(counts)))
            if damage == 1:
                counts[at] = int(rng.integers(48, 112))
            elif damage == 2:
                del counts[at]
            elif damage == 3:
                counts.insert(at, int(rng.integers(48, 112)))
            track.append({"size": [h, w], "counts": counts.decode()})
        alone = []
        for seg in track:
            try:
                check_mask(seg, h, w)
                alone.append(True)
            except MaskError:
                alone.append(False)
        try:
            check_masks(track, h, w)
            assert all(alone)
            verdicts.add(True)
        except MaskError as error:
            assert not alone[error.frame] and all(alone[:error.frame])
            verdicts.add(False)
    assert verdicts == {True, False}  # both kinds of track were met
