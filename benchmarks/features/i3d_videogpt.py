"""VideoGPT's FVD network: the PyTorch InceptionI3d with ``i3d_pretrained_400.pt``
(protocol ``fvd-videogpt``).

VideoGPT (Yan et al. 2021), ``videogpt/download.py`` ``load_i3d_pretrained``:
``InceptionI3d(400, in_channels=3)`` (``videogpt/fvd/pytorch_i3d.py``, from
piergiaj/pytorch-i3d) with the state dict ``i3d_pretrained_400.pt``; ``get_logits`` calls
``i3d(batch)``: the 400 logits averaged over time, on ``(b, 3, t, 224, 224)`` in [-1, 1].
The network class is taken from the ``cd-fvd`` package
(``cdfvd/third_party/i3d/pytorch_i3d.py``: the same file, with an ``is_coinrun`` switch
that is off by default), so the harness carries no copy of it.

Unavailable without the weights file (looked for at ``weights_path``,
``$PYRATOK_I3D_VIDEOGPT``, ``<torch hub dir>/checkpoints/i3d_pretrained_400.pt``) or
without ``cd-fvd`` (``pip install --no-deps cd-fvd``).
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable
from benchmarks.features.protocols import FVD_VIDEOGPT, I3D_PRETRAINED_400
from benchmarks.features.weights import load_state

DIM = 400


class VideoGPTI3D(ClipFeatureExtractor):
    """``(b, 3, 16, 224, 224)`` in [-1, 1] → ``(b, 400)`` time-averaged logits."""

    def __init__(self, net: torch.nn.Module, weights: str) -> None:
        super().__init__(name="i3d_videogpt", metric_name=FVD_VIDEOGPT.metric, dim=DIM,
                         weights=weights, protocol=FVD_VIDEOGPT.clip,
                         extra={"network": "cdfvd.third_party.i3d.pytorch_i3d.InceptionI3d"})
        self.net = net.eval()

    def forward(self, clip: Tensor) -> Tensor:
        device = next(self.net.parameters()).device
        return self.net(clip.to(device))

    def to(self, device: torch.device) -> VideoGPTI3D:
        self.net = self.net.to(device)
        return self


def create_i3d_videogpt(*, device: torch.device | str = "cpu", weights_path: str | None = None,
                        **_: object) -> VideoGPTI3D:
    path, digest = I3D_PRETRAINED_400.checked(weights_path,
                                              what="VideoGPT's PyTorch I3D (fvd-videogpt)")
    try:
        from cdfvd.third_party.i3d.pytorch_i3d import InceptionI3d
    except ImportError as err:
        raise FeatureUnavailable(
            "fvd-videogpt builds VideoGPT's InceptionI3d from the cd-fvd package "
            f"(pip install --no-deps cd-fvd): {err}") from err
    net = InceptionI3d(400, in_channels=3)
    load_state(net, torch.load(path, map_location="cpu", weights_only=True), path,
               "VideoGPT's InceptionI3d state dict")
    for p in net.parameters():
        p.requires_grad_(False)
    extractor = VideoGPTI3D(net, weights=str(path)).to(torch.device(device))
    extractor.weights_loaded = [digest]
    return extractor
