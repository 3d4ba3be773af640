"""How a reconstruction latency was measured: the clip it timed and the machine it ran on.

The paper's Table 1 caption: "Latency measured on 25 frames (256×256) using a single V100
GPU." (Table 9's "Inf. Time" column gives no protocol; its "LaPQ (Ours)" 492 equals Table
1's PyraTok latency, so it is read as the same one.) A latency is only comparable under
that protocol, so every timed call records, per sample, the clip shape it timed, the
number of clips in the call, the device by name and the dtype the tokenizer ran in; the
summary states them (``evaluation.latency``) and ``tables --paper`` checks them.

The PSNR/SSIM clip (17 frames for WebVid) and the timed clip (``latency_frames``, 25 for
Table 1) are two passes over the same sample: the scored clip is reconstructed untimed,
and a clip of ``latency_frames`` frames made from it is timed. When the loaded clip is
shorter, the timed clip continues it by mirroring it in time (frames 0…16, 15, 14, …):
a tokenizer's compute does not depend on pixel values, only on the clip's shape, and the
timed reconstruction is discarded.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch
from torch import Tensor


@dataclass(frozen=True)
class LatencySetting:
    """One timed call: clip ``(frames, height, width)``, clips per call, device, dtype."""

    frames: int
    height: int
    width: int
    batch_size: int
    device: str
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def timing_clip(video: Tensor, frames: int) -> Tensor:
    """``video`` ``(b, c, t, h, w)`` brought to ``frames`` frames along ``t``.

    Longer clips are cut to their first ``frames``; shorter ones are continued by
    reflecting them in time (0 … t−1, t−2 … 0, 1 …), so no frame is synthesised.
    """
    t = video.shape[2]
    if frames == t:
        return video
    if t == 1:
        return video.expand(-1, -1, frames, -1, -1)
    period = 2 * (t - 1)
    order = [k % period for k in range(frames)]
    order = [k if k < t else period - k for k in order]
    return video[:, :, order]


def tokenizer_dtype(tokenizer: torch.nn.Module, fallback: torch.dtype) -> str:
    """The floating dtype the tokenizer computes in: its ``dtype`` attribute, else that of
    its first floating parameter, else ``fallback`` (the input's, for weight-free ones)."""
    dtype = getattr(tokenizer, "dtype", None)
    if isinstance(dtype, torch.dtype):
        return str(dtype).removeprefix("torch.")
    for p in tokenizer.parameters():
        if p.is_floating_point():
            return str(p.dtype).removeprefix("torch.")
    return str(fallback).removeprefix("torch.")


@cache
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_name(device: torch.device) -> str:
    """A device by name: the GPU's marketing name (``torch.cuda.get_device_name``) or
    the CPU model, prefixed by its kind (``"cuda: NVIDIA H100 80GB HBM3"``)."""
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    if device.type == "cpu":
        return f"cpu: {cpu_model()}"
    return device.type


def summarize(settings: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The summary's ``latency`` entry from every record's setting.

    One setting for the whole run gives that setting; a run resumed on another machine (or
    with another batch size) gives the most common one plus ``"mixed"``: every distinct
    setting with its sample count, so a table never presents it as one protocol.
    """
    counts = Counter(tuple(sorted(s.items())) for s in settings if s)
    if not counts:
        return None
    common = dict(counts.most_common(1)[0][0])
    if len(counts) == 1:
        return common
    return {**common, "mixed": [{**dict(k), "n_samples": n} for k, n in counts.items()]}
