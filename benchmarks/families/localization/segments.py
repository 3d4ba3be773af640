"""From a per-frame similarity to action segments (paper Appendix B.3).

:func:`decode_segments` is the whole rule, a pure function:

1. ``S_t = mean(s_t … s_{t+K−1})`` for ``t = 0 … N−K``, ``K = window`` (if ``N < K``: one
   window over all ``N`` frames) — B.3's sliding chunks "of length K = 25 frames (with
   stride 1)";
2. runs = the maximal runs of consecutive ``t`` with ``S_t ≥ τ`` — B.3's "maximally
   connected high-confidence segments"; run ``[a, b]`` covers frames ``[a, b + K)`` and
   scores ``mean(S_a … S_b)``;
3. runs whose frame intervals overlap are merged (the union of their frames; the score is
   the mean of ``S`` over all their windows) — B.3's "merging overlapping segments";
4. ordered by score, highest first (ties: earlier first), at most ``max_instances`` — B.3's
   "select the segment with the highest average score … iteratively".
"""

from __future__ import annotations

import numpy as np


def window_scores(similarity: np.ndarray, window: int) -> np.ndarray:
    """``S``: means of ``min(window, N)`` consecutive values, ``(max(N − K + 1, 1),)``."""
    s = np.asarray(similarity, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"similarity must be a non-empty 1-D sequence, got shape {s.shape}")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    k = min(window, s.size)
    c = np.concatenate([[0.0], np.cumsum(s)])
    return (c[k:] - c[:-k]) / k


def decode_segments(
    similarity: np.ndarray, window: int, tau: float, max_instances: int
) -> list[tuple[int, int, float]]:
    """Segments ``(start_frame, end_frame_exclusive, score)``, best first (see module doc)."""
    if max_instances < 1:
        raise ValueError(f"max_instances must be >= 1, got {max_instances}")
    scores = window_scores(similarity, window)
    k = min(window, np.asarray(similarity).size)
    above = scores >= tau
    # maximal runs [a, b] of consecutive windows above tau
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    merged: list[list[int]] = []  # [first window, last window, frame end] of merged runs
    members: list[list[tuple[int, int]]] = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if merged and a < merged[-1][2]:  # frames [a, b + k) overlap the previous segment
            merged[-1][1], merged[-1][2] = b, max(merged[-1][2], b + k)
            members[-1].append((a, b))
        else:
            merged.append([a, b, b + k])
            members.append([(a, b)])
    out = []
    for (a, _, stop), runs in zip(merged, members, strict=True):
        windows = np.concatenate([scores[x : y + 1] for x, y in runs])
        out.append((int(a), int(stop), float(windows.mean())))
    out.sort(key=lambda seg: (-seg[2], seg[0]))
    return out[:max_instances]
