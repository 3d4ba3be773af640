"""Tests for pyratok.demo: determinism, ground-truth consistency and motion semantics."""

from __future__ import annotations

import numpy as np
import pytest

from pyratok.demo import (
    BACKGROUND_LABEL,
    CLASSES,
    EXCLUDED_COMBINATIONS,
    MOTIONS,
    PALETTE,
    SHAPES,
    DemoVideo,
    class_of,
    class_prompt,
    frames_to_tensor,
    make_untrimmed,
    make_video,
)

SINGLE_SEEDS = range(400)


@pytest.fixture(scope="module")
def single_clips() -> list[DemoVideo]:
    return [make_video(seed, n_objects=1) for seed in SINGLE_SEEDS]


def _by_motion(clips: list[DemoVideo], motion: str) -> list[DemoVideo]:
    found = [c for c in clips if c.objects[0].motion == motion]
    assert len(found) >= 5, f"too few single-object clips with motion {motion!r}"
    return found


def _centroids(mask: np.ndarray) -> np.ndarray:
    """(t, h, w) bool → (t, 2) [x, y] centroid per frame (nan where empty)."""
    t, h, w = mask.shape
    area = mask.sum(axis=(1, 2)).astype(float)
    ys, xs = np.arange(h) + 0.5, np.arange(w) + 0.5
    cx = (mask.sum(axis=1) * xs).sum(axis=1) / np.maximum(area, 1)
    cy = (mask.sum(axis=2) * ys).sum(axis=1) / np.maximum(area, 1)
    out = np.stack([cx, cy], axis=1)
    out[area == 0] = np.nan
    return out


def _erode(mask: np.ndarray) -> np.ndarray:
    """4-neighbour binary erosion of (..., h, w) masks (border pixels are dropped)."""
    out = mask.copy()
    out[..., 1:, :] &= mask[..., :-1, :]
    out[..., :-1, :] &= mask[..., 1:, :]
    out[..., :, 1:] &= mask[..., :, :-1]
    out[..., :, :-1] &= mask[..., :, 1:]
    out[..., 0, :] = out[..., -1, :] = False
    out[..., :, 0] = out[..., :, -1] = False
    return out


# --- determinism and shapes ----------------------------------------------------------------


def test_same_seed_same_clip_and_different_seeds_differ() -> None:
    a, b, c = make_video(7), make_video(7), make_video(8)
    np.testing.assert_array_equal(a.frames, b.frames)
    np.testing.assert_array_equal(a.masks, b.masks)
    assert a.caption == b.caption
    assert not np.array_equal(a.frames, c.frames)
    u1, u2, u3 = make_untrimmed(3), make_untrimmed(3), make_untrimmed(4)
    np.testing.assert_array_equal(u1.frames, u2.frames)
    assert u1.segments == u2.segments
    assert not np.array_equal(u1.frames, u3.frames)


def test_no_global_random_state_is_used() -> None:
    np.random.seed(0)
    a = make_video(5)
    np.random.seed(1)
    b = make_video(5)
    np.testing.assert_array_equal(a.frames, b.frames)


@pytest.mark.parametrize(("frames", "size", "n_objects"), [(17, 64, None), (9, 32, 2), (5, 48, 3)])
def test_shapes_dtypes_and_read_only(frames: int, size: int, n_objects: int | None) -> None:
    video = make_video(11, frames=frames, size=size, n_objects=n_objects)
    n = len(video.objects)
    assert 1 <= n <= 3 and (n_objects is None or n == n_objects)
    assert video.frames.shape == (frames, size, size, 3) and video.frames.dtype == np.uint8
    assert video.masks.shape == (n, frames, size, size) and video.masks.dtype == np.bool_
    assert len(video.action_labels) == frames and video.segments == []
    assert video.action_labels == [video.objects[0].motion] * frames
    assert not video.frames.flags.writeable and not video.masks.flags.writeable
    for obj in video.objects:
        assert obj.centres.shape == (frames, 2) and obj.radii.shape == (frames,)


def test_object_count_is_drawn_from_the_seed() -> None:
    counts = {len(make_video(seed).objects) for seed in range(40)}
    assert counts == {1, 2, 3}


def test_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError, match="n_objects"):
        make_video(0, n_objects=4)
    with pytest.raises(ValueError, match="frames"):
        make_video(0, frames=1)


# --- ground truth consistency ---------------------------------------------------------------


@pytest.mark.slow
def test_masks_match_visibility_and_pixel_colours(single_clips: list[DemoVideo]) -> None:
    for clip in single_clips[:120]:
        obj, mask = clip.objects[0], clip.masks[0]
        opaque = obj.opacity == 1.0
        assert mask[opaque].any(axis=(1, 2)).all(), "visible object with an empty mask"
        assert not mask[obj.opacity == 0.0].any(), "invisible object with a non-empty mask"
        interior = _erode(mask) & opaque[:, None, None]
        pixels = clip.frames[interior].astype(int)
        assert len(pixels) > 0
        error = np.abs(pixels - np.asarray(PALETTE[obj.colour])).max(axis=1)
        # pixels at a star's concave notch may be partly background even inside the mask
        assert (error <= 1).mean() >= 0.99 and error.max() <= 64


def test_multi_object_masks_are_disjoint_and_coloured() -> None:
    for seed in range(40):
        clip = make_video(seed, n_objects=3)
        assert clip.masks.sum(axis=0).max() <= 1, "a pixel belongs to two objects"
        for obj, mask in zip(clip.objects, clip.masks, strict=True):
            pixels = clip.frames[_erode(mask) & (obj.opacity == 1.0)[:, None, None]].astype(int)
            if len(pixels) == 0:  # fully occluded or invisible all the time
                continue
            close = np.abs(pixels - np.asarray(PALETTE[obj.colour])).max(axis=1) <= 30
            assert close.mean() >= 0.9


@pytest.mark.slow
def test_caption_names_every_object() -> None:
    for seed in range(60):
        clip = make_video(seed)
        for obj in clip.objects:
            assert f"{obj.colour} {obj.shape} {obj.motion}" in clip.caption
        assert clip.background in clip.caption
    templates = {make_video(seed).caption.split(" ")[0] for seed in range(60)}
    assert len(templates) >= 2, "captions should vary"


# --- classes ---------------------------------------------------------------------------------


def test_classes_cover_every_generated_single_object_combination(
    single_clips: list[DemoVideo],
) -> None:
    expected = {f"{s} {m}" for s in SHAPES for m in MOTIONS if (s, m) not in EXCLUDED_COMBINATIONS}
    assert len(CLASSES) == len(set(CLASSES)) == len(SHAPES) * len(MOTIONS) - 1
    assert set(CLASSES) == expected and "circle rotating" not in CLASSES
    seen = {class_of(clip) for clip in single_clips}
    assert seen <= set(CLASSES)
    assert seen == set(CLASSES), f"never generated: {set(CLASSES) - seen}"


def test_class_prompt_and_class_of_errors() -> None:
    assert class_prompt("circle moving left") == "a video of a circle moving left"
    with pytest.raises(ValueError, match="unknown class"):
        class_prompt("circle rotating")
    multi = next(make_video(s) for s in range(50) if len(make_video(s).objects) > 1)
    with pytest.raises(ValueError, match="single-object"):
        class_of(multi)


# --- motion semantics ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("motion", "axis", "sign"),
    [("moving left", 0, -1), ("moving right", 0, 1), ("moving up", 1, -1), ("moving down", 1, 1)],
)
def test_translation_moves_the_mask_centroid(
    single_clips: list[DemoVideo], motion: str, axis: int, sign: int
) -> None:
    for clip in _by_motion(single_clips, motion):
        coord = _centroids(clip.masks[0])[:, axis]
        steps = np.diff(coord) * sign
        assert (steps > 0).all(), f"{motion}: centroid not monotone: {coord}"
        assert sign * (coord[-1] - coord[0]) >= 15, f"{motion}: moved only {coord[-1] - coord[0]}"
        # the other axis stays put
        assert np.ptp(_centroids(clip.masks[0])[:, 1 - axis]) < 1.0


def test_growing_and_shrinking_change_the_area(single_clips: list[DemoVideo]) -> None:
    for motion, ratio in (("growing", 2.0), ("shrinking", 0.5)):
        for clip in _by_motion(single_clips, motion):
            area = clip.masks[0].sum(axis=(1, 2)).astype(float)
            assert (np.diff(area) * (1 if motion == "growing" else -1) >= 0).all()
            assert (
                (area[-1] / area[0] >= ratio)
                if motion == "growing"
                else (area[-1] / area[0] <= ratio)
            ), f"{motion}: area {area[0]} → {area[-1]}"


def test_rotating_changes_the_mask_but_not_the_centroid(single_clips: list[DemoVideo]) -> None:
    for clip in _by_motion(single_clips, "rotating"):
        mask = clip.masks[0]
        centre = _centroids(mask)
        assert np.ptp(centre, axis=0).max() < 1.5
        area = mask.sum(axis=(1, 2))
        assert area.max() / area.min() < 1.15
        iou = (mask[0] & mask[4]).sum() / (mask[0] | mask[4]).sum()
        assert iou < 0.95, "rotation is not visible after 4 frames"


def test_bouncing_goes_up_and_comes_back(single_clips: list[DemoVideo]) -> None:
    for clip in _by_motion(single_clips, "bouncing"):
        y = _centroids(clip.masks[0])[:, 1]
        assert y.min() <= y[0] - 8, "no visible jump"
        assert abs(y[-1] - y[0]) < 0.5, "the shape should land back on its floor"
        assert np.sign(np.diff(y)).tolist().count(-1) >= 2  # goes up at least twice


def test_appearing_and_disappearing(single_clips: list[DemoVideo]) -> None:
    for clip in _by_motion(single_clips, "appearing"):
        area = clip.masks[0].sum(axis=(1, 2))
        assert area[0] == 0 and area[-1] > 0
        assert (np.diff(area) >= 0).all()
    for clip in _by_motion(single_clips, "disappearing"):
        area = clip.masks[0].sum(axis=(1, 2))
        assert area[0] > 0 and area[-1] == 0
        assert (np.diff(area) <= 0).all()


# --- untrimmed sequences ---------------------------------------------------------------------


@pytest.mark.slow
def test_untrimmed_labels_segments_and_stillness() -> None:
    n_two = 0
    for seed in range(30):
        clip = make_untrimmed(seed)
        t = clip.frames.shape[0]
        assert t == 96 and len(clip.action_labels) == t and clip.masks.shape == (1, t, 64, 64)
        assert 1 <= len(clip.segments) <= 2
        n_two += len(clip.segments) == 2
        expected = [BACKGROUND_LABEL] * t
        for seg in clip.segments:
            assert 0 < seg.start < seg.end <= t and seg.label in MOTIONS
            expected[seg.start : seg.end] = [seg.label] * (seg.end - seg.start)
            assert seg.label in clip.caption
        assert clip.action_labels == expected
        if len(clip.segments) == 2:
            first, second = clip.segments
            assert second.start - first.end >= 4
            assert first.label != "disappearing" and second.label != "appearing"
        # frames change only inside segments, and mostly change inside them
        changed = np.any(clip.frames[1:] != clip.frames[:-1], axis=(1, 2, 3))
        inside = np.array([label != BACKGROUND_LABEL for label in clip.action_labels[1:]])
        assert not changed[~inside].any(), f"seed {seed}: motion outside the segments"
        assert changed[inside].mean() >= 0.8
        obj = clip.objects[0]
        assert f"{obj.colour} {obj.shape}" in clip.caption
    assert 5 <= n_two <= 25, "both one- and two-segment sequences should occur"


def test_frames_to_tensor_layout_and_range() -> None:
    clip = make_video(2, frames=5, size=32)
    video = frames_to_tensor(clip.frames)
    assert video.shape == (3, 5, 32, 32) and video.dtype.is_floating_point
    assert video.min() >= -1.0 and video.max() <= 1.0
    back = ((video.permute(1, 2, 3, 0) + 1.0) * 127.5).round().numpy().astype(np.uint8)
    np.testing.assert_array_equal(back, clip.frames)


def test_caption_variant_keeps_every_shape_and_motion():
    import numpy as np

    from pyratok.demo import caption_variant, make_video

    rng = np.random.default_rng(0)
    seen = set()
    for seed in range(40):
        video = make_video(seed, frames=5, size=32)
        text = caption_variant(video, rng)
        for obj in video.objects:
            assert f"{obj.shape} {obj.motion}" in text
        seen.add((video.objects[0].colour in text, video.background in text))
        assert not text.startswith("a video of") or video.background in text
    assert seen == {(True, True), (True, False), (False, True), (False, False)}
    again = np.random.default_rng(0)
    assert caption_variant(make_video(0, frames=5, size=32), again) == caption_variant(
        make_video(0, frames=5, size=32), np.random.default_rng(0))
