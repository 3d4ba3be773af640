"""Synthetic demo videos: coloured shapes with named motions, captions, masks and segments.

(Over 400 lines on purpose: shapes, motions, captions, masks and untrimmed sequences come
from one seeded renderer, whose pieces share the drawing state; the demo sets depend on
every byte it draws, so it is not split while they are pinned.)

Not part of the PyraTok paper. The paper trains on Droplet-10M/OpenVid-1M and evaluates on
WebVid, YouTube-VIS, THUMOS14, … (paper §4, Appendix E), none of which can be had offline
here. These clips stand in for them so that every code path (reconstruction, text
alignment, zero-shot classification, segmentation, temporal action localization) can be
exercised end to end with known ground truth.

A clip is a static background (a gradient with subtle stripes or mottling) and one to three
flat-coloured shapes, each performing one motion from `MOTIONS`. Rendering is antialiased:
each shape's coverage is computed on a 4× supersampled grid inside its bounding box and
box-downsampled. Everything is drawn from `numpy.random.default_rng(seed)`; no global state.

Conventions
- pixel j covers the continuous interval [j, j+1); a centre (x, y) is in pixels, y down.
- ``frames`` is (t, h, w, 3) uint8 RGB; ``masks`` is (n_objects, t, h, w) bool: the pixels
  where an object's visible coverage (its coverage × opacity, times 1 − coverage of every
  object drawn after it) is > 0.5, so masks of different objects never overlap.
- Single-object class names are f"{shape} {motion}" (`CLASSES`). "circle rotating" is
  excluded everywhere (a rotating disc is invisible), so the generator never draws it.
- Motion labels in `action_labels`/`segments` are the bare motion ("moving left"); a
  segment's frames are those where the object differs from the previous frame, and
  ``end`` is exclusive (Python slicing: ``frames[start:end]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from pyratok.demo_motion import MOTIONS, MotionSegment, MotionState, simulate, step
from pyratok.demo_raster import SHAPE_BOUND, SHAPES, coverage

if TYPE_CHECKING:
    import torch

# --- vocabulary ---------------------------------------------------------------------------

BACKGROUND_LABEL = "background"
# A rotating circle looks static, so the combination is never generated nor classified.
EXCLUDED_COMBINATIONS: frozenset[tuple[str, str]] = frozenset({("circle", "rotating")})
# (shape, motion) of each zero-shot class, in `CLASSES` order
CLASS_PARTS: list[tuple[str, str]] = [
    (shape, motion)
    for shape in SHAPES
    for motion in MOTIONS
    if (shape, motion) not in EXCLUDED_COMBINATIONS
]
CLASSES: list[str] = [f"{shape} {motion}" for shape, motion in CLASS_PARTS]

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 225),
    "yellow": (245, 215, 40),
    "orange": (245, 135, 25),
    "purple": (140, 55, 190),
    "white": (248, 248, 248),
    "black": (18, 18, 18),
}
# a colour table like PALETTE (data of the same shape, not repeated logic)
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "light gray": (200, 200, 200),
    "dark gray": (70, 70, 70),
    "beige": (225, 212, 182),
    "pale blue": (178, 202, 232),
    "dark navy": (28, 36, 72),
    "pale green": (192, 222, 190),
}
_TEXTURE_PHRASES = {"plain": "gradient", "stripes": "softly striped", "mottled": "mottled"}
_MIN_CONTRAST = 110.0  # RGB distance between an object colour and the background base colour

_FADE_FRAMES = 3  # appearing/disappearing fade length in trimmed clips

_CAPTION_TEMPLATES = (
    "{objects} on a {background} background",
    "a video of {objects} on a {background} background",
    "{objects}, seen against a {background} background",
    "a clip showing {objects} over a {background} background",
)
# Background-free templates for `caption_variant` (the zero-shot prompt wording "a video of
# {objects}" is deliberately not among them).
_SHORT_TEMPLATES = ("{objects}", "a clip showing {objects}", "footage of {objects}")


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoObject:
    """One shape in a clip and its per-frame geometry (arrays are read-only).

    Attributes:
        shape: one of `SHAPES`.
        colour: a key of `PALETTE`.
        motion: one of `MOTIONS`; in untrimmed sequences, the first segment's motion.
        centres: (t, 2) float, [x, y] in pixels.
        radii: (t,) float, nominal radius in pixels.
        angles: (t,) float, rotation in radians.
        opacity: (t,) float in [0, 1].
    """

    shape: str
    colour: str
    motion: str
    centres: np.ndarray
    radii: np.ndarray
    angles: np.ndarray
    opacity: np.ndarray


@dataclass(frozen=True)
class ActionSegment:
    """A motion performed over frames [start, end) (end exclusive)."""

    label: str
    start: int
    end: int


@dataclass(frozen=True)
class DemoVideo:
    """A synthetic clip with its ground truth (arrays are read-only).

    Attributes:
        frames: (t, h, w, 3) uint8 RGB.
        caption: scene description naming every object's colour, shape and motion.
        masks: (n_objects, t, h, w) bool, visible pixels of each object (after occlusion).
        objects: the objects, in drawing order (later ones are in front).
        action_labels: t strings; untrimmed: the motion active at each frame or
            "background"; trimmed: objects[0].motion on every frame.
        segments: untrimmed only (empty for trimmed clips): the action segments.
        background: the background description used in the caption.
    """

    frames: np.ndarray
    caption: str
    masks: np.ndarray
    objects: list[DemoObject]
    action_labels: list[str]
    segments: list[ActionSegment] = field(default_factory=list)
    background: str = ""


# --- rasterisation ------------------------------------------------------------------------


def _background(rng: np.random.Generator, size: int) -> tuple[np.ndarray, str, str]:
    """A static (h, w, 3) float32 background, its base colour name and caption phrase."""
    name = str(rng.choice(list(BACKGROUNDS)))
    base = np.asarray(BACKGROUNDS[name], dtype=np.float32)
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    direction = str(rng.choice(["vertical", "horizontal", "diagonal"]))
    ramp = {"vertical": yy, "horizontal": xx, "diagonal": 0.5 * (xx + yy)}[direction]
    if rng.random() < 0.5:
        ramp = 1.0 - ramp
    img = base[None, None, :] + (ramp[..., None] - 0.5) * 40.0  # ±20 grey levels
    texture = str(rng.choice(list(_TEXTURE_PHRASES)))
    if texture == "stripes":  # subtle sinusoidal stripes, ±5 levels
        period = rng.uniform(6.0, 12.0) / 64.0
        along = xx if rng.random() < 0.5 else yy
        img += 5.0 * np.sin(2 * math.pi * along / period)[..., None]
    elif texture == "mottled":  # a few low-frequency waves, ±6 levels in all
        for _ in range(3):
            theta, freq = rng.uniform(0, math.pi), rng.uniform(1.5, 4.0)
            along = math.cos(theta) * xx + math.sin(theta) * yy
            wave = np.sin(2 * math.pi * freq * along + rng.uniform(0, 2 * math.pi))
            img += 2.0 * wave[..., None]
    return img.astype(np.float32), name, f"{name} {_TEXTURE_PHRASES[texture]}"


def _contrasting_colours(background: str) -> list[str]:
    base = np.asarray(BACKGROUNDS[background], dtype=np.float64)
    return [
        c for c, rgb in PALETTE.items() if np.linalg.norm(np.asarray(rgb) - base) >= _MIN_CONTRAST
    ]


def _render(
    objects: list[DemoObject], background: np.ndarray, frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """Composite objects over the background: (t, h, w, 3) uint8 frames, (n, t, h, w) masks."""
    size = background.shape[0]
    video = np.repeat(background[None], frames, axis=0)
    visible = np.zeros((len(objects), frames, size, size), dtype=np.float32)
    for i, obj in enumerate(objects):
        colour = np.asarray(PALETTE[obj.colour], dtype=np.float32)
        for k in range(frames):
            alpha = float(obj.opacity[k])
            if alpha <= 0.0:
                continue
            hit = coverage(
                obj.shape,
                float(obj.centres[k, 0]),
                float(obj.centres[k, 1]),
                float(obj.radii[k]),
                float(obj.angles[k]),
                size,
            )
            if hit is None:
                continue
            (y0, y1, x0, x1), cov = hit
            cov = cov * alpha
            region = video[k, y0:y1, x0:x1]
            region += (colour - region) * cov[..., None]
            visible[:i, k, y0:y1, x0:x1] *= 1.0 - cov  # occludes objects drawn before
            visible[i, k, y0:y1, x0:x1] = cov
    frames_u8 = np.clip(np.rint(video), 0, 255).astype(np.uint8)
    return frames_u8, visible > 0.5  # strict >: coverages sum to ≤ 1, so masks are disjoint


# --- motion planning ----------------------------------------------------------------------


def _bounds(shape: str, r: float, size: int) -> tuple[float, float]:
    """Range of centre coordinates that keeps the whole shape (radius r) inside the frame."""
    margin = 2.0 * size / 64
    lo = SHAPE_BOUND[shape] * r + margin
    return lo, size - lo


def _plan_trimmed(
    rng: np.random.Generator, shape: str, motion: str, frames: int, size: int
) -> tuple[MotionState, MotionSegment]:
    """Initial state and the single segment of a trimmed clip, with the motion fully in view."""
    scale = size / 64
    steps = max(frames - 1, 1)
    r = rng.uniform(8.0, 12.0) * scale
    amount, start, bounces = 0.0, 1, 2 if steps >= 8 else 1
    opacity = 1.0
    if motion in ("growing", "shrinking"):
        small = rng.uniform(5.0, 7.0) * scale
        big = min(small * rng.uniform(1.8, 2.2), (size / 2 - 3.0 * scale) / SHAPE_BOUND[shape])
        r, amount = (small, big) if motion == "growing" else (big, small)
        lo, hi = _bounds(shape, max(small, big), size)
    else:
        lo, hi = _bounds(shape, r, size)
    cx, cy = rng.uniform(lo, hi), rng.uniform(lo, hi)
    if motion.startswith("moving"):
        amount = min(rng.uniform(2.0, 3.0) * scale * steps, hi - lo)
        pos = lo + rng.random() * max(hi - lo - amount, 0.0)  # the whole travel stays in frame
        if motion == "moving left":
            cx = pos + amount
        elif motion == "moving right":
            cx = pos
        elif motion == "moving up":
            cy = pos + amount
        else:
            cy = pos
    elif motion == "rotating":
        amount = math.radians(rng.uniform(5.0, 8.0)) * steps * (1 if rng.random() < 0.5 else -1)
    elif motion == "bouncing":
        amount = min(rng.uniform(14.0, 20.0) * scale, hi - lo)
        cy = lo + amount + rng.random() * max(hi - lo - amount, 0.0)  # floor; jumps go up
    elif motion in ("appearing", "disappearing"):
        fade = min(_FADE_FRAMES, steps)
        if motion == "appearing":
            opacity = 0.0
            start = int(rng.integers(max(1, frames // 4), max(2, frames // 2 + 1)))
        else:
            start = int(rng.integers(max(1, frames // 2), max(2, 3 * frames // 4 + 1)))
        start = min(start, frames - fade)
        steps = fade
    angle = rng.uniform(0, 2 * math.pi) if shape != "circle" else 0.0
    segment = MotionSegment(motion, start, steps, amount, bounces)
    return MotionState(cx, cy, r, angle, opacity), segment


# --- captions -----------------------------------------------------------------------------


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _join(phrases: list[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def caption_variant(video: DemoVideo, rng: np.random.Generator) -> str:
    """A randomly shortened caption of `video`, for caption augmentation in training.

    Every object keeps its shape and motion; each clip's colours are named or dropped
    together (p = 1/2), and the background is named (one of the full templates) or dropped
    (a short template) with p = 1/2. Full captions spend most of their words on colours and
    backgrounds, so a text embedding of them varies mostly with those; dropping them half
    of the time makes shape and motion carry more of the caption's identity.
    """
    colour = rng.random() < 0.5
    phrases = [
        f"{_article(o.colour)} {o.colour} {o.shape} {o.motion}" if colour
        else f"{_article(o.shape)} {o.shape} {o.motion}"
        for o in video.objects
    ]
    if rng.random() < 0.5:
        template = _CAPTION_TEMPLATES[int(rng.integers(len(_CAPTION_TEMPLATES)))]
        return template.format(objects=_join(phrases), background=video.background)
    return _SHORT_TEMPLATES[int(rng.integers(len(_SHORT_TEMPLATES)))].format(
        objects=_join(phrases))


def class_prompt(cls: str) -> str:
    """Text prompt for a zero-shot class, e.g. "circle moving left" → "a video of a circle
    moving left". Colour is deliberately absent: classes are shape × motion."""
    if cls not in CLASSES:
        raise ValueError(f"unknown class {cls!r}; expected one of pyratok.demo.CLASSES")
    return f"a video of {_article(cls)} {cls}"


def class_of(video: DemoVideo) -> str:
    """The class f"{shape} {motion}" of a single-object clip (a member of `CLASSES`)."""
    if len(video.objects) != 1:
        raise ValueError(f"class_of needs a single-object clip, got {len(video.objects)} objects")
    obj = video.objects[0]
    return f"{obj.shape} {obj.motion}"


# --- public generators --------------------------------------------------------------------


_PLACEMENT_TRIES = 30


def _mostly_apart(a: DemoObject, b: DemoObject, *, min_fraction: float = 0.75) -> bool:
    """True when the two shapes' bounding discs are nearly disjoint in most frames."""
    dist = np.linalg.norm(a.centres - b.centres, axis=1)
    reach = 0.9 * (SHAPE_BOUND[a.shape] * a.radii + SHAPE_BOUND[b.shape] * b.radii)
    return float(np.mean(dist >= reach)) >= min_fraction


def _freeze(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def make_video(
    seed: int, *, frames: int = 17, size: int = 64, n_objects: int | None = None
) -> DemoVideo:
    """A trimmed clip: 1–3 shapes, each performing one motion over the whole clip.

    Args:
        seed: the only source of randomness (numpy.random.default_rng(seed)).
        frames: t, number of frames (≥ 2).
        size: h = w in pixels; motion speeds and radii scale with size / 64.
        n_objects: 1–3, or None to draw it from the seed.

    Returns:
        DemoVideo with frames (t, size, size, 3) uint8 and masks (n_objects, t, size, size).
    """
    if frames < 2 or size < 16:
        raise ValueError(f"need frames >= 2 and size >= 16, got frames={frames}, size={size}")
    if n_objects is not None and not 1 <= n_objects <= 3:
        raise ValueError(f"n_objects must be 1, 2, 3 or None, got {n_objects}")
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 4)) if n_objects is None else n_objects
    background, bg_name, bg_phrase = _background(rng, size)
    colours = [str(c) for c in rng.permutation(_contrasting_colours(bg_name))]
    objects: list[DemoObject] = []
    for i in range(count):
        motion = str(rng.choice(MOTIONS))
        shape = str(rng.choice([s for s in SHAPES if (s, motion) not in EXCLUDED_COMBINATIONS]))
        for _ in range(_PLACEMENT_TRIES):  # re-place until mostly clear of earlier objects
            initial, segment = _plan_trimmed(rng, shape, motion, frames, size)
            geometry = simulate(initial, [segment], frames)
            candidate = DemoObject(shape=shape, colour=colours[i], motion=motion, **geometry)
            if all(_mostly_apart(candidate, other) for other in objects):
                break
        objects.append(candidate)
    video, masks = _render(objects, background, frames)
    phrases = [f"{_article(o.colour)} {o.colour} {o.shape} {o.motion}" for o in objects]
    template = _CAPTION_TEMPLATES[int(rng.integers(len(_CAPTION_TEMPLATES)))]
    caption = template.format(objects=_join(phrases), background=bg_phrase)
    return DemoVideo(
        frames=_freeze(video),
        caption=caption,
        masks=_freeze(masks),
        objects=objects,
        action_labels=[objects[0].motion] * frames,
        segments=[],
        background=bg_phrase,
    )


def _feasible_amount(
    rng: np.random.Generator, motion: str, shape: str, state: MotionState, steps: int, size: int
) -> float | None:
    """The motion's amount from the current state, or None when there is no room for it."""
    scale = size / 64
    lo, hi = _bounds(shape, state.r, size)
    min_travel = 10.0 * scale
    if motion.startswith("moving"):
        room = {
            "moving left": state.cx - lo,
            "moving right": hi - state.cx,
            "moving up": state.cy - lo,
            "moving down": hi - state.cy,
        }[motion]
        travel = min(rng.uniform(1.5, 2.5) * scale * steps, room)
        return travel if travel >= min_travel else None
    if motion == "rotating":
        return math.radians(rng.uniform(4.0, 7.0)) * steps * (1 if rng.random() < 0.5 else -1)
    if motion == "growing":
        edge = min(state.cx, size - state.cx, state.cy, size - state.cy) - 2.0 * scale
        target = min(state.r * rng.uniform(1.6, 2.0), edge / SHAPE_BOUND[shape])
        return target if target >= 1.3 * state.r else None
    if motion == "shrinking":
        target = max(state.r / rng.uniform(1.6, 2.0), 4.0 * scale)
        return target if target <= state.r / 1.3 else None
    if motion == "bouncing":
        height = min(rng.uniform(14.0, 20.0) * scale, state.cy - lo)
        return height if height >= 8.0 * scale else None
    return 0.0  # appearing / disappearing: always possible where allowed


def make_untrimmed(seed: int, *, frames: int = 96, size: int = 64) -> DemoVideo:
    """An untrimmed sequence for temporal action localization.

    One shape stays still ("background" frames) except during 1–2 action segments, each
    one motion of `MOTIONS`. "appearing" may only open the sequence (the shape is invisible
    before it) and "disappearing" only close it (invisible after). Segments are separated
    by at least 4 still frames.

    Args:
        seed: the only source of randomness.
        frames: t (≥ 24).
        size: h = w in pixels.

    Returns:
        DemoVideo with `segments` [(label, start, end)] (end exclusive) and per-frame
        `action_labels`.
    """
    if frames < 24 or size < 16:
        raise ValueError(f"need frames >= 24 and size >= 16, got frames={frames}, size={size}")
    rng = np.random.default_rng(seed)
    scale = size / 64
    background, bg_name, bg_phrase = _background(rng, size)
    colour = str(rng.choice(_contrasting_colours(bg_name)))
    shape = str(rng.choice(SHAPES))
    n_segments = int(rng.integers(1, 3))
    min_gap = 4

    state = MotionState(
        cx=rng.uniform(0.3, 0.7) * size,
        cy=rng.uniform(0.35, 0.7) * size,
        r=rng.uniform(8.0, 11.0) * scale,
        angle=rng.uniform(0, 2 * math.pi) if shape != "circle" else 0.0,
        opacity=1.0,
    )
    # choose motions first (appearing only first, disappearing only last)
    motions: list[str] = []
    for i in range(n_segments):
        allowed = [
            m
            for m in MOTIONS
            if (shape, m) not in EXCLUDED_COMBINATIONS
            and m not in motions
            and (m != "appearing" or i == 0)
            and (m != "disappearing" or i == n_segments - 1)
        ]
        motions.append(str(rng.choice(allowed)))
    if motions[0] == "appearing":
        state.opacity = 0.0
    long_max = max(8, frames // 3)
    lengths = [
        int(rng.integers(6, 11))
        if m in ("appearing", "disappearing")
        else int(rng.integers(max(8, frames // 6), long_max + 1))
        for m in motions
    ]
    free = frames - sum(lengths) - min_gap * (n_segments - 1)
    if free < 2:
        raise ValueError(f"frames={frames} is too short for {n_segments} segments")
    gaps = rng.multinomial(free - 2, [1.0 / (n_segments + 1)] * (n_segments + 1)) + 1
    starts, cursor = [], 0
    for i, length in enumerate(lengths):
        cursor += int(gaps[i]) + (min_gap if i > 0 else 0)
        starts.append(cursor)
        cursor += length

    initial = MotionState(state.cx, state.cy, state.r, state.angle, state.opacity)
    plan: list[MotionSegment] = []
    for motion, start, steps in zip(motions, starts, lengths, strict=True):
        amount = _feasible_amount(rng, motion, shape, state, steps, size)
        if amount is None:  # no room left: fall back to a motion that needs none
            motion = "rotating" if shape != "circle" else "bouncing"
            amount = _feasible_amount(rng, motion, shape, state, steps, size)
        if amount is None:  # a circle with no room to bounce: shrink it instead
            motion, amount = "shrinking", state.r / 1.6
        seg = MotionSegment(motion, start, steps, float(amount), bounces=2 if steps >= 12 else 1)
        plan.append(seg)
        state = step(motion, state, 1.0, seg.amount, seg.bounces)
    motions = [s.motion for s in plan]

    geometry = simulate(initial, plan, frames)
    obj = DemoObject(shape=shape, colour=colour, motion=motions[0], **geometry)
    video, masks = _render([obj], background, frames)

    labels = [BACKGROUND_LABEL] * frames
    segments = []
    for seg in plan:
        labels[seg.start : seg.start + seg.steps] = [seg.motion] * seg.steps
        segments.append(ActionSegment(seg.motion, seg.start, seg.start + seg.steps))
    subject = f"{_article(colour)} {colour} {shape}"
    body = f"{subject} {motions[0]}"
    if len(motions) == 2:
        body += f" and then {motions[1]}"
    template = _CAPTION_TEMPLATES[int(rng.integers(len(_CAPTION_TEMPLATES)))]
    caption = template.format(objects=body, background=bg_phrase)
    return DemoVideo(
        frames=_freeze(video),
        caption=caption,
        masks=_freeze(masks),
        objects=[obj],
        action_labels=labels,
        segments=segments,
        background=bg_phrase,
    )


def frames_to_tensor(frames: np.ndarray) -> torch.Tensor:
    """(t, h, w, 3) uint8 frames → (3, t, h, w) float32 tensor in [-1, 1] (model input)."""
    import torch  # local: the generator itself needs only numpy

    video = torch.tensor(frames, dtype=torch.float32)  # (t, h, w, 3); copies read-only arrays
    return (video.permute(3, 0, 1, 2) / 127.5 - 1.0).contiguous()  # (3, t, h, w)
