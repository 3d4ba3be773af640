"""VideoMAE-v2 ViT-g/14 features of content-debiased FVD (protocol ``cd-fvd``).

Ge et al., "On the Content Bias in Fréchet Video Distance", CVPR 2024; package ``cd-fvd``,
``cdfvd/third_party/VideoMAEv2/utils.py`` ``load_videomae_model``:
``vit_giant_patch14_224(img_size=224, pretrained=False, num_classes=174, all_frames=16,
tubelet_size=2, drop_path_rate=0.3, use_mean_pooling=True)`` with the SSv2 fine-tuned
``vit_g_hybrid_pt_1200e_ssv2_ft.pth`` (its ``model`` or ``module`` entry), and
``cdfvd/fvd.py`` ``get_videomae_features``: ``model.forward_features(x)`` — tokens
averaged, then ``fc_norm``: 1408-d — on ``(b, 3, 16, 224, 224)`` in [0, 1] (uint8 / 255,
bilinear resize to 224×224, no normalisation).

The network class comes from ``cd-fvd`` (``videomaev2_finetune.py``, which needs only
torch). Unavailable without the weights file (``weights_path``, ``$PYRATOK_VIDEOMAE_V2``,
``<torch hub dir>/checkpoints/vit_g_hybrid_pt_1200e_ssv2_ft.pth``) or without ``cd-fvd``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from benchmarks.features.base import ClipFeatureExtractor, FeatureUnavailable
from benchmarks.features.protocols import CD_FVD, VIDEOMAE_V2_G
from benchmarks.features.weights import load_state

DIM = 1408
BUILD_KWARGS = {"img_size": 224, "pretrained": False, "num_classes": 174, "all_frames": 16,
                "tubelet_size": 2, "drop_path_rate": 0.3, "use_mean_pooling": True}


class VideoMAEv2(ClipFeatureExtractor):
    """``(b, 3, 16, 224, 224)`` in [0, 1] → ``(b, 1408)``."""

    def __init__(self, net: torch.nn.Module, weights: str) -> None:
        super().__init__(name="videomae_v2", metric_name=CD_FVD.metric, dim=DIM,
                         weights=weights, protocol=CD_FVD.clip,
                         extra={"network": "cdfvd VideoMAEv2 vit_giant_patch14_224",
                                "build": dict(BUILD_KWARGS)})
        self.net = net.eval()

    def forward(self, clip: Tensor) -> Tensor:
        device = next(self.net.parameters()).device
        return self.net.forward_features(clip.to(device))

    def to(self, device: torch.device) -> VideoMAEv2:
        self.net = self.net.to(device)
        return self


def create_videomae_v2(*, device: torch.device | str = "cpu", weights_path: str | None = None,
                       **_: object) -> VideoMAEv2:
    path, digest = VIDEOMAE_V2_G.checked(
        weights_path, what="the VideoMAE-v2 ViT-g of content-debiased FVD (cd-fvd)")
    try:
        from cdfvd.third_party.VideoMAEv2.videomaev2_finetune import vit_giant_patch14_224
    except ImportError as err:
        raise FeatureUnavailable(
            "cd-fvd builds VideoMAE-v2 from the cd-fvd package "
            f"(pip install --no-deps cd-fvd): {err}") from err
    net = vit_giant_patch14_224(**BUILD_KWARGS)
    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("model", "module"):  # cd-fvd load_videomae_model
        if key in state:
            state = state[key]
            break
    load_state(net, state, path, "the VideoMAE-v2 ViT-g/14 state dict")
    for p in net.parameters():
        p.requires_grad_(False)
    extractor = VideoMAEv2(net, weights=str(path)).to(torch.device(device))
    extractor.weights_loaded = [digest]
    return extractor
