"""The FVD feature network: TorchScript I3D, as StyleGAN-V loads and calls it.

StyleGAN-V (Skorokhodov et al. 2022), ``src/metrics/frechet_video_distance.py``: the
Kinetics-400 I3D of the original FVD (Unterthiner et al. 2018, TF-Hub ``i3d-kinetics-400``)
exported to TorchScript as ``i3d_torchscript.pt``, called as
``detector(x, rescale=False, resize=False, return_features=True)`` — the 400 raw features
before the softmax — with ``x`` of layout ``(b, c, t, h, w)`` = ``(b, 3, 16, 224, 224)``,
float in [-1, 1] (``rescale=False``: the caller has mapped [0, 255] to [-1, 1];
``resize=False``: frames are already 224×224).

The file cannot be downloaded here. It is looked for, in order, at the ``i3d_path`` task
argument, ``$PYRATOK_I3D``, and ``<torch hub dir>/checkpoints/i3d_torchscript.pt``
(``~/.cache/torch/hub/checkpoints/`` by default). Without it, FVD is reported under
``unavailable`` with that list.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable

FILE_NAME = "i3d_torchscript.pt"
ENV_VAR = "PYRATOK_I3D"
CALL_KWARGS = {"rescale": False, "resize": False, "return_features": True}
DIM = 400


def candidate_paths(path: str | None = None) -> list[Path]:
    """Where the TorchScript file is looked for, in order."""
    out = [Path(path).expanduser()] if path else []
    if os.environ.get(ENV_VAR):
        out.append(Path(os.environ[ENV_VAR]).expanduser())
    out.append(Path(torch.hub.get_dir()) / "checkpoints" / FILE_NAME)
    return out


def found_file(path: str | None = None) -> Path | None:
    """The TorchScript file a run would load (the first candidate that exists)."""
    return next((p for p in candidate_paths(path) if p.is_file()), None)


def missing_reason(path: str | None = None) -> str | None:
    """Why the I3D cannot be loaded (``None`` if a file exists)."""
    places = candidate_paths(path)
    if any(p.is_file() for p in places):
        return None
    return (
        f"the TorchScript I3D {FILE_NAME!r} of the FVD protocol (StyleGAN-V) is not on this "
        f"machine. Place it at {places[-1]}, or set ${ENV_VAR}, or pass "
        "--task-arg i3d_path=FILE (looked in: " + ", ".join(str(p) for p in places) + ")"
    )


class I3DExtractor(ClipFeatureExtractor):
    """I3D features ``(b, 400)`` of 16-frame 224×224 clips in [-1, 1]."""

    def __init__(self, module: torch.jit.ScriptModule, weights: str) -> None:
        super().__init__(name="i3d", metric_name="fvd", dim=DIM, weights=weights,
                         extra={"call": dict(CALL_KWARGS)})
        self.module = module

    def forward(self, clip: Tensor) -> Tensor:
        device = next(iter(self.module.parameters()), torch.empty(0)).device
        return self.module(clip.to(device), **CALL_KWARGS)

    def to(self, device: torch.device) -> I3DExtractor:
        self.module = self.module.to(device)
        return self


def create_i3d(*, device: torch.device | str = "cpu", i3d_path: str | None = None,
               **_: object) -> I3DExtractor:
    """Load the TorchScript I3D (raises :class:`FeatureUnavailable` if absent)."""
    reason = missing_reason(i3d_path)
    if reason:
        raise FeatureUnavailable(reason)
    path = next(p for p in candidate_paths(i3d_path) if p.is_file())
    module = torch.jit.load(str(path), map_location=device).eval()
    return I3DExtractor(module, weights=str(path))
