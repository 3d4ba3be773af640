"""Per-frame features of an untrimmed video, streamed in overlapping clips.

A video is sampled at a fixed rate (``sample_fps``), read ``clip_frames`` sampled frames at
a time (plus ``context`` frames of the previous clip, so a causal tokenizer sees the past
before the frames it scores), encoded, and each frame is given the spatially mean-pooled
features of the latent step that codes it (the level's causal time map,
``LevelFeatures.frame_to_step``). Memory is bounded by one clip, whatever the video's
length: a 30-minute video costs what a 30-second one does, per clip.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.io.sampling import FrameSampling
from benchmarks.io.video import read_frames
from benchmarks.tokenizers.base import VideoTokenizer, to_tokenizer_range


def sampled_indices(num_frames: int, native_fps: float, sample_fps: float | None) -> np.ndarray:
    """Source frame indices at ``sample_fps`` (``None``: every frame), never past the end."""
    if num_frames < 1:
        raise ValueError("the video has no frames")
    if sample_fps is None or sample_fps >= native_fps:
        return np.arange(num_frames)
    step = native_fps / sample_fps
    count = int(np.floor((num_frames - 1) / step)) + 1
    return np.minimum(np.round(np.arange(count) * step).astype(np.int64), num_frames - 1)


def clip_spans(n: int, clip_frames: int, context: int) -> Iterator[tuple[int, int, int]]:
    """``(read_start, score_start, stop)`` over ``n`` frames: frames ``[score_start, stop)``
    are scored from a clip read from ``read_start`` (up to ``context`` frames earlier)."""
    if clip_frames < 1 or context < 0:
        raise ValueError("clip_frames must be >= 1 and context >= 0")
    for start in range(0, n, clip_frames):
        yield max(0, start - context), start, min(n, start + clip_frames)


@torch.no_grad()
def stream_frame_features(
    tokenizer: VideoTokenizer,
    path: str,
    indices: np.ndarray,
    sampling: FrameSampling,
    *,
    level: int,
    clip_frames: int,
    context: int,
    device: torch.device,
) -> np.ndarray:
    """``(len(indices), d)`` float32 per-frame features, L2-normalised.

    Args:
        tokenizer: with the ``features`` capability.
        path: the video file.
        indices: source frames to use (see :func:`sampled_indices`).
        sampling: resize / crop applied to every frame (``frames_per_clip`` is unused).
        level: pyramid level (0 = q^(1)).
        clip_frames: sampled frames scored per tokenizer call.
        context: frames of the previous clip re-encoded before them.
    """
    out: list[np.ndarray] = []
    for read_start, score_start, stop in clip_spans(len(indices), clip_frames, context):
        frames = read_frames(path, [int(i) for i in indices[read_start:stop]])
        video = to_tokenizer_range(sampling.transform(frames).unsqueeze(0).to(device))
        level_features = tokenizer.features(video, level)  # (1, d, t', h', w')
        steps = level_features.frame_to_step.to(level_features.features.device)
        per_step = level_features.features[0].float().mean(dim=(-2, -1))  # (d, t')
        per_frame = per_step[:, steps].T  # (t, d)
        per_frame = F.normalize(per_frame[score_start - read_start :], dim=-1)
        out.append(per_frame.cpu().numpy())
    return np.concatenate(out, axis=0).astype(np.float32)
