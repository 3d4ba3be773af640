"""The FVD feature network: TorchScript I3D, as StyleGAN-V loads it (``fvd-styleganv``).

StyleGAN-V (Skorokhodov et al. 2022), ``src/metrics/frechet_video_distance.py``: the
Kinetics-400 I3D of the original FVD (Unterthiner et al. 2018, TF-Hub ``i3d-kinetics-400``)
exported to TorchScript as ``i3d_torchscript.pt``; the 400 raw features before the softmax
(``return_features=True``). StyleGAN-V passes uint8 frames with ``rescale=True,
resize=True``; the harness prepares the clip itself — ``(b, 3, 16, 224, 224)`` float in
[-1, 1] — and calls ``detector(x, rescale=False, resize=False, return_features=True)``
(the protocol's ``differences`` field says what that changes).

The file cannot be downloaded here. It is looked for, in order, at the ``i3d_path`` (or
``weights_path``) task argument, ``$PYRATOK_I3D``, and
``<torch hub dir>/checkpoints/i3d_torchscript.pt`` (``~/.cache/torch/hub/checkpoints/``
by default), and checked against its pin before loading
(:data:`benchmarks.features.protocols.I3D_TORCHSCRIPT`). Without it, FVD is reported under
``unavailable`` with that list.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor
from benchmarks.features.protocols import I3D_TORCHSCRIPT

FILE_NAME = I3D_TORCHSCRIPT.file_name
ENV_VAR = I3D_TORCHSCRIPT.env_var
CALL_KWARGS = {"rescale": False, "resize": False, "return_features": True}
DIM = 400
WHAT = "the TorchScript I3D of the FVD protocol (StyleGAN-V)"


def candidate_paths(path: str | None = None) -> list[Path]:
    """Where the TorchScript file is looked for, in order."""
    return I3D_TORCHSCRIPT.candidate_paths(path)


def found_file(path: str | None = None) -> Path | None:
    """The TorchScript file a run would load (the first candidate that exists)."""
    return I3D_TORCHSCRIPT.found(path)


def missing_reason(path: str | None = None) -> str | None:
    """Why the I3D cannot be loaded (``None`` if a file exists)."""
    return I3D_TORCHSCRIPT.missing_reason(path, what=WHAT)


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
               weights_path: str | None = None, **_: object) -> I3DExtractor:
    """Load the TorchScript I3D (raises :class:`FeatureUnavailable` if absent,
    :class:`~benchmarks.features.weights.WeightsMismatch` if it is another file)."""
    path, digest = I3D_TORCHSCRIPT.checked(weights_path or i3d_path, what=WHAT)
    module = torch.jit.load(str(path), map_location=device).eval()
    extractor = I3DExtractor(module, weights=str(path))
    extractor.weights_loaded = [digest]
    return extractor
