"""PNG overlays of predicted and ground-truth instance masks (``--task-arg plot=true``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["plot_overlays"]

_COLOURS = np.array([(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48),
                     (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60)],
                    dtype=np.float32)


def _overlay(frame: np.ndarray, tracks: list[dict[str, Any]], f: int) -> np.ndarray:
    from pycocotools import mask as mask_utils

    out = frame.astype(np.float32)
    for i, track in enumerate(tracks):
        seg = track["segmentations"][f]
        if seg is None:
            continue
        mask = mask_utils.decode(seg).astype(bool)
        if mask.shape != out.shape[:2]:  # predictions and GT are at the original size
            yi = (np.arange(out.shape[0]) * mask.shape[0] // out.shape[0])
            xi = (np.arange(out.shape[1]) * mask.shape[1] // out.shape[1])
            mask = mask[yi][:, xi]
        out[mask] = 0.45 * out[mask] + 0.55 * _COLOURS[i % len(_COLOURS)]
    return out.astype(np.uint8)


def plot_overlays(path: Path, video: torch.Tensor, predicted: list[dict[str, Any]],
                  ground_truth: list[dict[str, Any]], names: dict[int, str],
                  *, columns: int = 6) -> None:
    """Rows: frames, predicted instances, ground-truth tracks, at up to ``columns`` frames.

    Args:
        video: ``(3, t, h, w)`` float in [0, 1] (the model's input).
        predicted, ground_truth: tracks with ``segmentations`` (RLE per frame) and
            ``category_id`` (results also ``score``).
        names: category id -> name, for the legends.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = (video.permute(1, 2, 3, 0).clamp(0, 1) * 255).to(torch.uint8).numpy()
    t = frames.shape[0]
    picks = sorted({round(x) for x in np.linspace(0, t - 1, min(columns, t))})
    fig, axes = plt.subplots(3, len(picks), figsize=(2 * len(picks), 6.4), squeeze=False)
    rows = [("frame", []), ("predicted", predicted), ("ground truth", ground_truth)]
    for r, (label, tracks) in enumerate(rows):
        for c, f in enumerate(picks):
            ax = axes[r, c]
            ax.imshow(_overlay(frames[f], tracks, f) if tracks else frames[f])
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label)
            if r == 0:
                ax.set_title(f"frame {f}", fontsize=8)
    legend = "; ".join(f"{p.get('phrase') or names.get(p['category_id'], p['category_id'])} "
                       f"{p['score']:.2f}"
                       for p in predicted[:len(_COLOURS)])
    fig.suptitle(f"{path.stem}: {legend or 'no instances'}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
