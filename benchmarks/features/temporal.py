"""VBench's temporal-quality scores of clips, for any family: which can run, and their values.

The scores (maths in :mod:`benchmarks.metrics.temporal`, networks in
:mod:`benchmarks.features.frame_encoders` and :mod:`benchmarks.features.interpolator`):

==================================  ==========================================  ==========
name                                needs                                       offline
==================================  ==========================================  ==========
temporal_flickering                 pixels only                                 yes
subject_consistency_effnet_lite0    EfficientNet-Lite0 wheel (not VBench's)     opt-in
subject_consistency                 DINO ViT-B/16 folder (``dino_path``)        no
background_consistency              CLIP ViT-B/32 folder (``clip_path``)        no
motion_smoothness                   TorchScript interpolator (``vfi_path``)     no
==================================  ==========================================  ==========

Every score is VBench's per-video number, in [0, 1], higher = steadier / more consistent.
What differs from VBench's protocol, by design: every clip is scored (VBench scores
temporal flickering only on the videos its RAFT static filter keeps, so its absolute
values are not comparable to VBench's leaderboard), on the clip's float frames (no 8-bit
rounding, no video encoding in between). A reconstruction family reports the reference's
and the reconstruction's score on the same clip and their difference, where the clip's
own motion cancels. A family uses :class:`TemporalScorer` (the text-to-video family too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from benchmarks.features.base import FeatureUnavailable
from benchmarks.features.frame_encoders import FrameEncoder, load_encoder
from benchmarks.features.interpolator import FrameInterpolator, load_interpolator
from benchmarks.metrics.temporal import (
    MIN_FRAMES,
    frame_consistency,
    interpolation_inputs,
    interpolation_smoothness,
    temporal_flickering,
)

FLICKER = "temporal_flickering"
SUBJECT = "subject_consistency"
SUBJECT_EFFNET = "subject_consistency_effnet_lite0"
BACKGROUND = "background_consistency"
SMOOTHNESS = "motion_smoothness"
METRICS = (FLICKER, SUBJECT_EFFNET, SUBJECT, BACKGROUND, SMOOTHNESS)
ENCODERS = {SUBJECT_EFFNET: "effnet_lite0", SUBJECT: "dino_vitb16", BACKGROUND: "clip_vitb32"}
SOURCE = "VBench (Huang et al., CVPR 2024), github.com/Vchitect/VBench @ 45e79ec"
DEFINITIONS = {
    FLICKER: "1 - mean |frame[i+1] - frame[i]| / data range (vbench/temporal_flickering.py: "
             "(255 - MAD) / 255); every clip scored, no static filter",
    SUBJECT: "mean over frames i>=1 of (max(0, cos(f[i-1], f[i])) + max(0, cos(f[0], f[i])))"
             " / 2, DINO ViT-B/16 class token (vbench/subject_consistency.py)",
    SUBJECT_EFFNET: "VBench's subject-consistency formula on EfficientNet-Lite0 features "
                    "(not VBench's network: never reported as subject_consistency)",
    BACKGROUND: "VBench's consistency formula on CLIP ViT-B/32 image embeddings "
                "(vbench/background_consistency.py)",
    SMOOTHNESS: "1 - mean |interpolated - true odd frame| / data range, the even frames "
                "interpolated at t = 1/2 (vbench/motion_smoothness.py, AMT-S)",
}
MIN_CLIP = {FLICKER: MIN_FRAMES["consecutive"], SUBJECT: MIN_FRAMES["consecutive"],
            SUBJECT_EFFNET: MIN_FRAMES["consecutive"], BACKGROUND: MIN_FRAMES["consecutive"],
            SMOOTHNESS: MIN_FRAMES["interpolation"]}


@dataclass(frozen=True)
class TemporalOptions:
    """The task arguments every family with temporal scores takes (same names in each).

    Attributes:
        temporal: compute the temporal scores at all.
        temporal_effnet: ``subject_consistency_effnet_lite0`` (EfficientNet-Lite0 on every
            frame; off by default for its cost on CPU).
        dino_path, clip_path: ``transformers`` folders of DINO ViT-B/16 / CLIP ViT-B/32.
        vfi_path: TorchScript frame interpolator (:mod:`benchmarks.features.interpolator`).
    """

    temporal: bool = True
    temporal_effnet: bool = False
    dino_path: str | None = None
    clip_path: str | None = None
    vfi_path: str | None = None

    @classmethod
    def of(cls, params: Any) -> TemporalOptions:
        """The options a family's Params holds (same field names)."""
        return cls(**{k: getattr(params, k) for k in cls.__dataclass_fields__})


class TemporalScorer:
    """Per-clip VBench temporal scores with the networks the options make available.

    A network that is not given (or, for EfficientNet-Lite0, not asked for or not
    installed) makes its score unavailable with the reason; a path given but wrong raises
    (``FileNotFoundError``/``ValueError``: the user's mistake, one line).
    """

    def __init__(self, options: TemporalOptions, *, device: torch.device | str = "cpu") -> None:
        self.options = options
        self._reasons: dict[str, str] = {}
        self._short: dict[str, str] = {}
        self._encoders: dict[str, FrameEncoder] = {}
        self._interpolator: FrameInterpolator | None = None
        if not options.temporal:
            self._reasons = dict.fromkeys(METRICS, "disabled by the task config (temporal: false)")
            return
        paths = {SUBJECT: options.dino_path, BACKGROUND: options.clip_path}
        for metric, encoder in ENCODERS.items():
            if metric == SUBJECT_EFFNET and not options.temporal_effnet:
                self._reasons[metric] = ("not computed by default (EfficientNet-Lite0 on every "
                                         "frame): pass --task-arg temporal_effnet=true")
                continue
            try:
                self._encoders[metric] = load_encoder(encoder, path=paths.get(metric),
                                                      device=device)
            except FeatureUnavailable as err:
                self._reasons[metric] = str(err)
        try:
            self._interpolator = load_interpolator(options.vfi_path, device=device)
        except FeatureUnavailable as err:
            self._reasons[SMOOTHNESS] = str(err)

    @property
    def computed(self) -> tuple[str, ...]:
        """The scores this scorer computes on clips long enough for them."""
        return tuple(m for m in METRICS if m not in self._reasons)

    def note_frames(self, frames: int) -> None:
        """Record the clip length: a score needing more frames becomes unavailable."""
        for metric in self.computed:
            if frames < MIN_CLIP[metric]:
                self._short[metric] = (f"clips have {frames} frame(s); {metric} needs at least "
                                       f"{MIN_CLIP[metric]}")

    def unavailable(self) -> dict[str, str]:
        return {**self._reasons, **self._short}

    def describe(self) -> dict[str, Any]:
        """What each computed score is and which network and weights it used (``{}``
        when none is computed)."""
        out: dict[str, Any] = {}
        for metric in (m for m in self.computed if m not in self._short):
            entry: dict[str, Any] = {"definition": DEFINITIONS[metric]}
            if metric in self._encoders:
                entry.update(self._encoders[metric].describe())
            if metric == SMOOTHNESS and self._interpolator is not None:
                entry.update(self._interpolator.describe())
            out[metric] = entry
        return {"source": SOURCE, **out} if out else {}

    def scores(self, video: Tensor) -> dict[str, Tensor]:
        """Each available score of each clip.

        Args:
            video: ``(b, 3, t, h, w)`` in [-1, 1] (the tokenizer range).

        Returns:
            score name → ``(b,)`` float64 on the CPU; scores the clip is too short for are
            left out (and reported unavailable).
        """
        self.note_frames(video.shape[2])
        out: dict[str, Tensor] = {}
        for metric in self.computed:
            if metric in self._short:
                continue
            if metric == FLICKER:
                out[metric] = temporal_flickering(video, data_range=2.0).cpu()  # [-1, 1]
            elif metric == SMOOTHNESS:
                out[metric] = self._smoothness(video)
            else:
                out[metric] = frame_consistency(self._encoders[metric](video)).cpu()
        return out

    def _smoothness(self, video: Tensor) -> Tensor:
        first, second, target = interpolation_inputs(video.add(1).mul(0.5))  # (b, 3, k, h, w)
        b, c, k, h, w = first.shape

        def pairs(x: Tensor) -> Tensor:  # (b, 3, k, h, w) -> (b·k, 3, h, w)
            return x.transpose(1, 2).reshape(b * k, c, h, w)

        middle = self._interpolator(pairs(first), pairs(second))  # (b·k, 3, h, w)
        middle = middle.view(b, k, c, h, w).transpose(1, 2).to(target.device)
        return interpolation_smoothness(middle, target.float(), data_range=1.0).cpu()


def paired(ref: dict[str, Tensor], recon: dict[str, Tensor], clip: int) -> dict[str, float]:
    """A reconstruction's per-clip metrics: ``<score>_ref``, ``<score>_recon`` and
    ``<score>_delta = recon - ref`` (negative: the reconstruction is less steady or less
    consistent than its input; positive: steadier, which may be lost motion)."""
    out: dict[str, float] = {}
    for metric in ref:
        a, b = float(ref[metric][clip]), float(recon[metric][clip])
        out.update({f"{metric}_ref": a, f"{metric}_recon": b, f"{metric}_delta": b - a})
    return out


PAIRED_SUFFIXES = ("_ref", "_recon", "_delta")


def paired_unavailable(reasons: dict[str, str]) -> dict[str, str]:
    """Each unavailable score's reason under its three reconstruction names."""
    return {f"{m}{s}": why for m, why in reasons.items() for s in PAIRED_SUFFIXES}
