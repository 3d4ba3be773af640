"""Per-video localization picture (the paper's Fig. 16 style): for each class present in
the ground truth, the window score S_t, τ, and the predicted (orange) and ground-truth
(blue) segments as bars underneath."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.families.localization.protocol import VideoScores
from benchmarks.families.localization.segments import decode_segments, window_scores


def plot_video(
    path: Path,
    video_id: str,
    scores: VideoScores,
    ground_truth: Sequence[tuple[str, float, float]],
    classes: Sequence[str],
    *,
    tau: float,
    window: int,
    max_instances: int,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = sorted({label for label, _, _ in ground_truth}) or list(classes[:1])
    fig, axes = plt.subplots(len(shown), 1, figsize=(9, 2.2 * len(shown)), squeeze=False)
    times = scores.times
    for ax, label in zip(axes[:, 0], shown, strict=True):
        c = classes.index(label)
        s = window_scores(scores.similarity[c], window)
        k = min(window, scores.similarity.shape[1])
        centres = (times[: len(s)] + times[np.minimum(np.arange(len(s)) + k,
                                                       len(times) - 1)]) / 2
        ax.plot(centres, s, color="black", lw=1, label="S_t (window mean)")
        ax.axhline(tau, color="grey", ls="--", lw=1, label=f"τ = {tau:g}")
        low = float(min(s.min(), tau)) - 0.05
        for lbl, start, end in ground_truth:
            if lbl == label:
                ax.axvspan(start, end, ymin=0, ymax=0.06, color="tab:blue")
        for a, b, _ in decode_segments(scores.similarity[c], window, tau, max_instances):
            ax.axvspan(times[a], times[b], ymin=0.07, ymax=0.13, color="tab:orange")
        ax.set_ylim(bottom=low)
        ax.set_xlim(times[0], times[-1])
        ax.set_title(f"{video_id}: {label} (blue: ground truth, orange: predicted)",
                     fontsize=9)
        ax.set_xlabel("seconds")
        ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
