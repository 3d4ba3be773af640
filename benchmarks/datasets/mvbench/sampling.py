"""MVBench's frame sampling (its loader's ``get_index``; Li et al., CVPR 2024).

``num_segments`` frames at the centres of equal segments of [start, end] seconds (the
whole video where no bound is given), clipped to ``[first_idx, max_frame]``::

    start_idx = max(first_idx, round(start * fps))
    end_idx = min(round(end * fps), max_frame)
    seg = (end_idx - start_idx) / num_segments
    idx_k = int(start_idx + seg / 2 + np.round(seg * k)),  k = 0 … num_segments - 1

Python's ``round`` and ``np.round`` both round half to even, as in MVBench.
"""

from __future__ import annotations

import numpy as np


def segment_centres(
    bound: tuple[float, float] | None,
    fps: float,
    max_frame: int,
    num_segments: int,
    *,
    first_idx: int = 0,
) -> list[int]:
    """Frame indices MVBench reads.

    Args:
        bound: ``(start, end)`` in seconds, or ``None`` for the whole video.
        fps: frames per second of the video (or frame folder).
        max_frame: the last index (``len(video) - 1`` for a video; the number of files
            for a 1-based frame folder).
        num_segments: how many frames (MVBench: 16).
        first_idx: the first index (0 for videos, 1 for frame folders).

    Raises:
        ValueError: ``num_segments < 1``, or a bound that leaves no frame.
    """
    if num_segments < 1:
        raise ValueError(f"num_segments must be >= 1, got {num_segments}")
    start, end = bound if bound is not None else (-100000, 100000)
    start_idx = max(first_idx, round(start * fps))
    end_idx = min(round(end * fps), max_frame)
    if end_idx < start_idx:
        raise ValueError(f"[{start}, {end}] s at {fps:g} fps holds no frame of "
                         f"{first_idx}..{max_frame}")
    seg_size = float(end_idx - start_idx) / num_segments
    return [int(start_idx + (seg_size / 2) + np.round(seg_size * k)) for k in range(num_segments)]
