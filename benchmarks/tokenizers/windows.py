"""Reconstruct a long clip window by window, as Cosmos-Tokenizer's ``video_lib.py`` does.

``CausalVideoTokenizer.forward(video, temporal_window=17)`` cuts a clip of any length into
consecutive, non-overlapping windows of ``temporal_window`` frames (the last one shorter),
pads each to a length the model takes, reconstructs it and trims it back; the outputs are
concatenated. NVIDIA TokenBench scores Cosmos tokenizers that way. Here each window is
padded by repeating its last frame up to the shortest length the tokenizer takes
(``spec.valid_num_frames``) — Cosmos reflects frames instead, inside its own padding — and
trimmed back after decoding. An adapter's own padding (spatial, temporal) still applies
inside ``encode``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.tokenizers.base import Encoded, VideoTokenizer


def window_spans(num_frames: int, window: int | None) -> list[tuple[int, int]]:
    """``[(start, end), …]`` of the consecutive windows covering ``num_frames`` frames
    (``window`` ``None``: one window, the whole clip)."""
    if window is None or window >= num_frames:
        return [(0, num_frames)]
    if window < 1:
        raise ValueError(f"temporal window must be at least 1 frame, got {window}")
    return [(s, min(s + window, num_frames)) for s in range(0, num_frames, window)]


def padded_length(tokenizer: VideoTokenizer, frames: int) -> int:
    """The shortest clip length from ``frames`` on that ``tokenizer`` takes."""
    spec = tokenizer.spec
    for n in range(frames, frames + 8 * max(spec.temporal_compression, 1) + 2):
        if spec.valid_num_frames(n):
            return n
    raise ValueError(f"tokenizer {spec.name!r} takes no clip length near {frames} frames")


@torch.inference_mode()
def reconstruct_window(
    tokenizer: VideoTokenizer, video: Tensor, texts: list[str] | None = None
) -> tuple[Tensor, Encoded]:
    """``(b, 3, t, h, w)`` in [-1, 1] → its reconstruction (same shape) and the encoding,
    the clip padded with its last frame to a length the tokenizer takes."""
    t = video.shape[2]
    target = padded_length(tokenizer, t)
    x = video if target == t else torch.cat(
        [video, video[:, :, -1:].expand(-1, -1, target - t, -1, -1)], dim=2)
    encoded = tokenizer.encode(x, texts)
    recon = tokenizer.decode(encoded)[:, :, :t]
    if recon.shape != video.shape:
        raise RuntimeError(f"tokenizer {tokenizer.spec.name!r} returned {tuple(recon.shape)} "
                           f"for {tuple(x.shape)}")
    return recon, encoded
