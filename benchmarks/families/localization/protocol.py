"""Zero-shot localization protocols over stored per-frame similarities (paper Table 4).

- ``all_classes``: every class, one fixed threshold τ.
- ``seen_unseen`` (Table 4's "50% Seen / 50% Unseen"): ``n_splits`` random class splits,
  each from a recorded seed; τ is chosen on the seen half of each split (the τ of the
  grid with the best average mAP there; ties: the smaller τ) and the score is reported on
  the unseen half with that τ; the numbers are averaged over splits. Nothing is trained:
  the seen half only picks τ, as a validation set would.

``ambiguous`` (video id → Ambiguous segments, THUMOS14) is passed to the mAP, which never
counts an unmatched detection there as a false positive
(:mod:`benchmarks.families.localization.detection_map`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.families.localization.detection_map import (
    class_mean_percent,
    detection_map,
    threshold_key,
)
from benchmarks.families.localization.segments import decode_segments

Segment = tuple[str, float, float]  # label, start s, end s
Detection = tuple[str, float, float, float]  # label, start s, end s, score
Ambiguous = Mapping[str, Sequence[tuple[float, float]]]  # video id -> (start s, end s)


@dataclass(frozen=True)
class VideoScores:
    """One video's per-class, per-frame similarity ``(C, N)``, and ``times (N + 1,)``:
    sampled frame ``k`` covers ``[times[k], times[k + 1])`` seconds of the video."""

    similarity: np.ndarray
    times: np.ndarray


def detect(
    videos: Mapping[str, VideoScores],
    classes: Sequence[str],
    class_ids: Sequence[int],
    *,
    tau: float,
    window: int,
    max_instances: int,
) -> dict[str, list[Detection]]:
    """Segments of the classes ``class_ids`` in every video, in seconds."""
    out: dict[str, list[Detection]] = {}
    for vid, scores in videos.items():
        found: list[Detection] = []
        for c in class_ids:
            for start, stop, score in decode_segments(
                scores.similarity[c], window, tau, max_instances
            ):
                found.append((classes[c], float(scores.times[start]),
                              float(scores.times[stop]), score))
        out[vid] = found
    return out


def split_classes(n_classes: int, seed: int, seen_fraction: float) -> tuple[list[int], list[int]]:
    """``(seen, unseen)`` class indices of one split (numpy's default_rng(seed))."""
    order = np.random.default_rng(seed).permutation(n_classes)
    n_seen = int(round(seen_fraction * n_classes))
    return sorted(order[:n_seen].tolist()), sorted(order[n_seen:].tolist())


# detect's keywords again (same shape, not a copy): each caller names the decoding it uses
def evaluate_classes(
    ground_truth: Mapping[str, list[Segment]],
    videos: Mapping[str, VideoScores],
    classes: Sequence[str],
    class_ids: Sequence[int],
    *,
    tau: float,
    window: int,
    max_instances: int,
    thresholds: Sequence[float],
    ambiguous: Ambiguous | None = None,
):
    """Detection mAP of ``class_ids`` at threshold ``tau``."""
    preds = detect(videos, classes, class_ids, tau=tau, window=window,
                   max_instances=max_instances)
    subset = [classes[c] for c in class_ids]
    return detection_map(ground_truth, preds, subset, thresholds, ambiguous=ambiguous)


def class_ap(
    ground_truth: Mapping[str, list[Segment]],
    videos: Mapping[str, VideoScores],
    classes: Sequence[str],
    *,
    tau: float,
    window: int,
    max_instances: int,
    thresholds: Sequence[float],
    ambiguous: Ambiguous | None = None,
) -> np.ndarray:
    """``(C, T)`` AP of every class at threshold ``tau`` (NaN: no ground truth). A class's
    AP depends on its own detections only, so any class subset's mAP is the mean of its
    rows (:func:`class_mean_percent`)."""
    return evaluate_classes(ground_truth, videos, classes, range(len(classes)), tau=tau,
                            window=window, max_instances=max_instances, thresholds=thresholds,
                            ambiguous=ambiguous).ap


def seen_unseen(
    ground_truth: Mapping[str, list[Segment]],
    videos: Mapping[str, VideoScores],
    classes: Sequence[str],
    *,
    seeds: Sequence[int],
    seen_fraction: float,
    tau_grid: Sequence[float],
    window: int,
    max_instances: int,
    thresholds: Sequence[float],
    ambiguous: Ambiguous | None = None,
) -> tuple[dict[str, float], list[dict]]:
    """Average over splits of the unseen classes' mAP (percent), and each split's record."""
    @functools.cache  # one AP table per tau, every split reads it
    def ap_of(tau: float) -> np.ndarray:
        return class_ap(ground_truth, videos, classes, tau=tau, window=window,
                        max_instances=max_instances, thresholds=thresholds, ambiguous=ambiguous)

    return seen_unseen_of(ap_of, classes, seeds=seeds, seen_fraction=seen_fraction,
                          tau_grid=tau_grid, thresholds=thresholds)


def seen_unseen_of(
    ap_of: Callable[[float], np.ndarray],
    classes: Sequence[str],
    *,
    seeds: Sequence[int],
    seen_fraction: float,
    tau_grid: Sequence[float],
    thresholds: Sequence[float],
) -> tuple[dict[str, float], list[dict]]:
    """:func:`seen_unseen` from ``ap_of(tau)``, the ``(C, T)`` AP table at ``tau`` (of the
    detections, or of cached per-video statistics: a bootstrap draw)."""
    keys = [threshold_key(t) for t in thresholds]
    per_split = []
    for seed in seeds:
        seen, unseen = split_classes(len(classes), seed, seen_fraction)
        on_seen = [(float(class_mean_percent(ap_of(t)[seen]).mean()), t) for t in tau_grid]
        # NaN (no seen class has ground truth among these videos) never wins
        best = max(on_seen, key=lambda x: (-np.inf if np.isnan(x[0]) else x[0], -x[1]))
        unseen_map = class_mean_percent(ap_of(best[1])[unseen])
        per_split.append({
            "seed": seed,
            "seen_classes": [classes[c] for c in seen],
            "unseen_classes": [classes[c] for c in unseen],
            "tau": best[1],
            "seen_average_mAP": best[0],
            "tau_grid_seen_average_mAP": {str(t): m for m, t in on_seen},
            "unseen_mAP": {k: float(m) for k, m in zip(keys, unseen_map, strict=True)},
            "unseen_average_mAP": float(unseen_map.mean()),
        })
    # a split whose unseen classes have no ground truth among the videos has no mAP: it is
    # left out of the average (and None when no split has one)
    defined = [s for s in per_split if not np.isnan(s["unseen_average_mAP"])]
    keys = list(per_split[0]["unseen_mAP"])
    mean: dict[str, float | None] = {
        k: float(np.mean([s["unseen_mAP"][k] for s in defined])) if defined else None
        for k in keys
    }
    mean["average"] = (float(np.mean([s["unseen_average_mAP"] for s in defined]))
                       if defined else None)
    mean["n_splits_defined"] = len(defined)
    return mean, per_split
