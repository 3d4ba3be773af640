"""decode_segments: exactly the rule of Appendix B.3 as the module states it."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.families.localization.segments import decode_segments, window_scores


def _brute(s, window, tau, max_instances):
    """The rule written out step by step, with plain loops."""
    n = len(s)
    k = min(window, n)
    S = [sum(s[t : t + k]) / k for t in range(n - k + 1)]
    runs, t = [], 0
    while t < len(S):
        if S[t] >= tau:
            a = t
            while t + 1 < len(S) and S[t + 1] >= tau:
                t += 1
            runs.append([a, t])
        t += 1
    segs = []  # (frames set, windows list)
    for a, b in runs:
        frames, windows = set(range(a, b + k)), list(range(a, b + 1))
        if segs and frames & segs[-1][0]:
            segs[-1][0].update(frames)
            segs[-1][1].extend(windows)
        else:
            segs.append([frames, windows])
    out = [(min(f), max(f) + 1, sum(S[w] for w in ws) / len(ws)) for f, ws in segs]
    out.sort(key=lambda x: (-x[2], x[0]))
    return out[:max_instances]


def test_window_scores_is_the_sliding_mean():
    s = np.array([1.0, 2, 3, 4, 5])
    assert np.allclose(window_scores(s, 2), [1.5, 2.5, 3.5, 4.5])
    assert np.allclose(window_scores(s, 9), [3.0])  # N < K: one window over all frames


def test_a_hand_worked_example():
    s = np.array([0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0], dtype=float)
    # window 2: S = [0, .5, 1, 1, .5, 0, 0, 0, .5, 1, .5]
    got = decode_segments(s, window=2, tau=0.75, max_instances=5)
    assert got == [(2, 5, 1.0), (9, 11, 1.0)]
    # tau 0.5: runs [1, 4] -> frames [1, 6), score .75, and [8, 10] -> frames [8, 12),
    # score 2/3; disjoint; the best one only
    assert decode_segments(s, window=2, tau=0.5, max_instances=1) == [(1, 6, 0.75)]
    got = decode_segments(s, window=2, tau=0.5, max_instances=5)
    assert got == [(1, 6, 0.75), (8, 12, pytest.approx(2 / 3))]


def test_overlapping_runs_are_merged_with_the_mean_of_all_their_windows():
    s = np.array([1, 1, 1, 0, 1, 1, 1], dtype=float)
    # window 3: S = [1, 2/3, 2/3, 2/3, 1]; tau 0.9: runs [0,0] -> [0,3), [4,4] -> [4,7)
    assert decode_segments(s, window=3, tau=0.9, max_instances=5) == [(0, 3, 1.0),
                                                                       (4, 7, 1.0)]
    # window 4: S = [.75, .5, .75, .75]; tau .7: runs [0,0] -> [0,4) and [2,3] -> [2,7)
    got = decode_segments(s, window=4, tau=0.7, max_instances=5)
    assert got == [(0, 7, pytest.approx(0.75))]


def test_short_videos_and_nothing_above_tau():
    assert decode_segments(np.array([0.9, 0.8]), window=25, tau=0.5, max_instances=3) == [
        (0, 2, pytest.approx(0.85))]
    assert decode_segments(np.zeros(30), window=25, tau=0.5, max_instances=3) == []


@pytest.mark.parametrize("seed", range(30))
def test_random_sequences_match_the_rule_written_out(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    s = rng.normal(size=n).cumsum() / 5
    window = int(rng.integers(1, 30))
    tau = float(rng.normal() / 2)
    max_instances = int(rng.integers(1, 6))
    got = decode_segments(s, window, tau, max_instances)
    want = _brute(list(s), window, tau, max_instances)
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in want]
    assert np.allclose([x for *_, x in got], [x for *_, x in want])
