"""The MVBench demo set: procedural clips of :mod:`pyratok.demo` with templated questions,
in MVBench's layout (:mod:`benchmarks.datasets.mvbench.reader`).

Built offline by :mod:`benchmarks.datasets.demo` on first use into ``mvbench-v1``. A smoke
test of the ``vqa`` family, not MVBench: scores on it are not comparable with any paper's.
Every answer is known to the generator; distractors are drawn from the same attribute.
Clips are 64x64 (the bundled checkpoint's size), seeds from 10,000,000 upward (the
checkpoint was trained on seeds below 1,000,000), :data:`QUESTIONS_PER_TASK` per file:

- ``moving_direction`` (``video/clevrer/video_validation``): one shape moving left, right,
  up or down over 17 frames; "Which direction does the {colour} {shape} move?"; the four
  directions.
- ``fine_grained_action`` (``video/Moments_in_Time_Raw/videos``): one shape, any motion;
  "What is the {colour} {shape} doing?"; the motion and three others.
- ``action_antonym`` (``video/ssv2_video``): a motion that has an opposite (left/right,
  up/down, growing/shrinking, appearing/disappearing); the motion, its opposite and one
  other.
- ``moving_attribute`` (``video/clevrer/video_validation``): "What colour is the {shape}
  that is {motion}?"; its colour and three other palette colours.
- ``action_sequence`` (``video/star/Charades_v1_480``, with ``start``/``end``): an untrimmed
  96-frame video (``pyratok.demo.make_untrimmed``) with two actions; start/end (seconds,
  8 fps) cover the first action; "What did the {shape} do first?"; the first action, the
  second one and two others — the bound must be honoured to tell them apart.
- ``episodic_reasoning`` (``video/tvqa/frames_fps3_hq/<name>/00001.jpg …``, frame folders
  read at 3 fps, with ``start``/``end``): the same kind of video as JPEG frames; the bound
  covers the second action; "What does the {shape} do after {first action}?".

Candidate texts are phrases in the generator's caption form ("a circle moving left",
"a red star growing"), so the ``similarity`` answerer with the template ``"a video of {}"``
embeds exactly the prompts the checkpoint was aligned with. Candidate order is drawn from
each question's seed. Videos are H.264 at crf 6, 8 fps, intra-only (reproducible), as the
Kinetics demo set's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.io.video import write_video
from pyratok.demo import EXCLUDED_COMBINATIONS, PALETTE, DemoVideo, make_untrimmed, make_video
from pyratok.demo_motion import MOTIONS

QUESTIONS_PER_TASK = 30
FRAMES, SIZE, FPS, CRF = 17, 64, 8, 6
UNTRIMMED_FRAMES = 96
FRAME_FOLDER_FPS = 3  # MVBench's tvqa frames_fps3_hq
SEED_START = 10_000_000
SEED_STRIDE = 100_000  # sub-task k searches seeds from SEED_START + k * SEED_STRIDE

DIRECTIONS = ("moving left", "moving right", "moving up", "moving down")
OPPOSITE = {"moving left": "moving right", "moving right": "moving left",
            "moving up": "moving down", "moving down": "moving up",
            "growing": "shrinking", "shrinking": "growing",
            "appearing": "disappearing", "disappearing": "appearing"}
FOLDERS = {
    "moving_direction": "clevrer/video_validation",
    "fine_grained_action": "Moments_in_Time_Raw/videos",
    "action_antonym": "ssv2_video",
    "moving_attribute": "clevrer/video_validation",
    "action_sequence": "star/Charades_v1_480",
    "episodic_reasoning": "tvqa/frames_fps3_hq",
}


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _phrase(shape: str, motion: str, colour: str | None = None) -> str:
    """``"a circle moving left"``, ``"a red circle moving left"`` (the caption form)."""
    noun = f"{colour} {shape}" if colour else shape
    return f"{_article(noun)} {noun} {motion}"


def _motions(shape: str) -> list[str]:
    return [m for m in MOTIONS if (shape, m) not in EXCLUDED_COMBINATIONS]


def _options(rng: np.random.Generator, answer: str, fixed: list[str], pool: list[str],
             n: int) -> list[str]:
    """``answer`` + ``fixed`` distractors + random ones from ``pool`` up to ``n``, shuffled."""
    rest = [p for p in pool if p != answer and p not in fixed]
    chosen = [answer, *fixed, *rng.choice(rest, n - 1 - len(fixed), replace=False).tolist()]
    return [chosen[i] for i in rng.permutation(n)]


# one question per accepted seed: (entry fields, media writer) or None to skip the seed
Maker = Callable[[int, Path], dict | None]


def _trimmed(task: str, seed: int, folder: Path) -> dict | None:
    video = make_video(seed, frames=FRAMES, size=SIZE, n_objects=1)
    obj = video.objects[0]
    rng = np.random.default_rng([seed, 1])
    if task == "moving_direction":
        if obj.motion not in DIRECTIONS:
            return None
        question = f"Which direction does the {obj.colour} {obj.shape} move?"
        motions = _options(rng, obj.motion, [], list(DIRECTIONS), 4)
        candidates = [_phrase(obj.shape, m) for m in motions]
        answer = _phrase(obj.shape, obj.motion)
    elif task == "fine_grained_action":
        question = f"What is the {obj.colour} {obj.shape} doing?"
        motions = _options(rng, obj.motion, [], _motions(obj.shape), 4)
        candidates = [_phrase(obj.shape, m) for m in motions]
        answer = _phrase(obj.shape, obj.motion)
    elif task == "action_antonym":
        if obj.motion not in OPPOSITE:
            return None
        question = f"What happens to the {obj.colour} {obj.shape}?"
        motions = _options(rng, obj.motion, [OPPOSITE[obj.motion]], _motions(obj.shape), 3)
        candidates = [_phrase(obj.shape, m) for m in motions]
        answer = _phrase(obj.shape, obj.motion)
    else:  # moving_attribute
        question = f"What colour is the {obj.shape} that is {obj.motion}?"
        colours = _options(rng, obj.colour, [], list(PALETTE), 4)
        candidates = [_phrase(obj.shape, obj.motion, c) for c in colours]
        answer = _phrase(obj.shape, obj.motion, obj.colour)
    name = f"demo_{seed}.mp4"
    write_video(folder / name, video.frames, fps=FPS, crf=CRF, keyframe_interval=1)
    return {"video": name, "question": question, "candidates": candidates, "answer": answer}


def _two_actions(seed: int) -> DemoVideo | None:
    video = make_untrimmed(seed, frames=UNTRIMMED_FRAMES, size=SIZE)
    segments = video.segments
    if len(segments) != 2 or segments[0].label == segments[1].label:
        return None
    return video


def _sequence(task: str, seed: int, folder: Path) -> dict | None:
    video = _two_actions(seed)
    if video is None:
        return None
    shape = video.objects[0].shape
    first, second = video.segments
    rng = np.random.default_rng([seed, 1])
    if task == "action_sequence":
        target, other = first, second
        question = f"What did the {shape} do first?"
        name = f"demo_{seed}.mp4"
        write_video(folder / name, video.frames, fps=FPS, crf=CRF, keyframe_interval=1)
        # 0-based frames [start, end - 1] at 8 fps (MVBench: round(t * fps))
        start, end = target.start / FPS, (target.end - 1) / FPS
    else:  # episodic_reasoning: a frame folder, 1-based %05d.jpg at 3 fps
        target, other = second, first
        question = f"What does the {shape} do after {first.label}?"
        name = f"demo_{seed}"
        (folder / name).mkdir(parents=True)
        for k, frame in enumerate(video.frames):
            Image.fromarray(frame).save(folder / name / f"{k + 1:05d}.jpg", quality=95)
        # files [start + 1, end] hold 0-based frames [start, end - 1]
        start, end = (target.start + 1) / FRAME_FOLDER_FPS, target.end / FRAME_FOLDER_FPS
    motions = _options(rng, target.label, [other.label], _motions(shape), 4)
    return {"video": name, "question": question,
            "candidates": [_phrase(shape, m) for m in motions],
            "answer": _phrase(shape, target.label), "start": start, "end": end}


def _entries(task: str, index: int, folder: Path) -> Iterator[dict]:
    maker = _sequence if task in ("action_sequence", "episodic_reasoning") else _trimmed
    seed = SEED_START + index * SEED_STRIDE
    found = 0
    while found < QUESTIONS_PER_TASK:
        entry = maker(task, seed, folder)
        seed += 1
        if entry is not None:
            found += 1
            yield entry


def build(root: Path) -> None:
    """Write the MVBench demo set into the empty folder ``root``."""
    (root / "json").mkdir(parents=True)
    for index, (task, sub) in enumerate(FOLDERS.items()):
        folder = root / "video" / sub
        folder.mkdir(parents=True, exist_ok=True)
        entries = list(_entries(task, index, folder))
        (root / "json" / f"{task}.json").write_text(json.dumps(entries, indent=1) + "\n",
                                                    encoding="utf-8")
